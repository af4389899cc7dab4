//! TransactWriteItems and TransactGetItems: all or nothing, in one store transaction.

use nimbus_core::RequestContext;
use nimbus_protocol::AwsError;
use nimbus_store::Store;
use serde::{Deserialize, Serialize};

use super::common::{self, check_item_size, consumed, read_units, write_units};
use super::items::{check_target, write_one, PreparedWrite, WriteKind};
use crate::error::{validation, Error, Result};
use crate::expr::{self, ExprContext, ExprKind};
use crate::generated::dynamodb::*;
use crate::storage::catalog::require_table;
use crate::storage::records::{get_item, to_stored};
use crate::storage::TX_TOKENS;
use crate::types::{item_size, Item};

/// Most items one transaction may hold.
const MAX_ITEMS: usize = 100;

/// How long a ClientRequestToken makes a retry idempotent.
const TOKEN_TTL_MILLIS: i64 = 10 * 60 * 1000;

#[derive(Serialize, Deserialize)]
struct TokenRecord {
    fingerprint: u64,
    expires_millis: i64,
}

pub fn transact_write_items(
    store: &Store,
    ctx: &RequestContext,
    input: TransactWriteItemsInput,
) -> Result<TransactWriteItemsOutput> {
    check_item_count(input.transact_items.len())?;
    let token = input.client_request_token.clone();
    let fingerprint = fingerprint(&input);
    let mut writes = Vec::with_capacity(input.transact_items.len());
    for item in &input.transact_items {
        writes.push(prepare(item)?);
    }
    let output = store.write(|w| {
        let now = nimbus_core::time::now_millis();
        let token_key = token.as_ref().map(|t| format!("{}\0{}\0{t}", ctx.account, ctx.region).into_bytes());
        if let Some(k) = &token_key {
            if let Some(bytes) = w.get(TX_TOKENS, k)? {
                if let Ok(rec) = serde_json::from_slice::<TokenRecord>(&bytes) {
                    if rec.expires_millis > now {
                        if rec.fingerprint != fingerprint {
                            return Err(ErrorCode::IdempotentParameterMismatchException
                                .error("The request uses the same client token as a previous, but non-identical request.")
                                .into());
                        }
                        return Ok(TransactWriteItemsOutput::default());
                    }
                }
            }
        }
        // Keys are checked (and duplicate targets found) before anything runs.
        let mut seen: Vec<(String, Item)> = Vec::new();
        for write in &writes {
            let table = check_target(w.as_read(), ctx, write)?;
            let id = (table.name.clone(), table.key.key_of(write.key_or_item()));
            if seen.contains(&id) {
                return Err(validation(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            seen.push(id);
        }
        let mut reasons = Vec::with_capacity(writes.len());
        let mut failed = false;
        let mut units = std::collections::BTreeMap::<String, f64>::new();
        for write in &writes {
            match write_one(w, ctx, write) {
                Ok(out) => {
                    let size = out.new.as_ref().or(out.old.as_ref()).map_or(0, item_size);
                    *units.entry(out.table.name.clone()).or_default() += 2.0 * write_units(size);
                    reasons.push(CancellationReason { code: Some("None".into()), ..Default::default() });
                }
                Err(Error::Aws(e)) if e.code == "ResourceNotFoundException" => return Err(Error::Aws(e)),
                Err(Error::Aws(e)) => {
                    failed = true;
                    reasons.push(reason_for(&e));
                }
                Err(e) => return Err(e),
            }
        }
        if failed {
            return Err(cancelled(reasons));
        }
        if let Some(k) = &token_key {
            let rec = TokenRecord { fingerprint, expires_millis: now + TOKEN_TTL_MILLIS };
            let bytes = to_stored(&rec)?;
            w.put(TX_TOKENS, k, &bytes)?;
        }
        let capacity: Vec<ConsumedCapacity> = units
            .iter()
            .filter_map(|(t, u)| consumed(input.return_consumed_capacity.as_deref(), t, *u, false))
            .collect();
        Ok(TransactWriteItemsOutput {
            consumed_capacity: (!capacity.is_empty()).then_some(capacity),
            item_collection_metrics: None,
        })
    })?;
    Ok(output)
}

/// Forgets ClientRequestTokens older than their idempotency window.
pub fn expire_tokens(store: &Store, now_millis: i64) -> Result<usize> {
    store.write(|w| {
        let mut expired = Vec::new();
        w.as_read().scan(
            TX_TOKENS,
            &nimbus_store::KeyRange::default(),
            false,
            &mut |k, v| {
                let done = serde_json::from_slice::<TokenRecord>(v)
                    .map_or(true, |t| t.expires_millis <= now_millis);
                if done {
                    expired.push(k.to_vec());
                }
                Ok(nimbus_store::Flow::Continue)
            },
        )?;
        for k in &expired {
            w.delete(TX_TOKENS, k)?;
        }
        Ok(expired.len())
    })
}

fn check_item_count(n: usize) -> Result<()> {
    if n > MAX_ITEMS {
        return Err(validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ITEMS}"
        )));
    }
    Ok(())
}

/// Parses one TransactWriteItem into a prepared write.
fn prepare(item: &TransactWriteItem) -> Result<PreparedWrite> {
    let count = [
        item.condition_check.is_some(),
        item.put.is_some(),
        item.delete.is_some(),
        item.update.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if count != 1 {
        return Err(validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        ));
    }
    let parse_condition = |ex: &mut ExprContext, text: Option<&String>| -> Result<_> {
        text.map(|t| expr::parse_condition(ex, t, ExprKind::Condition))
            .transpose()
            .map_err(Into::into)
    };
    if let Some(c) = &item.condition_check {
        let mut ex = ExprContext::new(
            c.expression_attribute_names.as_ref(),
            c.expression_attribute_values.as_ref(),
        );
        let condition = parse_condition(&mut ex, Some(&c.condition_expression))?;
        ex.finish()?;
        return Ok(PreparedWrite {
            table_name: c.table_name.clone(),
            kind: WriteKind::Check(c.key.clone()),
            condition,
            on_failure: c.return_values_on_condition_check_failure.clone(),
        });
    }
    if let Some(p) = &item.put {
        let mut ex = ExprContext::new(
            p.expression_attribute_names.as_ref(),
            p.expression_attribute_values.as_ref(),
        );
        let condition = parse_condition(&mut ex, p.condition_expression.as_ref())?;
        ex.finish()?;
        check_item_size(&p.item, false)?;
        return Ok(PreparedWrite {
            table_name: p.table_name.clone(),
            kind: WriteKind::Put(p.item.clone()),
            condition,
            on_failure: p.return_values_on_condition_check_failure.clone(),
        });
    }
    if let Some(d) = &item.delete {
        let mut ex = ExprContext::new(
            d.expression_attribute_names.as_ref(),
            d.expression_attribute_values.as_ref(),
        );
        let condition = parse_condition(&mut ex, d.condition_expression.as_ref())?;
        ex.finish()?;
        return Ok(PreparedWrite {
            table_name: d.table_name.clone(),
            kind: WriteKind::Delete(d.key.clone()),
            condition,
            on_failure: d.return_values_on_condition_check_failure.clone(),
        });
    }
    let Some(u) = &item.update else {
        return Err(validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        ));
    };
    let mut ex = ExprContext::new(
        u.expression_attribute_names.as_ref(),
        u.expression_attribute_values.as_ref(),
    );
    let update = expr::parse_update(&mut ex, &u.update_expression)?;
    let condition = parse_condition(&mut ex, u.condition_expression.as_ref())?;
    ex.finish()?;
    Ok(PreparedWrite {
        table_name: u.table_name.clone(),
        kind: WriteKind::Update(u.key.clone(), Some(update)),
        condition,
        on_failure: u.return_values_on_condition_check_failure.clone(),
    })
}

/// The cancellation reason for one item's failure.
fn reason_for(e: &AwsError) -> CancellationReason {
    if e.code == "ConditionalCheckFailedException" {
        let item = e
            .extra
            .get("Item")
            .and_then(|v| serde_json::from_value::<Item>(v.clone()).ok());
        return CancellationReason {
            code: Some("ConditionalCheckFailed".into()),
            message: Some("The conditional request failed".into()),
            item,
        };
    }
    CancellationReason {
        code: Some("ValidationError".into()),
        message: Some(e.message.clone()),
        item: None,
    }
}

fn cancelled(reasons: Vec<CancellationReason>) -> Error {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r.code.as_deref().unwrap_or("None"))
        .collect();
    let message = format!(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
        codes.join(", ")
    );
    let reasons = serde_json::to_value(&reasons).unwrap_or_default();
    ErrorCode::TransactionCanceledException
        .error(message)
        .with_message_key("Message")
        .with("CancellationReasons", reasons)
        .into()
}

/// A stable digest of a request, to tell a retry from a different request with the same token.
fn fingerprint(input: &TransactWriteItemsInput) -> u64 {
    let mut copy = input.clone();
    copy.client_request_token = None;
    let bytes = serde_json::to_vec(&copy).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub fn transact_get_items(
    store: &Store,
    ctx: &RequestContext,
    input: TransactGetItemsInput,
) -> Result<TransactGetItemsOutput> {
    check_item_count(input.transact_items.len())?;
    let mut plans = Vec::with_capacity(input.transact_items.len());
    for item in &input.transact_items {
        let get = &item.get;
        let mut ex = ExprContext::new(get.expression_attribute_names.as_ref(), None);
        let projection = common::projection(&mut ex, get.projection_expression.as_deref(), None)?;
        ex.finish()?;
        plans.push((get, projection));
    }
    store.read(|r| {
        let mut responses = Vec::with_capacity(plans.len());
        let mut units = std::collections::BTreeMap::<String, f64>::new();
        let mut seen: Vec<(String, &Item)> = Vec::new();
        for (get, projection) in &plans {
            let table = require_table(r, ctx, &get.table_name)?;
            if seen.contains(&(table.name.clone(), &get.key)) {
                return Err(validation(
                    "Transaction request cannot include multiple operations on one item",
                ));
            }
            seen.push((table.name.clone(), &get.key));
            let key = table.key.encode_key_param(table.uid, &get.key)?;
            let item = get_item(r, &key)?;
            *units.entry(table.name.clone()).or_default() +=
                2.0 * read_units(item.as_ref().map_or(0, item_size), true);
            responses.push(ItemResponse {
                item: match (item, projection) {
                    (Some(i), Some(paths)) => Some(expr::project(&i, paths)),
                    (i, _) => i,
                },
            });
        }
        let capacity: Vec<ConsumedCapacity> = units
            .iter()
            .filter_map(|(t, u)| consumed(input.return_consumed_capacity.as_deref(), t, *u, true))
            .collect();
        Ok(TransactGetItemsOutput {
            responses: Some(responses),
            consumed_capacity: (!capacity.is_empty()).then_some(capacity),
        })
    })
}
