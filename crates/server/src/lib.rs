//! The HTTP edge. One port serves every service: each request is routed by its `X-Amz-Target`,
//! its SigV4 credential scope (with the form's `Action` for query services), or (for REST
//! services) its method and path; decoded by the
//! service's protocol; and answered in that protocol's format. Services never see HTTP, except
//! front doors (function URLs, API Gateway, ...), which are HTTP by nature: they get the request
//! as a typed `HttpRequest` from `front_door.rs`.

mod admin;
mod body;
mod front_door;
mod json_edge;
mod query_edge;
mod rest_edge;
mod router;
mod serve;

pub use router::{AdminHandler, Registry};

/// An error answered to an AWS API call: a server fault is logged as one, a refusal only
/// for debugging.
fn log_error(service: &str, err: &nimbus_protocol::AwsError) {
    if err.status >= 500 {
        tracing::error!(service, code = %err.code, message = %err.message, "request failed");
    } else {
        tracing::debug!(service, code = %err.code, message = %err.message, "request refused");
    }
}
pub use serve::{bind, io_runtime, serve, serve_on_threads, ServerConfig};
