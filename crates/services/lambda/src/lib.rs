//! AWS Lambda: functions run natively as sandboxed processes behind the Lambda Runtime API.
//!
//! - `generated/`: shapes, validation, routes and dispatch from the botocore model.
//! - `control/`: the control plane, one file per operation family (functions, versions,
//!   aliases, concurrency, async settings, permissions, layers, tags, account).
//! - `storage/`: how functions, versions, aliases, packages and layers sit in the store.
//! - `code.rs`: deployment packages: limits, zip-slip and symlink checks, unpacking.
//! - `runtimes.rs`: which runtimes this host runs, with which interpreter.
//! - `engine/`: execution environments (sandboxed runtime processes), their Runtime API
//!   endpoints and log pipelines, warm pools and concurrency.
//! - `invoke.rs`, `asynchronous.rs`: Invoke, synchronously and through the delivery queue.
//! - `ric/`: nimbus's runtime interface clients for Python and Node.js, built into the binary.
//! - `sdk.rs`: boto3 and the AWS SDK for JavaScript v3 for functions, when the host lacks them.
//! - `service.rs`: the service state and its restJson1 edge.

pub mod asynchronous;
pub mod code;
pub mod control;
pub mod engine;
pub mod errors;
pub mod function_urls;
pub mod generated;
pub mod http_stream;
pub mod invoke;
pub mod names;
pub mod response_stream;
pub mod runtimes;
pub mod sdk;
pub mod service;
pub mod storage;

pub use asynchronous::AsyncInvoker;
pub use service::{Lambda, LambdaConfig};
