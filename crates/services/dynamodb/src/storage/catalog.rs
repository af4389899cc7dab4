//! Table, index and stream metadata, as stored.

use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Read, Write};
use serde::{Deserialize, Serialize};

use super::keys::{encode_scalar, uid_prefix};
use super::records::{from_stored, to_stored};
use super::{META, STREAMS, TABLES};
use crate::error::{invalid_parameter, resource_not_found, validation, Result};
use crate::generated::dynamodb::{AttributeDefinition, KeySchemaElement, Projection};
use crate::types::{AttributeValue, Item};

/// Size limits DynamoDB applies to key values.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
pub const MAX_SORT_KEY_BYTES: usize = 1024;

/// One key attribute: its name and scalar type (`S`, `N` or `B`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyAttr {
    pub name: String,
    pub ty: String,
}

/// A primary key or index key: partition key plus optional sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySchema {
    pub hash: KeyAttr,
    pub range: Option<KeyAttr>,
}

impl KeySchema {
    pub fn attrs(&self) -> impl Iterator<Item = &KeyAttr> {
        std::iter::once(&self.hash).chain(self.range.as_ref())
    }

    pub fn is_key_attr(&self, name: &str) -> bool {
        self.attrs().any(|a| a.name == name)
    }

    /// As the API describes it.
    pub fn elements(&self) -> Vec<KeySchemaElement> {
        let mut out = vec![KeySchemaElement {
            attribute_name: self.hash.name.clone(),
            key_type: "HASH".into(),
        }];
        if let Some(r) = &self.range {
            out.push(KeySchemaElement {
                attribute_name: r.name.clone(),
                key_type: "RANGE".into(),
            });
        }
        out
    }

    /// Just the key attributes of `item`.
    pub fn key_of(&self, item: &Item) -> Item {
        self.attrs()
            .filter_map(|a| item.get(&a.name).map(|v| (a.name.clone(), v.clone())))
            .collect()
    }

    /// Encodes the key of a table item for storage, checking it against the schema with the
    /// messages PutItem uses (the item must carry each key attribute with the right type).
    pub fn encode_item_key(&self, uid: u64, item: &Item) -> Result<Vec<u8>> {
        let mut out = uid_prefix(uid);
        for (attr, is_hash) in self.attrs().zip([true, false]) {
            let value = item.get(&attr.name).ok_or_else(|| {
                invalid_parameter(format!("Missing the key {} in the item", attr.name))
            })?;
            if value.type_name() != attr.ty {
                return Err(invalid_parameter(format!(
                    "Type mismatch for key {} expected: {} actual: {}",
                    attr.name,
                    attr.ty,
                    value.type_name()
                )));
            }
            check_key_value(&attr.name, value, is_hash)?;
            encode_scalar(value, &mut out);
        }
        Ok(out)
    }

    /// Encodes a `Key` parameter (GetItem, DeleteItem, UpdateItem, ...): exactly the key
    /// attributes, with the right types, or "The provided key element does not match the schema".
    pub fn encode_key_param(&self, uid: u64, key: &Item) -> Result<Vec<u8>> {
        let expected = 1 + usize::from(self.range.is_some());
        let mismatch = || validation("The provided key element does not match the schema");
        if key.len() != expected {
            return Err(mismatch());
        }
        let mut out = uid_prefix(uid);
        for (attr, is_hash) in self.attrs().zip([true, false]) {
            let value = key.get(&attr.name).ok_or_else(mismatch)?;
            if value.type_name() != attr.ty {
                return Err(mismatch());
            }
            check_key_value(&attr.name, value, is_hash)?;
            encode_scalar(value, &mut out);
        }
        Ok(out)
    }
}

/// Empty strings/binaries and oversized values are not allowed in key attributes.
fn check_key_value(name: &str, value: &AttributeValue, is_hash: bool) -> Result<()> {
    let len = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len == 0 {
        return Err(validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if matches!(value, AttributeValue::S(_)) { "string" } else { "binary" }
        )));
    }
    if is_hash && len > MAX_PARTITION_KEY_BYTES {
        return Err(invalid_parameter(
            "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if !is_hash && len > MAX_SORT_KEY_BYTES {
        return Err(invalid_parameter(
            "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRecord {
    pub uid: u64,
    pub name: String,
    pub key: KeySchema,
    pub projection: Projection,
    /// Provisioned throughput for GSIs in PROVISIONED mode.
    pub read_capacity: Option<i64>,
    pub write_capacity: Option<i64>,
}

impl IndexRecord {
    /// Whether `attr` is carried into the index (projection ALL, KEYS_ONLY or INCLUDE).
    pub fn projects(&self, attr: &str, table_key: &KeySchema) -> bool {
        if self.key.is_key_attr(attr) || table_key.is_key_attr(attr) {
            return true;
        }
        match self.projection.projection_type.as_deref() {
            Some("KEYS_ONLY") => false,
            Some("INCLUDE") => self
                .projection
                .non_key_attributes
                .as_ref()
                .is_some_and(|names| names.iter().any(|n| n == attr)),
            _ => true,
        }
    }
}

/// A table's stream settings and the stream currently attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableStream {
    pub uid: u64,
    pub label: String,
    pub view_type: String,
    pub enabled: bool,
}

/// Time to live settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TtlRecord {
    pub attribute: String,
    pub enabled: bool,
}

/// Everything nimbus stores about a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRecord {
    pub uid: u64,
    pub name: String,
    pub account: String,
    pub region: String,
    pub table_id: String,
    pub created: f64,
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key: KeySchema,
    pub billing_mode: String,
    pub read_capacity: i64,
    pub write_capacity: i64,
    pub gsis: Vec<IndexRecord>,
    pub lsis: Vec<IndexRecord>,
    pub stream: Option<TableStream>,
    pub ttl: Option<TtlRecord>,
    pub tags: Vec<(String, String)>,
    pub deletion_protection: bool,
    pub table_class: Option<String>,
    /// Point-in-time recovery, as last set (no backups are kept).
    #[serde(default)]
    pub point_in_time_recovery: bool,
}

impl TableRecord {
    pub fn arn(&self) -> String {
        nimbus_core::Arn::dynamodb_table(&self.region, &self.account, &self.name).to_string()
    }

    pub fn index(&self, name: &str) -> Option<(&IndexRecord, bool)> {
        self.gsis
            .iter()
            .map(|i| (i, true))
            .chain(self.lsis.iter().map(|i| (i, false)))
            .find(|(i, _)| i.name == name)
    }

    pub fn indexes(&self) -> impl Iterator<Item = &IndexRecord> {
        self.gsis.iter().chain(self.lsis.iter())
    }

    /// The stream, if one is attached and enabled.
    pub fn active_stream(&self) -> Option<&TableStream> {
        self.stream.as_ref().filter(|s| s.enabled)
    }

    pub fn stream_arn(&self, stream: &TableStream) -> String {
        nimbus_core::Arn::dynamodb_stream(&self.region, &self.account, &self.name, &stream.label)
            .to_string()
    }
}

/// A stream's own metadata: it outlives the table's settings (a disabled or deleted table's
/// stream stays readable for 24 hours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamMeta {
    pub uid: u64,
    pub arn: String,
    pub label: String,
    pub table_name: String,
    pub account: String,
    pub region: String,
    pub view_type: String,
    pub key: KeySchema,
    pub enabled: bool,
    pub created_millis: i64,
    /// When the stream was disabled or its table deleted, if it was.
    pub closed_millis: Option<i64>,
}

fn table_key(account: &str, region: &str, name: &str) -> Vec<u8> {
    format!("{account}\0{region}\0{name}").into_bytes()
}

/// `TableName` may be a name or a table ARN.
pub fn table_name_of(name_or_arn: &str) -> &str {
    if let Some(rest) = name_or_arn.strip_prefix("arn:") {
        if let Some(i) = rest.find(":table/") {
            let name = &rest[i + ":table/".len()..];
            return name.split('/').next().unwrap_or(name);
        }
    }
    name_or_arn
}

pub fn load_table(r: &dyn Read, ctx: &RequestContext, name: &str) -> Result<Option<TableRecord>> {
    let name = table_name_of(name);
    match r.get(TABLES, &table_key(&ctx.account, &ctx.region, name))? {
        Some(bytes) => Ok(Some(decode_table(bytes)?)),
        None => Ok(None),
    }
}

/// Decoded table records by their stored bytes. Every item operation loads its table; decoding
/// the record's JSON was a visible share of a GetItem. Keyed by content, the cache can never
/// answer with a stale record, whatever store or transaction the bytes came from.
static DECODED_TABLES: std::sync::Mutex<Vec<(Vec<u8>, TableRecord)>> =
    std::sync::Mutex::new(Vec::new());
const DECODED_TABLES_MAX: usize = 256;

fn decode_table(bytes: Vec<u8>) -> Result<TableRecord> {
    let mut cache = DECODED_TABLES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, table)) = cache.iter().find(|(b, _)| *b == bytes) {
        return Ok(table.clone());
    }
    let table: TableRecord = decode(&bytes)?;
    if cache.len() >= DECODED_TABLES_MAX {
        cache.remove(0);
    }
    cache.push((bytes, table.clone()));
    Ok(table)
}

/// A table for an item operation: ResourceNotFoundException "Requested resource not found".
pub fn require_table(r: &dyn Read, ctx: &RequestContext, name: &str) -> Result<TableRecord> {
    load_table(r, ctx, name)?.ok_or_else(resource_not_found)
}

pub fn save_table(w: &mut dyn Write, table: &TableRecord) -> Result<()> {
    let bytes = to_stored(table)?;
    w.put(
        TABLES,
        &table_key(&table.account, &table.region, &table.name),
        &bytes,
    )?;
    Ok(())
}

pub fn delete_table_record(w: &mut dyn Write, table: &TableRecord) -> Result<()> {
    w.delete(
        TABLES,
        &table_key(&table.account, &table.region, &table.name),
    )?;
    Ok(())
}

/// Table names of an account and region, in name order, from `start` (exclusive).
pub fn list_tables(
    r: &dyn Read,
    ctx: &RequestContext,
    start: Option<&str>,
    limit: usize,
) -> Result<(Vec<String>, bool)> {
    let prefix = table_key(&ctx.account, &ctx.region, "");
    let mut range = KeyRange::prefix(&prefix);
    if let Some(start) = start {
        range.start = Some((table_key(&ctx.account, &ctx.region, start), false));
    }
    let mut names = Vec::new();
    let mut more = false;
    r.scan(TABLES, &range, false, &mut |k, _| {
        if names.len() == limit {
            more = true;
            return Ok(Flow::Stop);
        }
        names.push(String::from_utf8_lossy(&k[prefix.len()..]).into_owned());
        Ok(Flow::Continue)
    })?;
    Ok((names, more))
}

/// Every table of every account and region (for background sweepers).
pub fn all_tables(r: &dyn Read) -> Result<Vec<TableRecord>> {
    let mut out = Vec::new();
    let mut failed = None;
    r.scan(TABLES, &KeyRange::default(), false, &mut |_, v| {
        match decode(v) {
            Ok(t) => out.push(t),
            Err(e) => failed = Some(e),
        }
        Ok(Flow::Continue)
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A fresh id for a table, index or stream; never reused, so a re-created table starts empty.
pub fn next_uid(w: &mut dyn Write) -> Result<u64> {
    let current = w
        .get(META, b"next_uid")?
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map(u64::from_be_bytes)
        .unwrap_or(1);
    w.put(META, b"next_uid", &(current + 1).to_be_bytes())?;
    Ok(current)
}

pub fn save_stream(w: &mut dyn Write, meta: &StreamMeta) -> Result<()> {
    let bytes = to_stored(meta)?;
    w.put(STREAMS, &meta.uid.to_be_bytes(), &bytes)?;
    Ok(())
}

pub fn load_stream(r: &dyn Read, uid: u64) -> Result<Option<StreamMeta>> {
    match r.get(STREAMS, &uid.to_be_bytes())? {
        Some(bytes) => Ok(Some(decode(&bytes)?)),
        None => Ok(None),
    }
}

pub fn all_streams(r: &dyn Read) -> Result<Vec<StreamMeta>> {
    let mut out = Vec::new();
    r.scan(STREAMS, &KeyRange::default(), false, &mut |_, v| {
        if let Ok(m) = serde_json::from_slice(v) {
            out.push(m);
        }
        Ok(Flow::Continue)
    })?;
    Ok(out)
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    from_stored(bytes, "dynamodb metadata")
}
