//! The HTTP edge. One port serves every service: each request is routed by its `X-Amz-Target`
//! or its SigV4 credential scope (the query `Action` and host/path patterns join the router with
//! the first awsQuery and REST services), decoded by the service's protocol, and answered in that
//! protocol's format. Services never see HTTP.

mod admin;
mod json_edge;
mod router;
mod serve;

pub use router::Registry;
pub use serve::{serve, ServerConfig};
