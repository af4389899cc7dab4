//! Which service a request is for.

use std::collections::HashMap;
use std::sync::Arc;

use http::request::Parts;
use nimbus_frontdoor::FrontDoor;
use nimbus_protocol::query::QueryService;
use nimbus_protocol::rest::{self, RestService, RouteMatch};
use nimbus_protocol::JsonService;

/// An admin endpoint a service adds under `/_nimbus/`: the rest of the path in, a content type
/// and body out (None: 404).
pub type AdminHandler = Arc<dyn Fn(&str) -> Option<(&'static str, Vec<u8>)> + Send + Sync>;

/// The services this server runs, indexed the ways requests address them.
#[derive(Default, Clone)]
pub struct Registry {
    json_by_target: HashMap<&'static str, Arc<dyn JsonService>>,
    json_by_signing_name: HashMap<&'static str, Arc<dyn JsonService>>,
    rest: Vec<Arc<dyn RestService>>,
    query_by_signing_name: HashMap<&'static str, Arc<dyn QueryService>>,
    admin: Vec<(&'static str, AdminHandler)>,
    front_doors: Vec<Arc<dyn FrontDoor>>,
    names: Vec<&'static str>,
}

/// Where a request goes.
pub(crate) enum Route {
    Admin,
    /// A JSON-protocol service and the operation named after the target prefix.
    Json(Arc<dyn JsonService>, String),
    /// Addressed to a known JSON service but with no usable `X-Amz-Target`.
    JsonMissingTarget(Arc<dyn JsonService>),
    /// A REST service's operation, with its path labels.
    Rest(
        Arc<dyn RestService>,
        &'static str,
        Vec<(&'static str, String)>,
    ),
    /// A REST service's path space, but no operation of it (`true`: the path exists with
    /// another method).
    RestUnmatched(Arc<dyn RestService>, bool),
    /// An awsQuery service, by the signing name; the operation is the body's `Action`.
    Query(Arc<dyn QueryService>),
    /// Nothing nimbus runs matches; the text says what was seen.
    Unknown(String),
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    pub fn add_json(&mut self, service: Arc<dyn JsonService>) {
        let spec = service.spec();
        if let Some(prefix) = spec.target_prefix {
            self.json_by_target.insert(prefix, service.clone());
        }
        self.json_by_signing_name
            .entry(spec.signing_name)
            .or_insert_with(|| service.clone());
        self.names.push(spec.name);
    }

    pub fn add_rest(&mut self, service: Arc<dyn RestService>) {
        self.names.push(service.spec().name);
        self.rest.push(service);
    }

    /// An awsQuery service, addressed by its signing name (its `Action` travels in the body).
    pub fn add_query(&mut self, service: Arc<dyn QueryService>) {
        let spec = service.spec();
        self.names.push(spec.name);
        self.query_by_signing_name
            .insert(spec.signing_name, service.clone());
    }

    /// Serves the plain HTTP requests `door` claims (function URLs, API Gateway, ...).
    pub fn add_front_door(&mut self, door: Arc<dyn FrontDoor>) {
        self.front_doors.push(door);
    }

    /// The front door a request is addressed to: by its Host header or its path.
    pub(crate) fn front_door(&self, parts: &Parts) -> Option<&Arc<dyn FrontDoor>> {
        if self.front_doors.is_empty() {
            return None;
        }
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.host())
            .unwrap_or_default();
        let host = nimbus_frontdoor::without_port(host);
        let path = parts.uri.path();
        self.front_doors.iter().find(|d| d.claims(host, path))
    }

    /// Serves `/_nimbus/<prefix>...` with `handler`.
    pub fn add_admin(&mut self, prefix: &'static str, handler: AdminHandler) {
        self.admin.push((prefix, handler));
    }

    pub(crate) fn admin_handler(&self, path: &str) -> Option<(&AdminHandler, String)> {
        let rest = path.strip_prefix("/_nimbus/")?;
        self.admin
            .iter()
            .find_map(|(prefix, h)| rest.strip_prefix(prefix).map(|r| (h, r.to_string())))
    }

    /// The REST service a request is for: among those with its signing name (API Gateway's
    /// `apigateway` and `apigatewayv2` share one) the one whose routes match, else the first
    /// whose routes match the path (unsigned requests such as a browser's GET of a code URL).
    fn route_rest(&self, parts: &Parts, signing_service: Option<&str>) -> Option<Route> {
        let query = rest::parse_query(parts.uri.query());
        let method = parts.method.as_str();
        let path = parts.uri.path();
        if let Some(signing_service) = signing_service {
            let mut unmatched = None;
            for svc in self
                .rest
                .iter()
                .filter(|r| r.spec().signing_name == signing_service)
            {
                match rest::match_route(svc.routes(), method, path, &query) {
                    RouteMatch::Found { operation, labels } => {
                        return Some(Route::Rest(svc.clone(), operation, labels))
                    }
                    RouteMatch::MethodNotAllowed => {
                        unmatched = Some(Route::RestUnmatched(svc.clone(), true))
                    }
                    RouteMatch::NotFound => {
                        unmatched = unmatched.or(Some(Route::RestUnmatched(svc.clone(), false)))
                    }
                }
            }
            return unmatched;
        }
        self.rest.iter().find_map(|svc| {
            match rest::match_route(svc.routes(), method, path, &query) {
                RouteMatch::Found { operation, labels } => {
                    Some(Route::Rest(svc.clone(), operation, labels))
                }
                _ => None,
            }
        })
    }

    /// Names of the services running, for the health endpoint.
    pub fn service_names(&self) -> &[&'static str] {
        &self.names
    }

    pub(crate) fn route(&self, parts: &Parts, signing_service: Option<&str>) -> Route {
        let path = parts.uri.path();
        if path.starts_with("/_nimbus/") || path.starts_with("/_localstack/") {
            return Route::Admin;
        }
        if let Some(target) = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
        {
            return match target.split_once('.') {
                Some((prefix, op)) => match self.json_by_target.get(prefix) {
                    Some(svc) => Route::Json(svc.clone(), op.to_string()),
                    None => Route::Unknown(format!("X-Amz-Target {target}")),
                },
                None => match signing_service.and_then(|s| self.json_by_signing_name.get(s)) {
                    Some(svc) => Route::JsonMissingTarget(svc.clone()),
                    None => Route::Unknown(format!("X-Amz-Target {target}")),
                },
            };
        }
        // After X-Amz-Target: a service speaking both protocols (SQS) is JSON when targeted.
        if let Some(svc) = signing_service.and_then(|s| self.query_by_signing_name.get(s)) {
            return Route::Query(svc.clone());
        }
        if let Some(svc) = signing_service.and_then(|s| self.json_by_signing_name.get(s)) {
            return Route::JsonMissingTarget(svc.clone());
        }
        if let Some(route) = self.route_rest(parts, signing_service) {
            return route;
        }
        match signing_service {
            Some(s) => Route::Unknown(format!("service '{s}' from the SigV4 credential scope")),
            None => Route::Unknown(format!(
                "{} {} (no X-Amz-Target, no SigV4 credentials)",
                parts.method, path
            )),
        }
    }
}
