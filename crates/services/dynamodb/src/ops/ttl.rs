//! UpdateTimeToLive, DescribeTimeToLive, and the sweeper that deletes expired items.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Store};

use crate::error::{table_not_found, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{all_tables, load_table, save_table, TableRecord, TtlRecord};
use crate::storage::changes::{self, Origin};
use crate::storage::keys::uid_prefix;
use crate::storage::records::decode_item;
use crate::storage::ITEMS;
use crate::types::{AttributeValue, Number};

/// AWS leaves alone items whose expiry is more than five years in the past.
const MAX_PAST_SECONDS: i64 = 5 * 365 * 24 * 60 * 60;
/// Deletions per sweep transaction, so a large backlog never holds the writer for long.
const SWEEP_BATCH: usize = 500;

pub fn update_time_to_live(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateTimeToLiveInput,
) -> Result<UpdateTimeToLiveOutput> {
    let spec = input.time_to_live_specification;
    store.write(|w| {
        let mut table = load_table(w.as_read(), ctx, &input.table_name)?
            .ok_or_else(|| table_not_found(&input.table_name))?;
        let enabled_now = table.ttl.as_ref().is_some_and(|t| t.enabled);
        if spec.enabled && enabled_now {
            return Err(validation("TimeToLive is already enabled"));
        }
        if !spec.enabled && !enabled_now {
            return Err(validation("TimeToLive is already disabled"));
        }
        if !spec.enabled {
            if let Some(current) = &table.ttl {
                if current.attribute != spec.attribute_name {
                    return Err(validation(format!(
                        "The attribute name {} does not match the TTL attribute name {}",
                        spec.attribute_name, current.attribute
                    )));
                }
            }
        }
        table.ttl = Some(TtlRecord {
            attribute: spec.attribute_name.clone(),
            enabled: spec.enabled,
        });
        save_table(w, &table)?;
        Ok(UpdateTimeToLiveOutput {
            time_to_live_specification: Some(spec.clone()),
        })
    })
}

pub fn describe_time_to_live(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeTimeToLiveInput,
) -> Result<DescribeTimeToLiveOutput> {
    store.read(|r| {
        let table = load_table(r, ctx, &input.table_name)?
            .ok_or_else(|| table_not_found(&input.table_name))?;
        let description = match &table.ttl {
            Some(t) if t.enabled => TimeToLiveDescription {
                time_to_live_status: Some("ENABLED".into()),
                attribute_name: Some(t.attribute.clone()),
            },
            _ => TimeToLiveDescription {
                time_to_live_status: Some("DISABLED".into()),
                attribute_name: None,
            },
        };
        Ok(DescribeTimeToLiveOutput {
            time_to_live_description: Some(description),
        })
    })
}

/// Deletes items whose TTL attribute (epoch seconds) is in the past, recording REMOVE stream
/// records with DynamoDB's service identity. Answers how many items were deleted.
pub fn sweep_expired(store: &Store, now_seconds: i64) -> Result<usize> {
    let tables = store.read(|r| all_tables(r))?;
    let mut deleted = 0;
    for table in tables
        .iter()
        .filter(|t| t.ttl.as_ref().is_some_and(|t| t.enabled))
    {
        loop {
            let n = sweep_table(store, table, now_seconds)?;
            deleted += n;
            if n < SWEEP_BATCH {
                break;
            }
        }
    }
    Ok(deleted)
}

fn sweep_table(store: &Store, table: &TableRecord, now: i64) -> Result<usize> {
    let Some(attr) = table.ttl.as_ref().map(|t| t.attribute.clone()) else {
        return Ok(0);
    };
    let now_n = Number::parse(&now.to_string()).unwrap_or_else(|_| Number::zero());
    let oldest =
        Number::parse(&(now - MAX_PAST_SECONDS).to_string()).unwrap_or_else(|_| Number::zero());
    store.write(|w| {
        // Re-read the table inside the transaction: it may have changed since the listing.
        let ctx = RequestContext::internal(&table.account, &table.region);
        let Some(table) =
            load_table(w.as_read(), &ctx, &table.name)?.filter(|t| t.uid == table.uid)
        else {
            return Ok(0);
        };
        let mut expired = Vec::new();
        let mut failed = None;
        w.as_read().scan(
            ITEMS,
            &KeyRange::prefix(&uid_prefix(table.uid)),
            false,
            &mut |k, v| {
                match decode_item(v) {
                    Ok(item) => {
                        if let Some(AttributeValue::N(at)) = item.get(&attr) {
                            if *at < now_n && *at >= oldest {
                                expired.push((k.to_vec(), item));
                            }
                        }
                    }
                    Err(e) => failed = Some(e),
                }
                Ok(if expired.len() >= SWEEP_BATCH {
                    Flow::Stop
                } else {
                    Flow::Continue
                })
            },
        )?;
        if let Some(e) = failed {
            return Err(e);
        }
        for (key, item) in &expired {
            changes::apply(w, &table, key, Some(item), None, Origin::TimeToLive)?;
        }
        Ok(expired.len())
    })
}
