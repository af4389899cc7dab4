//! API Gateway. HTTP APIs today (the `apigatewayv2` API, restJson1 under `/v2/apis`); REST APIs
//! (`apigateway`) are to come.
//!
//! - `generated/`: shapes, validation, routes and error codes from the botocore model.
//! - `storage.rs`: APIs, routes, integrations and stages in the store's trees.
//! - `v2/`: the management operations by family (apis, routes, integrations, stages).
//! - `http_api.rs`: the front door that serves the APIs' routes: stage and route selection, the
//!   Lambda proxy integration, the gateway's own error responses.
//! - `service.rs`: the `RestService` the server routes `/v2/apis...` to.

pub mod access_log;
pub mod authorize;
pub mod generated;
pub mod http_api;
pub mod http_proxy;
pub mod jwks;
pub mod rest_api;
pub mod rest_storage;
pub mod service;
pub mod service_v1;
pub mod storage;
pub mod throttle;
pub mod v1;
pub mod v2;

pub use http_api::HttpApis;
pub use rest_api::RestApis;
pub use service::ApiGatewayV2;
pub use service_v1::ApiGateway;
