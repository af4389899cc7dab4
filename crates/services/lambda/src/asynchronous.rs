//! Asynchronous invocation (`InvocationType: Event`) over nimbus's durable delivery queue:
//! the event is queued in the store before Invoke answers 202, then run with Lambda's retry
//! rules — two retries by default (MaximumRetryAttempts), about a minute then two apart
//! (configurable for local use), throttles retried without counting, events older than
//! MaximumEventAgeInSeconds dropped — and on success or exhaustion an invocation record goes to
//! the OnSuccess/OnFailure destination (or the dead-letter queue).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use nimbus_core::time::{now_millis, Civil};
use nimbus_core::RequestContext;
use nimbus_delivery::{BoxFuture, Handler, Outcome as Delivery, Record};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::control::Lambda;
use crate::engine::Outcome;
use crate::errors::Result;
use crate::invoke::{self, Target};
use crate::storage;

pub const KIND: &str = "lambda.invoke";
const DEFAULT_RETRIES: u32 = 2;
const DEFAULT_MAX_AGE_S: i64 = 21_600;

/// What the queue holds for one event.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    account: String,
    region: String,
    function: String,
    qualifier: Option<String>,
    request_id: String,
    /// The event, as the JSON text the caller sent.
    event: String,
}

/// Queues an event for `t` in the store; the caller answers 202 once this returns.
pub fn enqueue(
    lambda: &Lambda,
    ctx: &RequestContext,
    t: &Target,
    request_id: &str,
    payload: Bytes,
) -> Result<()> {
    queue(
        lambda,
        &ctx.account,
        &ctx.region,
        &t.function.name,
        t.function.qualifier.clone(),
        request_id,
        payload,
    )
}

fn queue(
    lambda: &Lambda,
    account: &str,
    region: &str,
    function: &str,
    qualifier: Option<String>,
    request_id: &str,
    payload: Bytes,
) -> Result<()> {
    let q = Queued {
        account: account.into(),
        region: region.into(),
        function: function.into(),
        qualifier,
        request_id: request_id.into(),
        event: String::from_utf8_lossy(&payload).into_owned(),
    };
    let value = serde_json::to_value(&q).unwrap_or_default();
    lambda
        .store
        .write(|w| nimbus_delivery::enqueue(w, KIND, value, now_millis()))?;
    lambda.waker.wake();
    Ok(())
}

/// Runs queued events; registered with the dispatcher under [`KIND`].
pub struct AsyncInvoker {
    pub lambda: Arc<Lambda>,
}

impl Handler for AsyncInvoker {
    fn deliver(&self, record: Record) -> BoxFuture<'_, Delivery> {
        Box::pin(async move { self.run(record).await })
    }
}

impl AsyncInvoker {
    async fn run(&self, record: Record) -> Delivery {
        let lambda = &self.lambda;
        let Ok(q) = serde_json::from_value::<Queued>(record.payload.clone()) else {
            tracing::warn!("dropping an unreadable queued Lambda event");
            return Delivery::Done;
        };
        let ctx = RequestContext::internal(&q.account, &q.region);
        let name = match &q.qualifier {
            Some(qual) => format!("{}:{qual}", q.function),
            None => q.function.clone(),
        };
        let t = match invoke::target(lambda, &ctx, &name, None) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(function = %name, error = %e.message, "dropping a queued event: its function is gone");
                return Delivery::Done;
            }
        };
        let settings = lambda.event_invoke_config(&ctx, &t);
        let max_retries = settings.0.unwrap_or(DEFAULT_RETRIES);
        let max_age_ms = settings.1.unwrap_or(DEFAULT_MAX_AGE_S) * 1000;
        let attempts = record.attempts + 1;
        if now_millis() - record.enqueued_ms > max_age_ms {
            self.destination(&ctx, &t, &q, "EventAgeExceeded", attempts - 1, None)
                .await;
            return Delivery::Done;
        }
        let payload = Bytes::from(q.event.clone().into_bytes());
        match invoke::run(lambda, &ctx, &t, &q.request_id, payload, None, false).await {
            Err(e) if e.code == "TooManyRequestsException" => Delivery::Retry {
                at_ms: now_millis() + lambda.config.throttle_retry.as_millis() as i64,
                payload: None,
                counts: false,
            },
            Err(e) => {
                tracing::warn!(function = %name, error = %e.message, "a queued event could not run; dropped");
                Delivery::Done
            }
            Ok((Outcome::Response(body), _)) => {
                self.destination(&ctx, &t, &q, "Success", attempts, Some((&body, None)))
                    .await;
                Delivery::Done
            }
            Ok((Outcome::Error(body), _)) => {
                if record.attempts < max_retries {
                    let delays = &lambda.config.async_retry_delays;
                    let delay = delays
                        .get(record.attempts as usize)
                        .or(delays.last())
                        .copied()
                        .unwrap_or(Duration::from_secs(60));
                    Delivery::Retry {
                        at_ms: now_millis() + delay.as_millis() as i64,
                        payload: None,
                        counts: true,
                    }
                } else {
                    self.destination(
                        &ctx,
                        &t,
                        &q,
                        "RetriesExhausted",
                        attempts,
                        Some((&body, Some("Unhandled"))),
                    )
                    .await;
                    Delivery::Done
                }
            }
        }
    }

    /// Sends the invocation record to the destination for `condition`, if one is configured.
    async fn destination(
        &self,
        ctx: &RequestContext,
        t: &Target,
        q: &Queued,
        condition: &str,
        attempts: u32,
        response: Option<(&Bytes, Option<&str>)>,
    ) {
        let lambda = &self.lambda;
        let success = condition == "Success";
        let target = lambda.destination_for(ctx, t, success);
        let Some(arn) = target else {
            if !success {
                tracing::warn!(function = %q.function, request_id = %q.request_id, condition, "asynchronous invocation failed; no destination is configured");
            }
            return;
        };
        let mut record = json!({
            "version": "1.0",
            "timestamp": Civil::from_millis(now_millis()).iso8601(),
            "requestContext": {
                "requestId": q.request_id,
                "functionArn": nimbus_core::Arn::lambda_function(&ctx.region, &ctx.account, &q.function, Some(&t.executed_version)).to_string(),
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": serde_json::from_str::<Value>(&q.event).unwrap_or(Value::String(q.event.clone())),
        });
        if let Some((body, error)) = response {
            let mut rc = json!({"statusCode": 200, "executedVersion": t.executed_version});
            if let Some(e) = error {
                rc["functionError"] = json!(e);
            }
            record["responseContext"] = rc;
            record["responsePayload"] = serde_json::from_slice::<Value>(body)
                .unwrap_or(Value::String(String::from_utf8_lossy(body).into_owned()));
        }
        let Some(dest) = nimbus_core::Arn::parse(&arn) else {
            return;
        };
        match dest.service.as_str() {
            "lambda" => {
                let name = dest
                    .resource
                    .strip_prefix("function:")
                    .unwrap_or(&dest.resource)
                    .to_string();
                let (function, qualifier) = match name.split_once(':') {
                    Some((f, q)) => (f.to_string(), Some(q.to_string())),
                    None => (name, None),
                };
                let body = Bytes::from(record.to_string());
                let id = nimbus_core::ids::uuid_v4();
                if let Err(e) = queue(
                    lambda,
                    &dest.account,
                    &dest.region,
                    &function,
                    qualifier,
                    &id,
                    body,
                ) {
                    tracing::warn!(error = %e.message, destination = %arn, "cannot queue the destination invocation");
                }
            }
            other => tracing::warn!(
                destination = %arn,
                "{other} destinations are not available in nimbus yet; the invocation record is dropped: {record}"
            ),
        }
    }
}

impl Lambda {
    /// (MaximumRetryAttempts, MaximumEventAgeInSeconds) for the invoked qualifier.
    fn event_invoke_config(&self, ctx: &RequestContext, t: &Target) -> (Option<u32>, Option<i64>) {
        let c = self.invoke_config_of(ctx, t);
        (
            c.as_ref()
                .and_then(|c| c.maximum_retry_attempts)
                .map(|n| n.max(0) as u32),
            c.as_ref()
                .and_then(|c| c.maximum_event_age_in_seconds)
                .map(i64::from),
        )
    }

    fn invoke_config_of(
        &self,
        ctx: &RequestContext,
        t: &Target,
    ) -> Option<crate::generated::lambda::FunctionEventInvokeConfig> {
        let scope = storage::scope(ctx);
        let record = self
            .store
            .read(|r| storage::get_function(r, &scope, &t.function.name))
            .ok()??;
        let q = t
            .function
            .qualifier
            .clone()
            .unwrap_or_else(|| "$LATEST".into());
        record.event_invoke.get(&q).cloned()
    }

    /// The OnSuccess / OnFailure destination (falling back to the dead-letter queue on failure).
    fn destination_for(&self, ctx: &RequestContext, t: &Target, success: bool) -> Option<String> {
        let c = self.invoke_config_of(ctx, t);
        let d = c.as_ref().and_then(|c| c.destination_config.as_ref());
        let configured = if success {
            d.and_then(|d| d.on_success.as_ref())
                .and_then(|s| s.destination.clone())
        } else {
            d.and_then(|d| d.on_failure.as_ref())
                .and_then(|f| f.destination.clone())
        };
        if configured.is_some() || success {
            return configured;
        }
        t.version
            .config
            .dead_letter_config
            .as_ref()
            .and_then(|d| d.target_arn.clone())
    }
}
