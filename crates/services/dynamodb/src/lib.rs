//! DynamoDB and DynamoDB Streams.
//!
//! - `generated/`: shapes, validation, dispatch and error codes generated from the botocore
//!   models (`codegen/generate.py`).
//! - `types/`: attribute values and exact decimal numbers.
//! - `storage/`: how tables, items, indexes and stream records sit in the store's trees; the
//!   single write path that keeps indexes and streams in step with items.
//! - `ops/`: the operations, one file per family.
//! - `streams/`: stream lifecycle and the `dynamodbstreams` API.
//! - `service.rs`: the services as the server sees them.

pub mod error;
pub mod expr;
pub mod generated;
pub mod ops;
pub mod service;
pub mod storage;
pub mod streams;
pub mod types;

pub use service::{DynamoDb, DynamoDbStreams};
