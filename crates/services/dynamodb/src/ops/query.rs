//! Query and Scan: walking a table's or index's ordered key space in 1 MB pages.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Read, Store, Tree};

use super::common::{self, consumed, read_units};
use crate::error::{invalid_parameter, validation, Error, Result};
use crate::expr::{self, Condition, ExprContext, ExprKind, KeyCondition, Path, SortKeyCondition};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{require_table, KeySchema, TableRecord};
use crate::storage::changes::index_entry_key;
use crate::storage::keys::{encode_prefix, encode_scalar, uid_prefix};
use crate::storage::records::decode_item;
use crate::storage::{INDEX, ITEMS};
use crate::types::{item_size, Item};

/// A page of Query or Scan stops once it has read this much.
const PAGE_BYTES: usize = 1024 * 1024;

/// The key space a read walks: a table's items or one index's entries.
struct Space<'t> {
    table: &'t TableRecord,
    tree: Tree,
    uid: u64,
    /// The key schema that orders the space (the index's, for an index).
    key: &'t KeySchema,
    /// The index, when reading one: (name, is_global).
    index: Option<(&'t str, bool)>,
}

impl<'t> Space<'t> {
    fn open(table: &'t TableRecord, index_name: Option<&str>) -> Result<Space<'t>> {
        match index_name {
            None => Ok(Space {
                table,
                tree: ITEMS,
                uid: table.uid,
                key: &table.key,
                index: None,
            }),
            Some(name) => {
                let (index, global) = table.index(name).ok_or_else(|| {
                    validation(format!(
                        "The table does not have the specified index: {name}"
                    ))
                })?;
                Ok(Space {
                    table,
                    tree: INDEX,
                    uid: index.uid,
                    key: &index.key,
                    index: Some((&index.name, global)),
                })
            }
        }
    }

    /// The key attributes LastEvaluatedKey carries: the index's and the table's.
    fn last_key_of(&self, item: &Item) -> Item {
        let mut k = self.table.key.key_of(item);
        if self.index.is_some() {
            k.extend(self.key.key_of(item));
        }
        k
    }

    /// The stored key of an ExclusiveStartKey.
    fn start_key(&self, start: &Item) -> Result<Vec<u8>> {
        let invalid = || {
            validation("The provided starting key is invalid: The provided key element does not match the schema")
        };
        match self.index {
            None => self
                .table
                .key
                .encode_key_param(self.uid, start)
                .map_err(|_| invalid()),
            Some((name, _)) => {
                let (index, _) = self.table.index(name).ok_or_else(invalid)?;
                let expected: Vec<&str> = self
                    .table
                    .key
                    .attrs()
                    .chain(index.key.attrs())
                    .map(|a| a.name.as_str())
                    .collect();
                if start.keys().any(|k| !expected.contains(&k.as_str())) {
                    return Err(invalid());
                }
                index_entry_key(index, self.table, start).ok_or_else(invalid)
            }
        }
    }
}

/// What one page of a read found.
struct Page {
    items: Vec<Item>,
    count: i32,
    scanned: i32,
    last_key: Option<Item>,
    bytes: usize,
}

struct PageSpec<'a> {
    range: KeyRange,
    reverse: bool,
    limit: Option<usize>,
    filter: Option<&'a Condition>,
    projection: Option<&'a [Path]>,
    count_only: bool,
    segment: Option<(u32, u32)>,
    /// For an LSI read that wants attributes the index does not carry: the table to fetch
    /// whole items from.
    fetch_from: Option<&'a TableRecord>,
}

fn read_page(r: &dyn Read, space: &Space<'_>, spec: &PageSpec<'_>) -> Result<Page> {
    let mut page = Page {
        items: Vec::new(),
        count: 0,
        scanned: 0,
        last_key: None,
        bytes: 0,
    };
    let mut failed: Option<Error> = None;
    r.scan(space.tree, &spec.range, spec.reverse, &mut |k, v| {
        if let Some((segment, total)) = spec.segment {
            if segment_of(&k[8..], space) % total != segment {
                return Ok(Flow::Continue);
            }
        }
        let item = match decode_item(v).and_then(|i| match spec.fetch_from {
            Some(table) => whole_item(r, table, i),
            None => Ok(i),
        }) {
            Ok(i) => i,
            Err(e) => {
                failed = Some(e);
                return Ok(Flow::Stop);
            }
        };
        page.scanned += 1;
        page.bytes += item_size(&item);
        let keep = match spec.filter {
            Some(f) => match f.eval(&item) {
                Ok(b) => b,
                Err(e) => {
                    failed = Some(e.into());
                    return Ok(Flow::Stop);
                }
            },
            None => true,
        };
        let full =
            spec.limit.is_some_and(|l| page.scanned as usize >= l) || page.bytes >= PAGE_BYTES;
        if full {
            page.last_key = Some(space.last_key_of(&item));
        }
        if keep {
            page.count += 1;
            if !spec.count_only {
                page.items.push(match spec.projection {
                    Some(paths) => expr::project(&item, paths),
                    None => item,
                });
            }
        }
        Ok(if full { Flow::Stop } else { Flow::Continue })
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(page)
}

/// The table item an index entry stands for.
fn whole_item(r: &dyn Read, table: &TableRecord, entry: Item) -> Result<Item> {
    let key = table.key.encode_item_key(table.uid, &entry)?;
    Ok(crate::storage::records::get_item(r, &key)?.unwrap_or(entry))
}

/// Whether an index read must fetch whole items from the table: an LSI whose projection lacks
/// what was asked for. A GSI cannot, so asking it for ALL_ATTRIBUTES is an error.
fn needs_table_fetch(
    space: &Space<'_>,
    select: Option<&str>,
    projection: Option<&[Path]>,
) -> Result<bool> {
    let Some((name, global)) = space.index else {
        return Ok(false);
    };
    let Some((index, _)) = space.table.index(name) else {
        return Ok(false);
    };
    if index.projection.projection_type.as_deref() == Some("ALL") {
        return Ok(false);
    }
    if select == Some("ALL_ATTRIBUTES") {
        if global {
            return Err(invalid_parameter(format!(
                "Select type ALL_ATTRIBUTES is not supported for global secondary index {name} because its projection type is not ALL"
            )));
        }
        return Ok(true);
    }
    let missing = projection.is_some_and(|paths| {
        paths
            .iter()
            .any(|p| !index.projects(p.top(), &space.table.key))
    });
    Ok(missing && !global)
}

/// Scan segments partition items by a hash of the partition key, as DynamoDB does.
fn segment_of(key_after_uid: &[u8], space: &Space<'_>) -> u32 {
    // Hash only the partition key component so a partition stays within one segment.
    let mut end = key_after_uid.len();
    let mut probe = Vec::new();
    if space.key.range.is_some() || space.index.is_some() {
        // The partition key's encoding is self-delimiting: find where it ends.
        end = partition_key_len(key_after_uid, &space.key.hash.ty).unwrap_or(end);
    }
    probe.extend_from_slice(&key_after_uid[..end]);
    // FNV-1a: stable across runs and platforms.
    probe.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

fn partition_key_len(bytes: &[u8], ty: &str) -> Option<usize> {
    if ty == "N" {
        // zero is one byte; otherwise runs to the terminator (00, or FF when negative).
        return match bytes.first()? {
            0x02 => Some(1),
            0x03 => bytes.iter().skip(3).position(|&b| b == 0x00).map(|p| p + 4),
            _ => bytes.iter().skip(3).position(|&b| b == 0xFF).map(|p| p + 4),
        };
    }
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0 {
            if bytes[i + 1] == 0x01 {
                return Some(i + 2);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

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

/// Narrows a range to start after (or, reversed, before) an ExclusiveStartKey.
fn resume(mut range: KeyRange, start: Option<Vec<u8>>, reverse: bool) -> KeyRange {
    if let Some(k) = start {
        if reverse {
            range.end = Some((k, false));
        } else {
            range.start = Some((k, false));
        }
    }
    range
}

fn check_select(
    select: Option<&str>,
    has_projection: bool,
    index: Option<(&str, bool)>,
) -> Result<bool> {
    match select {
        Some("SPECIFIC_ATTRIBUTES") if !has_projection => Err(validation(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        )),
        Some("ALL_ATTRIBUTES") | Some("COUNT") | Some("ALL_PROJECTED_ATTRIBUTES") if has_projection => {
            Err(validation(format!(
                "Cannot specify the ProjectionExpression when choosing to get {}",
                select.unwrap_or_default()
            )))
        }
        Some("ALL_PROJECTED_ATTRIBUTES") if index.is_none() => Err(validation(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        )),
        Some("COUNT") => Ok(true),
        _ => Ok(false),
    }
}

fn filter_of(
    ex: &mut ExprContext,
    expression: Option<&str>,
    legacy: Option<&std::collections::BTreeMap<String, Condition_>>,
    operator: Option<&str>,
) -> Result<Option<Condition>> {
    match (expression, legacy) {
        (Some(text), _) => Ok(Some(expr::parse_condition(ex, text, ExprKind::Filter)?)),
        (None, Some(conditions)) => {
            Ok(expr::legacy::conditions_to_condition(conditions, operator)?)
        }
        (None, None) => Ok(None),
    }
}

/// The generated model's legacy `Condition` shape (named apart from the expression AST).
type Condition_ = crate::generated::dynamodb::Condition;

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
        let space = Space::open(&table, input.index_name.as_deref())?;
        if consistent && space.index.is_some_and(|(_, global)| global) {
            return Err(validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        let count_only = check_select(input.select.as_deref(), projection.is_some(), space.index)?;
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
            fetch_from: needs_table_fetch(&space, input.select.as_deref(), projection.as_deref())?.then_some(&table),
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
        let space = Space::open(&table, input.index_name.as_deref())?;
        if consistent && space.index.is_some_and(|(_, global)| global) {
            return Err(validation(
                "Consistent reads are not supported on global secondary indexes",
            ));
        }
        let count_only = check_select(input.select.as_deref(), projection.is_some(), space.index)?;
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
            fetch_from: needs_table_fetch(&space, input.select.as_deref(), projection.as_deref())?
                .then_some(&table),
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
