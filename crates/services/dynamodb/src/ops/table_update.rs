//! UpdateTable: attribute definitions, billing mode, throughput, deletion protection, table
//! class, GSIs (created already backfilled, or deleted) and the stream specification.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Store, Write};

use super::table_schema::{
    check_projection, check_stream_spec, index_capacity, parse_key_schema, MAX_GSIS,
};
use super::tables::describe;
use crate::error::{invalid_parameter, table_not_found, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{
    load_table, next_uid, save_table, IndexRecord, TableRecord, TableStream,
};
use crate::storage::changes::{index_entry_key, project_for_index};
use crate::storage::keys::uid_prefix;
use crate::storage::records::{decode_item, encode_item};
use crate::storage::{INDEX, ITEMS};
use crate::streams::{close_stream, open_stream};

pub fn update_table(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateTableInput,
) -> Result<UpdateTableOutput> {
    store.write(|w| {
        let mut table =
            load_table(w.as_read(), ctx, &input.table_name)?.ok_or_else(|| table_not_found(&input.table_name))?;
        if let Some(defs) = &input.attribute_definitions {
            for d in defs {
                match table.attribute_definitions.iter_mut().find(|x| x.attribute_name == d.attribute_name) {
                    Some(existing) if existing.attribute_type != d.attribute_type => {
                        return Err(invalid_parameter(format!(
                            "Cannot change the type of attribute {} which is already part of the key schema or an index",
                            d.attribute_name
                        )));
                    }
                    Some(_) => {}
                    None => table.attribute_definitions.push(d.clone()),
                }
            }
        }
        if let Some(mode) = &input.billing_mode {
            table.billing_mode = mode.clone();
            if mode == "PAY_PER_REQUEST" {
                table.read_capacity = 0;
                table.write_capacity = 0;
                for g in &mut table.gsis {
                    g.read_capacity = None;
                    g.write_capacity = None;
                }
            }
        }
        if let Some(p) = &input.provisioned_throughput {
            if table.billing_mode == "PAY_PER_REQUEST" {
                return Err(invalid_parameter(
                    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            table.read_capacity = p.read_capacity_units;
            table.write_capacity = p.write_capacity_units;
        } else if input.billing_mode.as_deref() == Some("PROVISIONED") && table.read_capacity == 0 {
            return Err(invalid_parameter(
                "ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
            ));
        }
        if let Some(p) = input.deletion_protection_enabled {
            table.deletion_protection = p;
        }
        if let Some(class) = &input.table_class {
            table.table_class = Some(class.clone());
        }
        for update in input.global_secondary_index_updates.iter().flatten() {
            apply_gsi_update(w, &mut table, update)?;
        }
        if let Some(spec) = &input.stream_specification {
            check_stream_spec(Some(spec))?;
            match (spec.stream_enabled, table.active_stream().cloned()) {
                (true, Some(_)) => {
                    return Err(validation(format!(
                        "Table {} already has an enabled stream: {}",
                        table.name,
                        table.stream.as_ref().map(|s| table.stream_arn(s)).unwrap_or_default()
                    )))
                }
                (true, None) => {
                    let stream = open_stream(w, &table, spec.stream_view_type.as_deref().unwrap_or_default())?;
                    table.stream = Some(stream);
                }
                (false, Some(current)) => {
                    close_stream(w, current.uid)?;
                    table.stream = Some(TableStream { enabled: false, ..current });
                }
                (false, None) => {
                    return Err(validation("Table already has streams disabled"));
                }
            }
        }
        let used: Vec<String> = table.key.attrs().chain(table.indexes().flat_map(|i| i.key.attrs())).map(|a| a.name.clone()).collect();
        table.attribute_definitions.retain(|d| used.contains(&d.attribute_name));
        save_table(w, &table)?;
        Ok(UpdateTableOutput { table_description: Some(describe(w.as_read(), &table)?) })
    })
}

fn apply_gsi_update(
    w: &mut dyn Write,
    table: &mut TableRecord,
    update: &GlobalSecondaryIndexUpdate,
) -> Result<()> {
    if let Some(create) = &update.create {
        if table.index(&create.index_name).is_some() {
            return Err(invalid_parameter(format!(
                "Attempting to create an index which already exists: {}",
                create.index_name
            )));
        }
        if table.gsis.len() >= MAX_GSIS {
            return Err(validation(format!(
                "GlobalSecondaryIndexes exceeds the maximum allowed number of {MAX_GSIS}"
            )));
        }
        let key = parse_key_schema(
            &create.key_schema,
            &table.attribute_definitions,
            Some(&create.index_name),
        )?;
        check_projection(&create.projection)?;
        let (r, wc) = index_capacity(
            &table.billing_mode,
            create.provisioned_throughput.as_ref(),
            &create.index_name,
        )?;
        let index = IndexRecord {
            uid: next_uid(w)?,
            name: create.index_name.clone(),
            key,
            projection: create.projection.clone(),
            read_capacity: r,
            write_capacity: wc,
        };
        backfill(w, table, &index)?;
        table.gsis.push(index);
    }
    if let Some(delete) = &update.delete {
        let pos = table
            .gsis
            .iter()
            .position(|g| g.name == delete.index_name)
            .ok_or_else(|| {
                crate::generated::dynamodb::ErrorCode::ResourceNotFoundException.error(format!(
                    "Requested resource not found: Index: {} not found",
                    delete.index_name
                ))
            })?;
        let index = table.gsis.remove(pos);
        w.delete_range(INDEX, &KeyRange::prefix(&uid_prefix(index.uid)))?;
    }
    if let Some(change) = &update.update {
        let g = table
            .gsis
            .iter_mut()
            .find(|g| g.name == change.index_name)
            .ok_or_else(|| {
                crate::generated::dynamodb::ErrorCode::ResourceNotFoundException.error(format!(
                    "Requested resource not found: Index: {} not found",
                    change.index_name
                ))
            })?;
        if let Some(p) = &change.provisioned_throughput {
            g.read_capacity = Some(p.read_capacity_units);
            g.write_capacity = Some(p.write_capacity_units);
        }
    }
    Ok(())
}

/// Indexes an existing table's items into a new GSI, inside the UpdateTable transaction, so
/// the index is complete (ACTIVE) as soon as it exists.
fn backfill(w: &mut dyn Write, table: &TableRecord, index: &IndexRecord) -> Result<()> {
    let mut entries = Vec::new();
    let mut failed = None;
    w.as_read().scan(
        ITEMS,
        &KeyRange::prefix(&uid_prefix(table.uid)),
        false,
        &mut |_, v| {
            match decode_item(v) {
                Ok(item) => {
                    if let Some(k) = index_entry_key(index, table, &item) {
                        match encode_item(&project_for_index(index, table, &item)) {
                            Ok(bytes) => entries.push((k, bytes)),
                            Err(e) => failed = Some(e),
                        }
                    }
                }
                Err(e) => failed = Some(e),
            }
            Ok(Flow::Continue)
        },
    )?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (k, v) in entries {
        w.put(INDEX, &k, &v)?;
    }
    Ok(())
}
