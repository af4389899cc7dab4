//! Which service a request is for.

use std::collections::HashMap;
use std::sync::Arc;

use http::request::Parts;
use nimbus_protocol::JsonService;

/// The services this server runs, indexed the ways requests address them.
#[derive(Default, Clone)]
pub struct Registry {
    json_by_target: HashMap<&'static str, Arc<dyn JsonService>>,
    json_by_signing_name: HashMap<&'static str, Arc<dyn JsonService>>,
    names: Vec<&'static str>,
}

/// Where a request goes.
pub(crate) enum Route {
    Admin,
    /// A JSON-protocol service and the operation named after the target prefix.
    Json(Arc<dyn JsonService>, String),
    /// Addressed to a known JSON service but with no usable `X-Amz-Target`.
    JsonMissingTarget(Arc<dyn JsonService>),
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
        if let Some(svc) = signing_service.and_then(|s| self.json_by_signing_name.get(s)) {
            return Route::JsonMissingTarget(svc.clone());
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
