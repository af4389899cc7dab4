//! Items as stored: JSON of the attribute map.

use nimbus_store::{Read, StoreError};

use super::ITEMS;
use crate::error::{Error, Result};
use crate::types::Item;

pub fn encode_item(item: &Item) -> Result<Vec<u8>> {
    serde_json::to_vec(item).map_err(|e| Error::Store(StoreError::Engine(e.to_string())))
}

pub fn decode_item(bytes: &[u8]) -> Result<Item> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Store(StoreError::Engine(format!("corrupt stored item: {e}"))))
}

/// The item stored under an encoded key, if any.
pub fn get_item(r: &dyn Read, key: &[u8]) -> Result<Option<Item>> {
    match r.get(ITEMS, key)? {
        Some(bytes) => Ok(Some(decode_item(&bytes)?)),
        None => Ok(None),
    }
}
