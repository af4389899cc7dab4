//! DynamoDB operations, one file per family. Each takes the store, the request context and
//! the generated input, and returns the generated output.

pub mod account;
pub mod batch;
pub mod common;
pub mod items;
mod pages;
pub mod query;
pub mod scan;
pub mod table_schema;
pub mod table_update;
pub mod tables;
pub mod tags;
pub mod transact;
pub mod ttl;
