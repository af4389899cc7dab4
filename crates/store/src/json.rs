//! Records kept as JSON values: the get / put / scan every service's storage module needs, in one
//! place. A value that does not decode is an engine error naming its tree, as a corrupt page
//! would be.

use serde::{de::DeserializeOwned, Serialize};

use crate::{Flow, KeyRange, Read, StoreError, Tree, Write};

pub fn decode<T: DeserializeOwned>(tree: Tree, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Engine(format!("a record in {} is corrupt: {e}", tree.0)))
}

pub fn get<T: DeserializeOwned>(
    r: &dyn Read,
    tree: Tree,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    r.get(tree, key)?.map(|v| decode(tree, &v)).transpose()
}

pub fn put<T: Serialize>(
    w: &mut dyn Write,
    tree: Tree,
    key: &[u8],
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| {
        StoreError::Engine(format!("a record for {} cannot be encoded: {e}", tree.0))
    })?;
    w.put(tree, key, &bytes)
}

/// Every (key, record) in `range`, in key order.
pub fn scan_keyed<T: DeserializeOwned>(
    r: &dyn Read,
    tree: Tree,
    range: &KeyRange,
) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
    let mut out = Vec::new();
    let mut failed = None;
    r.scan(tree, range, false, &mut |k, v| match decode(tree, v) {
        Ok(t) => {
            out.push((k.to_vec(), t));
            Ok(Flow::Continue)
        }
        Err(e) => {
            failed = Some(e);
            Ok(Flow::Stop)
        }
    })?;
    failed.map_or(Ok(out), Err)
}

/// Every record in `range`, in key order.
pub fn scan<T: DeserializeOwned>(
    r: &dyn Read,
    tree: Tree,
    range: &KeyRange,
) -> Result<Vec<T>, StoreError> {
    Ok(scan_keyed(r, tree, range)?
        .into_iter()
        .map(|(_, t)| t)
        .collect())
}
