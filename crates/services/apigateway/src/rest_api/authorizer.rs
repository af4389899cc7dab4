//! Lambda authorizers of REST APIs. TOKEN authorizers get the token from one header, checked
//! by the identity validation expression; REQUEST authorizers get the whole request. The
//! function's IAM policy must allow `execute-api:Invoke` on the method's ARN; its answer is
//! cached by identity for the authorizer's TTL and re-evaluated for each method, as AWS does.

use std::time::{Duration, Instant};

use bytes::Bytes;
use nimbus_core::Arn;
use nimbus_lambda::engine::Outcome as Invoked;
use serde_json::{json, Map, Value};

use super::call::Call;
use super::errors::{self, GatewayError};
use super::mapping::full_match;
use super::{Deployed, RestApis};
use crate::authorize::{policy_decision, Decision};
use crate::generated::apigateway::Authorizer;
use crate::v1::integrations::lambda_function;

/// The function's answer, or the refusal it amounted to.
pub type Outcome = Result<Value, GatewayError>;

fn pairs(list: &[(String, String)]) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in list {
        single.insert(k.clone(), json!(v));
        match multi.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    let or_null = |m: Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    (or_null(single), or_null(multi))
}

impl RestApis {
    /// `requestContext.authorizer` for the integration (`principalId` and the answer's
    /// context), or the gateway's refusal.
    pub(super) async fn authorize(
        &self,
        d: &Deployed,
        a: &Authorizer,
        call: &Call<'_>,
    ) -> Result<Value, GatewayError> {
        let stage = d.stage.stage_name.clone().unwrap_or_default();
        let full_path = call.context["path"].as_str().unwrap_or_default();
        let path = full_path
            .strip_prefix(&format!("/{stage}"))
            .unwrap_or(full_path);
        let arn = Arn::execute_api(
            &d.owner.region,
            &d.owner.account,
            d.api.id(),
            &stage,
            &call.req.method,
            if path.is_empty() { "/" } else { path },
        )
        .to_string();
        let token = a.r#type.as_deref() == Some("TOKEN");
        let sources: Vec<&str> = a
            .identity_source
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let identity: Vec<String> = sources.iter().filter_map(|s| call.source(s)).collect();
        let ttl = a.authorizer_result_ttl_in_seconds.unwrap_or(300).max(0) as u64;
        let incomplete = identity.len() < sources.len() || identity.iter().any(String::is_empty);
        if (token || ttl > 0) && incomplete {
            return Err(errors::UNAUTHORIZED);
        }
        if token {
            if let Some(expr) = a
                .identity_validation_expression
                .as_deref()
                .filter(|e| !e.is_empty())
            {
                if !identity.first().is_some_and(|t| full_match(expr, t)) {
                    return Err(errors::UNAUTHORIZED);
                }
            }
        }
        let key = (a.id.clone().unwrap_or_default(), identity.join(","));
        let cached = (ttl > 0).then(|| {
            let cache = self.authorized.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .get(&key)
                .filter(|(until, _)| Instant::now() < *until)
                .map(|(_, o)| o.clone())
        });
        let answer = match cached.flatten() {
            Some(o) => o,
            None => {
                let o = self.ask(d, a, call, &arn, token, &identity).await;
                let cacheable = !matches!(&o, Err(e) if e.status >= 500);
                if ttl > 0 && cacheable {
                    let until = Instant::now() + Duration::from_secs(ttl);
                    let mut cache = self.authorized.lock().unwrap_or_else(|p| p.into_inner());
                    cache.insert(key, (until, o.clone()));
                }
                o
            }
        }?;
        match policy_decision(&answer, &arn) {
            None => Err(errors::AUTHORIZER_FAILURE),
            Some(Decision::ExplicitDeny) => Err(errors::EXPLICIT_DENY),
            Some(Decision::NotAllowed) => Err(errors::NOT_ALLOWED),
            Some(Decision::Allow) => {
                let mut out = Map::new();
                if let Some(Value::Object(c)) = answer.get("context") {
                    out.extend(c.clone());
                }
                out.insert("principalId".into(), answer["principalId"].clone());
                Ok(Value::Object(out))
            }
        }
    }

    /// Invokes the authorizer's function.
    async fn ask(
        &self,
        d: &Deployed,
        a: &Authorizer,
        call: &Call<'_>,
        arn: &str,
        token: bool,
        identity: &[String],
    ) -> Outcome {
        let event = if token {
            json!({
                "type": "TOKEN",
                "authorizationToken": identity.first(),
                "methodArn": arn,
            })
        } else {
            let (headers, multi_headers) = pairs(&call.headers);
            let (query, multi_query) = pairs(&call.query);
            let path_params: Map<String, Value> = call
                .path_params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let variables: Map<String, Value> = call
                .stage_variables
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let stage = d.stage.stage_name.clone().unwrap_or_default();
            let full_path = call.context["path"].as_str().unwrap_or_default();
            json!({
                "type": "REQUEST",
                "methodArn": arn,
                "resource": call.context["resourcePath"],
                "path": full_path.strip_prefix(&format!("/{stage}")).unwrap_or(full_path),
                "httpMethod": call.req.method,
                "headers": headers,
                "multiValueHeaders": multi_headers,
                "queryStringParameters": query,
                "multiValueQueryStringParameters": multi_query,
                "pathParameters": path_params,
                "stageVariables": variables,
                "requestContext": call.context,
            })
        };
        let function = lambda_function(a.authorizer_uri.as_deref().unwrap_or_default())
            .ok_or(errors::AUTHORIZER_FAILURE)?;
        let request_id = call.context["requestId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let invoked = self
            .invoke(
                &d.owner,
                function,
                &request_id,
                Bytes::from(event.to_string()),
                Duration::from_secs(10),
            )
            .await
            .map_err(|_| errors::AUTHORIZER_FAILURE)?;
        match invoked {
            Invoked::Response(payload) => {
                let answer: Value =
                    serde_json::from_slice(&payload).map_err(|_| errors::AUTHORIZER_FAILURE)?;
                if answer.get("principalId").is_none_or(Value::is_null) {
                    tracing::warn!(%function, "an authorizer's answer has no principalId");
                    return Err(errors::AUTHORIZER_FAILURE);
                }
                Ok(answer)
            }
            // `throw new Error("Unauthorized")` is how an authorizer answers 401.
            Invoked::Error(payload) => {
                let message = serde_json::from_slice::<Value>(&payload)
                    .ok()
                    .and_then(|v| {
                        v.get("errorMessage")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    });
                if message.as_deref() == Some("Unauthorized") {
                    Err(errors::UNAUTHORIZED)
                } else {
                    Err(errors::AUTHORIZER_FAILURE)
                }
            }
        }
    }
}
