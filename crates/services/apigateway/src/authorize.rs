//! Authorizers of HTTP API routes: Lambda REQUEST authorizers (the event they get, and how
//! their answer — a simple `isAuthorized` or an IAM policy — is read), and JWT authorizers.
//!
//! JWT authorizers check the token's issuer, audience and expiry against the configuration but
//! not its signature: like SigV4 elsewhere in nimbus, signatures are not verified.

use base64::Engine as _;
use nimbus_frontdoor::{glob, v1, v2, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::generated::apigatewayv2::Authorizer;
use crate::http_api::as_v1;

fn unauthorized() -> HttpResponse {
    HttpResponse::message(401, "Unauthorized")
}

fn forbidden() -> HttpResponse {
    HttpResponse::message(403, "Forbidden")
}

/// The refusal a cached authorizer answer stands for, by its status.
pub(crate) fn refusal(status: u16) -> HttpResponse {
    match status {
        401 => unauthorized(),
        _ => forbidden(),
    }
}

/// The values of the authorizer's identity sources (`$request.header.X`,
/// `$request.querystring.x`, `$stageVariables.x`); a missing one is a 401.
pub fn identity(
    a: &Authorizer,
    req: &HttpRequest,
    context: &v2::EventContext,
) -> Result<Vec<String>, HttpResponse> {
    let mut out = Vec::new();
    for source in a.identity_source.iter().flatten() {
        let value = if let Some(h) = source.strip_prefix("$request.header.") {
            req.header(&h.to_ascii_lowercase()).map(str::to_string)
        } else if let Some(q) = source.strip_prefix("$request.querystring.") {
            v2::query_parameters(&req.query)
                .get(q)
                .and_then(|v| v.as_str().map(str::to_string))
        } else if let Some(s) = source.strip_prefix("$stageVariables.") {
            context
                .stage_variables
                .as_ref()
                .and_then(|v| v.get(s))
                .and_then(|v| v.as_str().map(str::to_string))
        } else {
            Some(String::new())
        };
        match value {
            Some(v) if !v.is_empty() || !source.starts_with("$request.") => out.push(v),
            _ => return Err(unauthorized()),
        }
    }
    Ok(out)
}

/// The event a REQUEST authorizer gets, in its payload format.
pub fn event(
    a: &Authorizer,
    req: &HttpRequest,
    context: &v2::EventContext,
    route_arn: &str,
    identity: &[String],
) -> Value {
    if a.authorizer_payload_format_version.as_deref() == Some("1.0") {
        let mut e = v1::event(req, &as_v1(context));
        if let Some(obj) = e.as_object_mut() {
            obj.insert("type".into(), json!("REQUEST"));
            obj.insert("methodArn".into(), json!(route_arn));
            obj.insert("identitySource".into(), json!(identity.join(",")));
            obj.remove("body");
            obj.remove("isBase64Encoded");
        }
        e
    } else {
        let mut e = v2::event(req, context);
        if let Some(obj) = e.as_object_mut() {
            obj.insert("type".into(), json!("REQUEST"));
            obj.insert("routeArn".into(), json!(route_arn));
            obj.insert("identitySource".into(), json!(identity));
            obj.remove("body");
            obj.remove("isBase64Encoded");
        }
        e
    }
}

/// Reads the authorizer's answer: with simple responses `{"isAuthorized": …, "context": …}`,
/// otherwise an IAM policy whose statements must allow (and not deny) `execute-api:Invoke` on
/// the route. Allowed: `{"lambda": context}` for the integration's `requestContext.authorizer`.
pub fn decide(a: &Authorizer, payload: &[u8], route_arn: &str) -> Result<Value, HttpResponse> {
    let internal = || HttpResponse::message(500, "Internal Server Error");
    let answer: Value = serde_json::from_slice(payload).map_err(|_| internal())?;
    let context = answer.get("context").cloned().unwrap_or(Value::Null);
    let allowed = if a.enable_simple_responses == Some(true) {
        answer
            .get("isAuthorized")
            .and_then(Value::as_bool)
            .ok_or_else(internal)?
    } else {
        policy_decision(&answer, route_arn).ok_or_else(internal)? == Decision::Allow
    };
    if allowed {
        Ok(json!({ "lambda": context }))
    } else {
        Err(forbidden())
    }
}

/// What an authorizer's IAM policy says about one `execute-api:Invoke` ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A statement denies it.
    ExplicitDeny,
    /// No statement allows it.
    NotAllowed,
}

/// Evaluates `answer.policyDocument` for `arn`; None when the answer has no policy.
pub fn policy_decision(answer: &Value, arn: &str) -> Option<Decision> {
    let statements = match answer.pointer("/policyDocument/Statement") {
        Some(Value::Array(s)) => s.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return None,
    };
    let applies = |s: &Value| {
        let listed = |field: &str, want: &str| match s.get(field) {
            Some(Value::String(p)) => glob(p, want),
            Some(Value::Array(ps)) => ps.iter().filter_map(Value::as_str).any(|p| glob(p, want)),
            _ => false,
        };
        listed("Action", "execute-api:Invoke") && listed("Resource", arn)
    };
    let effect = |s: &Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    Some(
        if statements.iter().any(|s| effect(s, "Deny") && applies(s)) {
            Decision::ExplicitDeny
        } else if statements.iter().any(|s| effect(s, "Allow") && applies(s)) {
            Decision::Allow
        } else {
            Decision::NotAllowed
        },
    )
}

/// A JWT authorizer: the bearer token from the identity source, its claims checked against
/// the issuer and audiences configured and its `exp`. Answers the token, whose signature the
/// caller checks against the issuer's keys, and the claims and scopes that go to the
/// integration as `requestContext.authorizer.jwt`.
pub fn jwt(a: &Authorizer, req: &HttpRequest) -> Result<(String, Value), HttpResponse> {
    let source = a
        .identity_source
        .as_ref()
        .and_then(|s| s.first())
        .map(String::as_str)
        .unwrap_or("$request.header.Authorization");
    let header = source
        .strip_prefix("$request.header.")
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| "authorization".into());
    let raw = req.header(&header).ok_or_else(unauthorized)?;
    let token = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
    let payload = token.split('.').nth(1).ok_or_else(unauthorized)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| unauthorized())?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| unauthorized())?;
    let config = a.jwt_configuration.as_ref();
    if let Some(issuer) = config.and_then(|c| c.issuer.as_deref()) {
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(unauthorized());
        }
    }
    if let Some(audiences) = config
        .and_then(|c| c.audience.as_ref())
        .filter(|a| !a.is_empty())
    {
        let token_aud: Vec<&str> = match claims.get("aud").or_else(|| claims.get("client_id")) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(v)) => v.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audiences.iter().any(|a| token_aud.contains(&a.as_str())) {
            return Err(unauthorized());
        }
    }
    if let Some(exp) = claims.get("exp").and_then(Value::as_i64) {
        if exp * 1000 < nimbus_core::time::now_millis() {
            return Err(unauthorized());
        }
    }
    let scopes = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| json!(s.split(' ').collect::<Vec<_>>()))
        .unwrap_or(Value::Null);
    let claims_text: serde_json::Map<String, Value> = claims
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), Value::String(text))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((
        token.to_string(),
        json!({ "jwt": { "claims": claims_text, "scopes": scopes } }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(
            "arn:aws:execute-api:*:*:abc/*",
            "arn:aws:execute-api:us-east-1:1:abc/$default/GET/x"
        ));
        assert!(!glob(
            "arn:aws:execute-api:*:*:abc/prod/*",
            "arn:aws:execute-api:us-east-1:1:abc/$default/GET/x"
        ));
        assert!(glob("*", "anything") && glob("a?c", "abc") && !glob("a?c", "ac"));
    }
}
