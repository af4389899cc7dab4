//! The legacy (pre-expression) parameters, converted into the same trees as expressions:
//! `Expected` and `KeyConditions`/`QueryFilter`/`ScanFilter` (with `ConditionalOperator`) into
//! conditions, `AttributeUpdates` into an update, `AttributesToGet` into a projection.

use std::collections::BTreeMap;

use nimbus_protocol::AwsError;

use crate::generated::dynamodb::{
    AttributeValueUpdate, Condition as LegacyCondition, ExpectedAttributeValue,
};
use crate::types::AttributeValue;

use super::ast::{
    CompareOp, Condition, Operand, Path, SetValue, UpdateAction, UpdateExpr, UpdateOperand,
};
use super::eval::compare_values;

fn invalid(detail: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

/// `KeyConditions`, `QueryFilter` or `ScanFilter`: one condition per attribute, joined by
/// `ConditionalOperator` (AND unless it says OR). `None` for an empty map.
pub fn conditions_to_condition(
    conditions: &BTreeMap<String, LegacyCondition>,
    conditional_operator: Option<&str>,
) -> Result<Option<Condition>, AwsError> {
    let mut parts = Vec::with_capacity(conditions.len());
    for (attr, c) in conditions {
        let values = c.attribute_value_list.as_deref().unwrap_or_default();
        check_values(&c.comparison_operator, values)?;
        parts.push(legacy_condition(attr, &c.comparison_operator, values));
    }
    Ok(join(parts, conditional_operator))
}

/// `Expected`: per attribute either `Value`/`Exists`, or `ComparisonOperator` with `Value` or
/// `AttributeValueList`; joined by `ConditionalOperator`. `None` for an empty map.
pub fn expected_to_condition(
    expected: &BTreeMap<String, ExpectedAttributeValue>,
    conditional_operator: Option<&str>,
) -> Result<Option<Condition>, AwsError> {
    let mut parts = Vec::with_capacity(expected.len());
    for (attr, e) in expected {
        if e.attribute_value_list.is_some() && e.value.is_some() {
            return Err(invalid(format!(
                "Value and AttributeValueList cannot be used together for Attribute: {attr}"
            )));
        }
        if let Some(op) = &e.comparison_operator {
            if e.exists.is_some() {
                return Err(invalid(format!(
                    "Exists and ComparisonOperator cannot be used together for Attribute: {attr}"
                )));
            }
            if !matches!(op.as_str(), "NULL" | "NOT_NULL")
                && e.attribute_value_list.is_none()
                && e.value.is_none()
            {
                return Err(invalid(format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {attr}"
                )));
            }
            let values = match (&e.attribute_value_list, &e.value) {
                (Some(list), _) => list.clone(),
                (None, Some(v)) => vec![v.clone()],
                (None, None) => Vec::new(),
            };
            check_values(op, &values)?;
            parts.push(legacy_condition(attr, op, &values));
        } else if e.attribute_value_list.is_some() {
            return Err(invalid(format!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {attr}"
            )));
        } else {
            match (e.exists, &e.value) {
                (None | Some(true), None) => {
                    let exists = if e.exists.is_some() { "true" } else { "null" };
                    return Err(invalid(format!(
                        "Value must be provided when Exists is {exists} for Attribute: {attr}"
                    )));
                }
                (Some(false), Some(_)) => {
                    return Err(invalid(format!(
                        "Value cannot be used when Exists is false for Attribute: {attr}"
                    )));
                }
                (Some(false), None) => parts.push(legacy_condition(attr, "NULL", &[])),
                (_, Some(v)) => parts.push(legacy_condition(attr, "EQ", std::slice::from_ref(v))),
            }
        }
    }
    Ok(join(parts, conditional_operator))
}

fn join(parts: Vec<Condition>, conditional_operator: Option<&str>) -> Option<Condition> {
    let or = conditional_operator == Some("OR");
    parts.into_iter().reduce(|a, b| {
        if or {
            Condition::Or(Box::new(a), Box::new(b))
        } else {
            Condition::And(Box::new(a), Box::new(b))
        }
    })
}

/// DynamoDB's checks on a ComparisonOperator's AttributeValueList.
fn check_values(op: &str, values: &[AttributeValue]) -> Result<(), AwsError> {
    let count_ok = match op {
        "NULL" | "NOT_NULL" => values.is_empty(),
        "IN" => !values.is_empty(),
        "BETWEEN" => values.len() == 2,
        _ => values.len() == 1,
    };
    if !count_ok {
        return Err(invalid(format!(
            "Invalid number of argument(s) for the {op} ComparisonOperator"
        )));
    }
    if let Some(first) = values.first() {
        if values.iter().any(|v| v.type_name() != first.type_name()) {
            return Err(invalid(
                "AttributeValues inside AttributeValueList must be of same type",
            ));
        }
    }
    let allowed: &[&str] = match op {
        "LE" | "LT" | "GE" | "GT" | "IN" | "BETWEEN" | "CONTAINS" | "NOT_CONTAINS" => {
            &["S", "N", "B"]
        }
        "BEGINS_WITH" => &["S", "B"],
        // EQ and NE take every type.
        _ => &[],
    };
    if let Some(bad) = values
        .iter()
        .find(|v| !allowed.is_empty() && !allowed.contains(&v.type_name()))
    {
        return Err(invalid(format!(
            "ComparisonOperator {op} is not valid for {} AttributeValue type",
            bad.type_name()
        )));
    }
    if let [low, high] = values {
        if op == "BETWEEN" && compare_values(low, high).is_some_and(|o| o.is_gt()) {
            return Err(AwsError::validation(
                "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
            ));
        }
    }
    Ok(())
}

/// The condition one legacy entry stands for. Counts are checked before, so every value an
/// operator needs is there.
fn legacy_condition(attr: &str, op: &str, values: &[AttributeValue]) -> Condition {
    let path = || Operand::Path(Path::attr(attr));
    let value = |i: usize| Operand::Value(values.get(i).cloned().unwrap_or_default());
    let compare = |op| Condition::Compare {
        op,
        left: path(),
        right: value(0),
    };
    let condition = match op {
        "EQ" => compare(CompareOp::Eq),
        "NE" => compare(CompareOp::Ne),
        "LE" => compare(CompareOp::Le),
        "LT" => compare(CompareOp::Lt),
        "GE" => compare(CompareOp::Ge),
        "GT" => compare(CompareOp::Gt),
        "NOT_NULL" => Condition::AttributeExists(Path::attr(attr)),
        "NULL" => Condition::AttributeNotExists(Path::attr(attr)),
        "CONTAINS" => Condition::Contains(path(), value(0)),
        "NOT_CONTAINS" => Condition::Not(Box::new(Condition::Contains(path(), value(0)))),
        "BEGINS_WITH" => Condition::BeginsWith(path(), value(0)),
        "BETWEEN" => Condition::Between {
            value: path(),
            low: value(0),
            high: value(1),
        },
        // IN, and (unreachable after model validation) anything else.
        _ => Condition::In {
            value: path(),
            list: values.iter().cloned().map(Operand::Value).collect(),
        },
    };
    Condition::Legacy {
        attribute: attr.to_string(),
        operator: op.to_string(),
        condition: Box::new(condition),
    }
}

/// `AttributeUpdates`: PUT (the default) sets, ADD adds numbers, sets and lists, DELETE removes
/// the attribute or, with a set value, those elements.
pub fn attribute_updates(
    updates: &BTreeMap<String, AttributeValueUpdate>,
) -> Result<UpdateExpr, AwsError> {
    let mut actions = Vec::with_capacity(updates.len());
    for (name, u) in updates {
        let path = Path::attr(name.as_str());
        let action = u.action.as_deref().unwrap_or("PUT");
        let set = |v: &AttributeValue| {
            matches!(
                v,
                AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_)
            )
        };
        actions.push(match (action, &u.value) {
            ("DELETE", None) => UpdateAction::Remove(path),
            (_, None) => {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified",
                ))
            }
            ("DELETE", Some(v)) if !set(v) => {
                return Err(invalid(format!(
                    "DELETE action with value is not supported for the type {}",
                    v.type_name()
                )))
            }
            ("DELETE", Some(v)) => UpdateAction::Delete(path, v.clone()),
            ("ADD", Some(v))
                if !(set(v) || matches!(v, AttributeValue::N(_) | AttributeValue::L(_))) =>
            {
                return Err(invalid(format!(
                    "ADD action is not supported for the type {}",
                    v.type_name()
                )))
            }
            ("ADD", Some(v)) => UpdateAction::Add(path, v.clone()),
            (_, Some(v)) => {
                UpdateAction::Set(path, SetValue::Operand(UpdateOperand::Value(v.clone())))
            }
        });
    }
    Ok(UpdateExpr {
        actions,
        legacy: true,
    })
}

/// `AttributesToGet`: top-level attribute names, taken literally (no placeholders, no reserved
/// words, no paths).
pub fn attributes_to_get(names: &[String]) -> Result<Vec<Path>, AwsError> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(invalid(format!(
                "Duplicate value in attribute name: {name}"
            )));
        }
    }
    Ok(names.iter().map(|n| Path::attr(n.as_str())).collect())
}
