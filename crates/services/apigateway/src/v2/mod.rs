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
use serde::{de::DeserializeOwned, Serialize};

use crate::generated::apigatewayv2::{Api, ErrorCode};
use crate::storage::{self, ApiOwner};

pub type Result<T> = std::result::Result<T, AwsError>;

/// `2026-12-01T10:00:00Z`, as API Gateway writes its dates.
pub(crate) fn now() -> String {
    let c = Civil::from_millis(now_millis());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
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

/// The same record in another of the model's shapes (they share their members).
pub(crate) fn shaped<T: DeserializeOwned>(value: &impl Serialize) -> Result<T> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| AwsError::new(500, "", "InternalServerError", format!("a record: {e}")))
}
