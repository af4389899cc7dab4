//! CORS answered by the front door itself, as function URLs and HTTP APIs do when a CORS
//! configuration is set: preflight requests never reach the function, and the configured
//! headers are added to (and win over) the function's own.

use crate::{HttpRequest, HttpResponse};

/// A CORS configuration (the `Cors` shape of Lambda and of API Gateway v2).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<i64>,
    pub allow_credentials: bool,
}

impl Cors {
    /// The Access-Control-Allow-Origin value for `origin`, if it is allowed.
    fn allowed_origin(&self, origin: &str) -> Option<String> {
        if self.allow_origins.iter().any(|o| o == "*") {
            // With credentials a wildcard cannot be answered: the browser needs the origin.
            return Some(if self.allow_credentials {
                origin.to_string()
            } else {
                "*".to_string()
            });
        }
        self.allow_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
            .then(|| origin.to_string())
    }

    /// The answer to a preflight request (OPTIONS with Origin and
    /// Access-Control-Request-Method), or None when `req` is not one.
    pub fn preflight(&self, req: &HttpRequest, status: u16) -> Option<HttpResponse> {
        if !req.method.eq_ignore_ascii_case("OPTIONS") {
            return None;
        }
        let origin = req.header("origin")?;
        let method = req.header("access-control-request-method")?;
        let mut resp = HttpResponse {
            status,
            headers: Vec::new(),
            body: Default::default(),
            stream: None,
        };
        let method_allowed = self
            .allow_methods
            .iter()
            .any(|m| m == "*" || m.eq_ignore_ascii_case(method));
        if let (Some(allowed), true) = (self.allowed_origin(origin), method_allowed) {
            resp.headers
                .push(("access-control-allow-origin".into(), allowed));
            let methods = if self.allow_methods.iter().any(|m| m == "*") {
                method.to_string()
            } else {
                self.allow_methods.join(",")
            };
            resp.headers
                .push(("access-control-allow-methods".into(), methods));
            let headers = if self.allow_headers.iter().any(|h| h == "*") {
                req.header("access-control-request-headers")
                    .unwrap_or_default()
                    .to_string()
            } else {
                self.allow_headers.join(",")
            };
            if !headers.is_empty() {
                resp.headers
                    .push(("access-control-allow-headers".into(), headers));
            }
            if let Some(age) = self.max_age {
                resp.headers
                    .push(("access-control-max-age".into(), age.to_string()));
            }
            if self.allow_credentials {
                resp.headers
                    .push(("access-control-allow-credentials".into(), "true".into()));
            }
        }
        Some(resp)
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    pub fn decorate(&self, req: &HttpRequest, resp: &mut HttpResponse) {
        let Some(allowed) = req.header("origin").and_then(|o| self.allowed_origin(o)) else {
            return;
        };
        let mut set = |name: &str, value: String| {
            resp.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            resp.headers.push((name.to_string(), value));
        };
        set("access-control-allow-origin", allowed);
        if !self.expose_headers.is_empty() {
            set(
                "access-control-expose-headers",
                self.expose_headers.join(","),
            );
        }
        if self.allow_credentials {
            set("access-control-allow-credentials", "true".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preflight_request(origin: &str, method: &str) -> HttpRequest {
        HttpRequest {
            method: "OPTIONS".into(),
            headers: vec![
                ("origin".into(), origin.into()),
                ("access-control-request-method".into(), method.into()),
                ("access-control-request-headers".into(), "x-custom".into()),
            ],
            ..HttpRequest::default()
        }
    }

    #[test]
    fn preflight_for_allowed_and_refused_origins() {
        let cors = Cors {
            allow_origins: vec!["https://example.com".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["*".into()],
            max_age: Some(300),
            ..Cors::default()
        };
        let ok = cors
            .preflight(&preflight_request("https://example.com", "POST"), 200)
            .unwrap_or_else(|| panic!("a preflight"));
        assert_eq!(
            ok.header("access-control-allow-origin"),
            Some("https://example.com")
        );
        assert_eq!(ok.header("access-control-allow-methods"), Some("GET,POST"));
        assert_eq!(ok.header("access-control-allow-headers"), Some("x-custom"));
        assert_eq!(ok.header("access-control-max-age"), Some("300"));
        let refused = cors
            .preflight(&preflight_request("https://evil.example", "POST"), 200)
            .unwrap_or_else(|| panic!("a preflight"));
        assert_eq!(refused.header("access-control-allow-origin"), None);
        let mut get = preflight_request("https://example.com", "GET");
        get.method = "GET".into();
        assert!(cors.preflight(&get, 200).is_none());
    }
}
