//! Layer versions.

use nimbus_store::{KeyRange, Read, Write};
use serde::{Deserialize, Serialize};

use super::{children, get, key, put, scan, Result, LAYERS};
use crate::generated::lambda::GetLayerVersionResponse;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct LayerVersionRecord {
    pub layer_name: String,
    pub version: u64,
    /// As GetLayerVersion describes it (its `Content.Location` is filled in when answered).
    pub description: GetLayerVersionResponse,
    pub code_sha: String,
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
}

pub fn layer_key(scope: &[u8], layer: &str, version: u64) -> Vec<u8> {
    key(scope, layer, Some(&version.to_be_bytes()))
}

pub fn get_layer_version(
    r: &dyn Read,
    scope: &[u8],
    layer: &str,
    version: u64,
) -> Result<Option<LayerVersionRecord>> {
    get(r, LAYERS, &layer_key(scope, layer, version))
}

pub fn put_layer_version(w: &mut dyn Write, scope: &[u8], l: &LayerVersionRecord) -> Result<()> {
    put(w, LAYERS, &layer_key(scope, &l.layer_name, l.version), l)
}

pub fn delete_layer_version(
    w: &mut dyn Write,
    scope: &[u8],
    layer: &str,
    version: u64,
) -> Result<()> {
    w.delete(LAYERS, &layer_key(scope, layer, version))?;
    Ok(())
}

/// The versions of one layer, oldest first.
pub fn layer_versions(r: &dyn Read, scope: &[u8], layer: &str) -> Result<Vec<LayerVersionRecord>> {
    Ok(
        scan::<LayerVersionRecord>(r, LAYERS, &children(scope, layer))?
            .into_iter()
            .map(|(_, l)| l)
            .collect(),
    )
}

/// Every layer version of a scope, by layer then version.
pub fn all_layer_versions(r: &dyn Read, scope: &[u8]) -> Result<Vec<LayerVersionRecord>> {
    Ok(
        scan::<LayerVersionRecord>(r, LAYERS, &KeyRange::prefix(scope))?
            .into_iter()
            .map(|(_, l)| l)
            .collect(),
    )
}
