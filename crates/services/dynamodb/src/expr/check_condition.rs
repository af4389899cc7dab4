//! Semantic checks of a parsed condition, producing the checked `Condition`.
//!
//! DynamoDB's order: redundant parentheses, unknown function names, functions used where they
//! are not allowed, reserved words, and then, for the first comparison or function (in text
//! order) that has any problem: undefined placeholders, operand counts, identical operands,
//! operand types.

use nimbus_protocol::blob::encode_base64;

use crate::types::{AttributeValue, Number};

use super::ast::{CompareOp, Condition, Operand};
use super::check::*;
use super::context::ExprContext;
use super::eval::compare_values;
use super::syntax::{RawCall, RawCond, RawCondition, RawOperand};

/// The condition functions and how many operands each takes.
const FUNCTIONS: &[(&str, usize)] = &[
    ("attribute_exists", 1),
    ("attribute_not_exists", 1),
    ("attribute_type", 2),
    ("begins_with", 2),
    ("contains", 2),
    ("size", 1),
];

const TYPE_NAMES: &[&str] = &["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

/// Most values an IN list may hold.
const MAX_IN_OPERANDS: usize = 100;

/// Checks a parsed condition; the error is the message without the `Invalid …:` prefix.
pub(crate) fn check_condition(
    ctx: &mut ExprContext<'_>,
    raw: &RawCondition,
) -> Result<Condition, String> {
    let mut c = Checker {
        ctx,
        unknown: First::default(),
        misused: First::default(),
        reserved: First::default(),
        leaf: None,
    };
    if raw.redundant_parens {
        return Err("The expression has redundant parentheses;".to_string());
    }
    let cond = c.cond(&raw.cond);
    let leaf = &mut First(c.leaf.take());
    match first_of(&mut [&mut c.unknown, &mut c.misused, &mut c.reserved, leaf]) {
        Some(message) => Err(message),
        None => Ok(cond),
    }
}

struct Checker<'c, 'a> {
    ctx: &'c mut ExprContext<'a>,
    unknown: First,
    misused: First,
    reserved: First,
    /// The first problem of the first comparison or function that has one.
    leaf: Option<String>,
}

/// The problems of one comparison or function, by rank.
#[derive(Default)]
struct Leaf {
    undefined: First,
    operands: First,
    distinct: First,
    types: First,
}

/// A checked operand and its type when it is known before evaluation.
struct Typed {
    operand: Operand,
    ty: Option<&'static str>,
}

fn orderable(ty: &str) -> bool {
    matches!(ty, "N" | "S" | "B")
}

/// `AttributeValue: {N:5}`, as DynamoDB shows values in BETWEEN errors (which only ever involve
/// strings, numbers and binaries: other types fail the operand type check first).
fn show(v: &AttributeValue) -> String {
    let body = match v {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::B(b) => encode_base64(b),
        other => other.type_name().to_string(),
    };
    format!("AttributeValue: {{{}:{}}}", v.type_name(), body)
}

impl Checker<'_, '_> {
    fn cond(&mut self, raw: &RawCond) -> Condition {
        match raw {
            RawCond::And(a, b) => Condition::And(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::Or(a, b) => Condition::Or(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::Not(c) => Condition::Not(Box::new(self.cond(c))),
            leaf => {
                let mut problems = Leaf::default();
                let cond = self.leaf(leaf, &mut problems);
                if self.leaf.is_none() {
                    self.leaf = first_of(&mut [
                        &mut problems.undefined,
                        &mut problems.operands,
                        &mut problems.distinct,
                        &mut problems.types,
                    ]);
                }
                cond
            }
        }
    }

    fn leaf(&mut self, raw: &RawCond, p: &mut Leaf) -> Condition {
        match raw {
            RawCond::Compare(op, l, r) => {
                let (l, r) = (self.operand(l, p), self.operand(r, p));
                distinct(op.symbol(), &l.operand, &r.operand, p);
                if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    for t in [&l, &r] {
                        if let Some(ty) = t.ty.filter(|t| !orderable(t)) {
                            p.types.set(|| operand_type(op.symbol(), ty));
                        }
                    }
                }
                Condition::Compare {
                    op: *op,
                    left: l.operand,
                    right: r.operand,
                }
            }
            RawCond::Between(v, lo, hi) => {
                let (v, lo, hi) = (self.operand(v, p), self.operand(lo, p), self.operand(hi, p));
                for t in [&v, &lo, &hi] {
                    if let Some(ty) = t.ty.filter(|t| !orderable(t)) {
                        p.types.set(|| operand_type("BETWEEN", ty));
                    }
                }
                if let (Operand::Value(a), Operand::Value(b)) = (&lo.operand, &hi.operand) {
                    if a.type_name() != b.type_name() {
                        p.types.set(|| {
                            format!("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {}, upper bound operand: {}", show(a), show(b))
                        });
                    } else if compare_values(a, b).is_some_and(|o| o.is_gt()) {
                        p.types.set(|| {
                            format!("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {}, upper bound operand: {}", show(a), show(b))
                        });
                    }
                }
                Condition::Between {
                    value: v.operand,
                    low: lo.operand,
                    high: hi.operand,
                }
            }
            RawCond::In(v, list) => {
                let value = self.operand(v, p).operand;
                let list: Vec<Operand> = list.iter().map(|o| self.operand(o, p).operand).collect();
                if list.len() > MAX_IN_OPERANDS {
                    p.operands.set(|| {
                        format!("The IN operator is provided with too many operands; number of operands: {}", list.len())
                    });
                }
                Condition::In { value, list }
            }
            RawCond::Call(call) => {
                if call.name == "size" {
                    self.misused.set(|| misused(&call.name));
                }
                match self.call(call, p) {
                    Called::Cond(c) => c,
                    _ => placeholder_condition(),
                }
            }
            // And/Or/Not are handled by `cond`.
            RawCond::And(..) | RawCond::Or(..) | RawCond::Not(..) => self.cond(raw),
        }
    }

    /// An operand of a comparison or of a function: only `size` may be a function here.
    fn operand(&mut self, raw: &RawOperand, p: &mut Leaf) -> Typed {
        match raw {
            RawOperand::Path(path) => {
                match resolve_path(self.ctx, path, &mut self.reserved, &mut p.undefined) {
                    Some(path) => Typed {
                        operand: Operand::Path(path),
                        ty: None,
                    },
                    None => unknown_operand(),
                }
            }
            RawOperand::Value(name) => match resolve_value(self.ctx, name, &mut p.undefined) {
                Some(v) => Typed {
                    ty: Some(v.type_name()),
                    operand: Operand::Value(v),
                },
                None => unknown_operand(),
            },
            RawOperand::Call(call) => {
                if call.name != "size" {
                    self.misused.set(|| misused(&call.name));
                }
                match self.call(call, p) {
                    Called::Size(operand) => Typed {
                        operand,
                        ty: Some("N"),
                    },
                    _ => unknown_operand(),
                }
            }
        }
    }

    fn call(&mut self, call: &RawCall, p: &mut Leaf) -> Called {
        let args: Vec<Typed> = call.args.iter().map(|a| self.operand(a, p)).collect();
        let Some(&(name, arity)) = FUNCTIONS.iter().find(|(n, _)| *n == call.name) else {
            self.unknown.set(|| unknown_function(&call.name));
            return Called::Invalid;
        };
        if args.len() != arity {
            p.operands.set(|| operand_count(name, args.len()));
            return Called::Invalid;
        }
        let mut args = args.into_iter();
        let (Some(a), b) = (args.next(), args.next()) else {
            return Called::Invalid;
        };
        if let Some(b) = &b {
            distinct(name, &a.operand, &b.operand, p);
        }
        match (name, b) {
            ("attribute_exists" | "attribute_not_exists", _) => match a.operand {
                Operand::Path(path) if name == "attribute_exists" => {
                    Called::Cond(Condition::AttributeExists(path))
                }
                Operand::Path(path) => Called::Cond(Condition::AttributeNotExists(path)),
                _ => {
                    p.types.set(|| needs_path(name));
                    Called::Invalid
                }
            },
            ("size", _) => {
                if let Some(ty) = a.ty.filter(|t| matches!(*t, "N" | "BOOL" | "NULL")) {
                    p.types.set(|| operand_type(name, ty));
                }
                Called::Size(Operand::Size(Box::new(a.operand)))
            }
            ("attribute_type", Some(b)) => {
                match (&b.operand, b.ty) {
                    (Operand::Value(AttributeValue::S(t)), _) if !TYPE_NAMES.contains(&t.as_str()) => p.types.set(|| {
                        format!("Invalid attribute type name found; type: {t}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}")
                    }),
                    (_, Some("S")) => {}
                    (_, ty) => p.types.set(|| operand_type(name, ty.unwrap_or("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"))),
                }
                Called::Cond(Condition::AttributeType(a.operand, b.operand))
            }
            ("begins_with", Some(b)) => {
                for t in [&a, &b] {
                    if let Some(ty) = t.ty.filter(|t| !matches!(*t, "S" | "B")) {
                        p.types.set(|| operand_type(name, ty));
                    }
                }
                Called::Cond(Condition::BeginsWith(a.operand, b.operand))
            }
            (_, Some(b)) => Called::Cond(Condition::Contains(a.operand, b.operand)),
            (_, None) => Called::Invalid,
        }
    }
}

/// What a checked function call is.
enum Called {
    Cond(Condition),
    Size(Operand),
    Invalid,
}

fn misused(name: &str) -> String {
    format!("The function is not allowed to be used this way in an expression; function: {name}")
}

/// Two identical paths as a comparison's or function's operands.
fn distinct(operator: &str, a: &Operand, b: &Operand, p: &mut Leaf) {
    if let (Operand::Path(x), Operand::Path(y)) = (a, b) {
        if x == y {
            p.distinct.set(|| {
                format!("The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {x}")
            });
        }
    }
}

/// Stands in for an operand that has already produced an error, so checking can go on.
fn unknown_operand() -> Typed {
    Typed {
        operand: Operand::Value(AttributeValue::N(Number::zero())),
        ty: None,
    }
}

/// Stands in for a condition that has already produced an error; it is never evaluated.
fn placeholder_condition() -> Condition {
    Condition::Not(Box::new(Condition::In {
        value: unknown_operand().operand,
        list: Vec::new(),
    }))
}
