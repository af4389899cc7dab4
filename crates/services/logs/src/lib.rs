//! CloudWatch Logs: log groups, streams and events in the store, the `logs` API over them, and
//! an in-process sink that other services (Lambda) write their logs through.
//!
//! - `generated/`: shapes, validation, dispatch and error codes from the botocore model.
//! - `storage.rs`: the layout of groups, streams and events in the store's trees.
//! - `filter.rs`: filter patterns (terms, JSON, space-delimited).
//! - `ops/`: the operations by family (groups, streams, events, tags).
//! - `service.rs`: the `JsonService` the server routes `Logs_20140328.*` to.

pub mod filter;
pub mod generated;
pub mod ops;
pub mod service;
pub mod storage;

pub use service::Logs;

use nimbus_protocol::AwsError;
use nimbus_store::Store;

use storage::{GroupRecord, Scope, StreamRecord};

/// Appends `events` (timestamp in ms, message) to `group`/`stream`, creating the group and the
/// stream when they are missing, as Lambda does for its functions' logs.
pub fn append(
    store: &Store,
    account: &str,
    region: &str,
    group: &str,
    stream: &str,
    events: &[(i64, String)],
) -> Result<(), AwsError> {
    let scope = Scope { account, region };
    let now = nimbus_core::time::now_millis();
    store.write(|w| {
        if storage::get_group(w.as_read(), &scope, group)?.is_none() {
            let record = GroupRecord {
                name: group.to_string(),
                created: now,
                ..GroupRecord::default()
            };
            storage::put_group(w, &scope, &record)?;
        }
        let mut s = match storage::get_stream(w.as_read(), &scope, group, stream)? {
            Some(s) => s,
            None => StreamRecord {
                name: stream.to_string(),
                created: now,
                ..StreamRecord::default()
            },
        };
        let borrowed: Vec<(i64, &str)> = events.iter().map(|(t, m)| (*t, m.as_str())).collect();
        storage::append_events(w, &scope, group, &mut s, &borrowed, now)
    })
}

/// Background upkeep: deletes events past their group's retention.
pub fn maintain(store: &Store, now_millis: i64) -> Result<(), AwsError> {
    ops::groups::sweep_retention(store, now_millis).map(|_| ())
}
