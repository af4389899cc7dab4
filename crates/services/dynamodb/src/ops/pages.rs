//! What Query and Scan share: the key space a read walks (a table's items or one index's
//! entries) and the 1 MB page walk over it, with filters, projections, Limit and segments.

use nimbus_store::{Flow, KeyRange, Read, Tree};

use crate::error::{invalid_parameter, validation, Error, Result};
use crate::expr::{self, Condition, ExprContext, ExprKind, Path};
use crate::storage::catalog::{KeySchema, TableRecord};
use crate::storage::changes::index_entry_key;
use crate::storage::records::decode_item;
use crate::storage::{INDEX, ITEMS};
use crate::types::{item_size, Item};

/// A page of Query or Scan stops once it has read this much.
pub(super) const PAGE_BYTES: usize = 1024 * 1024;

/// The key space a read walks: a table's items or one index's entries.
pub(super) struct Space<'t> {
    pub(super) table: &'t TableRecord,
    pub(super) tree: Tree,
    pub(super) uid: u64,
    /// The key schema that orders the space (the index's, for an index).
    pub(super) key: &'t KeySchema,
    /// The index, when reading one: (name, is_global).
    pub(super) index: Option<(&'t str, bool)>,
}

impl<'t> Space<'t> {
    pub(super) fn open(table: &'t TableRecord, index_name: Option<&str>) -> Result<Space<'t>> {
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
    pub(super) fn last_key_of(&self, item: &Item) -> Item {
        let mut k = self.table.key.key_of(item);
        if self.index.is_some() {
            k.extend(self.key.key_of(item));
        }
        k
    }

    /// The stored key of an ExclusiveStartKey.
    pub(super) fn start_key(&self, start: &Item) -> Result<Vec<u8>> {
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
pub(super) struct Page {
    pub(super) items: Vec<Item>,
    pub(super) count: i32,
    pub(super) scanned: i32,
    pub(super) last_key: Option<Item>,
    pub(super) bytes: usize,
}

pub(super) struct PageSpec<'a> {
    pub(super) range: KeyRange,
    pub(super) reverse: bool,
    pub(super) limit: Option<usize>,
    pub(super) filter: Option<&'a Condition>,
    pub(super) projection: Option<&'a [Path]>,
    pub(super) count_only: bool,
    pub(super) segment: Option<(u32, u32)>,
    /// For an LSI read that wants attributes the index does not carry: the table to fetch
    /// whole items from.
    pub(super) fetch_from: Option<&'a TableRecord>,
}

pub(super) fn read_page(r: &dyn Read, space: &Space<'_>, spec: &PageSpec<'_>) -> Result<Page> {
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
pub(super) fn whole_item(r: &dyn Read, table: &TableRecord, entry: Item) -> Result<Item> {
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
pub(super) fn segment_of(key_after_uid: &[u8], space: &Space<'_>) -> u32 {
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

pub(super) fn partition_key_len(bytes: &[u8], ty: &str) -> Option<usize> {
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

/// Narrows a range to start after (or, reversed, before) an ExclusiveStartKey.
pub(super) fn resume(mut range: KeyRange, start: Option<Vec<u8>>, reverse: bool) -> KeyRange {
    if let Some(k) = start {
        if reverse {
            range.end = Some((k, false));
        } else {
            range.start = Some((k, false));
        }
    }
    range
}

/// How a Query or Scan reads its space, after the checks both make first.
pub(super) struct ReadPlan<'t> {
    pub(super) space: Space<'t>,
    pub(super) count_only: bool,
    pub(super) fetch_from: Option<&'t TableRecord>,
}

/// Opens the table or index a Query or Scan reads and checks ConsistentRead and Select
/// against it.
pub(super) fn plan_read<'t>(
    table: &'t TableRecord,
    index_name: Option<&str>,
    consistent: bool,
    select: Option<&str>,
    projection: Option<&[Path]>,
) -> Result<ReadPlan<'t>> {
    let space = Space::open(table, index_name)?;
    if consistent && space.index.is_some_and(|(_, global)| global) {
        return Err(validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    let count_only = check_select(select, projection.is_some(), space.index)?;
    let fetch_from = needs_table_fetch(&space, select, projection)?.then_some(table);
    Ok(ReadPlan {
        space,
        count_only,
        fetch_from,
    })
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

pub(super) fn filter_of(
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
pub(super) type Condition_ = crate::generated::dynamodb::Condition;
