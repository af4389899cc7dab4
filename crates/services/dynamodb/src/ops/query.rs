//! Query: one partition of a table or index, in sort-key order.

use nimbus_core::RequestContext;
use nimbus_store::{KeyRange, Store};

use super::common::{self, consumed, read_units};
use super::pages::{filter_of, plan_read, read_page, resume, PageSpec, ReadPlan, Space};
use crate::error::{invalid_parameter, validation, Result};
use crate::expr::{self, Condition, ExprContext, ExprKind, KeyCondition, SortKeyCondition};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{require_table, KeySchema};
use crate::storage::keys::{encode_prefix, encode_scalar, uid_prefix};

/// The key range a key condition selects within a space.
fn key_range(space: &Space<'_>, kc: &KeyCondition) -> KeyRange {
    let mut base = uid_prefix(space.uid);
    encode_scalar(&kc.partition, &mut base);
    let with = |v: &crate::types::AttributeValue| {
        let mut k = base.clone();
        encode_scalar(v, &mut k);
        k
    };
    let after = |k: Vec<u8>| nimbus_store::prefix_successor(&k);
    let whole = KeyRange::prefix(&base);
    match &kc.sort {
        None => whole,
        Some(SortKeyCondition::Eq(v)) => KeyRange::prefix(&with(v)),
        Some(SortKeyCondition::Lt(v)) => KeyRange {
            start: whole.start,
            end: Some((with(v), false)),
        },
        Some(SortKeyCondition::Le(v)) => KeyRange {
            start: whole.start,
            end: after(with(v)).map(|e| (e, false)).or(whole.end),
        },
        Some(SortKeyCondition::Gt(v)) => KeyRange {
            start: after(with(v)).map(|s| (s, true)),
            end: whole.end,
        },
        Some(SortKeyCondition::Ge(v)) => KeyRange {
            start: Some((with(v), true)),
            end: whole.end,
        },
        Some(SortKeyCondition::Between(a, b)) => KeyRange {
            start: Some((with(a), true)),
            end: after(with(b)).map(|e| (e, false)).or(whole.end),
        },
        Some(SortKeyCondition::BeginsWith(p)) => {
            let mut k = base.clone();
            encode_prefix(p, &mut k);
            KeyRange::prefix(&k)
        }
    }
}

/// Whether `key` falls inside `range`.
fn within(range: &KeyRange, key: &[u8]) -> bool {
    let above = match &range.start {
        Some((s, true)) => key >= s.as_slice(),
        Some((s, false)) => key > s.as_slice(),
        None => true,
    };
    let below = match &range.end {
        Some((e, true)) => key <= e.as_slice(),
        Some((e, false)) => key < e.as_slice(),
        None => true,
    };
    above && below
}

pub fn query(store: &Store, ctx: &RequestContext, input: QueryInput) -> Result<QueryOutput> {
    let mut ex = ExprContext::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
    expr::check_expression_parameters(
        &[
            (
                "ProjectionExpression",
                input.projection_expression.is_some(),
            ),
            ("FilterExpression", input.filter_expression.is_some()),
            (
                "KeyConditionExpression",
                input.key_condition_expression.is_some(),
            ),
        ],
        &[
            ("AttributesToGet", input.attributes_to_get.is_some()),
            ("QueryFilter", input.query_filter.is_some()),
            ("ConditionalOperator", input.conditional_operator.is_some()),
            ("KeyConditions", input.key_conditions.is_some()),
        ],
        input.expression_attribute_names.is_some(),
        input.expression_attribute_values.is_some(),
    )?;
    let key_condition = match (&input.key_condition_expression, &input.key_conditions) {
        (Some(text), _) => expr::parse_condition(&mut ex, text, ExprKind::KeyCondition)?,
        (None, Some(conditions)) => expr::legacy::conditions_to_condition(conditions, None)?
            .ok_or_else(|| validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."))?,
        (None, None) => {
            return Err(validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."))
        }
    };
    let filter = filter_of(
        &mut ex,
        input.filter_expression.as_deref(),
        input.query_filter.as_ref(),
        input.conditional_operator.as_deref(),
    )?;
    let projection = common::projection(
        &mut ex,
        input.projection_expression.as_deref(),
        input.attributes_to_get.as_ref(),
    )?;
    ex.finish()?;
    let consistent = input.consistent_read.unwrap_or(false);
    let reverse = !input.scan_index_forward.unwrap_or(true);

    store.read(|r| {
        let table = require_table(r, ctx, &input.table_name)?;
        let ReadPlan { space, count_only, fetch_from } = plan_read(
            &table,
            input.index_name.as_deref(),
            consistent,
            input.select.as_deref(),
            projection.as_deref(),
        )?;
        let kc = expr::analyze_key_condition(
            &key_condition,
            &space.key.hash.name,
            space.key.range.as_ref().map(|a| a.name.as_str()),
        )?;
        check_key_types(space.key, &kc)?;
        check_filter_keys(filter.as_ref(), space.key, input.query_filter.is_some())?;
        let range = key_range(&space, &kc);
        let start = input
            .exclusive_start_key
            .as_ref()
            .map(|s| space.start_key(s))
            .transpose()?;
        if let Some(k) = &start {
            if !within(&range, k) {
                return Err(validation(
                    "The provided starting key is outside query boundaries based on provided conditions",
                ));
            }
        }
        let spec = PageSpec {
            range: resume(range, start, reverse),
            reverse,
            limit: input.limit.map(|l| l as usize),
            filter: filter.as_ref(),
            projection: projection.as_deref(),
            count_only,
            segment: None,
            fetch_from,
        };
        let page = read_page(r, &space, &spec)?;
        Ok(QueryOutput {
            items: (!count_only).then_some(page.items),
            count: Some(page.count),
            scanned_count: Some(page.scanned),
            last_evaluated_key: page.last_key,
            consumed_capacity: consumed(
                input.return_consumed_capacity.as_deref(),
                &table.name,
                read_units(page.bytes, consistent),
                true,
            ),
        })
    })
}

/// Key condition values must have the key attributes' types.
fn check_key_types(key: &KeySchema, kc: &KeyCondition) -> Result<()> {
    let sort_ok = match (&key.range, &kc.sort) {
        (Some(range), Some(sort)) => sort.values().iter().all(|v| v.type_name() == range.ty),
        _ => true,
    };
    if kc.partition.type_name() != key.hash.ty || !sort_ok {
        return Err(invalid_parameter(
            "Condition parameter type does not match schema type",
        ));
    }
    Ok(())
}

/// Query filters may not name the key attributes of what is queried.
fn check_filter_keys(filter: Option<&Condition>, key: &KeySchema, legacy: bool) -> Result<()> {
    let Some(filter) = filter else { return Ok(()) };
    let names = filter.top_level_names();
    if let Some(attr) = key.attrs().find(|a| names.contains(a.name.as_str())) {
        return Err(validation(format!(
            "{} can only contain non-primary key attributes: Primary key attribute: {}",
            if legacy {
                "QueryFilter"
            } else {
                "Filter Expression"
            },
            attr.name
        )));
    }
    Ok(())
}
