//! Function URLs, served: `http://<url-id>.lambda-url.<region>.localhost:4566/...` (or
//! `http://127.0.0.1:4566/_aws/lambda-url/<url-id>/...`) becomes a payload-2.0 event, a
//! synchronous invocation of the URL's function and qualifier, and the HTTP response the result
//! stands for.

use std::sync::Arc;

use bytes::Bytes;
use nimbus_core::{ids, time::now_millis, RequestContext};
use nimbus_frontdoor::{cors::Cors, v2, BoxFuture, FrontDoor, HttpRequest, HttpResponse};

use crate::engine::Outcome;
use crate::generated::lambda as model;
use crate::invoke::{self, MAX_SYNC_PAYLOAD};
use crate::service::Lambda;
use crate::storage;

mod streaming;

const PATH_PREFIX: &str = "/_aws/lambda-url/";

pub struct FunctionUrls {
    lambda: Arc<Lambda>,
}

impl FunctionUrls {
    pub fn new(lambda: Arc<Lambda>) -> FunctionUrls {
        FunctionUrls { lambda }
    }
}

/// `<url-id>.lambda-url.<region>.<anything>` → (url id, region).
fn from_host(host: &str) -> Option<(&str, &str)> {
    let mut labels = host.split('.');
    let id = labels.next()?;
    (labels.next()? == "lambda-url").then_some(())?;
    Some((id, labels.next()?))
}

/// `/_aws/lambda-url/<url-id>/rest` → (url id, `/rest`).
fn from_path(path: &str) -> Option<(&str, &str)> {
    nimbus_frontdoor::split_prefixed(path, PATH_PREFIX)
}

impl FrontDoor for FunctionUrls {
    fn claims(&self, host: &str, path: &str) -> bool {
        from_host(host).is_some() || path.starts_with(PATH_PREFIX)
    }

    fn handle(&self, request: HttpRequest) -> BoxFuture<'_, HttpResponse> {
        Box::pin(async move {
            let request_id = ids::uuid_v4();
            let mut resp = self.serve(request, &request_id).await;
            resp.headers.push(("x-amzn-requestid".into(), request_id));
            resp
        })
    }
}

/// What a function URL answers when the function fails or its result is not a response.
fn bad_gateway() -> HttpResponse {
    HttpResponse::new(502, "text/plain; charset=utf-8", "Internal Server Error")
}

fn cors_of(c: &model::Cors) -> Cors {
    Cors {
        allow_origins: c.allow_origins.clone().unwrap_or_default(),
        allow_methods: c.allow_methods.clone().unwrap_or_default(),
        allow_headers: c.allow_headers.clone().unwrap_or_default(),
        expose_headers: c.expose_headers.clone().unwrap_or_default(),
        max_age: c.max_age.map(i64::from),
        allow_credentials: c.allow_credentials.unwrap_or(false),
    }
}

impl FunctionUrls {
    async fn serve(&self, req: HttpRequest, request_id: &str) -> HttpResponse {
        let host = req.host().to_string();
        let (url_id, raw_path) = match (from_host(&host), from_path(&req.path)) {
            (Some((id, _)), _) => (id.to_string(), req.path.clone()),
            (None, Some((id, rest))) => (id.to_string(), rest.to_string()),
            (None, None) => return HttpResponse::message(404, "Not Found"),
        };
        let found = self.lambda.store.read(|r| {
            let Some(t) = storage::url_target(r, &url_id)? else {
                return Ok(None);
            };
            let scope = storage::scope_of(&t.account, &t.region);
            Ok::<_, nimbus_protocol::AwsError>(
                storage::get_url(r, &scope, &t.function, &t.qualifier)?.map(|u| (t, u)),
            )
        });
        let (target, url) = match found {
            Ok(Some(found)) => found,
            Ok(None) => return HttpResponse::message(404, "Not Found"),
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot read a function URL");
                return bad_gateway();
            }
        };
        let cors = url.config.cors.as_ref().map(cors_of);
        if let Some(preflight) = cors.as_ref().and_then(|c| c.preflight(&req, 200)) {
            return preflight;
        }
        let authorizer = if url.config.auth_type == "AWS_IAM" {
            match iam_caller(&req) {
                Some(a) => Some(a),
                None => return forbidden(),
            }
        } else {
            None
        };
        let domain = format!("{url_id}.lambda-url.{}.localhost", target.region);
        let context = v2::EventContext {
            account_id: target.account.clone(),
            api_id: url_id.clone(),
            domain_name: domain,
            domain_prefix: url_id.clone(),
            route_key: "$default".into(),
            stage: "$default".into(),
            request_id: request_id.to_string(),
            raw_path,
            time_ms: now_millis(),
            authorizer,
            function_url: true,
            ..v2::EventContext::default()
        };
        let event = v2::event(&req, &context).to_string();
        if event.len() > MAX_SYNC_PAYLOAD {
            return HttpResponse::message(413, "Request Entity Too Large");
        }
        let ctx = RequestContext::internal(&target.account, &target.region);
        let event = Bytes::from(event);
        let streams = url.config.invoke_mode.as_deref() == Some("RESPONSE_STREAM");
        let outcome = match invoke::target(
            &self.lambda,
            &ctx,
            &target.function,
            Some(&target.qualifier),
        ) {
            Ok(t) if streams => streaming::invoke(&self.lambda, &ctx, &t, request_id, event).await,
            Ok(t) => invoke::run(&self.lambda, &ctx, &t, request_id, event, None, false)
                .await
                .map(|(outcome, _)| match outcome {
                    Outcome::Response(payload) => v2::response(&payload).unwrap_or_else(|why| {
                        tracing::warn!(function = %target.function, reason = %why.0, "a function URL's result is not an HTTP response");
                        bad_gateway()
                    }),
                    Outcome::Error(_) => bad_gateway(),
                }),
            Err(e) => Err(e),
        };
        let mut resp = match outcome {
            Ok(resp) => resp,
            Err(e) if e.code == "TooManyRequestsException" => {
                HttpResponse::message(429, "Rate Exceeded.")
            }
            Err(e) => {
                tracing::warn!(function = %target.function, error = %e.message, "a function URL cannot invoke its function");
                bad_gateway()
            }
        };
        if let Some(c) = &cors {
            c.decorate(&req, &mut resp);
        }
        resp
    }
}

/// `{"Message": "Forbidden"}`: an AWS_IAM URL called without a signature.
fn forbidden() -> HttpResponse {
    HttpResponse::new(403, "application/json", r#"{"Message":"Forbidden"}"#)
}

/// The caller of an AWS_IAM URL, from its SigV4 signature (parsed, not verified: nimbus does not
/// enforce IAM yet), as `requestContext.authorizer`.
fn iam_caller(req: &HttpRequest) -> Option<serde_json::Value> {
    let auth = req.header("authorization")?;
    let cred = nimbus_protocol::sigv4::parse_authorization(auth)?;
    let account = nimbus_core::context::account_for_access_key(&cred.access_key_id);
    Some(serde_json::json!({
        "iam": {
            "accessKey": cred.access_key_id,
            "accountId": account,
            "callerId": cred.access_key_id,
            "cognitoIdentity": null,
            "principalOrgId": null,
            "userArn": nimbus_core::Arn::iam_root(&account).to_string(),
            "userId": cred.access_key_id,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            from_host("abc.lambda-url.us-east-1.localhost"),
            Some(("abc", "us-east-1"))
        );
        assert_eq!(from_host("abc.execute-api.localhost"), None);
        assert_eq!(from_path("/_aws/lambda-url/abc/x/y"), Some(("abc", "/x/y")));
        assert_eq!(from_path("/_aws/lambda-url/abc"), Some(("abc", "/")));
    }
}
