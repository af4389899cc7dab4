//! AWS's wire protocols, written once for every service.
//!
//! A service is described by a [`ServiceSpec`] (its protocol, its signing name, how its
//! operations are addressed) and implemented as typed operations; this crate turns HTTP
//! requests into those typed inputs and outputs and errors back into HTTP responses.
//!
//! | protocol    | addressed by                    | first service  | status      |
//! |-------------|---------------------------------|----------------|-------------|
//! | awsJson1_0  | `X-Amz-Target: Prefix.Op`       | DynamoDB       | implemented |
//! | awsJson1_1  | `X-Amz-Target: Prefix.Op`       | CloudWatch Logs| implemented (same codec, 1.1 content type) |
//! | restJson1   | method + URI template           | Lambda         | implemented ([`rest`]) |
//! | restXml     | method + URI template           | S3             | lands with S3 |
//! | awsQuery    | SigV4 scope + form field `Action` | ELB v2       | implemented ([`query`]; SNS, IAM, STS to come) |

pub mod blob;
pub mod error;
pub mod eventstream;
pub mod json;
pub mod query;
pub mod rest;
pub mod sigv4;
pub mod validation;

pub use blob::Blob;
pub use error::AwsError;
pub use validation::{join, Violations};

/// The wire protocols AWS services speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    AwsJson1_0,
    AwsJson1_1,
    RestJson1,
    RestXml,
    AwsQuery,
}

impl Protocol {
    /// The `Content-Type` of this protocol's responses.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "application/x-amz-json-1.0",
            Protocol::AwsJson1_1 => "application/x-amz-json-1.1",
            Protocol::RestJson1 => "application/json",
            Protocol::RestXml | Protocol::AwsQuery => "text/xml",
        }
    }
}

/// What the server needs to know to route requests to a service.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// nimbus's name for the service (health output, logs).
    pub name: &'static str,
    pub protocol: Protocol,
    /// The SigV4 signing name clients put in the credential scope.
    pub signing_name: &'static str,
    /// For JSON protocols: the `X-Amz-Target` prefix before the `.`.
    pub target_prefix: Option<&'static str>,
}

/// A service speaking awsJson1_0 or awsJson1_1: operations named by `X-Amz-Target`, JSON bodies.
///
/// `handle` runs store transactions, which are short; the server calls it inline on its I/O
/// workers, so an implementation must not wait on anything slow (network, other requests).
pub trait JsonService: Send + Sync + 'static {
    fn spec(&self) -> &ServiceSpec;
    /// Decodes `body` as `operation`'s input, runs it and encodes the output.
    fn handle(
        &self,
        ctx: &nimbus_core::RequestContext,
        operation: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, AwsError>;
    /// Response headers the service adds to every response (e.g. DynamoDB's `x-amz-crc32`).
    fn checksum_header(&self) -> bool {
        false
    }
}
