//! The Lambda control plane: functions, versions, aliases, concurrency, async settings,
//! permissions, layers, tags and account settings, one file per family.

pub mod account;
pub mod aliases;
pub mod concurrency;
pub mod functions;
pub mod invoke_config;
pub mod layers;
pub mod policy;
pub mod tags;
pub mod urls;
pub mod versions;

pub use crate::service::Lambda;

use nimbus_core::RequestContext;
use nimbus_store::Read;

use crate::errors::{function_not_found, Result};
use crate::names::FunctionRef;
use crate::storage::{self, FunctionRecord, VersionRecord};

/// What a qualifier names: `$LATEST` (or none), a published version, or an alias (whose
/// primary version is answered; weighted routing is applied by Invoke).
pub fn resolve_version(
    r: &dyn Read,
    ctx: &RequestContext,
    scope: &[u8],
    f: &FunctionRef,
    record: &FunctionRecord,
) -> Result<(String, VersionRecord)> {
    match f.qualifier.as_deref() {
        None | Some("$LATEST") => Ok(("$LATEST".into(), record.latest.clone())),
        Some(q) => {
            let version = match q.parse::<u64>() {
                Ok(n) => n,
                Err(_) => {
                    let alias = storage::get_alias(r, scope, &f.name, q)?
                        .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
                    let v = alias.function_version.clone().unwrap_or_default();
                    if v == "$LATEST" {
                        return Ok(("$LATEST".into(), record.latest.clone()));
                    }
                    v.parse().map_err(|_| function_not_found(&f.arn(ctx)))?
                }
            };
            let v = storage::get_version(r, scope, &f.name, version)?
                .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
            Ok((version.to_string(), v))
        }
    }
}

/// The function a request names, or Lambda's "Function not found".
pub fn require_function(
    r: &dyn Read,
    ctx: &RequestContext,
    scope: &[u8],
    f: &FunctionRef,
) -> Result<FunctionRecord> {
    storage::get_function(r, scope, &f.name)?
        .ok_or_else(|| function_not_found(&f.unqualified_arn(ctx)))
}
