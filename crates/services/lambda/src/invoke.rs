//! Invoke (RequestResponse, Event, DryRun) and InvokeAsync: resolving the qualifier (weighted
//! alias routing included), payload checks, and the synchronous path through the engine.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::Blob;

use crate::control::{require_function, resolve_version, Lambda};
use crate::engine::{Invocation, InvokeResult, Outcome, ResponseStream, Snapshot};
use crate::errors::{function_not_found, Result};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage::{self, VersionRecord};

pub const MAX_SYNC_PAYLOAD: usize = 6_291_456;
pub const MAX_ASYNC_PAYLOAD: usize = 1_048_576;

/// A function version chosen for one invocation.
pub struct Target {
    pub executed_version: String,
    pub version: Arc<VersionRecord>,
    pub reserved: Option<i32>,
    /// The ARN the caller invoked (qualified when a qualifier was given).
    pub invoked_arn: Arn,
    pub function: FunctionRef,
}

/// What a function name and qualifier resolve to: the versions an invocation may run (several
/// when an alias routes a share of its traffic to another version).
struct Resolution {
    reserved: Option<i32>,
    invoked_arn: Arn,
    function: FunctionRef,
    /// The version an alias (or the qualifier itself) names.
    default: (String, Arc<VersionRecord>),
    /// Versions an alias's routing weights send a share to: (weight, version, record).
    weighted: Vec<(f64, String, Arc<VersionRecord>)>,
}

/// Resolutions by (account, region, function name, qualifier) as the caller spelled them, valid
/// until the next control-plane write: a warm invocation then reads nothing from the store.
#[derive(Default)]
pub struct Resolutions {
    inner: Mutex<ResolutionMap>,
}

#[derive(Default)]
struct ResolutionMap {
    /// Bumped by every write (see `Resolutions::invalidate`); a resolution read from the store
    /// under an older generation is not kept.
    generation: u64,
    entries: HashMap<(String, String, String, Option<String>), Arc<Resolution>>,
}

impl Resolutions {
    fn lock(&self) -> std::sync::MutexGuard<'_, ResolutionMap> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets every resolution; called after each committed control-plane write.
    pub fn invalidate(&self) {
        let mut map = self.lock();
        map.generation += 1;
        map.entries.clear();
    }
}

/// Resolves `function_name`/`qualifier` to the version to run, applying an alias's weights.
pub fn target(
    lambda: &Lambda,
    ctx: &RequestContext,
    function_name: &str,
    qualifier: Option<&str>,
) -> Result<Target> {
    let key = (
        ctx.account.clone(),
        ctx.region.clone(),
        function_name.to_string(),
        qualifier.map(str::to_string),
    );
    let (cached, generation) = {
        let map = lambda.resolutions.lock();
        (map.entries.get(&key).cloned(), map.generation)
    };
    let resolution = match cached {
        Some(r) => r,
        None => {
            let r = Arc::new(resolve(lambda, ctx, function_name, qualifier)?);
            let mut map = lambda.resolutions.lock();
            if map.generation == generation {
                map.entries.insert(key, r.clone());
            }
            r
        }
    };
    let default = (&resolution.default.0, &resolution.default.1);
    let (executed_version, version) = if resolution.weighted.is_empty() {
        default
    } else {
        let roll = fastrand::f64();
        let mut acc = 0.0;
        let mut chosen = default;
        for (weight, v, record) in &resolution.weighted {
            acc += weight;
            if roll < acc {
                chosen = (v, record);
                break;
            }
        }
        chosen
    };
    Ok(Target {
        executed_version: executed_version.clone(),
        version: version.clone(),
        reserved: resolution.reserved,
        invoked_arn: resolution.invoked_arn.clone(),
        function: resolution.function.clone(),
    })
}

fn resolve(
    lambda: &Lambda,
    ctx: &RequestContext,
    function_name: &str,
    qualifier: Option<&str>,
) -> Result<Resolution> {
    let f = names::parse(ctx, function_name, qualifier)?;
    let scope = storage::scope(ctx);
    lambda.store.read(|r| {
        let record = require_function(r, ctx, &scope, &f)?;
        let version_of = |q: Option<String>| -> Result<(String, Arc<VersionRecord>)> {
            let mut chosen = f.clone();
            chosen.qualifier = q;
            let (executed, version) = resolve_version(r, ctx, &scope, &chosen, &record)?;
            Ok((executed, Arc::new(version)))
        };
        let mut weighted = Vec::new();
        let default = match f.qualifier.as_deref() {
            Some(q) if q.parse::<u64>().is_err() && q != "$LATEST" => {
                let alias = storage::get_alias(r, &scope, &f.name, q)?
                    .ok_or_else(|| function_not_found(&f.arn(ctx)))?;
                let weights = alias
                    .routing_config
                    .as_ref()
                    .and_then(|c| c.additional_version_weights.as_ref());
                for (v, w) in weights.into_iter().flatten() {
                    let (executed, version) = version_of(Some(v.clone()))?;
                    weighted.push((*w, executed, version));
                }
                version_of(Some(
                    alias.function_version.unwrap_or_else(|| "$LATEST".into()),
                ))?
            }
            _ => version_of(f.qualifier.clone())?,
        };
        Ok(Resolution {
            reserved: record.reserved_concurrency,
            invoked_arn: f.arn(ctx),
            function: f,
            default,
            weighted,
        })
    })
}

pub fn check_payload(payload: &[u8], limit: usize) -> Result<Bytes> {
    if payload.len() > limit {
        return Err(ErrorCode::RequestTooLargeException.error(format!(
            "Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )));
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(payload) {
        return Err(ErrorCode::InvalidRequestContentException.error(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        )));
    }
    Ok(Bytes::copy_from_slice(payload))
}

/// Runs an invocation synchronously; answers what Invoke returns.
pub async fn run(
    lambda: &Lambda,
    ctx: &RequestContext,
    t: &Target,
    request_id: &str,
    payload: Bytes,
    client_context: Option<String>,
    tail: bool,
) -> Result<(Outcome, Option<String>)> {
    let snapshot = snapshot_of(lambda, ctx, t)?;
    let invocation = invocation(t, request_id, payload, client_context, tail, None);
    let result = lambda
        .engine
        .invoke(snapshot, t.reserved, invocation)
        .await?;
    Ok((result.outcome, result.tail))
}

/// A front door's synchronous invocation of `function` (a name or ARN, qualified or not): no
/// client context, no log tail.
pub async fn call(
    lambda: &Lambda,
    ctx: &RequestContext,
    function: &str,
    request_id: &str,
    payload: Bytes,
) -> Result<Outcome> {
    let t = target(lambda, ctx, function, None)?;
    Ok(run(lambda, ctx, &t, request_id, payload, None, false)
        .await?
        .0)
}

/// The frozen version `t` runs.
fn snapshot_of(lambda: &Lambda, ctx: &RequestContext, t: &Target) -> Result<Arc<Snapshot>> {
    lambda.snapshot(
        &ctx.account,
        &ctx.region,
        &t.function.name,
        &t.executed_version,
        &t.version,
    )
}

fn invocation(
    t: &Target,
    request_id: &str,
    payload: Bytes,
    client_context: Option<String>,
    tail: bool,
    stream: Option<tokio::sync::oneshot::Sender<ResponseStream>>,
) -> Invocation {
    Invocation {
        request_id: request_id.to_string(),
        payload,
        function_arn: t.invoked_arn.to_string(),
        client_context,
        tail,
        stream,
    }
}

/// An invocation whose response the function may stream, running in a task of its own (so it
/// goes on, and ends its stream, whoever stops waiting for it).
pub struct Streamed {
    stream: tokio::sync::oneshot::Receiver<ResponseStream>,
    outcome: tokio::task::JoinHandle<Result<InvokeResult>>,
}

/// How a [`Streamed`] invocation began.
pub enum Begun {
    /// The function is streaming its response; `outcome` resolves when it has finished: an empty
    /// response, or the error it reported mid-stream.
    Streaming {
        stream: ResponseStream,
        outcome: tokio::task::JoinHandle<Result<InvokeResult>>,
    },
    /// It answered in one piece (or failed before streaming), as [`run`] answers.
    Finished(Result<(Outcome, Option<String>)>),
}

/// Starts an invocation whose response the function may stream.
pub fn start_streamed(
    lambda: &Lambda,
    ctx: &RequestContext,
    t: &Target,
    request_id: &str,
    payload: Bytes,
    client_context: Option<String>,
    tail: bool,
) -> Result<Streamed> {
    let snapshot = snapshot_of(lambda, ctx, t)?;
    let (taker, stream) = tokio::sync::oneshot::channel();
    let invocation = invocation(t, request_id, payload, client_context, tail, Some(taker));
    let engine = lambda.engine.clone();
    let reserved = t.reserved;
    let outcome = tokio::spawn(async move { engine.invoke(snapshot, reserved, invocation).await });
    Ok(Streamed { stream, outcome })
}

impl Streamed {
    /// Waits for the stream to begin or the invocation to end, whichever comes first.
    pub async fn begun(self) -> Begun {
        let Streamed {
            mut stream,
            mut outcome,
        } = self;
        tokio::select! {
            biased;
            Ok(stream) = &mut stream => Begun::Streaming { stream, outcome },
            result = &mut outcome => Begun::Finished(joined(result).map(|r| (r.outcome, r.tail))),
        }
    }
}

/// The result of an invocation's task; a task that panicked is a service error.
pub fn joined(
    result: std::result::Result<Result<InvokeResult>, tokio::task::JoinError>,
) -> Result<InvokeResult> {
    result.map_err(|e| {
        nimbus_protocol::AwsError::new(
            500,
            "",
            "ServiceException",
            format!("the invocation failed: {e}"),
        )
    })?
}

pub async fn invoke(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: InvocationRequest,
) -> Result<InvocationResponse> {
    let kind = input
        .invocation_type
        .as_deref()
        .unwrap_or("RequestResponse");
    let raw = input
        .payload
        .as_ref()
        .map(|b| b.0.as_slice())
        .unwrap_or_default();
    let limit = if kind == "Event" {
        MAX_ASYNC_PAYLOAD
    } else {
        MAX_SYNC_PAYLOAD
    };
    let payload = check_payload(raw, limit)?;
    let t = target(
        lambda,
        ctx,
        &input.function_name,
        input.qualifier.as_deref(),
    )?;
    match kind {
        "DryRun" => Ok(InvocationResponse {
            status_code: Some(204),
            ..InvocationResponse::default()
        }),
        "Event" => {
            crate::asynchronous::enqueue(lambda, ctx, &t, &ctx.request_id, payload)?;
            Ok(InvocationResponse {
                status_code: Some(202),
                ..InvocationResponse::default()
            })
        }
        _ => {
            let client_context = decode_client_context(input.client_context.as_deref());
            let tail = input.log_type.as_deref() == Some("Tail");
            let (outcome, log) = run(
                lambda,
                ctx,
                &t,
                &ctx.request_id,
                payload,
                client_context,
                tail,
            )
            .await?;
            let (payload, function_error) = match outcome {
                Outcome::Response(b) => (b, None),
                Outcome::Error(b) => (b, Some("Unhandled".to_string())),
            };
            Ok(InvocationResponse {
                status_code: Some(200),
                executed_version: Some(t.executed_version.clone()),
                function_error,
                log_result: log.map(|l| base64::engine::general_purpose::STANDARD.encode(l)),
                payload: Some(Blob(payload.to_vec())),
                durable_execution_arn: None,
            })
        }
    }
}

/// `X-Amz-Client-Context`, base64 as the caller sends it, as the text the runtime receives.
pub(crate) fn decode_client_context(header: Option<&str>) -> Option<String> {
    header
        .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The deprecated InvokeAsync: an Event invocation answered with 202 `{"Status": 202}`.
pub async fn invoke_async(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: InvokeAsyncRequest,
) -> Result<InvokeAsyncResponse> {
    let payload = check_payload(&input.invoke_args.0, MAX_ASYNC_PAYLOAD)?;
    let t = target(lambda, ctx, &input.function_name, None)?;
    crate::asynchronous::enqueue(lambda, ctx, &t, &ctx.request_id, payload)?;
    Ok(InvokeAsyncResponse { status: Some(202) })
}
