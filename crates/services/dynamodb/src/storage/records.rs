//! The stored form of everything DynamoDB keeps (items, table and stream metadata, stream
//! records, transaction tokens): JSON, through the one encoder and decoder below.

use nimbus_store::{Read, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ITEMS;
use crate::error::{Error, Result};
use crate::types::Item;

/// The stored bytes of a value.
pub fn to_stored<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Store(StoreError::Engine(e.to_string())))
}

/// A value back from its stored bytes; `what` names it in the error if they are corrupt.
pub fn from_stored<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Store(StoreError::Engine(format!("corrupt stored {what}: {e}"))))
}

pub fn encode_item(item: &Item) -> Result<Vec<u8>> {
    to_stored(item)
}

pub fn decode_item(bytes: &[u8]) -> Result<Item> {
    from_stored(bytes, "item")
}

/// The item stored under an encoded key, if any.
pub fn get_item(r: &dyn Read, key: &[u8]) -> Result<Option<Item>> {
    match r.get(ITEMS, key)? {
        Some(bytes) => Ok(Some(decode_item(&bytes)?)),
        None => Ok(None),
    }
}
