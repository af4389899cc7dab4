//! Pieces every item operation shares: reading a request's expressions (or their legacy
//! equivalents), ReturnValues, condition checks and consumed capacity.

use std::collections::BTreeMap;

use crate::error::{conditional_check_failed, validation, Result};
use crate::expr::{self, Condition, ExprContext, ExprKind, Path};
use crate::generated::dynamodb::{Capacity, ConsumedCapacity, ExpectedAttributeValue};
use crate::types::{item_size, Item};

/// DynamoDB's item size limit, 400 KB.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// A write's condition: `ConditionExpression`, or the legacy `Expected` map. (Requests mixing
/// the two were refused by `expr::check_expression_parameters`.)
pub fn write_condition(
    ctx: &mut ExprContext,
    expression: Option<&str>,
    expected: Option<&BTreeMap<String, ExpectedAttributeValue>>,
    conditional_operator: Option<&str>,
) -> Result<Option<Condition>> {
    match (expression, expected) {
        (Some(text), _) => Ok(Some(expr::parse_condition(ctx, text, ExprKind::Condition)?)),
        (None, Some(expected)) => Ok(expr::legacy::expected_to_condition(
            expected,
            conditional_operator,
        )?),
        (None, None) => {
            if conditional_operator.is_some() {
                return Err(validation(
                    "ConditionalOperator can only be used when Expected or ScanFilter or QueryFilter are present",
                ));
            }
            Ok(None)
        }
    }
}

/// The whole condition of a PutItem or DeleteItem: which parameters the request combines, the
/// condition itself, and that every expression name and value it brought was used.
pub fn checked_write_condition(
    names: Option<&BTreeMap<String, String>>,
    values: Option<&BTreeMap<String, crate::types::AttributeValue>>,
    expression: Option<&str>,
    expected: Option<&BTreeMap<String, ExpectedAttributeValue>>,
    conditional_operator: Option<&str>,
) -> Result<Option<Condition>> {
    expr::check_expression_parameters(
        &[("ConditionExpression", expression.is_some())],
        &[("Expected", expected.is_some())],
        names.is_some(),
        values.is_some(),
    )?;
    let mut ex = ExprContext::new(names, values);
    let condition = write_condition(&mut ex, expression, expected, conditional_operator)?;
    ex.finish()?;
    Ok(condition)
}

/// A read's projection: `ProjectionExpression`, or the legacy `AttributesToGet`. (Requests
/// mixing the two were refused by `expr::check_expression_parameters`.)
pub fn projection(
    ctx: &mut ExprContext,
    expression: Option<&str>,
    attributes_to_get: Option<&Vec<String>>,
) -> Result<Option<Vec<Path>>> {
    match (expression, attributes_to_get) {
        (Some(text), _) => Ok(Some(expr::parse_projection(ctx, text)?)),
        (None, Some(names)) => Ok(Some(expr::legacy::attributes_to_get(names)?)),
        (None, None) => Ok(None),
    }
}

/// Checks ReturnValues against the values an operation allows.
pub fn return_values(value: Option<&str>, allowed: &[&str]) -> Result<String> {
    let value = value.unwrap_or("NONE");
    if !allowed.contains(&value) {
        return Err(validation("ReturnValues can only be ALL_OLD or NONE"));
    }
    Ok(value.to_string())
}

/// Evaluates a write's condition against the current item; on failure the error carries the
/// item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
pub fn check_condition(
    condition: Option<&Condition>,
    current: Option<&Item>,
    on_failure: Option<&str>,
) -> Result<()> {
    let Some(condition) = condition else {
        return Ok(());
    };
    let empty = Item::new();
    if condition.eval(current.unwrap_or(&empty))? {
        return Ok(());
    }
    let item = if on_failure == Some("ALL_OLD") {
        current
    } else {
        None
    };
    Err(conditional_check_failed(item))
}

pub fn check_item_size(item: &Item, update: bool) -> Result<()> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(validation(if update {
            "Item size to update has exceeded the maximum allowed size"
        } else {
            "Item size has exceeded the maximum allowed size"
        }));
    }
    Ok(())
}

/// ItemCollectionMetrics when asked for (`SIZE`) on a table with local secondary indexes: the
/// item collection's partition key and DynamoDB's size estimate range (nimbus reports the
/// first gigabyte bucket, as AWS does for small collections).
pub fn collection_metrics(
    mode: Option<&str>,
    table: &crate::storage::TableRecord,
    written: Option<&Item>,
) -> Option<crate::generated::dynamodb::ItemCollectionMetrics> {
    if mode != Some("SIZE") || table.lsis.is_empty() {
        return None;
    }
    let item = written?;
    let key: Item = item
        .get(&table.key.hash.name)
        .map(|v| (table.key.hash.name.clone(), v.clone()))
        .into_iter()
        .collect();
    Some(crate::generated::dynamodb::ItemCollectionMetrics {
        item_collection_key: Some(key),
        size_estimate_range_gb: Some(vec![0.0, 1.0]),
    })
}

/// Capacity units as DynamoDB bills them: writes per 1 KB, reads per 4 KB (half for eventually
/// consistent reads).
pub fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

pub fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// ConsumedCapacity when the request asked for it (`TOTAL` or `INDEXES`).
pub fn consumed(
    mode: Option<&str>,
    table: &str,
    units: f64,
    is_read: bool,
) -> Option<ConsumedCapacity> {
    match mode {
        Some("TOTAL") | Some("INDEXES") => Some(ConsumedCapacity {
            table_name: Some(table.to_string()),
            capacity_units: Some(units),
            read_capacity_units: is_read.then_some(units),
            write_capacity_units: (!is_read).then_some(units),
            table: (mode == Some("INDEXES")).then(|| Capacity {
                capacity_units: Some(units),
                read_capacity_units: is_read.then_some(units),
                write_capacity_units: (!is_read).then_some(units),
            }),
            ..Default::default()
        }),
        _ => None,
    }
}
