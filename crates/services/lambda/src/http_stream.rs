//! Lambda's HTTP response streams, as function URLs (InvokeMode RESPONSE_STREAM) and API
//! Gateway REST APIs (responseTransferMode STREAM) read them.
//!
//! A stream whose content type is `application/vnd.awslambda.http-integration-response` (what
//! `awslambda.HttpResponseStream.from` sets) begins with an HTTP prelude — the JSON
//! `{"statusCode", "headers", "multiValueHeaders", "cookies"}` and 8 NUL bytes — and the body
//! follows it. A function URL takes any other stream as the body of a 200 with the stream's
//! content type; API Gateway requires the prelude.

use bytes::{Bytes, BytesMut};
use nimbus_frontdoor::HttpResponse;
use serde_json::Value;

use crate::engine::ResponseStream;

const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
const SEPARATOR: &[u8] = &[0; 8];
/// A prelude longer than this is not one.
const MAX_PRELUDE: usize = 1024 * 1024;

/// Whether a stream must begin with a prelude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prelude {
    /// When its content type says so (function URLs).
    IfDeclared,
    /// Always (API Gateway).
    Required,
}

/// The response a stream stands for: its prelude read, the rest of the body still streaming.
/// None when the stream is not a response: a prelude that is not JSON, none where one is
/// required, or a function that failed before its prelude was complete.
pub async fn response(stream: ResponseStream, prelude: Prelude) -> Option<HttpResponse> {
    let ResponseStream {
        content_type,
        mut body,
    } = stream;
    if prelude == Prelude::IfDeclared && !content_type.eq_ignore_ascii_case(HTTP_INTEGRATION) {
        return Some(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), content_type)],
            body: Bytes::new(),
            stream: Some(body),
        });
    }
    let mut read = BytesMut::new();
    loop {
        match split_prelude(&read) {
            Some(Ok((meta, at))) => {
                let rest = read.split_off(at + SEPARATOR.len()).freeze();
                let mut resp = from_prelude(&meta, rest);
                resp.stream = Some(body);
                return Some(resp);
            }
            Some(Err(())) => return None,
            None if read.len() > MAX_PRELUDE => return None,
            None => {}
        }
        match body.chunk().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(_)) => return None,
            // The stream ended without its separator: where a prelude is only declared, all of
            // it is the body.
            None if prelude == Prelude::IfDeclared => {
                return Some(HttpResponse::new(
                    200,
                    "application/octet-stream",
                    read.freeze(),
                ));
            }
            None => return None,
        }
    }
}

/// A response collected in one piece (a function that did not stream), when it begins with a
/// prelude.
pub fn buffered(payload: &[u8]) -> Option<HttpResponse> {
    let (meta, at) = split_prelude(payload)?.ok()?;
    Some(from_prelude(
        &meta,
        Bytes::copy_from_slice(&payload[at + SEPARATOR.len()..]),
    ))
}

/// The prelude at the start of `read` and where its separator is; `None` while no separator
/// has arrived, `Err` when what comes before it is not a JSON object.
fn split_prelude(read: &[u8]) -> Option<Result<(Value, usize), ()>> {
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
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let mut headers: Vec<(String, String)> = Vec::new();
    let members = |name: &str| {
        meta.get(name)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
    };
    for (k, v) in members("headers") {
        headers.push((k.clone(), text(v)));
    }
    for (k, values) in members("multiValueHeaders") {
        for v in values.as_array().into_iter().flatten() {
            headers.push((k.clone(), text(v)));
        }
    }
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
        let mut payload = br#"{"statusCode":201,"headers":{"x-a":"1"},"multiValueHeaders":{"x-m":["a","b"]},"cookies":["c=1"]}"#.to_vec();
        assert!(split_prelude(&payload).is_none());
        payload.extend_from_slice(&[0; 8]);
        payload.extend_from_slice(b"body");
        let r = buffered(&payload).expect("a prelude");
        assert_eq!((r.status, &r.body[..]), (201, &b"body"[..]));
        assert_eq!(r.header("x-a"), Some("1"));
        let multi: Vec<&str> = r
            .headers
            .iter()
            .filter(|(k, _)| k == "x-m")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(multi, ["a", "b"]);
        assert_eq!(r.header("set-cookie"), Some("c=1"));
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(split_prelude(b"nope\0\0\0\0\0\0\0\0"), Some(Err(())));
        assert!(buffered(b"raw bytes").is_none());
    }
}
