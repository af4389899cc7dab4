//! CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

use nimbus_core::{ids, Arn, RequestContext};
use nimbus_store::Read;

use super::{require_function, Lambda};
use crate::errors::{
    conflict, function_not_found, invalid_parameter, not_found, precondition_failed, validation,
    Result,
};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage;

fn alias_arn(ctx: &RequestContext, function: &str, alias: &str) -> Arn {
    Arn::lambda_function(&ctx.region, &ctx.account, function, Some(alias))
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(validation(
            "name",
            name,
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ))
    }
}

/// Checks that the versions an alias points at exist, and its routing configuration.
fn check_targets(
    r: &dyn Read,
    ctx: &RequestContext,
    scope: &[u8],
    f: &FunctionRef,
    version: &str,
    routing: Option<&AliasRoutingConfiguration>,
) -> Result<()> {
    let exists = |v: &str| -> Result<()> {
        if v == "$LATEST" {
            return Ok(());
        }
        let missing = || {
            function_not_found(&Arn::lambda_function(
                &ctx.region,
                &ctx.account,
                &f.name,
                Some(v),
            ))
        };
        let n: u64 = v.parse().map_err(|_| missing())?;
        storage::get_version(r, scope, &f.name, n)?.ok_or_else(missing)?;
        Ok(())
    };
    exists(version)?;
    let Some(weights) = routing.and_then(|r| r.additional_version_weights.as_ref()) else {
        return Ok(());
    };
    if weights.len() > 1 {
        return Err(invalid_parameter(
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
        ));
    }
    for (v, w) in weights {
        if version == "$LATEST" || v == "$LATEST" {
            return Err(invalid_parameter(
                "$LATEST is not supported for an alias pointing to more than 1 version",
            ));
        }
        if v == version {
            return Err(invalid_parameter(format!(
                "Invalid function version {v}. Function version {v} is already included in routing configuration."
            )));
        }
        if !(0.0..=1.0).contains(w) {
            return Err(validation(
                &format!("routingConfig.additionalVersionWeights.{v}"),
                &w.to_string(),
                "Member must have value less than or equal to 1.0",
            ));
        }
        exists(v)?;
    }
    Ok(())
}

pub async fn create(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: CreateAliasRequest,
) -> Result<AliasConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    check_name(&input.name)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        require_function(w.as_read(), ctx, &scope, &f)?;
        let arn = alias_arn(ctx, &f.name, &input.name);
        if storage::get_alias(w.as_read(), &scope, &f.name, &input.name)?.is_some() {
            return Err(conflict(format!("Alias already exists: {arn}")));
        }
        check_targets(
            w.as_read(),
            ctx,
            &scope,
            &f,
            &input.function_version,
            input.routing_config.as_ref(),
        )?;
        let alias = AliasConfiguration {
            alias_arn: Some(arn.to_string()),
            name: Some(input.name.clone()),
            function_version: Some(input.function_version.clone()),
            description: Some(input.description.clone().unwrap_or_default()),
            routing_config: input.routing_config.clone(),
            revision_id: Some(ids::uuid_v4()),
        };
        storage::put_alias(w, &scope, &f.name, &alias)?;
        Ok(alias)
    })
}

fn alias_not_found(ctx: &RequestContext, f: &FunctionRef, name: &str) -> nimbus_protocol::AwsError {
    not_found(format!(
        "Cannot find alias arn: {}",
        alias_arn(ctx, &f.name, name)
    ))
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetAliasRequest,
) -> Result<AliasConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    lambda.store.read(|r| {
        require_function(r, ctx, &scope, &f)?;
        storage::get_alias(r, &scope, &f.name, &input.name)?
            .ok_or_else(|| alias_not_found(ctx, &f, &input.name))
    })
}

pub async fn update(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UpdateAliasRequest,
) -> Result<AliasConfiguration> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        require_function(w.as_read(), ctx, &scope, &f)?;
        let mut alias = storage::get_alias(w.as_read(), &scope, &f.name, &input.name)?
            .ok_or_else(|| alias_not_found(ctx, &f, &input.name))?;
        if let Some(rev) = &input.revision_id {
            if Some(rev) != alias.revision_id.as_ref() {
                return Err(precondition_failed());
            }
        }
        if let Some(v) = &input.function_version {
            alias.function_version = Some(v.clone());
        }
        if let Some(d) = &input.description {
            alias.description = Some(d.clone());
        }
        if let Some(rc) = &input.routing_config {
            let empty = rc
                .additional_version_weights
                .as_ref()
                .is_none_or(|w| w.is_empty());
            alias.routing_config = (!empty).then(|| rc.clone());
        }
        let version = alias.function_version.clone().unwrap_or_default();
        check_targets(
            w.as_read(),
            ctx,
            &scope,
            &f,
            &version,
            alias.routing_config.as_ref(),
        )?;
        alias.revision_id = Some(ids::uuid_v4());
        storage::put_alias(w, &scope, &f.name, &alias)?;
        Ok(alias)
    })
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteAliasRequest,
) -> Result<()> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        require_function(w.as_read(), ctx, &scope, &f)?;
        storage::delete_alias(w, &scope, &f.name, &input.name)?;
        Ok(())
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListAliasesRequest,
) -> Result<ListAliasesResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let mut aliases = lambda.store.read(|r| {
        require_function(r, ctx, &scope, &f)?;
        storage::list_aliases(r, &scope, &f.name)
    })?;
    if let Some(v) = &input.function_version {
        aliases.retain(|a| a.function_version.as_ref() == Some(v));
    }
    if let Some(marker) = &input.marker {
        let at = aliases
            .iter()
            .position(|a| a.name.as_ref() == Some(marker))
            .map(|i| i + 1)
            .unwrap_or(aliases.len());
        aliases.drain(..at);
    }
    let max = input.max_items.unwrap_or(50).clamp(1, 10_000) as usize;
    let next_marker =
        (aliases.len() > max).then(|| aliases[max - 1].name.clone().unwrap_or_default());
    aliases.truncate(max);
    Ok(ListAliasesResponse {
        aliases: Some(aliases),
        next_marker,
    })
}
