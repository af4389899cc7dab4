//! The errors Lambda answers with, worded as Lambda words them.

use nimbus_core::Arn;
use nimbus_protocol::AwsError;

use crate::generated::lambda::ErrorCode;

pub type Result<T> = std::result::Result<T, AwsError>;

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    ErrorCode::InvalidParameterValueException.error(message)
}

pub fn function_not_found(arn: &Arn) -> AwsError {
    ErrorCode::ResourceNotFoundException.error(format!("Function not found: {arn}"))
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    ErrorCode::ResourceConflictException.error(message)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    ErrorCode::ResourceNotFoundException.error(message)
}

pub fn precondition_failed() -> AwsError {
    ErrorCode::PreconditionFailedException.error(
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
}

/// A constraint AWS checks with its request validator, in its words.
pub fn validation(member: &str, value: &str, constraint: &str) -> AwsError {
    AwsError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

pub fn too_many_requests(reason: &str) -> AwsError {
    ErrorCode::TooManyRequestsException
        .error("Rate Exceeded.")
        .with("Reason", serde_json::Value::String(reason.into()))
}
