//! Syntax trees exactly as written, before placeholders are substituted and before the semantic
//! checks. DynamoDB reports syntax errors before anything else, then semantic errors in a fixed
//! order over the whole expression, so parsing and checking are two separate passes.

use super::ast::CompareOp;

/// One step of a path as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawStep {
    /// A bare name (checked against the reserved words).
    Name(String),
    /// A `#name` placeholder.
    Placeholder(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPath(pub Vec<RawStep>);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawOperand {
    Path(RawPath),
    /// A `:value` placeholder.
    Value(String),
    Call(RawCall),
}

/// A function call: `name(args…)`. Names are checked (and are case-sensitive) later.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCall {
    pub name: String,
    pub args: Vec<RawOperand>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCond {
    Compare(CompareOp, RawOperand, RawOperand),
    Between(RawOperand, RawOperand, RawOperand),
    In(RawOperand, Vec<RawOperand>),
    /// A function used as a whole condition (`attribute_exists(a)`).
    Call(RawCall),
    And(Box<RawCond>, Box<RawCond>),
    Or(Box<RawCond>, Box<RawCond>),
    Not(Box<RawCond>),
}

/// A parsed condition and whether it had doubled parentheses such as `((a = b))`, which
/// DynamoDB refuses once the syntax is otherwise fine.
#[derive(Debug)]
pub(crate) struct RawCondition {
    pub cond: RawCond,
    pub redundant_parens: bool,
}

/// The right-hand side of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawSet {
    One(RawOperand),
    Plus(RawOperand, RawOperand),
    Minus(RawOperand, RawOperand),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawAction {
    Set(RawPath, RawSet),
    Remove(RawPath),
    Add(RawPath, String),
    Delete(RawPath, String),
}

/// One `SET …`, `REMOVE …`, `ADD …` or `DELETE …` clause.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawSection {
    /// Upper case: `SET`, `REMOVE`, `ADD`, `DELETE`.
    pub keyword: &'static str,
    pub actions: Vec<RawAction>,
}
