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

/// Background upkeep, run periodically by the server: deletes expired TTL items, trims stream
/// records past retention, forgets expired transaction tokens.
pub fn maintain(store: &nimbus_store::Store, now_millis: i64) -> Result<(), error::Error> {
    ops::ttl::sweep_expired(store, now_millis / 1000)?;
    streams::trim(store, now_millis)?;
    ops::transact::expire_tokens(store, now_millis)?;
    Ok(())
}
