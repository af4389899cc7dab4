//! Checks of a table's definition: names, key schemas against attribute definitions, billing
//! and throughput, projections, stream specifications.

use crate::error::{invalid_parameter, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{KeyAttr, KeySchema};

pub const MAX_GSIS: usize = 20;
pub const MAX_LSIS: usize = 5;

/// Table names: 3-255 characters of `[a-zA-Z0-9_.-]`. The model now types TableName as "name
/// or ARN", so this rule for new tables is checked here.
pub fn check_table_name(name: &str) -> Result<()> {
    let mut v = nimbus_protocol::Violations::default();
    if name.len() < 3 {
        v.fail(
            "tableName",
            name,
            "Member must have length greater than or equal to 3",
        );
    }
    if name.len() > 255 {
        v.fail(
            "tableName",
            name,
            "Member must have length less than or equal to 255",
        );
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        v.fail(
            "tableName",
            name,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    v.into_result().map_err(Into::into)
}

/// Reads a key schema and checks it against the attribute definitions.
pub fn parse_key_schema(
    elements: &[KeySchemaElement],
    definitions: &[AttributeDefinition],
    index: Option<&str>,
) -> Result<KeySchema> {
    let (first, second) = match elements {
        [a] => (a, None),
        [a, b] => (a, Some(b)),
        _ => return Err(validation("1 validation error detected: Value at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")),
    };
    if first.key_type != "HASH" {
        return Err(invalid_parameter_schema(
            index,
            "The first KeySchemaElement is not a HASH key type",
        ));
    }
    if let Some(s) = second {
        if s.key_type != "RANGE" {
            return Err(invalid_parameter_schema(
                index,
                "The second KeySchemaElement is not a RANGE key type",
            ));
        }
        if s.attribute_name == first.attribute_name {
            return Err(invalid_parameter_schema(
                index,
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
    }
    let lookup = |name: &str| -> Result<KeyAttr> {
        let def = definitions.iter().find(|d| d.attribute_name == name).ok_or_else(|| {
            let keys: Vec<&str> = elements.iter().map(|e| e.attribute_name.as_str()).collect();
            let defs: Vec<&str> = definitions.iter().map(|d| d.attribute_name.as_str()).collect();
            invalid_parameter(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                keys.join(", "),
                defs.join(", ")
            ))
        })?;
        Ok(KeyAttr {
            name: name.to_string(),
            ty: def.attribute_type.clone(),
        })
    };
    Ok(KeySchema {
        hash: lookup(&first.attribute_name)?,
        range: second.map(|s| lookup(&s.attribute_name)).transpose()?,
    })
}

fn invalid_parameter_schema(index: Option<&str>, detail: &str) -> crate::error::Error {
    match index {
        None => validation(format!("Invalid KeySchema: {detail}")),
        Some(name) => invalid_parameter(format!(
            "Index KeySchema is invalid for index {name}: {detail}"
        )),
    }
}

pub fn check_definitions_used(definitions: &[AttributeDefinition], used: &[String]) -> Result<()> {
    let unused = definitions
        .iter()
        .any(|d| !used.contains(&d.attribute_name));
    let mut distinct: Vec<&String> = used.iter().collect();
    distinct.sort();
    distinct.dedup();
    if unused || distinct.len() != definitions.len() {
        return Err(invalid_parameter(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    Ok(())
}

pub fn check_billing(mode: &str, throughput: Option<&ProvisionedThroughput>) -> Result<(i64, i64)> {
    match (mode, throughput) {
        ("PAY_PER_REQUEST", None) => Ok((0, 0)),
        ("PAY_PER_REQUEST", Some(_)) => Err(invalid_parameter(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        )),
        (_, Some(p)) => Ok((p.read_capacity_units, p.write_capacity_units)),
        (_, None) => Err(invalid_parameter(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )),
    }
}

pub fn index_capacity(
    mode: &str,
    throughput: Option<&ProvisionedThroughput>,
    name: &str,
) -> Result<(Option<i64>, Option<i64>)> {
    match (mode, throughput) {
        ("PAY_PER_REQUEST", None) => Ok((None, None)),
        ("PAY_PER_REQUEST", Some(_)) => Err(invalid_parameter(
            "ProvisionedThroughput should not be specified for index: ".to_string()
                + name
                + " when BillingMode is PAY_PER_REQUEST",
        )),
        (_, Some(p)) => Ok((Some(p.read_capacity_units), Some(p.write_capacity_units))),
        (_, None) => Err(invalid_parameter(format!(
            "ProvisionedThroughput is not specified for index: {name}"
        ))),
    }
}

pub fn check_projection(p: &Projection) -> Result<()> {
    match (p.projection_type.as_deref(), &p.non_key_attributes) {
        (Some("INCLUDE"), None) => Err(validation(
            "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
        )),
        (Some("ALL") | Some("KEYS_ONLY"), Some(_)) => Err(invalid_parameter(format!(
            "ProjectionType is {}, but NonKeyAttributes is specified",
            p.projection_type.as_deref().unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

pub fn check_stream_spec(spec: Option<&StreamSpecification>) -> Result<()> {
    if let Some(s) = spec {
        if s.stream_enabled && s.stream_view_type.is_none() {
            return Err(invalid_parameter(
                "You must specify a StreamViewType when enabling a DynamoDB Stream",
            ));
        }
    }
    Ok(())
}
