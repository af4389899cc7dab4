//! nimbus's own endpoints under `/_nimbus/` (and `/_localstack/health` for existing tooling).

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::body::Body;
use crate::Registry;

pub(crate) fn handle(path: &str, registry: &Registry) -> Response<Body> {
    if let Some((handler, rest)) = registry.admin_handler(path) {
        return match handler(&rest) {
            Some((content_type, body)) => {
                let mut resp = Response::new(Body::full(Bytes::from(body)));
                resp.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static(content_type),
                );
                resp
            }
            None => json(
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": "NotFound", "message": format!("nothing at {path}")}),
            ),
        };
    }
    match path {
        "/_nimbus/health" | "/_localstack/health" => {
            let services: serde_json::Map<String, serde_json::Value> = registry
                .service_names()
                .iter()
                .map(|n| (n.to_string(), serde_json::Value::String("running".into())))
                .collect();
            let body = serde_json::json!({
                "status": "running",
                "version": env!("CARGO_PKG_VERSION"),
                "edition": "nimbus",
                "services": services,
            });
            json(StatusCode::OK, body)
        }
        _ => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({
                "error": "NotFound",
                "message": format!("no nimbus admin endpoint at {path}; try /_nimbus/health"),
            }),
        ),
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Body::full(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}
