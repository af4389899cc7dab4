//! Function URLs in InvokeMode RESPONSE_STREAM: the function's response goes to the client as
//! the function writes it.
//!
//! A stream whose content type is `application/vnd.awslambda.http-integration-response` (what
//! `awslambda.HttpResponseStream.from` sets) begins with an HTTP prelude — the JSON
//! `{"statusCode", "headers", "cookies"}` and 8 NUL bytes — and the body follows it. Any other
//! stream is the body of a 200 with the stream's content type.

use bytes::{Bytes, BytesMut};
use nimbus_core::RequestContext;
use nimbus_frontdoor::HttpResponse;
use serde_json::Value;

use super::bad_gateway;
use crate::engine::{Outcome, ResponseStream};
use crate::errors::Result;
use crate::invoke::{self, Begun, Target};
use crate::service::Lambda;

const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
const SEPARATOR: &[u8] = &[0; 8];
/// A prelude longer than this is not one.
const MAX_PRELUDE: usize = 1024 * 1024;

/// Invokes the function and answers as soon as its stream has begun (or, for a function that
/// answers in one piece, when it has finished).
pub(super) async fn invoke(
    lambda: &Lambda,
    ctx: &RequestContext,
    t: &Target,
    request_id: &str,
    event: Bytes,
) -> Result<HttpResponse> {
    // Once streaming, the invocation goes on in its own task, which ends the stream and writes
    // the logs; nothing here waits for its outcome.
    match invoke::start_streamed(lambda, ctx, t, request_id, event, None, false)?
        .begun()
        .await
    {
        Begun::Streaming { stream, .. } => Ok(respond(stream).await),
        Begun::Finished(outcome) => Ok(match outcome?.0 {
            Outcome::Response(payload) => buffered(&payload),
            Outcome::Error(_) => bad_gateway(),
        }),
    }
}

/// The response a stream stands for: its prelude read, the rest of the body still streaming.
async fn respond(stream: ResponseStream) -> HttpResponse {
    let ResponseStream {
        content_type,
        mut body,
    } = stream;
    if !content_type.eq_ignore_ascii_case(HTTP_INTEGRATION) {
        return HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), content_type)],
            body: Bytes::new(),
            stream: Some(body),
        };
    }
    let mut read = BytesMut::new();
    loop {
        match split_prelude(&read) {
            Some(Ok((meta, at))) => {
                let rest = read.split_off(at + SEPARATOR.len()).freeze();
                let mut resp = from_prelude(&meta, rest);
                resp.stream = Some(body);
                return resp;
            }
            Some(Err(())) => return bad_gateway(),
            None if read.len() > MAX_PRELUDE => return bad_gateway(),
            None => {}
        }
        match body.chunk().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            // The function failed or timed out before its prelude was complete.
            Some(Err(_)) => return bad_gateway(),
            // The stream ended without its separator: all of it is the body.
            None => {
                return HttpResponse::new(200, "application/octet-stream", read.freeze());
            }
        }
    }
}

/// A response collected in one piece: a prelude, if it begins with one, and its body.
fn buffered(payload: &[u8]) -> HttpResponse {
    match split_prelude(payload) {
        Some(Ok((meta, at))) => from_prelude(
            &meta,
            Bytes::copy_from_slice(&payload[at + SEPARATOR.len()..]),
        ),
        _ => HttpResponse::new(200, "application/octet-stream", payload.to_vec()),
    }
}

/// The prelude at the start of `read` and where its separator is; `None` while no separator
/// has arrived, `Err` when what comes before it is not a JSON object.
fn split_prelude(read: &[u8]) -> Option<std::result::Result<(Value, usize), ()>> {
    let at = read.windows(SEPARATOR.len()).position(|w| w == SEPARATOR)?;
    Some(match serde_json::from_slice::<Value>(&read[..at]) {
        Ok(meta) if meta.is_object() => Ok((meta, at)),
        _ => Err(()),
    })
}

fn from_prelude(meta: &Value, body: Bytes) -> HttpResponse {
    let status = meta
        .get("statusCode")
        .and_then(Value::as_u64)
        .filter(|s| (100..=599).contains(s))
        .unwrap_or(200) as u16;
    let mut headers: Vec<(String, String)> = meta
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let cookies = meta.get("cookies").and_then(Value::as_array);
    for cookie in cookies.into_iter().flatten().filter_map(Value::as_str) {
        headers.push(("set-cookie".into(), cookie.to_string()));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/octet-stream".into()));
    }
    HttpResponse {
        status,
        headers,
        body,
        stream: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preludes() {
        let mut payload = br#"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["c=1"]}"#.to_vec();
        assert!(split_prelude(&payload).is_none());
        payload.extend_from_slice(&[0; 8]);
        payload.extend_from_slice(b"body");
        let r = buffered(&payload);
        assert_eq!((r.status, &r.body[..]), (201, &b"body"[..]));
        assert_eq!(r.header("x-a"), Some("1"));
        assert_eq!(r.header("set-cookie"), Some("c=1"));
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(split_prelude(b"nope\0\0\0\0\0\0\0\0"), Some(Err(())));
        let raw = buffered(b"raw bytes");
        assert_eq!((raw.status, &raw.body[..]), (200, &b"raw bytes"[..]));
    }
}
