//! Scan: every item of a table or index, optionally one segment of a parallel scan.

use nimbus_core::RequestContext;
use nimbus_store::{KeyRange, Store};

use super::common::{self, consumed, read_units};
use super::pages::{filter_of, plan_read, read_page, resume, PageSpec, ReadPlan};
use crate::error::{validation, Result};
use crate::expr::{self, ExprContext};
use crate::generated::dynamodb::*;
use crate::storage::catalog::require_table;
use crate::storage::keys::uid_prefix;

pub fn scan(store: &Store, ctx: &RequestContext, input: ScanInput) -> Result<ScanOutput> {
    let segment = match (input.segment, input.total_segments) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ))
        }
        (None, Some(_)) => {
            return Err(validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ))
        }
        (Some(s), Some(t)) => {
            if s >= t {
                return Err(validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Some((s as u32, t as u32))
        }
    };
    expr::check_expression_parameters(
        &[
            (
                "ProjectionExpression",
                input.projection_expression.is_some(),
            ),
            ("FilterExpression", input.filter_expression.is_some()),
        ],
        &[
            ("AttributesToGet", input.attributes_to_get.is_some()),
            ("ScanFilter", input.scan_filter.is_some()),
            ("ConditionalOperator", input.conditional_operator.is_some()),
        ],
        input.expression_attribute_names.is_some(),
        input.expression_attribute_values.is_some(),
    )?;
    let mut ex = ExprContext::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
    let filter = filter_of(
        &mut ex,
        input.filter_expression.as_deref(),
        input.scan_filter.as_ref(),
        input.conditional_operator.as_deref(),
    )?;
    let projection = common::projection(
        &mut ex,
        input.projection_expression.as_deref(),
        input.attributes_to_get.as_ref(),
    )?;
    ex.finish()?;
    let consistent = input.consistent_read.unwrap_or(false);

    store.read(|r| {
        let table = require_table(r, ctx, &input.table_name)?;
        let ReadPlan {
            space,
            count_only,
            fetch_from,
        } = plan_read(
            &table,
            input.index_name.as_deref(),
            consistent,
            input.select.as_deref(),
            projection.as_deref(),
        )?;
        let start = input
            .exclusive_start_key
            .as_ref()
            .map(|s| space.start_key(s))
            .transpose()?;
        let spec = PageSpec {
            range: resume(KeyRange::prefix(&uid_prefix(space.uid)), start, false),
            reverse: false,
            limit: input.limit.map(|l| l as usize),
            filter: filter.as_ref(),
            projection: projection.as_deref(),
            count_only,
            segment,
            fetch_from,
        };
        let page = read_page(r, &space, &spec)?;
        Ok(ScanOutput {
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
