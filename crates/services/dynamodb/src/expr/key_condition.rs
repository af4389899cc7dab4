//! Query key conditions: from a checked KeyConditionExpression (or converted `KeyConditions`) to
//! the partition key's value and an optional sort-key range.

use nimbus_protocol::AwsError;

use crate::types::AttributeValue;

use super::ast::{CompareOp, Condition, Operand};
use super::eval::{compare_values, values_equal};

/// What a Query reads: one partition, and optionally a range of sort keys within it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    pub partition: AttributeValue,
    pub sort: Option<SortKeyCondition>,
}

/// The sort-key conditions a Query accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKeyCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl SortKeyCondition {
    /// The values the condition compares with.
    pub fn values(&self) -> Vec<&AttributeValue> {
        match self {
            SortKeyCondition::Between(a, b) => vec![a, b],
            SortKeyCondition::Eq(v)
            | SortKeyCondition::Lt(v)
            | SortKeyCondition::Le(v)
            | SortKeyCondition::Gt(v)
            | SortKeyCondition::Ge(v)
            | SortKeyCondition::BeginsWith(v) => vec![v],
        }
    }

    /// Whether a sort-key value satisfies the condition.
    pub fn matches(&self, v: &AttributeValue) -> bool {
        let cmp = |x: &AttributeValue| compare_values(v, x);
        match self {
            SortKeyCondition::Eq(x) => values_equal(v, x),
            SortKeyCondition::Lt(x) => cmp(x).is_some_and(|o| o.is_lt()),
            SortKeyCondition::Le(x) => cmp(x).is_some_and(|o| o.is_le()),
            SortKeyCondition::Gt(x) => cmp(x).is_some_and(|o| o.is_gt()),
            SortKeyCondition::Ge(x) => cmp(x).is_some_and(|o| o.is_ge()),
            SortKeyCondition::Between(lo, hi) => {
                cmp(lo).is_some_and(|o| o.is_ge()) && cmp(hi).is_some_and(|o| o.is_le())
            }
            SortKeyCondition::BeginsWith(p) => match (v, p) {
                (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
                (AttributeValue::B(s), AttributeValue::B(p)) => s.starts_with(p),
                _ => false,
            },
        }
    }
}

/// One attribute's condition within a key condition.
struct Term {
    attr: String,
    kind: Kind,
    values: Vec<AttributeValue>,
}

enum Kind {
    Compare(CompareOp),
    Between,
    BeginsWith,
    /// A legacy operator no key accepts (NE, IN, NULL, NOT_NULL, CONTAINS, NOT_CONTAINS).
    NotIndexable,
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::validation(message)
}

fn bad_operator(op: &str) -> AwsError {
    invalid(format!(
        "Invalid operator used in KeyConditionExpression: {op}"
    ))
}

/// Splits a key condition into the partition key's value and the sort key's condition, with
/// DynamoDB's errors for shapes a Query cannot use. `partition_key` and `sort_key` are the key
/// attributes of the table or index queried. Value types are not compared with the key schema
/// here; the caller does that with `KeyCondition::partition` and `SortKeyCondition::values`.
pub fn analyze_key_condition(
    condition: &Condition,
    partition_key: &str,
    sort_key: Option<&str>,
) -> Result<KeyCondition, AwsError> {
    let mut terms = Vec::new();
    collect(condition, &mut terms)?;
    if !(1..=2).contains(&terms.len()) {
        return Err(invalid("Conditions can be of length 1 or 2 only"));
    }
    let n = terms.len();
    let find = |key: &str| terms.iter().find(|t| t.attr == key);
    if sort_key.is_none() && n > 1 {
        return Err(invalid("Query key condition not supported"));
    }
    let Some(hash) = find(partition_key) else {
        return Err(invalid(format!(
            "Query condition missed key schema element: {partition_key}"
        )));
    };
    let not_indexable =
        || invalid("Attempted conditional constraint is not an indexable operation");
    let partition = match (&hash.kind, hash.values.first()) {
        (Kind::NotIndexable, _) => return Err(not_indexable()),
        (Kind::Compare(CompareOp::Eq), Some(v)) => v.clone(),
        _ => return Err(invalid("Query key condition not supported")),
    };
    let range = sort_key.and_then(|k| find(k).map(|t| (k, t)));
    if n > 1 && range.is_none() {
        let missing = sort_key.unwrap_or(partition_key);
        return Err(invalid(format!(
            "Query condition missed key schema element: {missing}"
        )));
    }
    let sort = match range {
        None => None,
        Some((_, t)) => {
            let v = |i: usize| t.values.get(i).cloned().unwrap_or_default();
            Some(match &t.kind {
                Kind::NotIndexable => return Err(not_indexable()),
                Kind::Compare(CompareOp::Eq) => SortKeyCondition::Eq(v(0)),
                Kind::Compare(CompareOp::Lt) => SortKeyCondition::Lt(v(0)),
                Kind::Compare(CompareOp::Le) => SortKeyCondition::Le(v(0)),
                Kind::Compare(CompareOp::Gt) => SortKeyCondition::Gt(v(0)),
                Kind::Compare(CompareOp::Ge) => SortKeyCondition::Ge(v(0)),
                Kind::Compare(CompareOp::Ne) => return Err(bad_operator("<>")),
                Kind::Between => SortKeyCondition::Between(v(0), v(1)),
                Kind::BeginsWith => SortKeyCondition::BeginsWith(v(0)),
            })
        }
    };
    Ok(KeyCondition { partition, sort })
}

/// Flattens the ANDed conditions, refusing what a key condition cannot contain, in DynamoDB's
/// order (outer operators before inner ones, operands left to right).
fn collect(c: &Condition, out: &mut Vec<Term>) -> Result<(), AwsError> {
    match c {
        Condition::And(a, b) => {
            collect(a, out)?;
            collect(b, out)
        }
        Condition::Or(..) => Err(bad_operator("OR")),
        Condition::Not(..) => Err(bad_operator("NOT")),
        Condition::In { .. } => Err(bad_operator("IN")),
        Condition::Compare {
            op: CompareOp::Ne, ..
        } => Err(bad_operator("<>")),
        Condition::AttributeExists(_) => Err(bad_operator("attribute_exists")),
        Condition::AttributeNotExists(_) => Err(bad_operator("attribute_not_exists")),
        Condition::AttributeType(..) => Err(bad_operator("attribute_type")),
        Condition::Contains(..) => Err(bad_operator("contains")),
        Condition::Compare { op, left, right } => term(Kind::Compare(*op), &[left, right], out),
        Condition::Between { value, low, high } => {
            if !matches!(value, Operand::Path(_)) {
                return Err(invalid(
                    "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
                ));
            }
            term(Kind::Between, &[value, low, high], out)
        }
        Condition::BeginsWith(a, b) => {
            if !matches!(a, Operand::Path(_)) {
                return Err(invalid(
                    "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
                ));
            }
            term(Kind::BeginsWith, &[a, b], out)
        }
        Condition::Legacy {
            attribute,
            operator,
            condition,
        } => {
            let kind = match operator.as_str() {
                "EQ" => Kind::Compare(CompareOp::Eq),
                "LT" => Kind::Compare(CompareOp::Lt),
                "LE" => Kind::Compare(CompareOp::Le),
                "GT" => Kind::Compare(CompareOp::Gt),
                "GE" => Kind::Compare(CompareOp::Ge),
                "BETWEEN" => Kind::Between,
                "BEGINS_WITH" => Kind::BeginsWith,
                _ => Kind::NotIndexable,
            };
            let mut values = Vec::new();
            literal_values(condition, &mut values);
            out.push(Term {
                attr: attribute.clone(),
                kind,
                values,
            });
            Ok(())
        }
    }
}

/// One comparison on a key: exactly one operand names a top-level attribute, the others are
/// values. A value on the left of a comparison turns it around (`:v < sk` is `sk > :v`).
fn term(kind: Kind, operands: &[&Operand], out: &mut Vec<Term>) -> Result<(), AwsError> {
    let mut attr: Option<(usize, &str)> = None;
    let mut values = Vec::new();
    for (i, o) in operands.iter().enumerate() {
        match o {
            Operand::Path(p) => {
                if attr.is_some() {
                    return Err(invalid(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                if p.is_nested() {
                    return Err(invalid(
                        "KeyConditionExpressions cannot have conditions on nested attributes",
                    ));
                }
                attr = Some((i, p.top()));
            }
            Operand::Size(_) => {
                return Err(invalid(
                    "KeyConditionExpressions cannot contain nested operations",
                ))
            }
            Operand::Value(v) => values.push(v.clone()),
        }
    }
    let Some((position, name)) = attr else {
        return Err(invalid(
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ));
    };
    if out.iter().any(|t| t.attr == name) {
        return Err(invalid(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    let kind = match kind {
        Kind::Compare(op) if position != 0 => Kind::Compare(op.flipped()),
        other => other,
    };
    out.push(Term {
        attr: name.to_string(),
        kind,
        values,
    });
    Ok(())
}

fn literal_values(c: &Condition, out: &mut Vec<AttributeValue>) {
    let mut push = |o: &Operand| {
        if let Operand::Value(v) = o {
            out.push(v.clone());
        }
    };
    match c {
        Condition::Compare { left, right, .. }
        | Condition::AttributeType(left, right)
        | Condition::BeginsWith(left, right)
        | Condition::Contains(left, right) => {
            push(left);
            push(right);
        }
        Condition::Between { value, low, high } => [value, low, high].into_iter().for_each(push),
        Condition::In { value, list } => std::iter::once(value).chain(list).for_each(push),
        Condition::Not(inner)
        | Condition::Legacy {
            condition: inner, ..
        } => literal_values(inner, out),
        Condition::And(..)
        | Condition::Or(..)
        | Condition::AttributeExists(_)
        | Condition::AttributeNotExists(_) => {}
    }
}
