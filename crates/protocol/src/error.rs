//! The one error shape every service returns at the edge.

use serde_json::{Map, Value};

const CORAL_SERVICE: &str = "com.amazon.coral.service";
const CORAL_VALIDATE: &str = "com.amazon.coral.validate";

/// An AWS error: HTTP status, code, message and any extra members the error shape carries
/// (e.g. DynamoDB's `CancellationReasons` or `Item`).
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub status: u16,
    /// Qualifier written before `#` in JSON `__type` (empty for none).
    pub namespace: &'static str,
    pub code: String,
    pub message: String,
    /// The JSON member name of the message: AWS writes `message` for most errors and `Message`
    /// for a few (DynamoDB's TransactionCanceledException).
    pub message_key: &'static str,
    pub extra: Map<String, Value>,
}

impl AwsError {
    pub fn new(
        status: u16,
        namespace: &'static str,
        code: &str,
        message: impl Into<String>,
    ) -> AwsError {
        AwsError {
            status,
            namespace,
            code: code.to_string(),
            message: message.into(),
            message_key: "message",
            extra: Map::new(),
        }
    }

    /// Adds a member to the error body.
    pub fn with(mut self, key: &str, value: Value) -> AwsError {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn with_message_key(mut self, key: &'static str) -> AwsError {
        self.message_key = key;
        self
    }

    /// The request failed a constraint: 400 ValidationException.
    pub fn validation(message: impl Into<String>) -> AwsError {
        AwsError::new(400, CORAL_VALIDATE, "ValidationException", message)
    }

    /// The body could not be read as the operation's input: 400 SerializationException.
    pub fn serialization(message: impl Into<String>) -> AwsError {
        AwsError::new(400, CORAL_SERVICE, "SerializationException", message)
    }

    /// The operation is not one the service has.
    pub fn unknown_operation(operation: &str) -> AwsError {
        AwsError::new(
            400,
            CORAL_SERVICE,
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        )
    }

    /// The request named no service nimbus runs.
    pub fn unknown_service(what: &str) -> AwsError {
        AwsError::new(
            400,
            CORAL_SERVICE,
            "UnknownOperationException",
            format!("nimbus cannot route this request to a service: {what}"),
        )
    }

    /// An operation of the service's model that nimbus does not serve yet.
    pub fn not_implemented(operation: &str) -> AwsError {
        AwsError::new(
            501,
            CORAL_SERVICE,
            "NotImplementedException",
            format!("nimbus does not implement {operation} yet; see docs/compatibility.md"),
        )
    }

    /// The body is larger than the service accepts.
    pub fn request_too_large(limit: usize) -> AwsError {
        AwsError::new(
            413,
            CORAL_SERVICE,
            "RequestEntityTooLarge",
            format!("Request entity too large: the limit is {limit} bytes"),
        )
    }

    /// `__type` as JSON protocols write it.
    pub fn qualified_type(&self) -> String {
        if self.namespace.is_empty() {
            self.code.clone()
        } else {
            format!("{}#{}", self.namespace, self.code)
        }
    }

    /// The body of this error in the JSON protocols.
    pub fn json_body(&self) -> Vec<u8> {
        let mut body = Map::with_capacity(self.extra.len() + 2);
        body.insert("__type".into(), Value::String(self.qualified_type()));
        body.insert(self.message_key.into(), Value::String(self.message.clone()));
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

/// A store failure is the service's fault: 500 with a generic message (the detail is logged, not
/// sent, as AWS does not expose its internals).
impl From<nimbus_store::StoreError> for AwsError {
    fn from(e: nimbus_store::StoreError) -> AwsError {
        tracing::error!(error = %e, "store failure");
        AwsError::new(
            500,
            CORAL_SERVICE,
            "ServiceUnavailableException",
            "nimbus could not complete the request: its store failed (see the server log)",
        )
    }
}
