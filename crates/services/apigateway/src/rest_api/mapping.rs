//! Non-proxy integrations: the request template that makes the integration's request, the
//! integration response chosen by selection pattern, and the response template and parameter
//! mappings that make the method's response.

use std::collections::BTreeMap;

use bytes::Bytes;
use nimbus_frontdoor::HttpResponse;
use serde_json::Value;

use super::call::Call;
use super::errors::{self, GatewayError};
use crate::generated::apigateway::{Integration, IntegrationResponse};

/// The request's media type (`application/json` when it has none), lower-case, without
/// parameters: what picks a request template.
pub fn media_type(call: &Call) -> String {
    call.header("content-type")
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .filter(|ct| !ct.is_empty())
        .unwrap_or_else(|| "application/json".into())
}

/// The integration request's body: the request template for the request's media type, or the
/// request's own body as passthroughBehavior allows.
pub fn request_body(integration: &Integration, call: &Call) -> Result<String, GatewayError> {
    let raw = String::from_utf8_lossy(&call.req.body).into_owned();
    let templates = integration.request_templates.clone().unwrap_or_default();
    let media = media_type(call);
    let template = templates
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&media))
        .map(|(_, v)| v);
    let passthrough = integration
        .passthrough_behavior
        .as_deref()
        .unwrap_or("WHEN_NO_MATCH");
    match template {
        Some(t) if t.is_empty() => Ok(raw),
        Some(t) => call.render(t, raw, None).map(|r| r.output).map_err(|why| {
            tracing::warn!(%why, "a request mapping template cannot be rendered");
            errors::CONFIGURATION_ERROR
        }),
        None => match passthrough {
            "WHEN_NO_MATCH" => Ok(raw),
            "WHEN_NO_TEMPLATES" if templates.is_empty() => Ok(raw),
            _ => Err(errors::UNSUPPORTED_MEDIA_TYPE),
        },
    }
}

/// The integration request's headers, query string and path parameters from
/// `integration.request.<where>.<name>` mappings.
#[derive(Debug, Default)]
pub struct Mapped {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path: BTreeMap<String, String>,
}

pub fn request_parameters(integration: &Integration, call: &Call) -> Mapped {
    let mut out = Mapped::default();
    for (target, source) in integration.request_parameters.iter().flatten() {
        let Some(value) = call.source(source) else {
            continue;
        };
        if let Some(name) = target.strip_prefix("integration.request.header.") {
            out.headers.push((name.to_string(), value));
        } else if let Some(name) = target.strip_prefix("integration.request.querystring.") {
            out.query.push((name.to_string(), value));
        } else if let Some(name) = target.strip_prefix("integration.request.path.") {
            out.path.insert(name.to_string(), value);
        }
    }
    out
}

/// Whether `pattern` (a selection pattern, an identity validation expression) matches all of
/// `text`, as Java's `String.matches` does.
pub fn full_match(pattern: &str, text: &str) -> bool {
    regex_lite::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(text))
}

/// The integration response for `subject` (a Lambda function's errorMessage, an HTTP status):
/// the first whose selection pattern matches it whole, else the default one (no pattern).
pub fn select<'a>(
    responses: Option<&'a BTreeMap<String, IntegrationResponse>>,
    subject: Option<&str>,
) -> Option<&'a IntegrationResponse> {
    let responses = responses?;
    let pattern = |r: &IntegrationResponse| r.selection_pattern.clone().filter(|p| !p.is_empty());
    if let Some(subject) = subject {
        let matched = responses
            .values()
            .find(|r| pattern(r).is_some_and(|p| full_match(&p, subject)));
        if matched.is_some() {
            return matched;
        }
    }
    responses.values().find(|r| pattern(r).is_none())
}

/// `integration.response.body.a.b` and friends, against the integration's response.
fn response_source(
    expr: &str,
    call: &Call,
    body: &str,
    upstream: &[(String, String)],
) -> Option<String> {
    if let Some(name) = expr.strip_prefix("integration.response.header.") {
        return upstream
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone());
    }
    if expr == "integration.response.body" {
        return Some(body.to_string());
    }
    if let Some(path) = expr.strip_prefix("integration.response.body.") {
        let doc: Value = serde_json::from_str(body).ok()?;
        let mut node = &doc;
        for part in path.split('.') {
            node = node.get(part)?;
        }
        return Some(match node {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    call.source(expr)
}

/// The method response made by `chosen` from the integration's `body` and headers.
pub fn respond(
    chosen: &IntegrationResponse,
    call: &Call,
    body: Bytes,
    upstream: &[(String, String)],
) -> Result<HttpResponse, GatewayError> {
    let mut status: u16 = chosen
        .status_code
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let text = String::from_utf8_lossy(&body).into_owned();
    let templates = chosen.response_templates.clone().unwrap_or_default();
    let template = templates
        .get_key_value("application/json")
        .or_else(|| templates.iter().next());
    let mut headers = Vec::new();
    let (content_type, out) = match template {
        Some((ct, t)) if !t.is_empty() => {
            let rendered = call.render(t, text.clone(), None).map_err(|why| {
                tracing::warn!(%why, "a response mapping template cannot be rendered");
                errors::CONFIGURATION_ERROR
            })?;
            if let Some(s) = rendered.status_override {
                status = s;
            }
            headers.extend(rendered.header_overrides);
            (ct.clone(), Bytes::from(rendered.output))
        }
        Some((ct, _)) => (ct.clone(), body),
        None => ("application/json".to_string(), body),
    };
    for (target, source) in chosen.response_parameters.iter().flatten() {
        let Some(name) = target.strip_prefix("method.response.header.") else {
            continue;
        };
        if let Some(v) = response_source(source, call, &text, upstream) {
            headers.retain(|(k, _): &(String, String)| !k.eq_ignore_ascii_case(name));
            headers.push((name.to_string(), v));
        }
    }
    let mut resp = HttpResponse::new(status, &content_type, out);
    for (k, v) in headers {
        resp.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
        resp.headers.push((k, v));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(status: &str, pattern: Option<&str>) -> IntegrationResponse {
        IntegrationResponse {
            status_code: Some(status.into()),
            selection_pattern: pattern.map(str::to_string),
            ..IntegrationResponse::default()
        }
    }

    #[test]
    fn selection_patterns_match_whole() {
        let all = BTreeMap::from([
            ("200".to_string(), ir("200", None)),
            ("400".to_string(), ir("400", Some(".*Bad Request.*"))),
            ("404".to_string(), ir("404", Some("Not found"))),
        ]);
        let pick = |s: Option<&str>| select(Some(&all), s).and_then(|r| r.status_code.clone());
        assert_eq!(pick(None).as_deref(), Some("200"));
        assert_eq!(pick(Some("[Bad Request] no name")).as_deref(), Some("400"));
        assert_eq!(pick(Some("Not found")).as_deref(), Some("404"));
        assert_eq!(pick(Some("Not found here")).as_deref(), Some("200"));
        assert!(select(None, None).is_none());
    }
}
