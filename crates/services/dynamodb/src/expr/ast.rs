//! The checked forms of DynamoDB expressions: placeholders are already substituted, so these
//! trees can be evaluated against items without the request that produced them.

use std::collections::BTreeSet;
use std::fmt;

use crate::types::{AttributeValue, Item};

/// One step of a document path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    Attr(String),
    Index(usize),
}

/// A document path such as `a.b[2].c`. It always starts with a top-level attribute name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path {
    elements: Vec<PathElement>,
}

impl Path {
    /// The path naming one top-level attribute.
    pub fn attr(name: impl Into<String>) -> Path {
        Path {
            elements: vec![PathElement::Attr(name.into())],
        }
    }

    /// Appends a step.
    pub fn push(&mut self, element: PathElement) {
        self.elements.push(element);
    }

    pub fn elements(&self) -> &[PathElement] {
        &self.elements
    }

    /// The top-level attribute the path starts at.
    pub fn top(&self) -> &str {
        match self.elements.first() {
            Some(PathElement::Attr(name)) => name,
            // Paths are only built by `attr` and `push`, so the first step is a name.
            _ => "",
        }
    }

    /// Whether the path goes below a top-level attribute (`a.b`, `a[0]`).
    pub fn is_nested(&self) -> bool {
        self.elements.len() > 1
    }

    /// The value the path designates in `item`, if there is one.
    pub fn resolve<'i>(&self, item: &'i Item) -> Option<&'i AttributeValue> {
        let mut current = item.get(self.top())?;
        for step in &self.elements[1..] {
            current = match (step, current) {
                (PathElement::Attr(name), AttributeValue::M(map)) => map.get(name)?,
                (PathElement::Index(i), AttributeValue::L(list)) => list.get(*i)?,
                _ => return None,
            };
        }
        Some(current)
    }
}

/// AWS's notation in error messages: `[a, b, [2]]`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, step) in self.elements.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match step {
                PathElement::Attr(name) => f.write_str(name)?,
                PathElement::Index(n) => write!(f, "[{n}]")?,
            }
        }
        f.write_str("]")
    }
}

/// A value inside a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttributeValue),
    /// `size(operand)`: a number, or no value for types that have no size.
    Size(Box<Operand>),
}

/// The comparators of condition expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// The comparator seen from the other side: `a < b` is `b > a`.
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            other => other,
        }
    }
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression, or a legacy
/// condition map converted to the same form).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare {
        op: CompareOp,
        left: Operand,
        right: Operand,
    },
    Between {
        value: Operand,
        low: Operand,
        high: Operand,
    },
    In {
        value: Operand,
        list: Vec<Operand>,
    },
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Operand, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    /// One entry of a legacy map (`Expected`, `KeyConditions`, `QueryFilter`, `ScanFilter`),
    /// keeping its ComparisonOperator: key-condition analysis answers legacy requests with the
    /// legacy messages.
    Legacy {
        attribute: String,
        operator: String,
        condition: Box<Condition>,
    },
}

impl Condition {
    /// The top-level attribute names the condition reads (Query refuses key attributes in
    /// filters).
    pub fn top_level_names(&self) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'s>(&'s self, out: &mut BTreeSet<&'s str>) {
        let operand = |o: &'s Operand, out: &mut BTreeSet<&'s str>| operand_names(o, out);
        match self {
            Condition::Compare { left, right, .. }
            | Condition::AttributeType(left, right)
            | Condition::BeginsWith(left, right)
            | Condition::Contains(left, right) => {
                operand(left, out);
                operand(right, out);
            }
            Condition::Between { value, low, high } => {
                for o in [value, low, high] {
                    operand(o, out);
                }
            }
            Condition::In { value, list } => {
                operand(value, out);
                list.iter().for_each(|o| operand(o, out));
            }
            Condition::AttributeExists(p) | Condition::AttributeNotExists(p) => {
                out.insert(p.top());
            }
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
            Condition::Not(c) | Condition::Legacy { condition: c, .. } => c.collect_names(out),
        }
    }
}

fn operand_names<'s>(o: &'s Operand, out: &mut BTreeSet<&'s str>) {
    match o {
        Operand::Path(p) => {
            out.insert(p.top());
        }
        Operand::Size(inner) => operand_names(inner, out),
        Operand::Value(_) => {}
    }
}

/// An UpdateExpression (or legacy `AttributeUpdates`), as an ordered list of actions.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateExpr {
    pub actions: Vec<UpdateAction>,
    /// Built from `AttributeUpdates`: ADD also appends lists, and type errors use the legacy
    /// message.
    pub legacy: bool,
}

/// One action of an update.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(Path, SetValue),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

impl UpdateAction {
    /// The path the action changes.
    pub fn path(&self) -> &Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}

/// The right-hand side of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Operand(UpdateOperand),
    Plus(UpdateOperand, UpdateOperand),
    Minus(UpdateOperand, UpdateOperand),
}

/// An operand of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOperand {
    Path(Path),
    Value(AttributeValue),
    IfNotExists(Path, Box<UpdateOperand>),
    ListAppend(Box<UpdateOperand>, Box<UpdateOperand>),
}
