//! PutItem, GetItem, DeleteItem, UpdateItem — and the single-item write that transactions and
//! batches reuse.

use nimbus_core::RequestContext;
use nimbus_store::{Read, Store, Write};

use super::common::{self, check_condition, check_item_size, consumed, read_units, write_units};
use crate::error::Result;
use crate::expr::{self, Condition, ExprContext, Path, UpdateExpr};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{require_table, TableRecord};
use crate::storage::changes::{self, check_index_keys, Origin};
use crate::storage::records::get_item as stored_item;
use crate::types::{item_size, Item};

/// What a single-item write does.
pub enum WriteKind {
    Put(Item),
    Delete(Item),
    Update(Item, Option<UpdateExpr>),
    /// A transaction's ConditionCheck: only the condition, no change.
    Check(Item),
}

/// A write whose expressions are already parsed and checked.
pub struct PreparedWrite {
    pub table_name: String,
    pub kind: WriteKind,
    pub condition: Option<Condition>,
    pub on_failure: Option<String>,
}

impl PreparedWrite {
    /// The item a put writes, or the key the other writes name.
    pub fn key_or_item(&self) -> &Item {
        match &self.kind {
            WriteKind::Put(item) => item,
            WriteKind::Delete(k) | WriteKind::Update(k, _) | WriteKind::Check(k) => k,
        }
    }
}

/// What a write found and left.
pub struct WriteOutcome {
    pub table: TableRecord,
    pub old: Option<Item>,
    pub new: Option<Item>,
    pub updated: Vec<Path>,
}

/// The stored key a write targets, checked against the table's key schema (and, for a put,
/// its index key attributes).
fn target_key(table: &TableRecord, p: &PreparedWrite) -> Result<Vec<u8>> {
    match &p.kind {
        WriteKind::Put(item) => {
            let key = table.key.encode_item_key(table.uid, item)?;
            check_index_keys(table, item)?;
            Ok(key)
        }
        _ => table.key.encode_key_param(table.uid, p.key_or_item()),
    }
}

/// Loads the table a write targets and checks the write's key against it. Transactions and
/// batches run this for every item first, so such mistakes fail the request with a
/// ValidationException instead of cancelling it halfway.
pub fn check_target(r: &dyn Read, ctx: &RequestContext, p: &PreparedWrite) -> Result<TableRecord> {
    let table = require_table(r, ctx, &p.table_name)?;
    target_key(&table, p)?;
    Ok(table)
}

/// Runs one prepared write inside `w`: checks the key and condition, applies the change and
/// keeps indexes and stream in step.
pub fn write_one(
    w: &mut dyn Write,
    ctx: &RequestContext,
    p: &PreparedWrite,
) -> Result<WriteOutcome> {
    let table = require_table(w.as_read(), ctx, &p.table_name)?;
    let key = target_key(&table, p)?;
    let old = stored_item(w.as_read(), &key)?;
    check_condition(p.condition.as_ref(), old.as_ref(), p.on_failure.as_deref())?;
    let mut updated = Vec::new();
    let new = match &p.kind {
        WriteKind::Put(item) => Some(item.clone()),
        WriteKind::Delete(_) => None,
        WriteKind::Check(_) => old.clone(),
        WriteKind::Update(k, update) => {
            // UpdateItem on a missing item creates it from its key.
            let mut item = old.clone().unwrap_or_else(|| k.clone());
            if let Some(update) = update {
                update.check_key_attributes(&|name| table.key.is_key_attr(name))?;
                updated = update.apply(&mut item)?;
            }
            check_item_size(&item, true)?;
            check_index_keys(&table, &item)?;
            Some(item)
        }
    };
    // A change that changes nothing (a check, deleting a missing item, an identical put) is
    // skipped inside `apply`.
    changes::apply(w, &table, &key, old.as_ref(), new.as_ref(), Origin::User)?;
    Ok(WriteOutcome {
        table,
        old,
        new,
        updated,
    })
}

pub fn put_item(store: &Store, ctx: &RequestContext, input: PutItemInput) -> Result<PutItemOutput> {
    let rv = common::return_values(input.return_values.as_deref(), &["NONE", "ALL_OLD"])?;
    let condition = common::checked_write_condition(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
        input.condition_expression.as_deref(),
        input.expected.as_ref(),
        input.conditional_operator.as_deref(),
    )?;
    check_item_size(&input.item, false)?;
    let size = item_size(&input.item);
    let prepared = PreparedWrite {
        table_name: input.table_name,
        kind: WriteKind::Put(input.item),
        condition,
        on_failure: input.return_values_on_condition_check_failure,
    };
    let out = store.write(|w| write_one(w, ctx, &prepared))?;
    Ok(PutItemOutput {
        attributes: if rv == "ALL_OLD" { out.old } else { None },
        consumed_capacity: consumed(
            input.return_consumed_capacity.as_deref(),
            &out.table.name,
            write_units(size),
            false,
        ),
        item_collection_metrics: common::collection_metrics(
            input.return_item_collection_metrics.as_deref(),
            &out.table,
            out.new.as_ref(),
        ),
    })
}

pub fn delete_item(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteItemInput,
) -> Result<DeleteItemOutput> {
    let rv = common::return_values(input.return_values.as_deref(), &["NONE", "ALL_OLD"])?;
    let condition = common::checked_write_condition(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
        input.condition_expression.as_deref(),
        input.expected.as_ref(),
        input.conditional_operator.as_deref(),
    )?;
    let prepared = PreparedWrite {
        table_name: input.table_name,
        kind: WriteKind::Delete(input.key),
        condition,
        on_failure: input.return_values_on_condition_check_failure,
    };
    let out = store.write(|w| write_one(w, ctx, &prepared))?;
    let size = out.old.as_ref().map_or(0, item_size);
    Ok(DeleteItemOutput {
        consumed_capacity: consumed(
            input.return_consumed_capacity.as_deref(),
            &out.table.name,
            write_units(size),
            false,
        ),
        item_collection_metrics: common::collection_metrics(
            input.return_item_collection_metrics.as_deref(),
            &out.table,
            out.old.as_ref(),
        ),
        attributes: if rv == "ALL_OLD" { out.old } else { None },
    })
}

pub fn update_item(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateItemInput,
) -> Result<UpdateItemOutput> {
    let rv = common::return_values(
        input.return_values.as_deref(),
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
    )?;
    expr::check_expression_parameters(
        &[
            ("UpdateExpression", input.update_expression.is_some()),
            ("ConditionExpression", input.condition_expression.is_some()),
        ],
        &[
            ("AttributeUpdates", input.attribute_updates.is_some()),
            ("Expected", input.expected.is_some()),
        ],
        input.expression_attribute_names.is_some(),
        input.expression_attribute_values.is_some(),
    )?;
    let mut ex = ExprContext::new(
        input.expression_attribute_names.as_ref(),
        input.expression_attribute_values.as_ref(),
    );
    let update = match (&input.update_expression, &input.attribute_updates) {
        (Some(text), _) => Some(expr::parse_update(&mut ex, text)?),
        (None, Some(updates)) => Some(expr::legacy::attribute_updates(updates)?),
        (None, None) => None,
    };
    let condition = common::write_condition(
        &mut ex,
        input.condition_expression.as_deref(),
        input.expected.as_ref(),
        input.conditional_operator.as_deref(),
    )?;
    ex.finish()?;
    let prepared = PreparedWrite {
        table_name: input.table_name,
        kind: WriteKind::Update(input.key, update),
        condition,
        on_failure: input.return_values_on_condition_check_failure,
    };
    let out = store.write(|w| write_one(w, ctx, &prepared))?;
    let size = out.new.as_ref().map_or(0, item_size);
    let attributes = match rv.as_str() {
        "ALL_OLD" => out.old.clone(),
        "ALL_NEW" => out.new.clone(),
        "UPDATED_OLD" => out.old.as_ref().map(|i| expr::project(i, &out.updated)),
        "UPDATED_NEW" => out.new.as_ref().map(|i| expr::project(i, &out.updated)),
        _ => None,
    }
    .filter(|a| !a.is_empty());
    Ok(UpdateItemOutput {
        attributes,
        consumed_capacity: consumed(
            input.return_consumed_capacity.as_deref(),
            &out.table.name,
            write_units(size),
            false,
        ),
        item_collection_metrics: common::collection_metrics(
            input.return_item_collection_metrics.as_deref(),
            &out.table,
            out.new.as_ref(),
        ),
    })
}

pub fn get_item(store: &Store, ctx: &RequestContext, input: GetItemInput) -> Result<GetItemOutput> {
    expr::check_expression_parameters(
        &[(
            "ProjectionExpression",
            input.projection_expression.is_some(),
        )],
        &[("AttributesToGet", input.attributes_to_get.is_some())],
        input.expression_attribute_names.is_some(),
        false,
    )?;
    let mut ex = ExprContext::new(input.expression_attribute_names.as_ref(), None);
    let projection = common::projection(
        &mut ex,
        input.projection_expression.as_deref(),
        input.attributes_to_get.as_ref(),
    )?;
    ex.finish()?;
    let consistent = input.consistent_read.unwrap_or(false);
    let (table, item) = store.read(|r| {
        let table = require_table(r, ctx, &input.table_name)?;
        let key = table.key.encode_key_param(table.uid, &input.key)?;
        Ok::<_, crate::error::Error>((table.name.clone(), stored_item(r, &key)?))
    })?;
    let size = item.as_ref().map_or(0, item_size);
    let item = match (item, &projection) {
        (Some(i), Some(paths)) => Some(expr::project(&i, paths)),
        (item, _) => item,
    };
    Ok(GetItemOutput {
        item,
        consumed_capacity: consumed(
            input.return_consumed_capacity.as_deref(),
            &table,
            read_units(size, consistent),
            true,
        ),
    })
}
