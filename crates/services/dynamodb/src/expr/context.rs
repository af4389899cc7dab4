//! The request-wide state of expression parsing: the ExpressionAttributeNames and
//! ExpressionAttributeValues maps, and which of their entries the request's expressions used.

use std::collections::{BTreeMap, BTreeSet};

use nimbus_protocol::AwsError;

use crate::types::AttributeValue;

/// Placeholder maps of one request, shared by all of its expressions (for example a
/// ConditionExpression and an UpdateExpression): every entry must be used by one of them.
#[derive(Debug)]
pub struct ExprContext<'a> {
    names: Option<&'a BTreeMap<String, String>>,
    values: Option<&'a BTreeMap<String, AttributeValue>>,
    used_names: BTreeSet<String>,
    used_values: BTreeSet<String>,
    parsed: usize,
}

/// What a placeholder key must look like: `#` or `:` then `[0-9A-Za-z_]+`.
fn valid_key(key: &str, sigil: char) -> bool {
    key.strip_prefix(sigil).is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

impl<'a> ExprContext<'a> {
    pub fn new(
        names: Option<&'a BTreeMap<String, String>>,
        values: Option<&'a BTreeMap<String, AttributeValue>>,
    ) -> ExprContext<'a> {
        ExprContext {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
            parsed: 0,
        }
    }

    /// Checks the maps themselves; DynamoDB does so before parsing any expression.
    pub(crate) fn check_maps(&self) -> Result<(), AwsError> {
        if let Some(names) = self.names {
            if names.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeNames must not be empty",
                ));
            }
            if let Some(key) = names.keys().find(|k| !valid_key(k, '#')) {
                return Err(AwsError::validation(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        if let Some(values) = self.values {
            if values.is_empty() {
                return Err(AwsError::validation(
                    "ExpressionAttributeValues must not be empty",
                ));
            }
            if let Some(key) = values.keys().find(|k| !valid_key(k, ':')) {
                return Err(AwsError::validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        Ok(())
    }

    /// Notes that an expression of the request was parsed.
    pub(crate) fn note_parsed(&mut self) {
        self.parsed += 1;
    }

    /// Resolves a `#name` placeholder, marking it used.
    pub(crate) fn name(&mut self, placeholder: &str) -> Option<String> {
        let name = self.names?.get(placeholder)?.clone();
        self.used_names.insert(placeholder.to_string());
        Some(name)
    }

    /// Resolves a `:value` placeholder, marking it used.
    pub(crate) fn value(&mut self, placeholder: &str) -> Option<AttributeValue> {
        let value = self.values?.get(placeholder)?.clone();
        self.used_values.insert(placeholder.to_string());
        Some(value)
    }

    /// Once every expression of the request is parsed: refuses maps no expression could use and
    /// entries no expression used.
    pub fn finish(&self) -> Result<(), AwsError> {
        if self.parsed == 0 {
            if self.names.is_some() {
                return Err(AwsError::validation(
                    "ExpressionAttributeNames can only be specified when using expressions",
                ));
            }
            if self.values.is_some() {
                return Err(AwsError::validation(
                    "ExpressionAttributeValues can only be specified when using expressions",
                ));
            }
        }
        let unused = |keys: Vec<&String>, what: &str| {
            AwsError::validation(format!(
                "Value provided in {what} unused in expressions: keys: {{{}}}",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        let names: Vec<&String> = self
            .names
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| !self.used_names.contains(*k))
            .collect();
        if !names.is_empty() {
            return Err(unused(names, "ExpressionAttributeNames"));
        }
        let values: Vec<&String> = self
            .values
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| !self.used_values.contains(*k))
            .collect();
        if !values.is_empty() {
            return Err(unused(values, "ExpressionAttributeValues"));
        }
        Ok(())
    }
}

/// DynamoDB's checks on which parameters a request combines, made before anything else is
/// validated. Each list holds `(parameter name, present)` in the order DynamoDB names them:
///
/// | operation        | expression parameters                                        | non-expression parameters |
/// |------------------|--------------------------------------------------------------|---------------------------|
/// | GetItem, BatchGetItem | ProjectionExpression                                    | AttributesToGet |
/// | PutItem, DeleteItem | ConditionExpression                                       | Expected |
/// | UpdateItem       | UpdateExpression, ConditionExpression                        | AttributeUpdates, Expected |
/// | Query            | ProjectionExpression, FilterExpression, KeyConditionExpression | AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions |
/// | Scan             | ProjectionExpression, FilterExpression                       | AttributesToGet, ScanFilter, ConditionalOperator |
pub fn check_expression_parameters(
    expression: &[(&str, bool)],
    non_expression: &[(&str, bool)],
    names_given: bool,
    values_given: bool,
) -> Result<(), AwsError> {
    let present: Vec<&str> = expression
        .iter()
        .filter(|(_, p)| *p)
        .map(|(n, _)| *n)
        .collect();
    if !present.is_empty() {
        let key_condition_expression = present.contains(&"KeyConditionExpression");
        // DynamoDB lets KeyConditions go with the other expressions; only KeyConditionExpression
        // excludes it.
        let legacy: Vec<&str> = non_expression
            .iter()
            .filter(|(n, p)| *p && (*n != "KeyConditions" || key_condition_expression))
            .map(|(n, _)| *n)
            .collect();
        if !legacy.is_empty() {
            return Err(AwsError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: \
                 Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                legacy.join(", "),
                present.join(", ")
            )));
        }
    }
    if names_given && present.is_empty() {
        return Err(AwsError::validation(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    // Projections take no values, so they do not count here.
    let valued: Vec<&(&str, bool)> = expression
        .iter()
        .filter(|(n, _)| *n != "ProjectionExpression")
        .collect();
    if values_given && !valued.is_empty() && valued.iter().all(|(_, p)| !*p) {
        let names: Vec<&str> = valued.iter().map(|(n, _)| *n).collect();
        return Err(AwsError::validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            names.join(" and "),
            if names.len() > 1 { "are" } else { "is" }
        )));
    }
    Ok(())
}
