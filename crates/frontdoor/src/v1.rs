//! Lambda proxy payload format 1.0: the event of REST API proxy integrations and of HTTP API
//! integrations with `payloadFormatVersion: "1.0"`, and the rules for the function's response.
//! Unlike 2.0, absent members are `null`, not left out, and the function must answer with a
//! response object.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::v2::{percent_decode, response_body, Malformed};
use crate::{forwarding_headers, is_text, HttpRequest, HttpResponse};

/// What the front door knows of a request beyond its HTTP.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    pub account_id: String,
    pub api_id: String,
    pub domain_name: String,
    pub domain_prefix: String,
    pub stage: String,
    pub request_id: String,
    /// The matched resource or route path template (`/pets/{id}`).
    pub resource: String,
    /// A REST API's resource id; HTTP APIs have none.
    pub resource_id: Option<String>,
    /// The path the function sees as `path` (after a REST API's stage).
    pub path: String,
    /// `requestContext.path`: the path as the client sent it (with a REST API's stage).
    pub context_path: String,
    pub time_ms: i64,
    pub path_parameters: Option<Map<String, Value>>,
    pub stage_variables: Option<Map<String, Value>>,
    pub authorizer: Option<Value>,
    /// HTTP APIs write `"version": "1.0"`; REST APIs write no version.
    pub http_api: bool,
    /// A REST API's binary media types: the body is base64-encoded when the request's
    /// Content-Type is one of them. None: when it is not text (HTTP APIs' rule).
    pub binary_media_types: Option<Vec<String>>,
    /// Members of `requestContext.identity` the front door knows (`apiKey`, `accessKey`, …).
    pub identity: Map<String, Value>,
}

/// Whether `content_type` is one of `types` (`image/png`, `image/*`, `*/*`).
pub fn is_binary_type(types: &[String], content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let (main, _) = ct.split_once('/').unwrap_or((&ct, ""));
    types.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == ct || t == "*/*" || t.strip_suffix("/*") == Some(main)
    })
}

fn or_null(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}

/// The 1.0 event for `req`: `headers` and `queryStringParameters` hold each name's last value,
/// the `multiValue…` members all of them.
pub fn event(req: &HttpRequest, c: &EventContext) -> Value {
    let forwarding = forwarding_headers(req);
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    let all = req
        .headers
        .iter()
        .filter(|(k, _)| !forwarding.iter().any(|(f, _)| f == k))
        .chain(forwarding.iter());
    for (name, value) in all {
        headers.insert(name.clone(), Value::String(value.clone()));
        push(&mut multi_headers, name, value);
    }
    let mut query = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for pair in req.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        query.insert(k.clone(), Value::String(v.clone()));
        push(&mut multi_query, &k, &v);
    }
    let mut identity = json!({
        "accessKey": null, "accountId": null, "caller": null,
        "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
        "cognitoIdentityId": null, "cognitoIdentityPoolId": null, "principalOrgId": null,
        "sourceIp": req.source_ip, "user": null,
        "userAgent": req.header("user-agent"), "userArn": null,
    });
    if let Value::Object(map) = &mut identity {
        map.extend(c.identity.clone());
    }
    let civil = nimbus_core::time::Civil::from_millis(c.time_ms);
    let mut rc = Map::new();
    rc.insert("accountId".into(), json!(c.account_id));
    rc.insert("apiId".into(), json!(c.api_id));
    if let Some(a) = &c.authorizer {
        rc.insert("authorizer".into(), a.clone());
    }
    rc.insert("domainName".into(), json!(c.domain_name));
    rc.insert("domainPrefix".into(), json!(c.domain_prefix));
    rc.insert("extendedRequestId".into(), json!(c.request_id));
    rc.insert("httpMethod".into(), json!(req.method));
    rc.insert("identity".into(), identity);
    rc.insert("path".into(), json!(c.context_path));
    rc.insert("protocol".into(), json!(req.protocol));
    rc.insert("requestId".into(), json!(c.request_id));
    rc.insert("requestTime".into(), json!(civil.access_log()));
    rc.insert("requestTimeEpoch".into(), json!(c.time_ms));
    rc.insert("resourceId".into(), json!(c.resource_id));
    rc.insert("resourcePath".into(), json!(c.resource));
    rc.insert("stage".into(), json!(c.stage));
    let content_type = req.header("content-type");
    let text = match &c.binary_media_types {
        Some(types) => !is_binary_type(types, content_type),
        None => is_text(content_type, &req.body),
    };
    let body = if req.body.is_empty() {
        Value::Null
    } else if text {
        Value::String(String::from_utf8_lossy(&req.body).into_owned())
    } else {
        Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body))
    };
    let mut e = Map::new();
    if c.http_api {
        e.insert("version".into(), json!("1.0"));
    }
    e.insert("resource".into(), json!(c.resource));
    e.insert("path".into(), json!(c.path));
    e.insert("httpMethod".into(), json!(req.method));
    e.insert("headers".into(), Value::Object(headers));
    e.insert("multiValueHeaders".into(), Value::Object(multi_headers));
    e.insert("queryStringParameters".into(), or_null(query));
    e.insert(
        "multiValueQueryStringParameters".into(),
        or_null(multi_query),
    );
    e.insert("requestContext".into(), Value::Object(rc));
    e.insert(
        "pathParameters".into(),
        c.path_parameters.clone().map_or(Value::Null, Value::Object),
    );
    e.insert(
        "stageVariables".into(),
        c.stage_variables.clone().map_or(Value::Null, Value::Object),
    );
    e.insert("body".into(), body);
    e.insert(
        "isBase64Encoded".into(),
        json!(!text && !req.body.is_empty()),
    );
    Value::Object(e)
}

fn push(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::Array(values)) => values.push(Value::String(value.to_string())),
        _ => {
            map.insert(name.to_string(), json!([value]));
        }
    }
}

/// The HTTP response a function's 1.0 result describes: `statusCode` (a number, or a string of
/// one), `headers`, `multiValueHeaders`, `body` (a string, base64 when `isBase64Encoded`).
/// `header_strings_only`: header values must be strings (ALB's rule); elsewhere numbers and
/// booleans are written as text.
pub fn response(payload: &[u8], header_strings_only: bool) -> Result<HttpResponse, Malformed> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| Malformed(format!("the function's result is not JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| Malformed("the function's result is not an object".into()))?;
    let status = match obj.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| (100..=599).contains(s))
    .ok_or_else(|| Malformed("statusCode is missing or not an HTTP status".into()))?;
    let text = |name: &str, v: &Value| -> Result<String, Malformed> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) if !header_strings_only => Ok(n.to_string()),
            Value::Bool(b) if !header_strings_only => Ok(b.to_string()),
            _ => Err(Malformed(format!(
                "header {name} has a value of the wrong type"
            ))),
        }
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, v) in h {
                headers.push((name.clone(), text(name, v)?));
            }
        }
        Some(_) => return Err(Malformed("headers is not an object".into())),
    }
    match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, values) in h {
                let values = values
                    .as_array()
                    .ok_or_else(|| Malformed(format!("multiValueHeaders {name} is not a list")))?;
                // A name in both maps is sent with the multi-value values.
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                for v in values {
                    headers.push((name.clone(), text(name, v)?));
                }
            }
        }
        Some(_) => return Err(Malformed("multiValueHeaders is not an object".into())),
    }
    let body = response_body(obj)?;
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_members_are_null_and_multi_values_kept() {
        let req = HttpRequest {
            method: "GET".into(),
            path: "/p".into(),
            query: "a=1&a=2".into(),
            headers: vec![("x".into(), "1".into()), ("x".into(), "2".into())],
            ..HttpRequest::default()
        };
        let e = event(
            &req,
            &EventContext {
                resource: "/p".into(),
                ..EventContext::default()
            },
        );
        assert_eq!(e["queryStringParameters"], json!({"a": "2"}));
        assert_eq!(
            e["multiValueQueryStringParameters"],
            json!({"a": ["1", "2"]})
        );
        assert_eq!(
            (
                e["headers"]["x"].clone(),
                e["multiValueHeaders"]["x"].clone()
            ),
            (json!("2"), json!(["1", "2"]))
        );
        assert_eq!(
            (
                e["pathParameters"].clone(),
                e["stageVariables"].clone(),
                e["body"].clone()
            ),
            (Value::Null, Value::Null, Value::Null)
        );
        assert!(e.get("version").is_none());
    }

    #[test]
    fn responses() {
        let r = response(br#"{"statusCode": "201", "multiValueHeaders": {"set-cookie": ["a", "b"]}, "body": "x"}"#, false)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.status, 201);
        assert_eq!(
            r.headers.iter().filter(|(k, _)| k == "set-cookie").count(),
            2
        );
        assert!(response(br#"{"statusCode": 200, "headers": {"n": 1}}"#, true).is_err());
        assert!(response(br#"{"statusCode": 200, "headers": {"n": 1}}"#, false).is_ok());
        assert!(response(br#""just a string""#, false).is_err());
        assert!(response(br#"{"body": "no status"}"#, false).is_err());
    }
}
