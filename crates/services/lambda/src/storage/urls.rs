//! Function URL configurations, and the index that finds one by its URL id.

use nimbus_store::{Read, Write};
use serde::{Deserialize, Serialize};

use super::{children, get, key, put, scan, Result, URLS, URL_IDS};
use crate::generated::lambda::FunctionUrlConfig;

/// A function URL: its configuration as the API shows it, and its id (the first label of its
/// host name).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlRecord {
    pub url_id: String,
    pub config: FunctionUrlConfig,
}

/// What a URL id leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlTarget {
    pub account: String,
    pub region: String,
    pub function: String,
    /// `$LATEST` or an alias.
    pub qualifier: String,
}

pub fn get_url(
    r: &dyn Read,
    scope: &[u8],
    name: &str,
    qualifier: &str,
) -> Result<Option<UrlRecord>> {
    get(r, URLS, &key(scope, name, Some(qualifier.as_bytes())))
}

pub fn put_url(
    w: &mut dyn Write,
    scope: &[u8],
    target: &UrlTarget,
    record: &UrlRecord,
) -> Result<()> {
    put(
        w,
        URLS,
        &key(scope, &target.function, Some(target.qualifier.as_bytes())),
        record,
    )?;
    put(w, URL_IDS, record.url_id.as_bytes(), target)
}

pub fn delete_url(w: &mut dyn Write, scope: &[u8], name: &str, qualifier: &str) -> Result<bool> {
    let Some(record) = get_url(w.as_read(), scope, name, qualifier)? else {
        return Ok(false);
    };
    w.delete(URL_IDS, record.url_id.as_bytes())?;
    Ok(w.delete(URLS, &key(scope, name, Some(qualifier.as_bytes())))?)
}

/// A function's URLs, by qualifier.
pub fn list_urls(r: &dyn Read, scope: &[u8], name: &str) -> Result<Vec<UrlRecord>> {
    Ok(scan::<UrlRecord>(r, URLS, &children(scope, name))?
        .into_iter()
        .map(|(_, u)| u)
        .collect())
}

/// Deletes every URL of a function (it is being deleted).
pub fn delete_urls(w: &mut dyn Write, scope: &[u8], name: &str) -> Result<()> {
    for record in list_urls(w.as_read(), scope, name)? {
        w.delete(URL_IDS, record.url_id.as_bytes())?;
    }
    w.delete_range(URLS, &children(scope, name))?;
    Ok(())
}

pub fn url_target(r: &dyn Read, url_id: &str) -> Result<Option<UrlTarget>> {
    get(r, URL_IDS, url_id.as_bytes())
}
