//! CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
//! DeleteFunctionUrlConfig, ListFunctionUrlConfigs. The URLs themselves are served by
//! `crate::function_urls`.

use nimbus_core::time::{now_millis, Civil};
use nimbus_core::{ids, RequestContext};
use nimbus_store::Read;

use super::Lambda;
use crate::errors::{conflict, not_found, validation, Result};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage::{self, UrlRecord, UrlTarget};

const NOT_FOUND: &str = "The resource you requested does not exist.";

/// The function and qualifier (`$LATEST` or an alias) a URL request names. A URL belongs to
/// $LATEST or to an alias, never to a version.
fn target(ctx: &RequestContext, name: &str, qualifier: Option<&str>) -> Result<FunctionRef> {
    let f = names::parse(ctx, name, qualifier)?;
    if let Some(q) = f.qualifier.as_deref() {
        if q == "$LATEST" {
            return Err(validation(
                "qualifier",
                q,
                "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
            ));
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return Err(validation(
                "qualifier",
                q,
                "Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))",
            ));
        }
    }
    Ok(f)
}

fn qualifier_of(f: &FunctionRef) -> &str {
    f.qualifier.as_deref().unwrap_or("$LATEST")
}

/// The function (and the alias) must exist.
fn require_target(r: &dyn Read, scope: &[u8], f: &FunctionRef) -> Result<()> {
    let missing = || not_found("Function does not exist");
    storage::get_function(r, scope, &f.name)?.ok_or_else(missing)?;
    if let Some(alias) = f.qualifier.as_deref() {
        storage::get_alias(r, scope, &f.name, alias)?.ok_or_else(missing)?;
    }
    Ok(())
}

/// The URL of a function URL id: `http://<id>.lambda-url.<region>.localhost:<port>/`, which
/// needs no DNS (`*.localhost` resolves to loopback).
fn url_of(lambda: &Lambda, url_id: &str, region: &str) -> String {
    let host = format!("{url_id}.lambda-url.{region}.localhost");
    nimbus_frontdoor::local_url(&lambda.config.endpoint_url, &host) + "/"
}

fn now() -> String {
    Civil::from_millis(now_millis()).iso8601()
}

use nimbus_protocol::json::reshape as shaped;

pub async fn create(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: CreateFunctionUrlConfigRequest,
) -> Result<CreateFunctionUrlConfigResponse> {
    let f = target(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let arn = f.arn(ctx).to_string();
    let url_id = ids::hex(32);
    let created = now();
    let config = FunctionUrlConfig {
        auth_type: input.auth_type,
        cors: input.cors,
        creation_time: created.clone(),
        function_arn: arn.clone(),
        function_url: url_of(lambda, &url_id, &ctx.region),
        invoke_mode: Some(input.invoke_mode.unwrap_or_else(|| "BUFFERED".into())),
        last_modified_time: created,
    };
    let record = UrlRecord { url_id, config };
    lambda.write(|w| {
        require_target(w.as_read(), &scope, &f)?;
        if storage::get_url(w.as_read(), &scope, &f.name, qualifier_of(&f))?.is_some() {
            return Err(conflict(format!(
                "Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function"
            )));
        }
        let target = UrlTarget {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            function: f.name.clone(),
            qualifier: qualifier_of(&f).to_string(),
        };
        storage::put_url(w, &scope, &target, &record)
    })?;
    shaped(&record.config)
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetFunctionUrlConfigRequest,
) -> Result<GetFunctionUrlConfigResponse> {
    let f = target(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| storage::get_url(r, &scope, &f.name, qualifier_of(&f)))?
        .ok_or_else(|| not_found(NOT_FOUND))?;
    shaped(&record.config)
}

pub async fn update(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UpdateFunctionUrlConfigRequest,
) -> Result<UpdateFunctionUrlConfigResponse> {
    let f = target(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let record = lambda.write(|w| {
        require_target(w.as_read(), &scope, &f)?;
        let mut record = storage::get_url(w.as_read(), &scope, &f.name, qualifier_of(&f))?
            .ok_or_else(|| not_found(NOT_FOUND))?;
        if let Some(a) = input.auth_type {
            record.config.auth_type = a;
        }
        if let Some(c) = input.cors {
            record.config.cors = Some(c);
        }
        if let Some(m) = input.invoke_mode {
            record.config.invoke_mode = Some(m);
        }
        record.config.last_modified_time = now();
        let target = UrlTarget {
            account: ctx.account.clone(),
            region: ctx.region.clone(),
            function: f.name.clone(),
            qualifier: qualifier_of(&f).to_string(),
        };
        storage::put_url(w, &scope, &target, &record)?;
        Ok(record)
    })?;
    shaped(&record.config)
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteFunctionUrlConfigRequest,
) -> Result<()> {
    let f = target(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        if storage::delete_url(w, &scope, &f.name, qualifier_of(&f))? {
            Ok(())
        } else {
            Err(not_found(NOT_FOUND))
        }
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListFunctionUrlConfigsRequest,
) -> Result<ListFunctionUrlConfigsResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let mut all = lambda.store.read(|r| {
        require_target(r, &scope, &f)?;
        storage::list_urls(r, &scope, &f.name)
    })?;
    if let Some(marker) = &input.marker {
        let at = all
            .iter()
            .position(|u| &u.url_id == marker)
            .map_or(all.len(), |i| i + 1);
        all.drain(..at);
    }
    let max = input.max_items.unwrap_or(50).clamp(1, 50) as usize;
    let next_marker = (all.len() > max).then(|| all[max - 1].url_id.clone());
    all.truncate(max);
    Ok(ListFunctionUrlConfigsResponse {
        function_url_configs: all.into_iter().map(|u| u.config).collect(),
        next_marker,
    })
}
