//! Lambda proxy payload format 2.0: the event of function URLs and of HTTP API integrations
//! (`payloadFormatVersion: "2.0"`), and the rules that turn a function's result back into HTTP.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::{is_text, HttpRequest, HttpResponse};

/// What the front door knows of a request beyond its HTTP.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    pub account_id: String,
    pub api_id: String,
    pub domain_name: String,
    pub domain_prefix: String,
    /// `$default`, or the route's key (`GET /items/{id}`).
    pub route_key: String,
    pub stage: String,
    pub request_id: String,
    /// The path the function sees (a function URL's whole path; an HTTP API's path after a
    /// named stage).
    pub raw_path: String,
    pub time_ms: i64,
    pub path_parameters: Option<Map<String, Value>>,
    pub stage_variables: Option<Map<String, Value>>,
    pub authorizer: Option<Value>,
    /// Function URLs write `requestContext.authentication: null`; HTTP APIs leave it out.
    pub function_url: bool,
}

/// The 2.0 event for `req`. Absent things are left out, as AWS does: no `cookies` without
/// cookies, no `queryStringParameters` without a query, no `body` without one.
pub fn event(req: &HttpRequest, c: &EventContext) -> Value {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    let forwarding = crate::forwarding_headers(req);
    let replaced = |name: &str| forwarding.iter().any(|(k, _)| k == name);
    for (name, value) in &req.headers {
        if replaced(name) {
            continue;
        }
        if name == "cookie" {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| Value::String(c.to_string())),
            );
            continue;
        }
        join_into(&mut headers, name, value);
    }
    for (name, value) in &forwarding {
        headers.insert(name.clone(), Value::String(value.clone()));
    }
    let mut e = Map::new();
    e.insert("version".into(), json!("2.0"));
    e.insert("routeKey".into(), json!(c.route_key));
    e.insert("rawPath".into(), json!(c.raw_path));
    e.insert("rawQueryString".into(), json!(req.query));
    if !cookies.is_empty() {
        e.insert("cookies".into(), Value::Array(cookies));
    }
    e.insert("headers".into(), Value::Object(headers));
    let query = query_parameters(&req.query);
    if !query.is_empty() {
        e.insert("queryStringParameters".into(), Value::Object(query));
    }
    let mut http = Map::new();
    http.insert("method".into(), json!(req.method));
    http.insert("path".into(), json!(c.raw_path));
    http.insert("protocol".into(), json!(req.protocol));
    http.insert("sourceIp".into(), json!(req.source_ip));
    http.insert(
        "userAgent".into(),
        json!(req.header("user-agent").unwrap_or_default()),
    );
    let mut rc = Map::new();
    rc.insert("accountId".into(), json!(c.account_id));
    rc.insert("apiId".into(), json!(c.api_id));
    if c.function_url {
        rc.insert("authentication".into(), Value::Null);
    }
    if let Some(a) = &c.authorizer {
        rc.insert("authorizer".into(), a.clone());
    }
    rc.insert("domainName".into(), json!(c.domain_name));
    rc.insert("domainPrefix".into(), json!(c.domain_prefix));
    rc.insert("http".into(), Value::Object(http));
    rc.insert("requestId".into(), json!(c.request_id));
    rc.insert("routeKey".into(), json!(c.route_key));
    rc.insert("stage".into(), json!(c.stage));
    let civil = nimbus_core::time::Civil::from_millis(c.time_ms);
    rc.insert("time".into(), json!(civil.access_log()));
    rc.insert("timeEpoch".into(), json!(c.time_ms));
    e.insert("requestContext".into(), Value::Object(rc));
    if let Some(p) = &c.path_parameters {
        e.insert("pathParameters".into(), Value::Object(p.clone()));
    }
    if let Some(s) = &c.stage_variables {
        e.insert("stageVariables".into(), Value::Object(s.clone()));
    }
    let text = is_text(req.header("content-type"), &req.body);
    if !req.body.is_empty() {
        let body = if text {
            String::from_utf8_lossy(&req.body).into_owned()
        } else {
            base64::engine::general_purpose::STANDARD.encode(&req.body)
        };
        e.insert("body".into(), Value::String(body));
    }
    e.insert(
        "isBase64Encoded".into(),
        json!(!text && !req.body.is_empty()),
    );
    Value::Object(e)
}

/// Repeated names are joined with commas, as API Gateway and function URLs present them.
fn join_into(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::String(existing)) => {
            existing.push(',');
            existing.push_str(value);
        }
        _ => {
            map.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
}

/// `a=1&a=2&b` → `{"a": "1,2", "b": ""}`, names and values percent-decoded.
pub fn query_parameters(raw: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        join_into(&mut out, &percent_decode(k), &percent_decode(v));
    }
    out
}

/// Decodes `%XX` escapes; malformed ones are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why a function's result cannot be turned into an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// The HTTP response a function's result stands for, by the 2.0 rules: an object with a
/// `statusCode` is a response (`headers`, `cookies`, `body` — a string, base64 when
/// `isBase64Encoded`); any other JSON value is a 200 `application/json` body as returned.
pub fn response(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| Malformed(format!("the function's result is not JSON: {e}")))?;
    let Some(obj) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return Ok(HttpResponse::new(200, "application/json", payload.to_vec()));
    };
    let status = match &obj["statusCode"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|s| (100..=599).contains(s))
    .ok_or_else(|| {
        Malformed(format!(
            "statusCode {} is not an HTTP status",
            obj["statusCode"]
        ))
    })?;
    let mut headers = Vec::new();
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, v) in h {
                headers.push((
                    name.clone(),
                    scalar_text(v).ok_or_else(|| {
                        Malformed(format!("header {name} has a value of the wrong type"))
                    })?,
                ));
            }
        }
        Some(_) => return Err(Malformed("headers is not an object".into())),
    }
    match obj.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for c in cookies {
                let text = c
                    .as_str()
                    .ok_or_else(|| Malformed("a cookie is not a string".into()))?;
                headers.push(("set-cookie".into(), text.to_string()));
            }
        }
        Some(_) => return Err(Malformed("cookies is not a list".into())),
    }
    let body = response_body(obj)?;
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        && !body.is_empty()
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    Ok(HttpResponse {
        status: status as u16,
        headers,
        body: body.into(),
        stream: None,
    })
}

/// A proxy response's `body`: a string, base64-decoded when `isBase64Encoded` (both formats).
pub(crate) fn response_body(obj: &Map<String, Value>) -> Result<Vec<u8>, Malformed> {
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Malformed("isBase64Encoded is not a boolean".into())),
    };
    match obj.get("body") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| Malformed("body is not valid base64".into())),
        Some(Value::String(s)) => Ok(s.clone().into_bytes()),
        Some(_) => Err(Malformed("body is not a string".into())),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/my/path".into(),
            query: "parameter1=value1&parameter1=value2&parameter2=value".into(),
            headers: vec![
                ("host".into(), "x.lambda-url.us-east-1.localhost".into()),
                ("header2".into(), "value1".into()),
                ("header2".into(), "value2".into()),
                ("cookie".into(), "cookie1=a; cookie2=b".into()),
                ("content-type".into(), "text/plain".into()),
                ("user-agent".into(), "agent".into()),
            ],
            body: "Hello from client!".into(),
            source_ip: "127.0.0.1".into(),
            protocol: "HTTP/1.1".into(),
        }
    }

    #[test]
    fn the_event_has_the_documented_shape() {
        let c = EventContext {
            account_id: "123456789012".into(),
            api_id: "x".into(),
            route_key: "$default".into(),
            stage: "$default".into(),
            raw_path: "/my/path".into(),
            time_ms: 1_583_348_638_390,
            ..EventContext::default()
        };
        let e = event(&request(), &c);
        assert_eq!(e["cookies"], json!(["cookie1=a", "cookie2=b"]));
        assert_eq!(e["headers"]["header2"], "value1,value2");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(
            e["queryStringParameters"],
            json!({"parameter1": "value1,value2", "parameter2": "value"})
        );
        assert_eq!(e["requestContext"]["http"]["userAgent"], "agent");
        assert_eq!(e["requestContext"]["time"], "04/Mar/2020:19:03:58 +0000");
        assert_eq!(e["body"], "Hello from client!");
        assert_eq!(e["isBase64Encoded"], false);
    }

    #[test]
    fn results_become_responses() {
        let r = response(br#""Hello, world!""#).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (r.status, r.body.as_ref()),
            (200, &br#""Hello, world!""#[..])
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        let r = response(
            br#"{"statusCode": 201, "headers": {"X-A": "1"}, "body": "x", "cookies": ["a=1"]}"#,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.status, 201);
        assert_eq!(r.header("x-a"), Some("1"));
        assert_eq!(r.header("set-cookie"), Some("a=1"));
        let r = response(br#"{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}"#)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.body.as_ref(), b"hi");
        assert!(response(br#"{"statusCode": 200, "body": {"a": 1}}"#).is_err());
        assert!(response(b"not json").is_err());
        assert!(response(br#"{"statusCode": "abc"}"#).is_err());
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
