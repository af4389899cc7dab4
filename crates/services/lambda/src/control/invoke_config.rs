//! Put/Get/Update/Delete/ListFunctionEventInvokeConfig: retries, event age and destinations of
//! asynchronous invocations.

use nimbus_core::{time, Arn, RequestContext};

use super::{require_function, resolve_version, Lambda};
use crate::errors::{invalid_parameter, not_found, Result};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage;

fn qualifier_of(f: &FunctionRef) -> String {
    f.qualifier.clone().unwrap_or_else(|| "$LATEST".into())
}

fn check(retries: Option<i32>, age: Option<i32>, dest: Option<&DestinationConfig>) -> Result<()> {
    if let Some(r) = retries {
        if !(0..=2).contains(&r) {
            return Err(crate::errors::validation(
                "maximumRetryAttempts",
                &r.to_string(),
                "Member must have value less than or equal to 2",
            ));
        }
    }
    if let Some(a) = age {
        if !(60..=21_600).contains(&a) {
            return Err(crate::errors::validation(
                "maximumEventAgeInSeconds",
                &a.to_string(),
                if a < 60 {
                    "Member must have value greater than or equal to 60"
                } else {
                    "Member must have value less than or equal to 21600"
                },
            ));
        }
    }
    let targets = dest
        .into_iter()
        .flat_map(|d| {
            [
                d.on_success.as_ref().and_then(|s| s.destination.clone()),
                d.on_failure.as_ref().and_then(|f| f.destination.clone()),
            ]
        })
        .flatten();
    for t in targets {
        let ok = Arn::parse(&t).is_some_and(|a| {
            matches!(
                a.service.as_str(),
                "lambda" | "sqs" | "sns" | "events" | "s3"
            )
        });
        if !ok {
            return Err(invalid_parameter(format!(
                "The destination ARN {t} is invalid. Use the ARN of a Lambda function, SQS queue, SNS topic or EventBridge event bus."
            )));
        }
    }
    Ok(())
}

fn write(
    lambda: &Lambda,
    ctx: &RequestContext,
    f: &FunctionRef,
    change: impl FnOnce(Option<FunctionEventInvokeConfig>) -> FunctionEventInvokeConfig,
) -> Result<FunctionEventInvokeConfig> {
    let scope = storage::scope(ctx);
    let q = qualifier_of(f);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, f)?;
        resolve_version(w.as_read(), ctx, &scope, f, &record)?;
        let mut config = change(record.event_invoke.get(&q).cloned());
        config.function_arn =
            Some(Arn::lambda_function(&ctx.region, &ctx.account, &f.name, Some(&q)).to_string());
        config.last_modified = Some(time::now_epoch_seconds());
        record.event_invoke.insert(q.clone(), config.clone());
        storage::put_function(w, &scope, &f.name, &record)?;
        Ok(config)
    })
}

pub async fn put(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: PutFunctionEventInvokeConfigRequest,
) -> Result<FunctionEventInvokeConfig> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    check(
        input.maximum_retry_attempts,
        input.maximum_event_age_in_seconds,
        input.destination_config.as_ref(),
    )?;
    write(lambda, ctx, &f, |_| FunctionEventInvokeConfig {
        maximum_retry_attempts: input.maximum_retry_attempts,
        maximum_event_age_in_seconds: input.maximum_event_age_in_seconds,
        destination_config: Some(input.destination_config.clone().unwrap_or_default()),
        ..FunctionEventInvokeConfig::default()
    })
}

pub async fn update(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UpdateFunctionEventInvokeConfigRequest,
) -> Result<FunctionEventInvokeConfig> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    check(
        input.maximum_retry_attempts,
        input.maximum_event_age_in_seconds,
        input.destination_config.as_ref(),
    )?;
    write(lambda, ctx, &f, |old| {
        let mut c = old.unwrap_or_default();
        if input.maximum_retry_attempts.is_some() {
            c.maximum_retry_attempts = input.maximum_retry_attempts;
        }
        if input.maximum_event_age_in_seconds.is_some() {
            c.maximum_event_age_in_seconds = input.maximum_event_age_in_seconds;
        }
        if let Some(d) = input.destination_config {
            let mut merged = c.destination_config.take().unwrap_or_default();
            if d.on_success.is_some() {
                merged.on_success = d.on_success;
            }
            if d.on_failure.is_some() {
                merged.on_failure = d.on_failure;
            }
            c.destination_config = Some(merged);
        }
        c
    })
}

fn missing(ctx: &RequestContext, f: &FunctionRef) -> nimbus_protocol::AwsError {
    let arn = Arn::lambda_function(&ctx.region, &ctx.account, &f.name, Some(&qualifier_of(f)));
    not_found(format!(
        "The function {arn} doesn't have an EventInvokeConfig"
    ))
}

pub async fn get(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: GetFunctionEventInvokeConfigRequest,
) -> Result<FunctionEventInvokeConfig> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    record
        .event_invoke
        .get(&qualifier_of(&f))
        .cloned()
        .ok_or_else(|| missing(ctx, &f))
}

pub async fn delete(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: DeleteFunctionEventInvokeConfigRequest,
) -> Result<()> {
    let f = names::parse(ctx, &input.function_name, input.qualifier.as_deref())?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        if record.event_invoke.remove(&qualifier_of(&f)).is_none() {
            return Err(missing(ctx, &f));
        }
        storage::put_function(w, &scope, &f.name, &record)
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListFunctionEventInvokeConfigsRequest,
) -> Result<ListFunctionEventInvokeConfigsResponse> {
    let f = names::parse(ctx, &input.function_name, None)?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    Ok(ListFunctionEventInvokeConfigsResponse {
        function_event_invoke_configs: Some(record.event_invoke.values().cloned().collect()),
        next_marker: None,
    })
}
