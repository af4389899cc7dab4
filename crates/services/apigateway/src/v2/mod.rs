//! The apigatewayv2 management operations, one file per family.

pub mod apis;
pub mod authorizers;
pub mod deployments;
pub mod domains;
pub mod integrations;
pub mod routes;
pub mod stages;

use nimbus_core::time::{now_millis, Civil};
use nimbus_protocol::AwsError;
use nimbus_store::Read;

use crate::generated::apigatewayv2::{Api, ErrorCode};
use crate::storage::{self, ApiOwner};

pub type Result<T> = std::result::Result<T, AwsError>;

/// `2026-12-01T10:00:00Z`, as API Gateway writes its dates.
pub(crate) fn now() -> String {
    Civil::from_millis(now_millis()).iso8601_seconds()
}

/// An id as API Gateway makes them: lower-case letters and digits.
pub(crate) fn new_id(len: usize) -> String {
    nimbus_core::ids::hex(len)
}

pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    ErrorCode::NotFoundException.error(message)
}

pub(crate) fn bad_request(message: impl Into<String>) -> AwsError {
    ErrorCode::BadRequestException.error(message)
}

pub(crate) fn conflict(message: impl Into<String>) -> AwsError {
    ErrorCode::ConflictException.error(message)
}

/// The API a request names, or API Gateway's NotFoundException.
pub(crate) fn require_api(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Api> {
    storage::get_api(r, o, api_id)?.ok_or_else(|| {
        not_found(format!(
            "Invalid API identifier specified {}:{api_id}",
            o.account
        ))
    })
}

pub(crate) use nimbus_protocol::json::reshape as shaped;
