//! CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Read, Store, Write};

use crate::error::{invalid_parameter, resource_in_use, table_not_found, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{
    self, load_table, next_uid, save_table, IndexRecord, KeyAttr, KeySchema, TableRecord,
    TableStream,
};
use crate::storage::changes::{index_entry_key, project_for_index};
use crate::storage::keys::uid_prefix;
use crate::storage::records::{decode_item, encode_item};
use crate::storage::{changes, INDEX, ITEMS};
use crate::streams::{close_stream, open_stream};

const MAX_GSIS: usize = 20;
const MAX_LSIS: usize = 5;

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
            return Err(invalid_parameter(
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

/// Table names: 3-255 characters of `[a-zA-Z0-9_.-]`. The model now types TableName as "name
/// or ARN", so this rule for new tables is checked here.
fn check_table_name(name: &str) -> Result<()> {
    let mut v = nimbus_protocol::Violations::default();
    if name.len() < 3 {
        v.fail(
            "tableName",
            name,
            "Member must have length greater than or equal to 3",
        );
    }
    if name.len() > 255 {
        v.fail(
            "tableName",
            name,
            "Member must have length less than or equal to 255",
        );
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        v.fail(
            "tableName",
            name,
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        );
    }
    v.into_result().map_err(Into::into)
}

/// Reads a key schema and checks it against the attribute definitions.
fn parse_key_schema(
    elements: &[KeySchemaElement],
    definitions: &[AttributeDefinition],
    index: Option<&str>,
) -> Result<KeySchema> {
    let (first, second) = match elements {
        [a] => (a, None),
        [a, b] => (a, Some(b)),
        _ => return Err(validation("1 validation error detected: Value at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")),
    };
    if first.key_type != "HASH" {
        return Err(invalid_parameter_schema(
            index,
            "The first KeySchemaElement is not a HASH key type",
        ));
    }
    if let Some(s) = second {
        if s.key_type != "RANGE" {
            return Err(invalid_parameter_schema(
                index,
                "The second KeySchemaElement is not a RANGE key type",
            ));
        }
        if s.attribute_name == first.attribute_name {
            return Err(invalid_parameter_schema(
                index,
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
    }
    let lookup = |name: &str| -> Result<KeyAttr> {
        let def = definitions.iter().find(|d| d.attribute_name == name).ok_or_else(|| {
            let keys: Vec<&str> = elements.iter().map(|e| e.attribute_name.as_str()).collect();
            let defs: Vec<&str> = definitions.iter().map(|d| d.attribute_name.as_str()).collect();
            invalid_parameter(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                keys.join(", "),
                defs.join(", ")
            ))
        })?;
        Ok(KeyAttr {
            name: name.to_string(),
            ty: def.attribute_type.clone(),
        })
    };
    Ok(KeySchema {
        hash: lookup(&first.attribute_name)?,
        range: second.map(|s| lookup(&s.attribute_name)).transpose()?,
    })
}

fn invalid_parameter_schema(index: Option<&str>, detail: &str) -> crate::error::Error {
    match index {
        None => validation(format!("Invalid KeySchema: {detail}")),
        Some(name) => invalid_parameter(format!(
            "Index KeySchema is invalid for index {name}: {detail}"
        )),
    }
}

fn check_definitions_used(definitions: &[AttributeDefinition], used: &[String]) -> Result<()> {
    let unused = definitions
        .iter()
        .any(|d| !used.contains(&d.attribute_name));
    let mut distinct: Vec<&String> = used.iter().collect();
    distinct.sort();
    distinct.dedup();
    if unused || distinct.len() != definitions.len() {
        return Err(invalid_parameter(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    Ok(())
}

fn check_billing(mode: &str, throughput: Option<&ProvisionedThroughput>) -> Result<(i64, i64)> {
    match (mode, throughput) {
        ("PAY_PER_REQUEST", None) => Ok((0, 0)),
        ("PAY_PER_REQUEST", Some(_)) => Err(invalid_parameter(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        )),
        (_, Some(p)) => Ok((p.read_capacity_units, p.write_capacity_units)),
        (_, None) => Err(invalid_parameter(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )),
    }
}

fn index_capacity(
    mode: &str,
    throughput: Option<&ProvisionedThroughput>,
    name: &str,
) -> Result<(Option<i64>, Option<i64>)> {
    match (mode, throughput) {
        ("PAY_PER_REQUEST", None) => Ok((None, None)),
        ("PAY_PER_REQUEST", Some(_)) => Err(invalid_parameter(
            "ProvisionedThroughput should not be specified for index: ".to_string()
                + name
                + " when BillingMode is PAY_PER_REQUEST",
        )),
        (_, Some(p)) => Ok((Some(p.read_capacity_units), Some(p.write_capacity_units))),
        (_, None) => Err(invalid_parameter(format!(
            "ProvisionedThroughput is not specified for index: {name}"
        ))),
    }
}

fn check_projection(p: &Projection) -> Result<()> {
    match (p.projection_type.as_deref(), &p.non_key_attributes) {
        (Some("INCLUDE"), None) => Err(validation(
            "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
        )),
        (Some("ALL") | Some("KEYS_ONLY"), Some(_)) => Err(invalid_parameter(format!(
            "ProjectionType is {}, but NonKeyAttributes is specified",
            p.projection_type.as_deref().unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

fn check_stream_spec(spec: Option<&StreamSpecification>) -> Result<()> {
    if let Some(s) = spec {
        if s.stream_enabled && s.stream_view_type.is_none() {
            return Err(invalid_parameter(
                "You must specify a StreamViewType when enabling a DynamoDB Stream",
            ));
        }
    }
    Ok(())
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
