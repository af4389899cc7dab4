//! Reserved concurrency (Put/Get/DeleteFunctionConcurrency) and provisioned concurrency
//! (pre-started environments for a version or alias).

use nimbus_core::RequestContext;

use super::functions::timestamp;
use super::{require_function, resolve_version, Lambda};
use crate::errors::{invalid_parameter, Result};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage;

/// Lambda keeps this much of the account's concurrency unreserved.
const MIN_UNRESERVED: i64 = 100;

pub async fn put(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: PutFunctionConcurrencyRequest,
) -> Result<Concurrency> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let limit = i64::from(lambda.config.account_concurrency);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        let others: i64 = storage::list_functions(w.as_read(), &scope)?
            .iter()
            .filter(|o| o.latest.config.function_name.as_deref() != Some(f.name.as_str()))
            .filter_map(|o| o.reserved_concurrency)
            .map(i64::from)
            .sum();
        if limit - others - i64::from(input.reserved_concurrent_executions) < MIN_UNRESERVED.min(limit) {
            return Err(invalid_parameter(format!(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{}].",
                MIN_UNRESERVED.min(limit)
            )));
        }
        record.reserved_concurrency = Some(input.reserved_concurrent_executions);
        storage::put_function(w, &scope, &f.name, &record)
    })?;
    Ok(Concurrency {
        reserved_concurrent_executions: Some(input.reserved_concurrent_executions),
    })
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetFunctionConcurrencyRequest,
) -> Result<GetFunctionConcurrencyResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    Ok(GetFunctionConcurrencyResponse {
        reserved_concurrent_executions: record.reserved_concurrency,
    })
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteFunctionConcurrencyRequest,
) -> Result<()> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        record.reserved_concurrency = None;
        storage::put_function(w, &scope, &f.name, &record)
    })
}

fn qualified(name: &str, qualifier: Option<&str>) -> Result<FunctionRef> {
    match qualifier {
        None | Some("$LATEST") => Err(invalid_parameter(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        )),
        Some(q) => Ok(FunctionRef {
            name: name.to_string(),
            qualifier: Some(q.to_string()),
        }),
    }
}

pub async fn put_provisioned(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: PutProvisionedConcurrencyConfigRequest,
) -> Result<PutProvisionedConcurrencyConfigResponse> {
    let named = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let f = qualified(&named.name, named.qualifier.as_deref())?;
    let n = input.provisioned_concurrent_executions;
    let scope = storage::scope(ctx);
    let (executed, version) = lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        let resolved = resolve_version(w.as_read(), ctx, &scope, &f, &record)?;
        if let Some(reserved) = record.reserved_concurrency {
            if n > reserved {
                return Err(invalid_parameter(format!(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function ({reserved})."
                )));
            }
        }
        record.provisioned.insert(f.qualifier.clone().unwrap_or_default(), n);
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok(resolved)
    })?;
    let snapshot = lambda.snapshot(&ctx.account, &ctx.region, &f.name, &executed, &version)?;
    let q = f.qualifier.clone().unwrap_or_default();
    lambda.engine.provision(
        &ctx.account,
        &ctx.region,
        &f.name,
        &q,
        (*snapshot).clone(),
        n as usize,
    );
    Ok(PutProvisionedConcurrencyConfigResponse {
        requested_provisioned_concurrent_executions: Some(n),
        allocated_provisioned_concurrent_executions: Some(0),
        available_provisioned_concurrent_executions: Some(0),
        status: Some("IN_PROGRESS".into()),
        last_modified: Some(timestamp()),
        status_reason: None,
    })
}

fn not_configured(ctx: &RequestContext, f: &FunctionRef) -> nimbus_protocol::AwsError {
    ErrorCode::ProvisionedConcurrencyConfigNotFoundException.error(format!(
        "No Provisioned Concurrency Config found for this function ({})",
        f.arn(ctx)
    ))
}

pub async fn get_provisioned(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetProvisionedConcurrencyConfigRequest,
) -> Result<GetProvisionedConcurrencyConfigResponse> {
    let named = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let f = qualified(&named.name, named.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    let q = f.qualifier.clone().unwrap_or_default();
    let requested = *record
        .provisioned
        .get(&q)
        .ok_or_else(|| not_configured(ctx, &f))?;
    let allocated = lambda
        .engine
        .provisioned_ready(&ctx.account, &ctx.region, &f.name, &q) as i32;
    let ready = allocated >= requested;
    Ok(GetProvisionedConcurrencyConfigResponse {
        requested_provisioned_concurrent_executions: Some(requested),
        allocated_provisioned_concurrent_executions: Some(allocated.min(requested)),
        available_provisioned_concurrent_executions: Some(allocated.min(requested)),
        status: Some(if ready { "READY" } else { "IN_PROGRESS" }.into()),
        last_modified: Some(timestamp()),
        status_reason: None,
    })
}

pub async fn delete_provisioned(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteProvisionedConcurrencyConfigRequest,
) -> Result<()> {
    let named = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let f = qualified(&named.name, named.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let q = f.qualifier.clone().unwrap_or_default();
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        if record.provisioned.remove(&q).is_none() {
            return Err(not_configured(ctx, &f));
        }
        storage::put_function(w, &scope, &f.name, &record)
    })?;
    lambda
        .engine
        .unprovision(&ctx.account, &ctx.region, &f.name, &q);
    Ok(())
}

pub async fn list_provisioned(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListProvisionedConcurrencyConfigsRequest,
) -> Result<ListProvisionedConcurrencyConfigsResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    let items = record
        .provisioned
        .iter()
        .map(|(q, n)| {
            let allocated = (lambda
                .engine
                .provisioned_ready(&ctx.account, &ctx.region, &f.name, q)
                as i32)
                .min(*n);
            ProvisionedConcurrencyConfigListItem {
                function_arn: Some(
                    nimbus_core::Arn::lambda_function(&ctx.region, &ctx.account, &f.name, Some(q))
                        .to_string(),
                ),
                requested_provisioned_concurrent_executions: Some(*n),
                allocated_provisioned_concurrent_executions: Some(allocated),
                available_provisioned_concurrent_executions: Some(allocated),
                status: Some(
                    if allocated >= *n {
                        "READY"
                    } else {
                        "IN_PROGRESS"
                    }
                    .into(),
                ),
                last_modified: Some(timestamp()),
                status_reason: None,
            }
        })
        .collect();
    Ok(ListProvisionedConcurrencyConfigsResponse {
        provisioned_concurrency_configs: Some(items),
        next_marker: None,
    })
}
