//! API Gateway: HTTP APIs (the `apigatewayv2` API, restJson1 under `/v2/apis`) and REST APIs
//! (the `apigateway` API, under `/restapis`, `/apikeys`, `/usageplans`).
//!
//! - `generated/`: shapes, validation, routes and error codes from the botocore models.
//! - `storage.rs`, `rest_storage.rs`: HTTP APIs and REST APIs in the store's trees.
//! - `v2/`, `v1/`: the management operations by family.
//! - `service.rs`, `service_v1.rs`: the `RestService`s the server routes requests to.
//! - `http_api.rs`: the front door serving HTTP APIs: stage and route selection, the Lambda
//!   proxy integration, the gateway's own error responses; `authorize.rs` and `jwks.rs` its
//!   Lambda and JWT authorizers.
//! - `rest_api/`: the front door serving REST APIs.
//! - `http_proxy.rs`, `throttle.rs`, `access_log.rs`: what both front doors use.

/// One trait method per operation, each handing its input to the function that serves it.
macro_rules! delegate {
    ($($method:ident($input:ty) -> $output:ty => $func:path;)*) => {
        $(
            async fn $method(&self, ctx: &RequestContext, input: $input) -> Result<$output, AwsError> {
                $func(self, ctx, input).await
            }
        )*
    };
}

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
