//! DynamoDB Streams: streams are opened and closed with their table's settings; records are
//! appended by [`crate::storage::changes::apply`]; the `dynamodbstreams` API reads them.

pub mod api;

use nimbus_store::Write;

use crate::error::Result;
use crate::storage::catalog::{
    load_stream, next_uid, save_stream, StreamMeta, TableRecord, TableStream,
};

/// How long records stay readable.
pub const RETENTION_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// Attaches a new stream to a table (CreateTable or UpdateTable with StreamEnabled).
pub fn open_stream(w: &mut dyn Write, table: &TableRecord, view_type: &str) -> Result<TableStream> {
    let now = nimbus_core::time::now_millis();
    let label = nimbus_core::time::Civil::from_millis(now).stream_label();
    let stream = TableStream {
        uid: next_uid(w)?,
        label,
        view_type: view_type.to_string(),
        enabled: true,
    };
    save_stream(
        w,
        &StreamMeta {
            uid: stream.uid,
            arn: table.stream_arn(&stream),
            label: stream.label.clone(),
            table_name: table.name.clone(),
            account: table.account.clone(),
            region: table.region.clone(),
            view_type: stream.view_type.clone(),
            key: table.key.clone(),
            enabled: true,
            created_millis: now,
            closed_millis: None,
        },
    )?;
    Ok(stream)
}

/// Disables a stream: it stops receiving records but stays readable for 24 hours.
pub fn close_stream(w: &mut dyn Write, uid: u64) -> Result<()> {
    if let Some(mut meta) = load_stream(w.as_read(), uid)? {
        if meta.enabled {
            meta.enabled = false;
            meta.closed_millis = Some(nimbus_core::time::now_millis());
            save_stream(w, &meta)?;
        }
    }
    Ok(())
}

/// Deletes stream records past retention, and streams closed for longer than retention.
/// Answers how many records were removed.
pub fn trim(store: &nimbus_store::Store, now_millis: i64) -> Result<u64> {
    use nimbus_store::{Flow, KeyRange};

    use crate::storage::catalog::all_streams;
    use crate::storage::changes::StoredRecord;
    use crate::storage::keys::uid_prefix;
    use crate::storage::{RECORDS, STREAMS};

    let cutoff_seconds = (now_millis - RETENTION_MILLIS) as f64 / 1000.0;
    let streams = store.read(|r| all_streams(r))?;
    let mut removed = 0;
    for meta in streams {
        removed += store.write(|w| {
            // Records are in time order: everything before the first young one goes.
            let prefix = uid_prefix(meta.uid);
            let mut first_kept = None;
            w.as_read()
                .scan(RECORDS, &KeyRange::prefix(&prefix), false, &mut |k, v| {
                    let young = serde_json::from_slice::<StoredRecord>(v)
                        .map(|r| r.created_seconds >= cutoff_seconds)
                        .unwrap_or(true);
                    if young {
                        first_kept = Some(k.to_vec());
                        return Ok(Flow::Stop);
                    }
                    Ok(Flow::Continue)
                })?;
            let mut old = KeyRange::prefix(&prefix);
            if let Some(k) = first_kept {
                old.end = Some((k, false));
            }
            let n = w.delete_range(RECORDS, &old)?;
            if meta
                .closed_millis
                .is_some_and(|c| now_millis - c >= RETENTION_MILLIS)
            {
                w.delete_range(RECORDS, &KeyRange::prefix(&prefix))?;
                w.delete(STREAMS, &meta.uid.to_be_bytes())?;
            }
            Ok::<_, crate::error::Error>(n)
        })?;
    }
    Ok(removed)
}
