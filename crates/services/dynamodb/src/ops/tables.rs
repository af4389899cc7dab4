//! CreateTable, DescribeTable, ListTables, DeleteTable, and the TableDescription they return.
//! UpdateTable is in `table_update.rs`; key schema and settings checks in `table_schema.rs`.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Read, Store};

use crate::error::{invalid_parameter, resource_in_use, table_not_found, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{self, load_table, next_uid, save_table, IndexRecord, TableRecord};
use crate::storage::keys::uid_prefix;
use crate::storage::{changes, INDEX, ITEMS};
use crate::streams::{close_stream, open_stream};

use super::table_schema::{
    check_billing, check_definitions_used, check_projection, check_stream_spec, check_table_name,
    index_capacity, parse_key_schema, MAX_GSIS, MAX_LSIS,
};

pub fn create_table(
    store: &Store,
    ctx: &RequestContext,
    input: CreateTableInput,
) -> Result<CreateTableOutput> {
    check_table_name(&input.table_name)?;
    let definitions = input.attribute_definitions.clone().unwrap_or_default();
    let key_schema = input.key_schema.clone().ok_or_else(|| {
        validation("1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null")
    })?;
    let key = parse_key_schema(&key_schema, &definitions, None)?;
    let billing_mode = input
        .billing_mode
        .clone()
        .unwrap_or_else(|| "PROVISIONED".into());
    let (read_capacity, write_capacity) =
        check_billing(&billing_mode, input.provisioned_throughput.as_ref())?;

    let gsis = input.global_secondary_indexes.clone().unwrap_or_default();
    let lsis = input.local_secondary_indexes.clone().unwrap_or_default();
    if gsis.len() > MAX_GSIS {
        return Err(validation(format!(
            "GlobalSecondaryIndexes exceeds the maximum allowed number of {MAX_GSIS}"
        )));
    }
    if lsis.len() > MAX_LSIS {
        return Err(invalid_parameter(
            "Number of LocalSecondaryIndexes exceeds per-table limit of 5",
        ));
    }
    let mut used: Vec<String> = key.attrs().map(|a| a.name.clone()).collect();
    let index_names: Vec<&str> = gsis
        .iter()
        .map(|g| g.index_name.as_str())
        .chain(lsis.iter().map(|l| l.index_name.as_str()))
        .collect();
    for (i, name) in index_names.iter().enumerate() {
        if index_names[..i].contains(name) {
            return Err(invalid_parameter(format!("Duplicate index name: {name}")));
        }
    }
    let stream_spec = input.stream_specification.clone();
    check_stream_spec(stream_spec.as_ref())?;

    store.write(|w| {
        if load_table(w.as_read(), ctx, &input.table_name)?.is_some() {
            return Err(resource_in_use(format!("Table already exists: {}", input.table_name)));
        }
        let mut table = TableRecord {
            uid: next_uid(w)?,
            name: input.table_name.clone(),
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            table_id: nimbus_core::ids::uuid_v4(),
            created: nimbus_core::time::now_epoch_seconds(),
            attribute_definitions: definitions.clone(),
            key: key.clone(),
            billing_mode: billing_mode.clone(),
            read_capacity,
            write_capacity,
            gsis: Vec::new(),
            lsis: Vec::new(),
            stream: None,
            ttl: None,
            tags: Vec::new(),
            deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
            table_class: input.table_class.clone(),
            point_in_time_recovery: false,
        };
        for g in &gsis {
            let gkey = parse_key_schema(&g.key_schema, &definitions, Some(&g.index_name))?;
            check_projection(&g.projection)?;
            let (r, wc) = index_capacity(&billing_mode, g.provisioned_throughput.as_ref(), &g.index_name)?;
            used.extend(gkey.attrs().map(|a| a.name.clone()));
            table.gsis.push(IndexRecord {
                uid: next_uid(w)?,
                name: g.index_name.clone(),
                key: gkey,
                projection: g.projection.clone(),
                read_capacity: r,
                write_capacity: wc,
            });
        }
        for l in &lsis {
            let lkey = parse_key_schema(&l.key_schema, &definitions, Some(&l.index_name))?;
            if key.range.is_none() {
                return Err(invalid_parameter(
                    "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                ));
            }
            if lkey.hash != key.hash || lkey.range.is_none() {
                return Err(invalid_parameter(format!(
                    "Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                    l.index_name, lkey.hash.name, key.hash.name
                )));
            }
            check_projection(&l.projection)?;
            used.extend(lkey.attrs().map(|a| a.name.clone()));
            table.lsis.push(IndexRecord {
                uid: next_uid(w)?,
                name: l.index_name.clone(),
                key: lkey,
                projection: l.projection.clone(),
                read_capacity: None,
                write_capacity: None,
            });
        }
        check_definitions_used(&definitions, &used)?;
        if let Some(spec) = stream_spec.as_ref().filter(|s| s.stream_enabled) {
            table.stream = Some(open_stream(w, &table, spec.stream_view_type.as_deref().unwrap_or_default())?);
        }
        if let Some(tags) = &input.tags {
            table.tags = tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
        }
        save_table(w, &table)?;
        Ok(CreateTableOutput { table_description: Some(describe(w.as_read(), &table)?) })
    })
}

pub fn describe_table(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeTableInput,
) -> Result<DescribeTableOutput> {
    store.read(|r| {
        let table = load_table(r, ctx, &input.table_name)?
            .ok_or_else(|| table_not_found(&input.table_name))?;
        Ok(DescribeTableOutput {
            table: Some(describe(r, &table)?),
        })
    })
}

pub fn list_tables(
    store: &Store,
    ctx: &RequestContext,
    input: ListTablesInput,
) -> Result<ListTablesOutput> {
    let limit = input.limit.unwrap_or(100) as usize;
    store.read(|r| {
        let (names, more) =
            catalog::list_tables(r, ctx, input.exclusive_start_table_name.as_deref(), limit)?;
        let last = if more { names.last().cloned() } else { None };
        Ok(ListTablesOutput {
            table_names: Some(names),
            last_evaluated_table_name: last,
        })
    })
}

pub fn delete_table(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteTableInput,
) -> Result<DeleteTableOutput> {
    store.write(|w| {
        let table = load_table(w.as_read(), ctx, &input.table_name)?.ok_or_else(|| table_not_found(&input.table_name))?;
        if table.deletion_protection {
            return Err(validation(
                "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
            ));
        }
        let mut description = describe(w.as_read(), &table)?;
        description.table_status = Some("DELETING".into());
        if let Some(stream) = &table.stream {
            close_stream(w, stream.uid)?;
        }
        changes::drop_table_data(w, &table)?;
        catalog::delete_table_record(w, &table)?;
        Ok(DeleteTableOutput { table_description: Some(description) })
    })
}

/// Item count and size of a key range (items of a table or entries of an index).
fn count(r: &dyn Read, tree: nimbus_store::Tree, uid: u64) -> Result<(i64, i64)> {
    let (mut n, mut bytes) = (0i64, 0i64);
    r.scan(
        tree,
        &KeyRange::prefix(&uid_prefix(uid)),
        false,
        &mut |_, v| {
            n += 1;
            bytes += v.len() as i64;
            Ok(Flow::Continue)
        },
    )?;
    Ok((n, bytes))
}

/// The TableDescription of a table, as DescribeTable and friends return it.
pub fn describe(r: &dyn Read, t: &TableRecord) -> Result<TableDescription> {
    let (item_count, size) = count(r, ITEMS, t.uid)?;
    let on_demand = t.billing_mode == "PAY_PER_REQUEST";
    let throughput = |rc: i64, wc: i64| ProvisionedThroughputDescription {
        number_of_decreases_today: Some(0),
        read_capacity_units: Some(rc),
        write_capacity_units: Some(wc),
        ..Default::default()
    };
    let mut gsis = Vec::new();
    for g in &t.gsis {
        let (n, bytes) = count(r, INDEX, g.uid)?;
        gsis.push(GlobalSecondaryIndexDescription {
            index_name: Some(g.name.clone()),
            key_schema: Some(g.key.elements()),
            projection: Some(g.projection.clone()),
            index_status: Some("ACTIVE".into()),
            provisioned_throughput: Some(throughput(
                g.read_capacity.unwrap_or(0),
                g.write_capacity.unwrap_or(0),
            )),
            index_size_bytes: Some(bytes),
            item_count: Some(n),
            index_arn: Some(
                nimbus_core::Arn::dynamodb_index(&t.region, &t.account, &t.name, &g.name)
                    .to_string(),
            ),
            ..Default::default()
        });
    }
    let mut lsis = Vec::new();
    for l in &t.lsis {
        let (n, bytes) = count(r, INDEX, l.uid)?;
        lsis.push(LocalSecondaryIndexDescription {
            index_name: Some(l.name.clone()),
            key_schema: Some(l.key.elements()),
            projection: Some(l.projection.clone()),
            index_size_bytes: Some(bytes),
            item_count: Some(n),
            index_arn: Some(
                nimbus_core::Arn::dynamodb_index(&t.region, &t.account, &t.name, &l.name)
                    .to_string(),
            ),
        });
    }
    Ok(TableDescription {
        attribute_definitions: Some(t.attribute_definitions.clone()),
        table_name: Some(t.name.clone()),
        key_schema: Some(t.key.elements()),
        table_status: Some("ACTIVE".into()),
        creation_date_time: Some(t.created),
        provisioned_throughput: Some(throughput(t.read_capacity, t.write_capacity)),
        table_size_bytes: Some(size),
        item_count: Some(item_count),
        table_arn: Some(t.arn()),
        table_id: Some(t.table_id.clone()),
        billing_mode_summary: Some(BillingModeSummary {
            billing_mode: Some(t.billing_mode.clone()),
            last_update_to_pay_per_request_date_time: on_demand.then_some(t.created),
        }),
        global_secondary_indexes: (!gsis.is_empty()).then_some(gsis),
        local_secondary_indexes: (!lsis.is_empty()).then_some(lsis),
        stream_specification: t.active_stream().map(|s| StreamSpecification {
            stream_enabled: true,
            stream_view_type: Some(s.view_type.clone()),
        }),
        latest_stream_label: t.stream.as_ref().map(|s| s.label.clone()),
        latest_stream_arn: t.stream.as_ref().map(|s| t.stream_arn(s)),
        deletion_protection_enabled: Some(t.deletion_protection),
        table_class_summary: t.table_class.as_ref().map(|c| TableClassSummary {
            table_class: Some(c.clone()),
            ..Default::default()
        }),
        ..Default::default()
    })
}
