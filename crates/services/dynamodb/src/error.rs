//! Errors inside the DynamoDB service, and their AWS form at the edge.

use nimbus_protocol::AwsError;
use nimbus_store::StoreError;

use crate::generated::dynamodb::ErrorCode;
use crate::types::Item;

/// What a DynamoDB operation fails with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error the client is meant to see.
    #[error("{0}")]
    Aws(AwsError),
    /// A storage failure: logged, answered as InternalServerError.
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<AwsError> for Error {
    fn from(e: AwsError) -> Self {
        Error::Aws(e)
    }
}

impl From<Error> for AwsError {
    fn from(e: Error) -> AwsError {
        match e {
            Error::Aws(e) => e,
            Error::Store(e) => {
                tracing::error!(error = %e, "dynamodb storage failure");
                ErrorCode::InternalServerError.error("Internal server error")
            }
        }
    }
}

pub fn validation(message: impl Into<String>) -> Error {
    Error::Aws(AwsError::validation(message))
}

/// `One or more parameter values were invalid: ...`
pub fn invalid_parameter(detail: impl std::fmt::Display) -> Error {
    validation(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

/// What item operations answer for a table that does not exist.
pub fn resource_not_found() -> Error {
    ErrorCode::ResourceNotFoundException
        .error("Requested resource not found")
        .into()
}

/// What table operations answer for a table that does not exist.
pub fn table_not_found(name: &str) -> Error {
    ErrorCode::ResourceNotFoundException
        .error(format!(
            "Requested resource not found: Table: {name} not found"
        ))
        .into()
}

pub fn resource_in_use(message: impl Into<String>) -> Error {
    ErrorCode::ResourceInUseException.error(message).into()
}

/// A failed condition, carrying the item when ReturnValuesOnConditionCheckFailure asked for it.
pub fn conditional_check_failed(item: Option<&Item>) -> Error {
    let mut err =
        ErrorCode::ConditionalCheckFailedException.error("The conditional request failed");
    if let Some(item) = item {
        if let Ok(value) = serde_json::to_value(item) {
            err = err.with("Item", value);
        }
    }
    err.into()
}
