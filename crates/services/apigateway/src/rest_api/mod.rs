//! REST APIs, served: `http://<api-id>.execute-api.localhost:4566/<stage>/<path>`,
//! `http://127.0.0.1:4566/restapis/<api-id>/<stage>/_user_request_/<path>` (LocalStack's form)
//! or `http://127.0.0.1:4566/_aws/execute-api/<api-id>/<stage>/<path>`.
//!
//! A stage serves its deployment's snapshot of the API. The most specific resource and its
//! method (else ANY) take the request; AWS_IAM, API-key and Lambda-authorizer checks come
//! first; then the integration: Lambda proxy (the 1.0 event), Lambda or HTTP with mapping
//! templates, MOCK, HTTP proxy. The gateway's own errors are its gateway responses.
//!
//! - `call.rs`: the request as templates and parameter mappings read it.
//! - `select.rs`: addresses, resource and method matching.
//! - `mapping.rs`: request/response templates, parameter mappings, selection patterns.
//! - `errors.rs`: gateway responses.
//! - `authorizer.rs`: TOKEN and REQUEST Lambda authorizers.

mod authorizer;
mod call;
mod errors;
mod mapping;
mod schema;
mod select;
mod validate;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use nimbus_core::time::{now_millis, Civil};
use nimbus_core::{ids, RequestContext};
use nimbus_frontdoor::{v1, v2::percent_decode, BoxFuture, FrontDoor, HttpRequest, HttpResponse};
use nimbus_lambda::engine::Outcome;
use nimbus_lambda::{invoke, Lambda};
use nimbus_store::Store;
use serde_json::{json, Map, Value};

use crate::generated::apigateway::{Integration, Method, Stage};
use crate::rest_storage::{self, RestApiRecord};
use crate::service_v1::RestApiIds;
use crate::storage::{self, ApiOwner};
use crate::throttle::{Buckets, Quotas};
use crate::v1::integrations::lambda_function;
use call::{title_case, Call};
use errors::GatewayError;

/// REST APIs take request bodies of up to 10 MB.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub struct RestApis {
    store: Store,
    lambda: Arc<Lambda>,
    ids: RestApiIds,
    /// Lambda authorizers' answers, by (authorizer, identity), until they expire.
    authorized: Mutex<HashMap<(String, String), (Instant, authorizer::Outcome)>>,
    /// Stage and usage-plan throttling.
    buckets: Buckets,
    quotas: Quotas,
}

impl RestApis {
    /// `ids`: the REST API ids, as `ApiGateway::ids` keeps them.
    pub fn new(store: Store, lambda: Arc<Lambda>, ids: RestApiIds) -> RestApis {
        RestApis {
            store,
            lambda,
            ids,
            authorized: Mutex::default(),
            buckets: Buckets::default(),
            quotas: Quotas::default(),
        }
    }

    fn known(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// Where a request is addressed: (api id, stage, path within the stage, whether by the
/// execute-api host name).
fn address(req: &HttpRequest) -> Option<(String, String, String)> {
    if let Some((id, stage, path)) = select::user_request(&req.path) {
        return Some((id.into(), stage.into(), path.into()));
    }
    let (id, rest) = match crate::http_api::from_host(req.host()) {
        Some(id) => (id, req.path.as_str()),
        None => crate::http_api::from_path(&req.path)?,
    };
    let (stage, path) = select::stage_and_path(rest)?;
    Some((id.into(), stage.into(), path.into()))
}

impl FrontDoor for RestApis {
    fn claims(&self, host: &str, path: &str) -> bool {
        if select::user_request(path).is_some() {
            return true;
        }
        let id = crate::http_api::from_host(host)
            .or_else(|| crate::http_api::from_path(path).map(|(id, _)| id));
        id.is_some_and(|id| self.known(id))
    }

    fn handle(&self, request: HttpRequest) -> BoxFuture<'_, HttpResponse> {
        Box::pin(async move {
            let request_id = ids::uuid_v4();
            let mut resp = self.serve(request, &request_id).await;
            resp.headers.push(("x-amzn-RequestId".into(), request_id));
            resp
        })
    }
}

/// A stage and the deployed API it serves.
struct Deployed {
    owner: ApiOwner,
    stage: Stage,
    api: RestApiRecord,
}

impl RestApis {
    fn deployed(&self, api_id: &str, stage: &str) -> Option<Deployed> {
        let read = self.store.read(|r| {
            let Some(owner) = storage::api_owner(r, api_id)? else {
                return Ok(None);
            };
            let Some(stage) = rest_storage::get_stage(r, &owner, api_id, stage)? else {
                return Ok(None);
            };
            let id = stage.deployment_id.clone().unwrap_or_default();
            let d = rest_storage::get_deployment(r, &owner, api_id, &id)?;
            Ok::<_, nimbus_protocol::AwsError>(d.map(|d| Deployed {
                owner,
                stage,
                api: d.api,
            }))
        });
        read.unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, "cannot read a REST API");
            None
        })
    }

    async fn serve(&self, req: HttpRequest, request_id: &str) -> HttpResponse {
        let Some((api_id, stage_name, path)) = address(&req) else {
            return errors::plain(&errors::FORBIDDEN);
        };
        let Some(deployed) = self.deployed(&api_id, &stage_name) else {
            return errors::plain(&errors::FORBIDDEN);
        };
        let via_host = crate::http_api::from_host(req.host()).is_some();
        if via_host && deployed.api.api.disable_execute_api_endpoint == Some(true) {
            return errors::plain(&errors::FORBIDDEN);
        }
        let decoded = percent_decode(&path);
        let matched = select::resource(&deployed.api.resources, &decoded);
        let resource = matched.as_ref().map(|(r, _)| *r);
        let path_params = matched.as_ref().map(|(_, p)| p.clone()).unwrap_or_default();
        let method = resource.and_then(|r| select::method(r, &req.method));
        let mut call = self.call(&req, &deployed, request_id, &path, path_params);
        if let (Some(r), Value::Object(c)) = (resource, &mut call.context) {
            c.insert("resourceId".into(), json!(r.id));
            c.insert("resourcePath".into(), json!(r.path));
        }
        let started = now_millis();
        let resp = self.run(&deployed, resource, method, &mut call).await;
        self.log_access(&deployed, &call, &resp, started);
        resp
    }

    /// The method's checks and integration.
    async fn run(
        &self,
        deployed: &Deployed,
        resource: Option<&crate::generated::apigateway::Resource>,
        method: Option<&Method>,
        call: &mut Call<'_>,
    ) -> HttpResponse {
        let req = call.req;
        let api_id = deployed.api.id();
        let responses = &deployed.api.gateway_responses;
        let Some(method) = method else {
            return errors::respond(responses, &errors::MISSING_AUTHENTICATION_TOKEN, call);
        };
        if req.body.len() > MAX_PAYLOAD {
            return errors::respond(responses, &errors::REQUEST_TOO_LARGE, call);
        }
        let resource_path = resource.and_then(|r| r.path.as_deref()).unwrap_or("/");
        if !self.within_stage_limits(deployed, resource_path, &req.method) {
            return errors::respond(responses, &errors::THROTTLED, call);
        }
        if let Err(e) = self.admit(deployed, method, call).await {
            return errors::respond(responses, &e, call);
        }
        if let Err(e) = validate::check(&deployed.api, method, call) {
            return errors::respond(responses, &e, call);
        }
        let call = &*call;
        let Some(integration) = method.method_integration.as_ref() else {
            tracing::warn!(api = %api_id, "the method has no integration");
            return errors::respond(responses, &errors::CONFIGURATION_ERROR, call);
        };
        let resource = resource.cloned().unwrap_or_default();
        let outcome = match integration.r#type.as_deref().unwrap_or_default() {
            "AWS_PROXY" => {
                self.lambda_proxy(deployed, integration, call, &resource)
                    .await
            }
            "AWS" => self.lambda(deployed, integration, call).await,
            "MOCK" => mock(integration, call),
            "HTTP" => http(integration, call).await,
            "HTTP_PROXY" => http_proxy(integration, call).await,
            other => {
                tracing::warn!(api = %api_id, kind = other, "an integration type nimbus does not run");
                Err(errors::CONFIGURATION_ERROR)
            }
        };
        outcome.unwrap_or_else(|e| errors::respond(responses, &e, call))
    }

    /// The stage's access log line, with the `$context` of the request and its response.
    fn log_access(&self, d: &Deployed, call: &Call, resp: &HttpResponse, started: i64) {
        let Some(settings) = &d.stage.access_log_settings else {
            return;
        };
        let (Some(destination), Some(format)) = (&settings.destination_arn, &settings.format)
        else {
            return;
        };
        let Some(group) = crate::access_log::group_of(destination) else {
            return;
        };
        let now = now_millis();
        let value = |name: &str| -> Option<String> {
            match name {
                "status" => return Some(resp.status.to_string()),
                "responseLength" => return Some(resp.body.len().to_string()),
                "responseLatency" | "integrationLatency" => {
                    return Some((now - started).to_string())
                }
                "ip" => return Some(call.req.source_ip.clone()),
                _ => {}
            }
            let mut node = &call.context;
            for part in name.split('.') {
                node = node.get(part)?;
            }
            match node {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }
        };
        let line = crate::access_log::substitute(format, value);
        let stream = format!(
            "{}_{}",
            d.api.id(),
            d.stage.stage_name.as_deref().unwrap_or_default()
        );
        crate::access_log::append(&self.store, &d.owner, group, stream, now, line);
    }

    fn call<'a>(
        &self,
        req: &'a HttpRequest,
        d: &Deployed,
        request_id: &str,
        path: &str,
        path_params: BTreeMap<String, String>,
    ) -> Call<'a> {
        let mut headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|(k, v)| (title_case(k), v.clone()))
            .collect();
        for (k, v) in nimbus_frontdoor::forwarding_headers(req) {
            let k = title_case(&k);
            headers.retain(|(h, _)| h != &k);
            headers.push((k, v));
        }
        let now = now_millis();
        let stage = d.stage.stage_name.clone().unwrap_or_default();
        let api_id = d.api.id().to_string();
        let domain = if crate::http_api::from_host(req.host()).is_some() {
            req.host().to_string()
        } else {
            format!("{api_id}.execute-api.localhost")
        };
        let context = json!({
            "accountId": d.owner.account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "extendedRequestId": request_id,
            "httpMethod": req.method,
            "identity": {
                "sourceIp": req.source_ip,
                "userAgent": req.header("user-agent"),
            },
            "path": format!("/{stage}{path}"),
            "protocol": req.protocol,
            "requestId": request_id,
            "requestTime": Civil::from_millis(now).access_log(),
            "requestTimeEpoch": now,
            "stage": stage,
        });
        Call {
            req,
            headers,
            query: call::decoded_query(&req.query),
            path_params,
            stage_variables: d.stage.variables.clone().unwrap_or_default(),
            context,
        }
    }

    /// The method's checks before its integration: AWS_IAM signatures, Lambda authorizers,
    /// API keys. What they learn (the caller, the authorizer's context) goes into `$context`.
    async fn admit(
        &self,
        d: &Deployed,
        method: &Method,
        call: &mut Call<'_>,
    ) -> Result<(), GatewayError> {
        match method.authorization_type.as_deref().unwrap_or("NONE") {
            "AWS_IAM" => {
                let auth = call.header("authorization").unwrap_or_default();
                let key = auth
                    .split("Credential=")
                    .nth(1)
                    .and_then(|c| c.split('/').next())
                    .filter(|_| auth.starts_with("AWS4-HMAC-SHA256"))
                    .ok_or(errors::MISSING_AUTHENTICATION_TOKEN)?
                    .to_string();
                let account = nimbus_core::context::account_for_access_key(&key);
                let arn = format!("arn:aws:iam::{account}:root");
                if let Some(identity) = call
                    .context
                    .get_mut("identity")
                    .and_then(Value::as_object_mut)
                {
                    identity.insert("accessKey".into(), json!(key));
                    identity.insert("accountId".into(), json!(account));
                    identity.insert("caller".into(), json!(account));
                    identity.insert("user".into(), json!(account));
                    identity.insert("userArn".into(), json!(arn));
                }
            }
            "CUSTOM" => {
                let id = method.authorizer_id.as_deref().unwrap_or_default();
                let a = d
                    .api
                    .authorizers
                    .iter()
                    .find(|a| a.id.as_deref() == Some(id))
                    .ok_or(errors::AUTHORIZER_FAILURE)?;
                let authorized = self.authorize(d, a, call).await?;
                if let Value::Object(c) = &mut call.context {
                    c.insert("authorizer".into(), authorized);
                }
            }
            _ => {}
        }
        if method.api_key_required == Some(true) {
            let (key_id, value) = self.api_key(d, call)?;
            if let Some(identity) = call
                .context
                .get_mut("identity")
                .and_then(Value::as_object_mut)
            {
                identity.insert("apiKey".into(), json!(value));
                identity.insert("apiKeyId".into(), json!(key_id));
            }
        }
        Ok(())
    }

    /// The stage's throttling for the method (its own method settings, else `*/*`).
    fn within_stage_limits(&self, d: &Deployed, resource_path: &str, http_method: &str) -> bool {
        let Some(settings) = d.stage.method_settings.as_ref() else {
            return true;
        };
        let own = format!("{}/{http_method}", resource_path.trim_start_matches('/'));
        let limited = |key: &str| {
            settings
                .get(key)
                .filter(|s| s.throttling_burst_limit.is_some() || s.throttling_rate_limit.is_some())
                .map(|s| (key.to_string(), s))
        };
        let Some((key, s)) = limited(&own).or_else(|| limited("*/*")) else {
            return true;
        };
        let burst = f64::from(s.throttling_burst_limit.unwrap_or(5000).max(0));
        let rate = s.throttling_rate_limit.unwrap_or(10_000.0).max(0.0);
        let stage = d.stage.stage_name.as_deref().unwrap_or_default();
        self.buckets.take(
            format!("stage\0{}\0{stage}\0{key}", d.api.id()),
            burst,
            rate,
        )
    }

    /// The request's `x-api-key`: an enabled key in a usage plan that covers this stage,
    /// within the plan's throttling and quota.
    fn api_key(&self, d: &Deployed, call: &Call) -> Result<(String, String), GatewayError> {
        let value = call
            .header("x-api-key")
            .ok_or(errors::INVALID_API_KEY)?
            .to_string();
        let api_id = d.api.id();
        let stage = d.stage.stage_name.as_deref().unwrap_or_default();
        let found = self.store.read(|r| {
            let keys = rest_storage::list_api_keys(r, &d.owner)?;
            let Some(key) = keys
                .into_iter()
                .find(|k| k.value.as_deref() == Some(value.as_str()) && k.enabled == Some(true))
            else {
                return Ok(None);
            };
            let id = key.id.clone().unwrap_or_default();
            let plan = rest_storage::list_usage_plans(r, &d.owner)?
                .into_iter()
                .find(|p| {
                    p.keys.contains(&id)
                        && p.plan.api_stages.iter().flatten().any(|s| {
                            s.api_id.as_deref() == Some(api_id) && s.stage.as_deref() == Some(stage)
                        })
                });
            Ok::<_, nimbus_protocol::AwsError>(plan.map(|p| (id, p.plan)))
        });
        let Ok(Some((id, plan))) = found else {
            return Err(errors::INVALID_API_KEY);
        };
        let plan_key = format!("{}\0{id}", plan.id.as_deref().unwrap_or_default());
        if let Some(t) = &plan.throttle {
            let burst = f64::from(t.burst_limit.unwrap_or(5000).max(0));
            let rate = t.rate_limit.unwrap_or(10_000.0).max(0.0);
            if !self.buckets.take(format!("plan\0{plan_key}"), burst, rate) {
                return Err(errors::THROTTLED);
            }
        }
        if let Some(q) = &plan.quota {
            let period = q.period.as_deref().unwrap_or("DAY");
            let limit = i64::from(q.limit.unwrap_or(i32::MAX));
            if !self.quotas.take(plan_key, period, limit, now_millis()) {
                return Err(errors::QUOTA_EXCEEDED);
            }
        }
        Ok((id, value))
    }

    async fn invoke(
        &self,
        owner: &ApiOwner,
        function: &str,
        request_id: &str,
        event: Bytes,
        timeout: Duration,
    ) -> Result<Outcome, GatewayError> {
        let ctx = RequestContext::internal(&owner.account, &owner.region);
        let call = invoke::call(&self.lambda, &ctx, function, request_id, event);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(errors::INTEGRATION_TIMEOUT),
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(cannot_invoke(function, &e)),
        }
    }

    async fn lambda_proxy(
        &self,
        d: &Deployed,
        integration: &Integration,
        call: &Call<'_>,
        resource: &crate::generated::apigateway::Resource,
    ) -> Result<HttpResponse, GatewayError> {
        let function = lambda_function(integration.uri.as_deref().unwrap_or_default())
            .ok_or(errors::CONFIGURATION_ERROR)?;
        let path = call.context["path"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let stage = d.stage.stage_name.clone().unwrap_or_default();
        let within_stage = path
            .strip_prefix(&format!("/{stage}"))
            .filter(|p| !p.is_empty())
            .unwrap_or("/")
            .to_string();
        let string_map = |m: &BTreeMap<String, String>| -> Option<Map<String, Value>> {
            (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
        };
        let mut identity = Map::new();
        for key in [
            "apiKey",
            "apiKeyId",
            "accessKey",
            "accountId",
            "caller",
            "user",
            "userArn",
        ] {
            if let Some(v) = call.context["identity"].get(key) {
                identity.insert(key.into(), v.clone());
            }
        }
        let context = v1::EventContext {
            account_id: d.owner.account.clone(),
            api_id: d.api.id().to_string(),
            domain_name: call.context["domainName"]
                .as_str()
                .unwrap_or_default()
                .into(),
            domain_prefix: d.api.id().to_string(),
            stage,
            request_id: call.context["requestId"]
                .as_str()
                .unwrap_or_default()
                .into(),
            resource: resource.path.clone().unwrap_or_default(),
            resource_id: resource.id.clone(),
            path: within_stage,
            context_path: path,
            time_ms: call.context["requestTimeEpoch"]
                .as_i64()
                .unwrap_or_default(),
            path_parameters: string_map(&call.path_params),
            stage_variables: string_map(&call.stage_variables),
            authorizer: call.context.get("authorizer").cloned(),
            http_api: false,
            binary_media_types: Some(d.api.api.binary_media_types.clone().unwrap_or_default()),
            identity,
        };
        let mut event = v1::event(call.req, &context);
        // Header names as the client sent them, not as nimbus's HTTP stack keeps them.
        for member in ["headers", "multiValueHeaders"] {
            if let Some(Value::Object(h)) = event.get_mut(member) {
                *h = std::mem::take(h)
                    .into_iter()
                    .map(|(k, v)| (title_case(&k), v))
                    .collect();
            }
        }
        let timeout = timeout_of(integration);
        let request_id = context.request_id.clone();
        if streams(integration) {
            let event = Bytes::from(event.to_string());
            return self
                .invoke_streamed(&d.owner, function, &request_id, event, timeout)
                .await;
        }
        match self
            .invoke(
                &d.owner,
                function,
                &request_id,
                Bytes::from(event.to_string()),
                timeout,
            )
            .await?
        {
            Outcome::Response(payload) => {
                let mut resp = v1::response(&payload, false).map_err(|why| {
                    tracing::warn!(%function, reason = %why.0, "a function's result is not an HTTP response");
                    errors::BAD_GATEWAY
                })?;
                decode_binary(&mut resp, &payload, d, call);
                Ok(resp)
            }
            Outcome::Error(_) => Err(errors::BAD_GATEWAY),
        }
    }

    /// A Lambda proxy integration in responseTransferMode STREAM, invoked as
    /// InvokeWithResponseStream is: the response goes out once the function's prelude (status and
    /// headers, then 8 NUL bytes) has arrived, within the integration's timeout, and its body as
    /// the function writes it. A function that answers in one piece may answer with a prelude
    /// too, or in the proxy format.
    async fn invoke_streamed(
        &self,
        owner: &ApiOwner,
        function: &str,
        request_id: &str,
        event: Bytes,
        timeout: Duration,
    ) -> Result<HttpResponse, GatewayError> {
        use nimbus_lambda::http_stream::{self, Prelude};
        use nimbus_lambda::invoke::Begun;
        let ctx = RequestContext::internal(&owner.account, &owner.region);
        let lambda = &self.lambda;
        let call = async {
            let t = invoke::target(lambda, &ctx, function, None)?;
            let begun = invoke::start_streamed(lambda, &ctx, &t, request_id, event, None, false)?
                .begun()
                .await;
            Ok::<_, nimbus_protocol::AwsError>(match begun {
                Begun::Streaming { stream, .. } => {
                    http_stream::response(stream, Prelude::Required).await
                }
                Begun::Finished(outcome) => match outcome?.0 {
                    Outcome::Response(payload) => http_stream::buffered(&payload)
                        .or_else(|| v1::response(&payload, false).ok()),
                    Outcome::Error(_) => None,
                },
            })
        };
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(errors::INTEGRATION_TIMEOUT),
            Ok(Ok(Some(resp))) => Ok(resp),
            Ok(Ok(None)) => {
                tracing::warn!(%function, "a function's stream is not an HTTP response");
                Err(errors::BAD_GATEWAY)
            }
            Ok(Err(e)) => Err(cannot_invoke(function, &e)),
        }
    }

    /// A Lambda (non-proxy) integration: the request template's output is the event, and
    /// `X-Amz-Invocation-Type: 'Event'` makes the invocation asynchronous.
    async fn lambda(
        &self,
        d: &Deployed,
        integration: &Integration,
        call: &Call<'_>,
    ) -> Result<HttpResponse, GatewayError> {
        let function = lambda_function(integration.uri.as_deref().unwrap_or_default())
            .ok_or(errors::CONFIGURATION_ERROR)?;
        let body = mapping::request_body(integration, call)?;
        let mapped = mapping::request_parameters(integration, call);
        let asynchronous = mapped
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("X-Amz-Invocation-Type") && v == "Event");
        let request_id = call.context["requestId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (payload, error_message) = if asynchronous {
            let ctx = RequestContext::internal(&d.owner.account, &d.owner.region);
            let queued = invoke::target(&self.lambda, &ctx, function, None).and_then(|t| {
                nimbus_lambda::asynchronous::enqueue(
                    &self.lambda,
                    &ctx,
                    &t,
                    &request_id,
                    Bytes::from(body),
                )
            });
            if let Err(e) = queued {
                tracing::warn!(%function, error = %e.message, "an integration cannot queue its function's invocation");
                return Err(errors::CONFIGURATION_ERROR);
            }
            (Bytes::new(), None)
        } else {
            match self
                .invoke(
                    &d.owner,
                    function,
                    &request_id,
                    Bytes::from(body),
                    timeout_of(integration),
                )
                .await?
            {
                Outcome::Response(p) => (p, None),
                Outcome::Error(p) => {
                    let message = serde_json::from_slice::<Value>(&p)
                        .ok()
                        .and_then(|v| {
                            v.get("errorMessage")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    (p, Some(message))
                }
            }
        };
        let chosen = mapping::select(
            integration.integration_responses.as_ref(),
            error_message.as_deref(),
        )
        .ok_or_else(|| {
            tracing::warn!(%function, "no integration response matches and none is the default");
            errors::CONFIGURATION_ERROR
        })?;
        mapping::respond(chosen, call, payload, &[])
    }
}

/// The gateway's answer when Lambda refuses an invocation: throttled, or misconfigured.
fn cannot_invoke(function: &str, e: &nimbus_protocol::AwsError) -> GatewayError {
    if e.code == "TooManyRequestsException" {
        return errors::THROTTLED;
    }
    tracing::warn!(%function, error = %e.message, "an integration cannot invoke its function");
    errors::CONFIGURATION_ERROR
}

fn timeout_of(integration: &Integration) -> Duration {
    let max = if streams(integration) {
        900_000
    } else {
        29_000
    };
    Duration::from_millis(
        integration
            .timeout_in_millis
            .unwrap_or(29_000)
            .clamp(50, max) as u64,
    )
}

/// responseTransferMode STREAM: the response goes to the client as the integration sends it.
fn streams(integration: &Integration) -> bool {
    integration.response_transfer_mode.as_deref() == Some("STREAM")
}

/// How an HTTP integration calls its endpoint: within its timeout, checking the endpoint's
/// certificate unless `tlsConfig.insecureSkipVerification` says not to.
fn upstream_options(integration: &Integration) -> crate::http_proxy::Options {
    let skip = integration
        .tls_config
        .as_ref()
        .and_then(|t| t.insecure_skip_verification)
        .unwrap_or(false);
    crate::http_proxy::Options {
        timeout: timeout_of(integration),
        verify_certificates: !skip,
    }
}

/// A proxy result with `isBase64Encoded` is sent decoded when the client's Accept is a binary
/// media type of the API, and as the base64 text otherwise, as AWS does.
fn decode_binary(resp: &mut HttpResponse, payload: &[u8], d: &Deployed, call: &Call) {
    use base64::Engine as _;
    let encoded = serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v.get("isBase64Encoded").and_then(Value::as_bool))
        .unwrap_or(false);
    if !encoded {
        return;
    }
    let types = d.api.api.binary_media_types.clone().unwrap_or_default();
    if !v1::is_binary_type(&types, call.header("accept")) {
        // The proxy rules already decoded it; AWS hands the text on as it came.
        let text = base64::engine::general_purpose::STANDARD.encode(&resp.body);
        resp.body = Bytes::from(text);
    }
}

/// MOCK: the request template's `statusCode` picks the integration response.
fn mock(integration: &Integration, call: &Call) -> Result<HttpResponse, GatewayError> {
    let rendered = mapping::request_body(integration, call)?;
    let status = serde_json::from_str::<Value>(&rendered)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .unwrap_or(200)
        .to_string();
    let chosen = mapping::select(integration.integration_responses.as_ref(), Some(&status))
        .ok_or(errors::CONFIGURATION_ERROR)?;
    mapping::respond(chosen, call, Bytes::new(), &[])
}

/// The integration request for HTTP and HTTP_PROXY: the path mapped into the URI's
/// `{name}`s, and what else the parameter mappings say.
fn upstream_request(
    integration: &Integration,
    call: &Call,
    body: Bytes,
    proxy: bool,
) -> (String, HttpRequest, Map<String, Value>) {
    let mapped = mapping::request_parameters(integration, call);
    let mut params: Map<String, Value> = call
        .path_params
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    params.extend(mapped.path.into_iter().map(|(k, v)| (k, json!(v))));
    let mut req = call.req.clone();
    req.body = body;
    if !proxy {
        // Only what the mappings name goes on; the client's own headers and query stay.
        req.headers = vec![(
            "host".into(),
            call.req.header("host").unwrap_or_default().into(),
        )];
        if let Some(ct) = call.req.header("content-type") {
            req.headers.push(("content-type".into(), ct.into()));
        }
        req.query = mapped
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
    }
    for (k, v) in mapped.headers {
        req.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
        req.headers.push((k.to_ascii_lowercase(), v));
    }
    let method = integration
        .http_method
        .clone()
        .unwrap_or_else(|| call.req.method.clone());
    (method, req, params)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn upstream_failed(failure: crate::http_proxy::Failure) -> GatewayError {
    match failure {
        crate::http_proxy::Failure::TimedOut => errors::INTEGRATION_TIMEOUT,
        crate::http_proxy::Failure::Unreachable => errors::CONFIGURATION_ERROR,
    }
}

async fn http_proxy(
    integration: &Integration,
    call: &Call<'_>,
) -> Result<HttpResponse, GatewayError> {
    let (method, req, params) = upstream_request(integration, call, call.req.body.clone(), true);
    let uri = integration.uri.as_deref().unwrap_or_default();
    let options = upstream_options(integration);
    let forwarded = if streams(integration) {
        crate::http_proxy::forward_streamed(uri, &method, &req, &params, &options).await
    } else {
        crate::http_proxy::forward(uri, &method, &req, &params, &options).await
    };
    forwarded.map_err(upstream_failed)
}

/// HTTP: the request template's output sent to the endpoint, the upstream's status picking
/// the integration response.
async fn http(integration: &Integration, call: &Call<'_>) -> Result<HttpResponse, GatewayError> {
    let body = mapping::request_body(integration, call)?;
    let (method, req, params) = upstream_request(integration, call, Bytes::from(body), false);
    let uri = integration.uri.as_deref().unwrap_or_default();
    let upstream =
        crate::http_proxy::forward(uri, &method, &req, &params, &upstream_options(integration))
            .await
            .map_err(upstream_failed)?;
    let status = upstream.status.to_string();
    let chosen = mapping::select(integration.integration_responses.as_ref(), Some(&status))
        .ok_or(errors::CONFIGURATION_ERROR)?;
    mapping::respond(chosen, call, upstream.body.clone(), &upstream.headers)
}
