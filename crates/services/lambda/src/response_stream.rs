//! InvokeWithResponseStream: a synchronous invocation whose response reaches the caller as an
//! event stream (`application/vnd.amazon.eventstream`) while the function writes it — a
//! `PayloadChunk` event per chunk, then one `InvokeComplete` with the function's error, if any,
//! and the log tail when asked for. A function that does not stream answers with its whole
//! response as one chunk.
//!
//! Errors found before the function runs (no such function, throttling) are the call's HTTP
//! errors, as on Lambda; once the stream has begun, an error can only travel in InvokeComplete.

use base64::Engine as _;
use bytes::Bytes;
use nimbus_core::body::BodyWriter;
use nimbus_core::RequestContext;
use nimbus_protocol::eventstream::{self, EventStream};

use crate::engine::{Outcome, ResponseStream};
use crate::errors::Result;
use crate::generated::lambda::{
    InvokeWithResponseStreamCompleteEvent, InvokeWithResponseStreamRequest,
    InvokeWithResponseStreamResponse,
};
use crate::invoke::{self, Begun, MAX_SYNC_PAYLOAD};
use crate::service::Lambda;

pub async fn invoke(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: InvokeWithResponseStreamRequest,
) -> Result<InvokeWithResponseStreamResponse> {
    let raw = input
        .payload
        .as_ref()
        .map(|b| b.0.as_slice())
        .unwrap_or_default();
    let payload = invoke::check_payload(raw, MAX_SYNC_PAYLOAD)?;
    let t = invoke::target(
        lambda,
        ctx,
        &input.function_name,
        input.qualifier.as_deref(),
    )?;
    if input.invocation_type.as_deref() == Some("DryRun") {
        return Ok(InvokeWithResponseStreamResponse {
            status_code: Some(204),
            ..InvokeWithResponseStreamResponse::default()
        });
    }
    let streamed = invoke::start_streamed(
        lambda,
        ctx,
        &t,
        &ctx.request_id,
        payload,
        invoke::decode_client_context(input.client_context.as_deref()),
        input.log_type.as_deref() == Some("Tail"),
    )?;
    let (writer, events) = nimbus_core::body::channel();
    match streamed.begun().await {
        Begun::Streaming { stream, outcome } => {
            tokio::spawn(async move {
                let open = relay(&writer, stream).await;
                let outcome = invoke::joined(outcome.await).map(|r| (r.outcome, r.tail));
                complete(writer, open, outcome).await;
            });
        }
        Begun::Finished(outcome) => {
            let outcome = outcome?;
            tokio::spawn(complete(writer, true, Ok(outcome)));
        }
    }
    Ok(InvokeWithResponseStreamResponse {
        status_code: Some(200),
        executed_version: Some(t.executed_version.clone()),
        response_stream_content_type: Some("application/vnd.amazon.eventstream".into()),
        event_stream: Some(EventStream(Some(events))),
    })
}

fn payload_chunk(chunk: &[u8]) -> Bytes {
    eventstream::event("PayloadChunk", "application/octet-stream", chunk)
}

/// Passes the function's stream on, a PayloadChunk per chunk, until it ends or the caller
/// hangs up (then the stream is dropped and the function's further output discarded). Whether
/// the caller is still there.
async fn relay(writer: &BodyWriter, mut stream: ResponseStream) -> bool {
    while let Some(Ok(chunk)) = stream.body.chunk().await {
        if !writer.write(payload_chunk(&chunk)).await {
            return false;
        }
    }
    true
}

/// Ends the event stream with InvokeComplete: the function's error (its `errorType` as the code,
/// its `errorMessage` as the details) or the call's, and the log tail.
async fn complete(writer: BodyWriter, open: bool, outcome: Result<(Outcome, Option<String>)>) {
    if !open {
        return;
    }
    let mut event = InvokeWithResponseStreamCompleteEvent::default();
    match outcome {
        Ok((outcome, tail)) => {
            event.log_result = tail.map(|t| base64::engine::general_purpose::STANDARD.encode(t));
            match outcome {
                // A streamed response has already gone out; a buffered one goes now.
                Outcome::Response(payload) if payload.is_empty() => {}
                Outcome::Response(payload) => {
                    if !writer.write(payload_chunk(&payload)).await {
                        return;
                    }
                }
                Outcome::Error(doc) => {
                    let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap_or_default();
                    let text = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_string);
                    event.error_code = text("errorType").or(Some("Unhandled".into()));
                    event.error_details = text("errorMessage");
                }
            }
        }
        Err(e) => {
            event.error_code = Some(e.code.clone());
            event.error_details = Some(e.message.clone());
        }
    }
    let json = serde_json::to_vec(&event).unwrap_or_default();
    if writer
        .write(eventstream::event(
            "InvokeComplete",
            "application/json",
            &json,
        ))
        .await
    {
        writer.finish();
    }
}
