//! How DynamoDB state is laid out in the store's ordered trees.
//!
//! | tree            | key                                              | value              |
//! |-----------------|--------------------------------------------------|--------------------|
//! | `ddb.tables`    | account `\0` region `\0` table name              | [`TableRecord`] JSON |
//! | `ddb.items`     | table uid, partition key, sort key               | item JSON          |
//! | `ddb.index`     | index uid, index keys, table keys                | projected item JSON |
//! | `ddb.streams`   | stream uid                                       | [`StreamMeta`] JSON |
//! | `ddb.records`   | stream uid, sequence number                      | stream record JSON |
//! | `ddb.meta`      | counter name                                     | counter value      |
//! | `ddb.txtokens`  | account `\0` region `\0` ClientRequestToken      | token record JSON  |
//!
//! Every write to an item goes through [`changes::apply`], which maintains the indexes and
//! the stream in the same transaction.

pub mod catalog;
pub mod changes;
pub mod keys;
pub mod records;

pub use catalog::{IndexRecord, KeyAttr, KeySchema, StreamMeta, TableRecord};

use nimbus_store::Tree;

pub const TABLES: Tree = Tree("ddb.tables");
pub const ITEMS: Tree = Tree("ddb.items");
pub const INDEX: Tree = Tree("ddb.index");
pub const STREAMS: Tree = Tree("ddb.streams");
pub const RECORDS: Tree = Tree("ddb.records");
pub const META: Tree = Tree("ddb.meta");
pub const TX_TOKENS: Tree = Tree("ddb.txtokens");
