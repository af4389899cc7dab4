//! DynamoDB and DynamoDB Streams.

pub mod generated;
pub mod types;
