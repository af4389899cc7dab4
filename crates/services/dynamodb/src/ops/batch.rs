//! BatchGetItem and BatchWriteItem.

use std::collections::BTreeMap;

use nimbus_core::RequestContext;
use nimbus_store::Store;

use super::common::{self, check_item_size, consumed, read_units, write_units};
use super::items::{check_target, write_one, PreparedWrite, WriteKind};
use crate::error::{invalid_parameter, validation, Result};
use crate::expr::{self, ExprContext};
use crate::generated::dynamodb::*;
use crate::storage::catalog::require_table;
use crate::storage::records::get_item;
use crate::types::{item_size, Item};

const MAX_GET_KEYS: usize = 100;
const MAX_WRITES: usize = 25;
/// BatchGetItem returns at most this much; the rest comes back as UnprocessedKeys.
const MAX_GET_BYTES: usize = 16 * 1024 * 1024;

pub fn batch_get_item(
    store: &Store,
    ctx: &RequestContext,
    input: BatchGetItemInput,
) -> Result<BatchGetItemOutput> {
    let total: usize = input.request_items.values().map(|k| k.keys.len()).sum();
    if total > MAX_GET_KEYS {
        return Err(validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    if input.request_items.is_empty() {
        return Err(validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }
    // Parse every table's projection before reading anything.
    let mut plans = Vec::new();
    for (table_name, request) in &input.request_items {
        expr::check_expression_parameters(
            &[(
                "ProjectionExpression",
                request.projection_expression.is_some(),
            )],
            &[("AttributesToGet", request.attributes_to_get.is_some())],
            request.expression_attribute_names.is_some(),
            false,
        )?;
        let mut ex = ExprContext::new(request.expression_attribute_names.as_ref(), None);
        let projection = common::projection(
            &mut ex,
            request.projection_expression.as_deref(),
            request.attributes_to_get.as_ref(),
        )?;
        ex.finish()?;
        for (i, key) in request.keys.iter().enumerate() {
            if request.keys[..i].contains(key) {
                return Err(validation("Provided list of item keys contains duplicates"));
            }
        }
        plans.push((table_name, request, projection));
    }
    store.read(|r| {
        let mut responses: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        let mut unprocessed: BTreeMap<String, KeysAndAttributes> = BTreeMap::new();
        let mut capacity = Vec::new();
        let mut bytes = 0usize;
        for (table_name, request, projection) in &plans {
            let table = require_table(r, ctx, table_name)?;
            let consistent = request.consistent_read.unwrap_or(false);
            let found = responses.entry(table_name.to_string()).or_default();
            let mut units = 0.0;
            for key in &request.keys {
                let encoded = table.key.encode_key_param(table.uid, key)?;
                if bytes >= MAX_GET_BYTES {
                    unprocessed
                        .entry(table_name.to_string())
                        .or_insert_with(|| KeysAndAttributes {
                            keys: Vec::new(),
                            ..(*request).clone()
                        })
                        .keys
                        .push(key.clone());
                    continue;
                }
                if let Some(item) = get_item(r, &encoded)? {
                    let size = item_size(&item);
                    bytes += size;
                    units += read_units(size, consistent);
                    found.push(match projection {
                        Some(paths) => expr::project(&item, paths),
                        None => item,
                    });
                }
            }
            capacity.extend(consumed(
                input.return_consumed_capacity.as_deref(),
                &table.name,
                units,
                true,
            ));
        }
        Ok(BatchGetItemOutput {
            responses: Some(responses),
            unprocessed_keys: Some(unprocessed),
            consumed_capacity: (!capacity.is_empty()).then_some(capacity),
        })
    })
}

pub fn batch_write_item(
    store: &Store,
    ctx: &RequestContext,
    input: BatchWriteItemInput,
) -> Result<BatchWriteItemOutput> {
    if input
        .request_items
        .values()
        .any(|requests| requests.len() > MAX_WRITES)
    {
        return Err(validation(format!(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to {MAX_WRITES}, Member must have length greater than or equal to 1]"
        )));
    }
    let total: usize = input.request_items.values().map(Vec::len).sum();
    if total > MAX_WRITES {
        return Err(validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    let mut writes = Vec::new();
    for (table_name, requests) in &input.request_items {
        for request in requests {
            let kind =
                match (&request.put_request, &request.delete_request) {
                    (Some(put), None) => {
                        check_item_size(&put.item, false)?;
                        WriteKind::Put(put.item.clone())
                    }
                    (None, Some(delete)) => WriteKind::Delete(delete.key.clone()),
                    _ => return Err(invalid_parameter(
                        "A WriteRequest must contain exactly one of PutRequest or DeleteRequest",
                    )),
                };
            writes.push(PreparedWrite {
                table_name: table_name.clone(),
                kind,
                condition: None,
                on_failure: None,
            });
        }
    }
    let units = store.write(|w| {
        let mut seen: Vec<(String, Item)> = Vec::new();
        let mut units: BTreeMap<String, f64> = BTreeMap::new();
        for write in &writes {
            let table = check_target(w.as_read(), ctx, write)?;
            let identity = (table.name.clone(), table.key.key_of(write.key_or_item()));
            if seen.contains(&identity) {
                return Err(validation("Provided list of item keys contains duplicates"));
            }
            seen.push(identity);
            let size = match &write.kind {
                WriteKind::Put(item) => item_size(item),
                _ => 0,
            };
            *units.entry(table.name.clone()).or_default() += write_units(size);
        }
        for write in &writes {
            write_one(w, ctx, write)?;
        }
        Ok(units)
    })?;
    let capacity: Vec<ConsumedCapacity> = units
        .iter()
        .filter_map(|(t, u)| consumed(input.return_consumed_capacity.as_deref(), t, *u, false))
        .collect();
    Ok(BatchWriteItemOutput {
        unprocessed_items: Some(BTreeMap::new()),
        consumed_capacity: (!capacity.is_empty()).then_some(capacity),
        item_collection_metrics: None,
    })
}
