//! PublishVersion and ListVersionsByFunction.

use nimbus_core::{ids, RequestContext};
use nimbus_store::Write;

use super::functions::{described, timestamp};
use super::{require_function, Lambda};
use crate::errors::{invalid_parameter, precondition_failed, Result};
use crate::generated::lambda::*;
use crate::names;
use crate::storage::{self, FunctionRecord, VersionRecord};

/// Publishes $LATEST as the next version inside a write, unless nothing changed since the last
/// published version, which is then answered (as Lambda does).
pub fn publish_in(
    w: &mut dyn Write,
    scope: &[u8],
    record: &mut FunctionRecord,
    description: Option<&str>,
) -> Result<FunctionConfiguration> {
    let digest = format!(
        "{}:{}",
        record.latest.code_sha,
        record.latest.config.revision_id.as_deref().unwrap_or("")
    );
    let name = record
        .latest
        .config
        .function_name
        .clone()
        .unwrap_or_default();
    if let Some((n, last)) = &record.last_published {
        if *last == digest {
            if let Some(v) = storage::get_version(w.as_read(), scope, &name, *n)? {
                return Ok(described(&v));
            }
        }
    }
    let n = record.next_version.max(1);
    let mut config = record.latest.config.clone();
    let unqualified = config.function_arn.clone().unwrap_or_default();
    config.function_arn = Some(format!("{unqualified}:{n}"));
    config.version = Some(n.to_string());
    config.revision_id = Some(ids::uuid_v4());
    config.last_modified = Some(timestamp());
    if let Some(d) = description {
        config.description = Some(d.to_string());
    }
    let version = VersionRecord {
        config,
        code_sha: record.latest.code_sha.clone(),
        generation: 1,
    };
    storage::put_version(w, scope, &name, n, &version)?;
    record.next_version = n + 1;
    record.last_published = Some((n, digest));
    Ok(described(&version))
}

pub async fn publish(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: PublishVersionRequest,
) -> Result<FunctionConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        if let Some(sha) = &input.code_sha256 {
            let current = record.latest.config.code_sha256.clone().unwrap_or_default();
            if *sha != current {
                return Err(invalid_parameter(format!(
                    "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({current}). Please try again with the CodeSHA256 in $LATEST."
                )));
            }
        }
        if let Some(rev) = &input.revision_id {
            if Some(rev.as_str()) != record.latest.config.revision_id.as_deref() {
                return Err(precondition_failed());
            }
        }
        let out = publish_in(w, &scope, &mut record, Some(input.description.as_deref().unwrap_or("")))?;
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok(out)
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListVersionsByFunctionRequest,
) -> Result<ListVersionsByFunctionResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let mut all = lambda.store.read(|r| {
        let record = require_function(r, ctx, &scope, &f)?;
        let mut out = vec![described(&record.latest)];
        out.extend(
            storage::list_versions(r, &scope, &f.name)?
                .iter()
                .map(described),
        );
        Ok::<_, nimbus_protocol::AwsError>(out)
    })?;
    if let Some(marker) = &input.marker {
        let at = all
            .iter()
            .position(|c| c.version.as_deref() == Some(marker))
            .map(|i| i + 1)
            .unwrap_or(all.len());
        all.drain(..at);
    }
    let max = input.max_items.unwrap_or(50).clamp(1, 50) as usize;
    let next_marker = (all.len() > max).then(|| all[max - 1].version.clone().unwrap_or_default());
    all.truncate(max);
    Ok(ListVersionsByFunctionResponse {
        versions: Some(all),
        next_marker,
    })
}
