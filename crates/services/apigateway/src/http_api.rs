//! HTTP APIs, served: `http://<api-id>.execute-api.localhost:4566/[<stage>/]<path>` (or
//! `http://127.0.0.1:4566/_aws/execute-api/<api-id>/[<stage>/]<path>`). The stage is chosen by
//! the first path segment (else `$default`), the route by the most specific match, and a Lambda
//! proxy integration gets the payload-2.0 event; the answers the gateway gives on its own are
//! API Gateway's: 404 `{"message":"Not Found"}`, 500 `{"message":"Internal Server Error"}`,
//! 503 `{"message":"Service Unavailable"}` when the integration times out.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use nimbus_core::{ids, time::now_millis, Arn, RequestContext};
use nimbus_frontdoor::{cors::Cors, v1, v2, BoxFuture, FrontDoor, HttpRequest, HttpResponse};
use nimbus_lambda::engine::Outcome;
use nimbus_lambda::{invoke, Lambda};
use nimbus_store::Store;
use serde_json::{Map, Value};

use crate::access_log;
use crate::generated::apigatewayv2::{self as model, Api, Integration, Route, Stage};
use crate::service::Domains;
use crate::storage::{self, ApiOwner};
use crate::throttle::Buckets;

const PATH_PREFIX: &str = "/_aws/execute-api/";
/// HTTP APIs take request bodies of up to 10 MB.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub struct HttpApis {
    store: Store,
    lambda: Arc<Lambda>,
    domains: Domains,
    /// Token buckets of throttled routes, by API, stage and route key.
    buckets: Buckets,
    /// Lambda authorizers' answers, by (authorizer, identity), until they expire.
    authorized: Mutex<HashMap<(String, String), (Instant, Authorized)>>,
    /// JWT authorizers' issuers' signing keys.
    jwks: crate::jwks::Jwks,
}

/// A cached authorizer answer: its context, or the status it refused with.
type Authorized = Result<Value, u16>;

impl HttpApis {
    /// `domains`: the custom domain names, as `ApiGatewayV2::domains` keeps them.
    pub fn new(store: Store, lambda: Arc<Lambda>, domains: Domains) -> HttpApis {
        HttpApis {
            store,
            lambda,
            domains,
            buckets: Buckets::default(),
            authorized: Mutex::default(),
            jwks: crate::jwks::Jwks::default(),
        }
    }

    /// Whether the route's throttling (its own route settings, else the stage's defaults) lets
    /// one more request through now.
    fn admit(&self, api_id: &str, stage: &Stage, route_key: &str) -> bool {
        let settings = stage
            .route_settings
            .as_ref()
            .and_then(|r| r.get(route_key))
            .filter(|s| s.throttling_burst_limit.is_some() || s.throttling_rate_limit.is_some())
            .or(stage.default_route_settings.as_ref());
        let Some(s) = settings else {
            return true;
        };
        let (burst, rate) = match (s.throttling_burst_limit, s.throttling_rate_limit) {
            (None, None) => return true,
            (burst, rate) => (
                f64::from(burst.unwrap_or(5000).max(0)),
                rate.unwrap_or(10_000.0).max(0.0),
            ),
        };
        let key = format!("{api_id}\0{}\0{route_key}", stage.stage_name);
        self.buckets.take(key, burst, rate)
    }

    fn is_custom_domain(&self, host: &str) -> bool {
        // AWS API calls come to an address, which no custom domain name is.
        host.parse::<std::net::IpAddr>().is_err()
            && !host.eq_ignore_ascii_case("localhost")
            && self.domains.contains(host)
    }
}

/// `<api-id>.execute-api.<anything>` → the API id.
pub(crate) fn from_host(host: &str) -> Option<&str> {
    let (id, rest) = host.split_once('.')?;
    (rest.starts_with("execute-api.") || rest == "execute-api").then_some(id)
}

/// `/_aws/execute-api/<api-id>/rest` → (API id, `/rest`).
pub(crate) fn from_path(path: &str) -> Option<(&str, &str)> {
    nimbus_frontdoor::split_prefixed(path, PATH_PREFIX)
}

impl FrontDoor for HttpApis {
    fn claims(&self, host: &str, path: &str) -> bool {
        from_host(host).is_some() || path.starts_with(PATH_PREFIX) || self.is_custom_domain(host)
    }

    fn handle(&self, request: HttpRequest) -> BoxFuture<'_, HttpResponse> {
        Box::pin(async move {
            let request_id = ids::hex(16);
            let mut resp = self.serve(request, &request_id).await;
            resp.headers.push(("apigw-requestid".into(), request_id));
            resp
        })
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::message(404, "Not Found")
}

fn internal_error() -> HttpResponse {
    HttpResponse::message(500, "Internal Server Error")
}

/// Everything a request to one API needs, read in one transaction.
struct Snapshot {
    owner: ApiOwner,
    api: Api,
    stages: Vec<Stage>,
    routes: Vec<Route>,
    integrations: Vec<Integration>,
    authorizers: Vec<model::Authorizer>,
}

/// A route that matches a request, and how well.
struct Matched<'a> {
    route: &'a Route,
    parameters: Map<String, Value>,
}

/// The most specific route for `method` and `path` (segments still percent-encoded): literal
/// segments beat `{param}`s, which beat a greedy `{param+}`; a route for the method beats `ANY`;
/// `$default` catches the rest.
fn select_route<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<Matched<'a>> {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut best: Option<((usize, usize, bool, bool), Matched<'a>)> = None;
    for route in routes {
        let Some((m, pattern)) = route.route_key.split_once(' ') else {
            continue;
        };
        if m != "ANY" && !m.eq_ignore_ascii_case(method) {
            continue;
        }
        let parts: Vec<&str> = pattern.split('/').skip(1).collect();
        let mut parameters = Map::new();
        let mut literals = 0;
        let mut greedy = false;
        let mut ok = true;
        for (i, part) in parts.iter().enumerate() {
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
                if i >= segments.len() || segments[i..].iter().all(|s| s.is_empty()) {
                    ok = false;
                    break;
                }
                let rest = segments[i..].join("/");
                parameters.insert(name.to_string(), Value::String(v2::percent_decode(&rest)));
                greedy = true;
                break;
            }
            let Some(seg) = segments.get(i) else {
                ok = false;
                break;
            };
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if seg.is_empty() {
                    ok = false;
                    break;
                }
                parameters.insert(name.to_string(), Value::String(v2::percent_decode(seg)));
            } else if part == seg {
                literals += 1;
            } else {
                ok = false;
                break;
            }
        }
        if !ok || (!greedy && parts.len() != segments.len()) {
            continue;
        }
        let score = (literals, parts.len(), !greedy, m != "ANY");
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, Matched { route, parameters }));
        }
    }
    best.map(|(_, m)| m).or_else(|| {
        routes
            .iter()
            .find(|r| r.route_key == "$default")
            .map(|route| Matched {
                route,
                parameters: Map::new(),
            })
    })
}

/// The stage a request on the API's own endpoint names: its first path segment, else `$default`;
/// with the path its routes see.
fn stage_of<'a>(stages: &'a [Stage], path: &str) -> Option<(&'a Stage, String)> {
    let first = path.split('/').nth(1).unwrap_or_default();
    let named = stages
        .iter()
        .find(|s| s.stage_name != "$default" && s.stage_name == v2::percent_decode(first));
    match named {
        Some(s) => {
            let rest = &path[1 + first.len()..];
            Some((
                s,
                if rest.is_empty() {
                    "/".into()
                } else {
                    rest.into()
                },
            ))
        }
        None => stages
            .iter()
            .find(|s| s.stage_name == "$default")
            .map(|s| (s, path.to_string())),
    }
}

/// The function a Lambda proxy integration calls: its URI is the function's ARN, or API
/// Gateway's `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`.
fn function_of(uri: &str) -> &str {
    uri.split_once(":lambda:path/2015-03-31/functions/")
        .map(|(_, rest)| rest.trim_end_matches("/invocations"))
        .unwrap_or(uri)
}

fn cors_of(c: &model::Cors) -> Cors {
    Cors {
        allow_origins: c.allow_origins.clone().unwrap_or_default(),
        allow_methods: c.allow_methods.clone().unwrap_or_default(),
        allow_headers: c.allow_headers.clone().unwrap_or_default(),
        expose_headers: c.expose_headers.clone().unwrap_or_default(),
        max_age: c.max_age.map(i64::from).filter(|a| *a >= 0),
        allow_credentials: c.allow_credentials.unwrap_or(false),
    }
}

impl HttpApis {
    fn snapshot(&self, api_id: &str) -> Option<Snapshot> {
        let read = self.store.read(|r| {
            let Some(owner) = storage::api_owner(r, api_id)? else {
                return Ok(None);
            };
            let Some(api) = storage::get_api(r, &owner, api_id)? else {
                return Ok(None);
            };
            Ok::<_, nimbus_protocol::AwsError>(Some(Snapshot {
                stages: storage::list_stages(r, &owner, api_id)?,
                routes: storage::list_routes(r, &owner, api_id)?,
                integrations: storage::list_integrations(r, &owner, api_id)?,
                authorizers: storage::list_authorizers(r, &owner, api_id)?,
                owner,
                api,
            }))
        });
        read.unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, "cannot read an HTTP API");
            None
        })
    }

    /// The API, stage and route path a custom domain name's request goes to: the API mapping
    /// whose key is the longest prefix of the path (an empty key matches every path).
    fn through_domain(&self, host: &str, path: &str) -> Option<(String, String, String)> {
        let mappings = self
            .store
            .read(|r| storage::list_mappings(r, host))
            .unwrap_or_default();
        let trimmed = path.trim_start_matches('/');
        let best = mappings
            .iter()
            .filter(|m| {
                let key = m.api_mapping_key.as_deref().unwrap_or_default();
                key.is_empty()
                    || trimmed == key
                    || trimmed
                        .strip_prefix(key)
                        .is_some_and(|r| r.starts_with('/'))
            })
            .max_by_key(|m| m.api_mapping_key.as_deref().unwrap_or_default().len())?;
        let key = best.api_mapping_key.as_deref().unwrap_or_default();
        let rest = if key.is_empty() {
            path.to_string()
        } else {
            trimmed[key.len()..].to_string()
        };
        let rest = if rest.is_empty() {
            "/".to_string()
        } else {
            rest
        };
        Some((best.api_id.clone(), best.stage.clone(), rest))
    }

    async fn serve(&self, req: HttpRequest, request_id: &str) -> HttpResponse {
        if req.body.len() > MAX_PAYLOAD {
            return HttpResponse::message(413, "Request Entity Too Large");
        }
        let host = req.host().to_string();
        // (API, the stage a domain's API mapping names, the path the routes see)
        let (api_id, mapped_stage, path) = match (from_host(&host), from_path(&req.path)) {
            (Some(id), _) => (id.to_string(), None, req.path.clone()),
            (None, Some((id, rest))) => (id.to_string(), None, rest.to_string()),
            (None, None) => match self.through_domain(&host, &req.path) {
                Some((id, stage, rest)) => (id, Some(stage), rest),
                None => return not_found(),
            },
        };
        let Some(snap) = self.snapshot(&api_id) else {
            return not_found();
        };
        if mapped_stage.is_none() && snap.api.disable_execute_api_endpoint == Some(true) {
            return HttpResponse::message(403, "Forbidden");
        }
        let (stage, route_path) = match &mapped_stage {
            Some(name) => match snap.stages.iter().find(|s| &s.stage_name == name) {
                Some(s) => (s, path.clone()),
                None => return not_found(),
            },
            None => match stage_of(&snap.stages, &path) {
                Some(found) => found,
                None => return not_found(),
            },
        };
        let started = now_millis();
        let mut matched_key = None;
        let route_key = &mut matched_key;
        let resp = async {
            let cors = snap.api.cors_configuration.as_ref().map(cors_of);
            if let Some(preflight) = cors.as_ref().and_then(|c| c.preflight(&req, 204)) {
                return preflight;
            }
            // An auto-deployed stage serves the API as it is; another, its deployment.
            let deployed;
            let (routes, integrations, authorizers) = if stage.auto_deploy == Some(true) {
                (&snap.routes, &snap.integrations, &snap.authorizers)
            } else {
                let record = stage.deployment_id.as_deref().and_then(|id| {
                    self.store
                        .read(|r| storage::get_deployment(r, &snap.owner, &api_id, id))
                        .ok()
                        .flatten()
                });
                match record {
                    Some(d) => {
                        deployed = d;
                        (&deployed.routes, &deployed.integrations, &deployed.authorizers)
                    }
                    None => return not_found(),
                }
            };
            let Some(matched) = select_route(routes, &req.method, &route_path) else {
                return not_found();
            };
            let integration = matched
                .route
                .target
                .as_deref()
                .and_then(|t| t.strip_prefix("integrations/"))
                .and_then(|id| {
                    integrations
                        .iter()
                        .find(|i| i.integration_id.as_deref() == Some(id))
                });
            *route_key = Some(matched.route.route_key.clone());
            if !self.admit(&api_id, stage, &matched.route.route_key) {
                return HttpResponse::message(429, "Too Many Requests");
            }
            let Some(integration) = integration else {
                tracing::warn!(api = %api_id, route = %matched.route.route_key, "the route has no integration");
                return internal_error();
            };
            let mut context = v2::EventContext {
                account_id: snap.owner.account.clone(),
                api_id: api_id.clone(),
                domain_name: if from_path(&req.path).is_some() {
                    format!("{api_id}.execute-api.localhost")
                } else {
                    host.clone()
                },
                domain_prefix: if from_path(&req.path).is_some() {
                    api_id.clone()
                } else {
                    host.split('.').next().unwrap_or_default().to_string()
                },
                route_key: matched.route.route_key.clone(),
                stage: stage.stage_name.clone(),
                request_id: request_id.to_string(),
                raw_path: if mapped_stage.is_some() {
                    req.path.clone()
                } else {
                    path.clone()
                },
                time_ms: now_millis(),
                path_parameters: (!matched.parameters.is_empty()).then_some(matched.parameters),
                stage_variables: stage
                    .stage_variables
                    .as_ref()
                    .filter(|v| !v.is_empty())
                    .map(variables),
                ..v2::EventContext::default()
            };
            let authorizer = matched.route.authorizer_id.as_deref().and_then(|id| {
                authorizers
                    .iter()
                    .find(|a| a.authorizer_id.as_deref() == Some(id))
            });
            match (matched.route.authorization_type.as_deref(), authorizer) {
                (Some("CUSTOM"), Some(a)) => {
                    match self.authorize(&snap.owner, a, &req, &context, &route_path).await {
                        Ok(value) => context.authorizer = Some(value),
                        Err(refused) => return refused,
                    }
                }
                (Some("JWT"), Some(a)) => match crate::authorize::jwt(a, &req) {
                    Ok((token, value)) => {
                        let issuer = a
                            .jwt_configuration
                            .as_ref()
                            .and_then(|c| c.issuer.as_deref())
                            .unwrap_or_default();
                        if let Err(why) = self.jwks.verify(issuer, &token).await {
                            tracing::info!(api = %api_id, %why, "a JWT is refused");
                            return HttpResponse::message(401, "Unauthorized");
                        }
                        context.authorizer = Some(value)
                    }
                    Err(refused) => return refused,
                },
                (Some("CUSTOM") | Some("JWT"), None) => {
                    tracing::warn!(api = %api_id, route = %matched.route.route_key, "the route's authorizer does not exist");
                    return internal_error();
                }
                _ => {}
            }
            let mut resp = match integration.integration_type.as_deref() {
                Some("AWS_PROXY") => {
                    self.lambda_proxy(&snap.owner, integration, &req, &context)
                        .await
                }
                Some("HTTP_PROXY") => {
                    let parameters = context.path_parameters.clone().unwrap_or_default();
                    let timeout = integration.timeout_in_millis.unwrap_or(30_000).max(50) as u64;
                    crate::http_proxy::forward(
                        integration.integration_uri.as_deref().unwrap_or_default(),
                        integration.integration_method.as_deref().unwrap_or("ANY"),
                        &req,
                        &parameters,
                        &crate::http_proxy::Options {
                            timeout: Duration::from_millis(timeout),
                            verify_certificates: true,
                        },
                    )
                    .await
                    .unwrap_or_else(|failure| match failure {
                        crate::http_proxy::Failure::TimedOut => {
                            HttpResponse::message(503, "Service Unavailable")
                        }
                        crate::http_proxy::Failure::Unreachable => internal_error(),
                    })
                }
                other => {
                    tracing::warn!(api = %api_id, kind = ?other, "nimbus does not serve this integration type yet");
                    internal_error()
                }
            };
            if let Some(c) = &cors {
                c.decorate(&req, &mut resp);
            }
            resp
        }
        .await;
        self.log_access(
            &snap,
            stage,
            &req,
            request_id,
            matched_key.as_deref(),
            &resp,
            started,
        );
        resp
    }

    /// Writes the stage's access log line, when it has one, with `$context` variables filled in
    /// (`-` for those nimbus does not know).
    #[allow(clippy::too_many_arguments)]
    fn log_access(
        &self,
        snap: &Snapshot,
        stage: &Stage,
        req: &HttpRequest,
        request_id: &str,
        route_key: Option<&str>,
        resp: &HttpResponse,
        started: i64,
    ) {
        let Some(settings) = &stage.access_log_settings else {
            return;
        };
        let (Some(destination), Some(format)) = (&settings.destination_arn, &settings.format)
        else {
            return;
        };
        let Some(group) = access_log::group_of(destination) else {
            return;
        };
        let now = now_millis();
        let status = resp.status.to_string();
        let length = resp.body.len().to_string();
        let latency = (now - started).to_string();
        let epoch = (started / 1000).to_string();
        let time = nimbus_core::time::Civil::from_millis(started).access_log();
        let api_id = snap.api.api_id.clone().unwrap_or_default();
        let value = |name: &str| -> Option<String> {
            Some(
                match name {
                    "requestId" | "extendedRequestId" => request_id,
                    "ip" | "identity.sourceIp" => req.source_ip.as_str(),
                    "identity.userAgent" => req.header("user-agent")?,
                    "requestTime" => time.as_str(),
                    "requestTimeEpoch" => epoch.as_str(),
                    "httpMethod" => req.method.as_str(),
                    "routeKey" => route_key?,
                    "status" => status.as_str(),
                    "protocol" => req.protocol.as_str(),
                    "responseLength" => length.as_str(),
                    "responseLatency" | "integrationLatency" => latency.as_str(),
                    "path" => req.path.as_str(),
                    "stage" => stage.stage_name.as_str(),
                    "apiId" => api_id.as_str(),
                    "domainName" => req.host(),
                    "accountId" => snap.owner.account.as_str(),
                    _ => return None,
                }
                .to_string(),
            )
        };
        let line = access_log::substitute(format, value);
        let stream = format!("{api_id}_{}", stage.stage_name);
        access_log::append(&self.store, &snap.owner, group, stream, now, line);
    }

    /// Runs a Lambda REQUEST authorizer (its answer cached for its TTL by identity): the
    /// `requestContext.authorizer` value for the integration, or the gateway's refusal.
    async fn authorize(
        &self,
        owner: &ApiOwner,
        a: &model::Authorizer,
        req: &HttpRequest,
        context: &v2::EventContext,
        route_path: &str,
    ) -> Result<Value, HttpResponse> {
        let identity = crate::authorize::identity(a, req, context)?;
        let ttl = a.authorizer_result_ttl_in_seconds.unwrap_or(0);
        let key = (
            a.authorizer_id.clone().unwrap_or_default(),
            identity.join(","),
        );
        if ttl > 0 && !identity.is_empty() {
            let cache = self.authorized.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((until, outcome)) = cache.get(&key) {
                if Instant::now() < *until {
                    return outcome.clone().map_err(crate::authorize::refusal);
                }
            }
        }
        let route_arn = Arn::execute_api(
            &owner.region,
            &owner.account,
            &context.api_id,
            &context.stage,
            &req.method,
            route_path,
        )
        .to_string();
        let event = crate::authorize::event(a, req, context, &route_arn, &identity);
        let function = function_of(a.authorizer_uri.as_deref().unwrap_or_default()).to_string();
        let ctx = RequestContext::internal(&owner.account, &owner.region);
        let payload = Bytes::from(event.to_string());
        let call = invoke::call(&self.lambda, &ctx, &function, &context.request_id, payload);
        let outcome = match tokio::time::timeout(Duration::from_secs(10), call).await {
            Ok(Ok(Outcome::Response(payload))) => crate::authorize::decide(a, &payload, &route_arn),
            Ok(Ok(Outcome::Error(_))) | Err(_) => Err(internal_error()),
            Ok(Err(e)) => {
                tracing::warn!(%function, error = %e.message, "an authorizer cannot be invoked");
                Err(internal_error())
            }
        };
        let cacheable = !matches!(&outcome, Err(r) if r.status == 500);
        if ttl > 0 && !identity.is_empty() && cacheable {
            let until = Instant::now() + Duration::from_secs(ttl as u64);
            let mut cache = self.authorized.lock().unwrap_or_else(|p| p.into_inner());
            cache.insert(
                key,
                (until, outcome.as_ref().cloned().map_err(|r| r.status)),
            );
        }
        outcome
    }

    async fn lambda_proxy(
        &self,
        owner: &ApiOwner,
        integration: &Integration,
        req: &HttpRequest,
        context: &v2::EventContext,
    ) -> HttpResponse {
        let version_1 = integration.payload_format_version.as_deref() == Some("1.0");
        let function = function_of(integration.integration_uri.as_deref().unwrap_or_default());
        let event = if version_1 {
            v1::event(req, &as_v1(context)).to_string()
        } else {
            v2::event(req, context).to_string()
        };
        let ctx = RequestContext::internal(&owner.account, &owner.region);
        let timeout =
            Duration::from_millis(integration.timeout_in_millis.unwrap_or(30_000).max(50) as u64);
        let payload = Bytes::from(event);
        let call = invoke::call(&self.lambda, &ctx, function, &context.request_id, payload);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => HttpResponse::message(503, "Service Unavailable"),
            Ok(Ok(Outcome::Response(payload))) => if version_1 {
                v1::response(&payload, false)
            } else {
                v2::response(&payload)
            }
            .unwrap_or_else(|why| {
                tracing::warn!(%function, reason = %why.0, "a function's result is not an HTTP response");
                internal_error()
            }),
            Ok(Ok(Outcome::Error(_))) => internal_error(),
            Ok(Err(e)) if e.code == "TooManyRequestsException" => {
                HttpResponse::message(429, "Too Many Requests")
            }
            Ok(Err(e)) => {
                tracing::warn!(%function, error = %e.message, "an integration cannot invoke its function");
                internal_error()
            }
        }
    }
}

/// The 1.0 event's view of the same request: `resource` is the route's path (or `$default`).
pub(crate) fn as_v1(c: &v2::EventContext) -> v1::EventContext {
    let resource = c
        .route_key
        .split_once(' ')
        .map_or(c.route_key.clone(), |(_, path)| path.to_string());
    v1::EventContext {
        account_id: c.account_id.clone(),
        api_id: c.api_id.clone(),
        domain_name: c.domain_name.clone(),
        domain_prefix: c.domain_prefix.clone(),
        stage: c.stage.clone(),
        request_id: c.request_id.clone(),
        resource,
        resource_id: None,
        path: c.raw_path.clone(),
        context_path: c.raw_path.clone(),
        time_ms: c.time_ms,
        path_parameters: c.path_parameters.clone(),
        stage_variables: c.stage_variables.clone(),
        authorizer: Some(serde_json::json!({"claims": null, "scopes": null})),
        http_api: true,
        ..v1::EventContext::default()
    }
}

fn variables(v: &BTreeMap<String, String>) -> Map<String, Value> {
    v.iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(key: &str) -> Route {
        Route {
            route_key: key.into(),
            ..Route::default()
        }
    }

    #[test]
    fn the_most_specific_route_wins() {
        let routes = vec![
            route("ANY /{proxy+}"),
            route("GET /pets/{id}"),
            route("GET /pets/dog"),
            route("ANY /pets/{id}"),
            route("$default"),
        ];
        let key = |m: &str, p: &str| select_route(&routes, m, p).map(|m| m.route.route_key.clone());
        assert_eq!(key("GET", "/pets/dog").as_deref(), Some("GET /pets/dog"));
        assert_eq!(key("GET", "/pets/cat").as_deref(), Some("GET /pets/{id}"));
        assert_eq!(key("POST", "/pets/cat").as_deref(), Some("ANY /pets/{id}"));
        assert_eq!(key("GET", "/a/b/c").as_deref(), Some("ANY /{proxy+}"));
        assert_eq!(key("GET", "/").as_deref(), Some("$default"));
        let m = select_route(&routes, "GET", "/x/y%20z").unwrap_or_else(|| panic!("a route"));
        assert_eq!(m.parameters["proxy"], "x/y z");
    }

    #[test]
    fn addresses_and_function_uris() {
        assert_eq!(from_host("abc.execute-api.localhost"), Some("abc"));
        assert_eq!(from_host("abc.lambda-url.us-east-1.localhost"), None);
        assert_eq!(
            from_path("/_aws/execute-api/abc/prod/x"),
            Some(("abc", "/prod/x"))
        );
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
        assert_eq!(function_of(arn), arn);
        let uri = format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
        );
        assert_eq!(function_of(&uri), arn);
    }
}
