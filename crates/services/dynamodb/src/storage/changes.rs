//! The one place item writes happen. Each change updates the item, every secondary index and
//! the table's stream inside the caller's transaction, so they commit or fail together.

use nimbus_store::{Flow, KeyRange, Write};
use serde::{Deserialize, Serialize};

use super::catalog::{IndexRecord, TableRecord};
use super::keys::{encode_scalar, uid_prefix};
use super::records::{encode_item, to_stored};
use super::{INDEX, ITEMS, RECORDS};
use crate::error::{invalid_parameter, validation, Result};
use crate::types::{item_size, AttributeValue, Item};

/// Who made a change; TTL deletions carry DynamoDB's service identity in stream records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    User,
    TimeToLive,
}

/// A stream record as stored; the API shape is built when it is read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRecord {
    pub event_id: String,
    pub event_name: String,
    pub region: String,
    pub created_seconds: f64,
    pub keys: Item,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_image: Option<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_image: Option<Item>,
    pub size_bytes: i64,
    pub view_type: String,
    #[serde(default)]
    pub by_ttl: bool,
}

/// Checks the index key attributes an item carries, with DynamoDB's messages.
pub fn check_index_keys(table: &TableRecord, item: &Item) -> Result<()> {
    for index in table.indexes() {
        for attr in index.key.attrs() {
            let Some(value) = item.get(&attr.name) else {
                continue;
            };
            if value.type_name() != attr.ty {
                return Err(invalid_parameter(format!(
                    "Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                    attr.name,
                    attr.ty,
                    value.type_name(),
                    index.name
                )));
            }
            let empty = match value {
                AttributeValue::S(s) => s.is_empty(),
                AttributeValue::B(b) => b.is_empty(),
                _ => false,
            };
            if empty {
                return Err(validation(format!(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {}",
                    if matches!(value, AttributeValue::S(_)) { "string" } else { "binary" },
                    index.name,
                    attr.name
                )));
            }
        }
    }
    Ok(())
}

/// The index entry key of `item`, or `None` when the item lacks an index key attribute
/// (indexes are sparse).
pub fn index_entry_key(index: &IndexRecord, table: &TableRecord, item: &Item) -> Option<Vec<u8>> {
    let mut out = uid_prefix(index.uid);
    for attr in index.key.attrs() {
        let value = item.get(&attr.name)?;
        if value.type_name() != attr.ty {
            return None;
        }
        encode_scalar(value, &mut out);
    }
    for attr in table.key.attrs() {
        encode_scalar(item.get(&attr.name)?, &mut out);
    }
    Some(out)
}

/// The part of `item` an index carries.
pub fn project_for_index(index: &IndexRecord, table: &TableRecord, item: &Item) -> Item {
    item.iter()
        .filter(|(name, _)| index.projects(name, &table.key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Writes `new` (or deletes, when `None`) under `key`, replacing `old`, and keeps indexes and
/// the stream in step.
pub fn apply(
    w: &mut dyn Write,
    table: &TableRecord,
    key: &[u8],
    old: Option<&Item>,
    new: Option<&Item>,
    origin: Origin,
) -> Result<()> {
    // A write that changes nothing is not a change: no stream record, no index churn.
    if old == new {
        return Ok(());
    }
    match new {
        Some(item) => w.put(ITEMS, key, &encode_item(item)?)?,
        None => {
            w.delete(ITEMS, key)?;
        }
    }
    for index in table.indexes() {
        let old_key = old.and_then(|i| index_entry_key(index, table, i));
        let new_key = new.and_then(|i| index_entry_key(index, table, i));
        if let Some(k) = &old_key {
            if new_key.as_ref() != Some(k) {
                w.delete(INDEX, k)?;
            }
        }
        if let (Some(k), Some(item)) = (&new_key, new) {
            w.put(
                INDEX,
                k,
                &encode_item(&project_for_index(index, table, item))?,
            )?;
        }
    }
    if let Some(stream) = table.active_stream() {
        let event_name = match (old, new) {
            (None, Some(_)) => "INSERT",
            (Some(_), Some(_)) => "MODIFY",
            (Some(_), None) => "REMOVE",
            (None, None) => return Ok(()),
        };
        let any = new.or(old).map(|i| table.key.key_of(i)).unwrap_or_default();
        let (new_image, old_image) = match stream.view_type.as_str() {
            "NEW_IMAGE" => (new.cloned(), None),
            "OLD_IMAGE" => (None, old.cloned()),
            "NEW_AND_OLD_IMAGES" => (new.cloned(), old.cloned()),
            _ => (None, None),
        };
        let size = item_size(&any)
            + new_image.as_ref().map_or(0, item_size)
            + old_image.as_ref().map_or(0, item_size);
        let record = StoredRecord {
            event_id: nimbus_core::ids::hex(32),
            event_name: event_name.to_string(),
            region: table.region.clone(),
            created_seconds: (nimbus_core::time::now_millis() / 1000) as f64,
            keys: any,
            new_image,
            old_image,
            size_bytes: size as i64,
            view_type: stream.view_type.clone(),
            by_ttl: origin == Origin::TimeToLive,
        };
        append_record(w, stream.uid, &record)?;
    }
    Ok(())
}

/// Appends a record at the next sequence number of the stream.
fn append_record(w: &mut dyn Write, stream_uid: u64, record: &StoredRecord) -> Result<()> {
    let prefix = uid_prefix(stream_uid);
    let mut last = 0u64;
    w.as_read()
        .scan(RECORDS, &KeyRange::prefix(&prefix), true, &mut |k, _| {
            if let Ok(seq) = <[u8; 8]>::try_from(&k[8..]) {
                last = u64::from_be_bytes(seq);
            }
            Ok(Flow::Stop)
        })?;
    let mut key = prefix;
    key.extend_from_slice(&(last + 1).to_be_bytes());
    w.put(RECORDS, &key, &to_stored(record)?)?;
    Ok(())
}

/// Removes every item and index entry of a table (DeleteTable).
pub fn drop_table_data(w: &mut dyn Write, table: &TableRecord) -> Result<()> {
    w.delete_range(ITEMS, &KeyRange::prefix(&uid_prefix(table.uid)))?;
    for index in table.indexes() {
        w.delete_range(INDEX, &KeyRange::prefix(&uid_prefix(index.uid)))?;
    }
    Ok(())
}
