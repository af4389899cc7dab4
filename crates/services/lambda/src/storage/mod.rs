//! How Lambda's resources sit in the store.
//!
//! | tree               | key                                         | value                       |
//! |--------------------|---------------------------------------------|-----------------------------|
//! | `lambda.functions` | account \0 region \0 name                   | [`FunctionRecord`] JSON     |
//! | `lambda.versions`  | account \0 region \0 name \0 version (u64)  | [`VersionRecord`] JSON      |
//! | `lambda.aliases`   | account \0 region \0 name \0 alias          | `AliasConfiguration` JSON   |
//! | `lambda.code`      | hex SHA-256 of the zip                      | the zip's bytes             |
//! | `lambda.layers`    | account \0 region \0 layer \0 version (u64) | [`LayerVersionRecord`] JSON |
//! | `lambda.urls`      | account \0 region \0 name \0 qualifier     | [`UrlRecord`] JSON          |
//! | `lambda.url_ids`   | URL id                                      | [`UrlTarget`] JSON          |
//!
//! A zip is stored once however many functions, versions and layers use it; the extracted copy
//! on disk (see `code.rs`) is a cache rebuilt from here.

pub mod functions;
pub mod layers;
pub mod urls;

pub use functions::*;
pub use layers::*;
pub use urls::*;

use nimbus_core::RequestContext;
use nimbus_protocol::AwsError;
use nimbus_store::{json, KeyRange, Read, Tree, Write};
use serde::{de::DeserializeOwned, Serialize};

pub const FUNCTIONS: Tree = Tree("lambda.functions");
pub const VERSIONS: Tree = Tree("lambda.versions");
pub const ALIASES: Tree = Tree("lambda.aliases");
pub const CODE: Tree = Tree("lambda.code");
pub const LAYERS: Tree = Tree("lambda.layers");
pub const URLS: Tree = Tree("lambda.urls");
pub const URL_IDS: Tree = Tree("lambda.url_ids");

pub type Result<T> = std::result::Result<T, AwsError>;

/// `account \0 region \0`
pub fn scope(ctx: &RequestContext) -> Vec<u8> {
    scope_of(&ctx.account, &ctx.region)
}

pub fn scope_of(account: &str, region: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(account.len() + region.len() + 2);
    k.extend_from_slice(account.as_bytes());
    k.push(0);
    k.extend_from_slice(region.as_bytes());
    k.push(0);
    k
}

/// `scope name`, then `\0 child` when given.
pub fn key(scope: &[u8], name: &str, child: Option<&[u8]>) -> Vec<u8> {
    let mut k = scope.to_vec();
    k.extend_from_slice(name.as_bytes());
    if let Some(c) = child {
        k.push(0);
        k.extend_from_slice(c);
    }
    k
}

/// The prefix of every child key of `name`.
pub fn children(scope: &[u8], name: &str) -> KeyRange {
    KeyRange::prefix(&key(scope, name, Some(b"")))
}

pub(crate) fn get<T: DeserializeOwned>(r: &dyn Read, tree: Tree, key: &[u8]) -> Result<Option<T>> {
    Ok(json::get(r, tree, key)?)
}

pub(crate) fn put<T: Serialize>(
    w: &mut dyn Write,
    tree: Tree,
    key: &[u8],
    value: &T,
) -> Result<()> {
    Ok(json::put(w, tree, key, value)?)
}

/// Every (key, record) in `range`, in key order.
pub(crate) fn scan<T: DeserializeOwned>(
    r: &dyn Read,
    tree: Tree,
    range: &KeyRange,
) -> Result<Vec<(Vec<u8>, T)>> {
    Ok(json::scan_keyed(r, tree, range)?)
}

pub fn put_code(w: &mut dyn Write, sha_hex: &str, zip: &[u8]) -> Result<()> {
    if w.as_read().get(CODE, sha_hex.as_bytes())?.is_none() {
        w.put(CODE, sha_hex.as_bytes(), zip)?;
    }
    Ok(())
}

pub fn get_code(r: &dyn Read, sha_hex: &str) -> Result<Option<Vec<u8>>> {
    Ok(r.get(CODE, sha_hex.as_bytes())?)
}
