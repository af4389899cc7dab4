//! Functions, their published versions and aliases.

use std::collections::BTreeMap;

use nimbus_store::{Read, Write};
use serde::{Deserialize, Serialize};

use super::{children, get, key, put, scan, Result, ALIASES, FUNCTIONS, VERSIONS};
use crate::generated::lambda::{
    AliasConfiguration, FunctionConfiguration, FunctionEventInvokeConfig,
};

/// One version of a function's code and configuration ($LATEST or a published number).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct VersionRecord {
    /// The configuration exactly as the API describes it.
    pub config: FunctionConfiguration,
    /// The hex SHA-256 of the zip in `lambda.code`.
    pub code_sha: String,
    /// Bumped on every change of code or configuration, so environments of an older generation
    /// are retired.
    #[serde(default)]
    pub generation: u64,
}

/// A function: its $LATEST, and what belongs to the function as a whole.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct FunctionRecord {
    pub latest: VersionRecord,
    /// The number the next PublishVersion takes.
    pub next_version: u64,
    #[serde(default)]
    pub reserved_concurrency: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The resource policy's statements, as AddPermission built them.
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
    #[serde(default)]
    pub policy_revision: Option<String>,
    /// Async invocation settings by qualifier (`$LATEST`, a version or an alias).
    #[serde(default)]
    pub event_invoke: BTreeMap<String, FunctionEventInvokeConfig>,
    /// Provisioned concurrency by qualifier: environments kept started.
    #[serde(default)]
    pub provisioned: BTreeMap<String, i32>,
    /// Version of the last published snapshot and the code+config digest it had, so an
    /// unchanged $LATEST publishes no new version.
    #[serde(default)]
    pub last_published: Option<(u64, String)>,
}

pub fn get_function(r: &dyn Read, scope: &[u8], name: &str) -> Result<Option<FunctionRecord>> {
    get(r, FUNCTIONS, &key(scope, name, None))
}

pub fn put_function(w: &mut dyn Write, scope: &[u8], name: &str, f: &FunctionRecord) -> Result<()> {
    put(w, FUNCTIONS, &key(scope, name, None), f)
}

/// Every function of a scope, in name order.
pub fn list_functions(r: &dyn Read, scope: &[u8]) -> Result<Vec<FunctionRecord>> {
    Ok(
        scan::<FunctionRecord>(r, FUNCTIONS, &nimbus_store::KeyRange::prefix(scope))?
            .into_iter()
            .map(|(_, f)| f)
            .collect(),
    )
}

/// Deletes a function with its versions and aliases.
pub fn delete_function(w: &mut dyn Write, scope: &[u8], name: &str) -> Result<()> {
    w.delete_range(VERSIONS, &children(scope, name))?;
    w.delete_range(ALIASES, &children(scope, name))?;
    super::delete_urls(w, scope, name)?;
    w.delete(FUNCTIONS, &key(scope, name, None))?;
    Ok(())
}

pub fn version_key(scope: &[u8], name: &str, version: u64) -> Vec<u8> {
    key(scope, name, Some(&version.to_be_bytes()))
}

pub fn get_version(
    r: &dyn Read,
    scope: &[u8],
    name: &str,
    version: u64,
) -> Result<Option<VersionRecord>> {
    get(r, VERSIONS, &version_key(scope, name, version))
}

pub fn put_version(
    w: &mut dyn Write,
    scope: &[u8],
    name: &str,
    version: u64,
    v: &VersionRecord,
) -> Result<()> {
    put(w, VERSIONS, &version_key(scope, name, version), v)
}

pub fn delete_version(w: &mut dyn Write, scope: &[u8], name: &str, version: u64) -> Result<bool> {
    Ok(w.delete(VERSIONS, &version_key(scope, name, version))?)
}

/// The published versions of a function, oldest first.
pub fn list_versions(r: &dyn Read, scope: &[u8], name: &str) -> Result<Vec<VersionRecord>> {
    Ok(scan::<VersionRecord>(r, VERSIONS, &children(scope, name))?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

pub fn get_alias(
    r: &dyn Read,
    scope: &[u8],
    name: &str,
    alias: &str,
) -> Result<Option<AliasConfiguration>> {
    get(r, ALIASES, &key(scope, name, Some(alias.as_bytes())))
}

pub fn put_alias(
    w: &mut dyn Write,
    scope: &[u8],
    name: &str,
    a: &AliasConfiguration,
) -> Result<()> {
    let alias = a.name.clone().unwrap_or_default();
    put(w, ALIASES, &key(scope, name, Some(alias.as_bytes())), a)
}

pub fn delete_alias(w: &mut dyn Write, scope: &[u8], name: &str, alias: &str) -> Result<bool> {
    super::delete_url(w, scope, name, alias)?;
    Ok(w.delete(ALIASES, &key(scope, name, Some(alias.as_bytes())))?)
}

pub fn list_aliases(r: &dyn Read, scope: &[u8], name: &str) -> Result<Vec<AliasConfiguration>> {
    Ok(
        scan::<AliasConfiguration>(r, ALIASES, &children(scope, name))?
            .into_iter()
            .map(|(_, a)| a)
            .collect(),
    )
}
