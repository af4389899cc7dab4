//! How log groups, streams and events sit in the store.
//!
//! | tree          | key                                              | value                 |
//! |---------------|--------------------------------------------------|-----------------------|
//! | `logs.groups` | account \0 region \0 group                       | [`GroupRecord`] JSON  |
//! | `logs.streams`| account \0 region \0 group \0 stream             | [`StreamRecord`] JSON |
//! | `logs.events` | account \0 region \0 group \0 stream \0 ts seq   | ingestion time, text  |
//!
//! Names cannot contain NUL, so `\0` separates them and a group's streams (or a stream's events)
//! are one prefix. `ts` and `seq` are big-endian u64s, so events of a stream are in timestamp
//! order, ties in arrival order.

use std::collections::BTreeMap;

use nimbus_protocol::AwsError;
use nimbus_store::{Flow, KeyRange, Read, Tree, Write};
use serde::{Deserialize, Serialize};

use crate::generated::logs::ErrorCode;

pub const GROUPS: Tree = Tree("logs.groups");
pub const STREAMS: Tree = Tree("logs.streams");
pub const EVENTS: Tree = Tree("logs.events");

pub type Result<T> = std::result::Result<T, AwsError>;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct GroupRecord {
    pub name: String,
    pub created: i64,
    #[serde(default)]
    pub retention_days: Option<i32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub deletion_protection: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct StreamRecord {
    pub name: String,
    pub created: i64,
    #[serde(default)]
    pub first_event: Option<i64>,
    #[serde(default)]
    pub last_event: Option<i64>,
    #[serde(default)]
    pub last_ingestion: Option<i64>,
    /// Sequence number of the next event (orders events with equal timestamps).
    #[serde(default)]
    pub next_seq: u64,
    #[serde(default)]
    pub stored_bytes: i64,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub stream: String,
    pub timestamp: i64,
    pub seq: u64,
    pub ingestion: i64,
    pub message: String,
}

/// Where a group lives: account and region scope it, as on AWS.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

impl Scope<'_> {
    fn prefix(&self) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.account.len() + self.region.len() + 2);
        k.extend_from_slice(self.account.as_bytes());
        k.push(0);
        k.extend_from_slice(self.region.as_bytes());
        k.push(0);
        k
    }

    pub fn groups_range(&self, name_prefix: &str) -> KeyRange {
        let mut k = self.prefix();
        k.extend_from_slice(name_prefix.as_bytes());
        KeyRange::prefix(&k)
    }

    pub fn group_key(&self, group: &str) -> Vec<u8> {
        let mut k = self.prefix();
        k.extend_from_slice(group.as_bytes());
        k
    }

    /// The prefix of a group's streams (in `STREAMS`) and of its events (in `EVENTS`).
    pub fn group_children(&self, group: &str) -> Vec<u8> {
        let mut k = self.group_key(group);
        k.push(0);
        k
    }

    pub fn stream_key(&self, group: &str, stream: &str) -> Vec<u8> {
        let mut k = self.group_children(group);
        k.extend_from_slice(stream.as_bytes());
        k
    }
}

/// The key of an event of the stream whose key is `stream_key`.
pub fn event_key(stream_key: &[u8], timestamp: i64, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream_key.len() + 17);
    k.extend_from_slice(stream_key);
    k.push(0);
    k.extend_from_slice(&(timestamp.max(0) as u64).to_be_bytes());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The (timestamp, seq) at the end of an event key.
pub fn event_position(key: &[u8]) -> Option<(i64, u64)> {
    let tail = key.get(key.len().checked_sub(16)?..)?;
    let ts = u64::from_be_bytes(tail[..8].try_into().ok()?);
    let seq = u64::from_be_bytes(tail[8..].try_into().ok()?);
    Some((ts as i64, seq))
}

pub fn encode_event(ingestion: i64, message: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + message.len());
    v.extend_from_slice(&ingestion.to_be_bytes());
    v.extend_from_slice(message.as_bytes());
    v
}

pub fn decode_event(value: &[u8]) -> Option<(i64, String)> {
    let ingestion = i64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    let message = String::from_utf8_lossy(value.get(8..)?).into_owned();
    Some((ingestion, message))
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        nimbus_store::StoreError::Engine(format!("a stored logs record is corrupt: {e}")).into()
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

pub fn group_not_found() -> AwsError {
    ErrorCode::ResourceNotFoundException.error("The specified log group does not exist.")
}

pub fn stream_not_found() -> AwsError {
    ErrorCode::ResourceNotFoundException.error("The specified log stream does not exist.")
}

pub fn get_group(r: &dyn Read, scope: &Scope, group: &str) -> Result<Option<GroupRecord>> {
    r.get(GROUPS, &scope.group_key(group))?
        .map(|v| decode(&v))
        .transpose()
}

pub fn require_group(r: &dyn Read, scope: &Scope, group: &str) -> Result<GroupRecord> {
    get_group(r, scope, group)?.ok_or_else(group_not_found)
}

pub fn put_group(w: &mut dyn Write, scope: &Scope, group: &GroupRecord) -> Result<()> {
    w.put(GROUPS, &scope.group_key(&group.name), &encode(group))?;
    Ok(())
}

pub fn get_stream(
    r: &dyn Read,
    scope: &Scope,
    group: &str,
    stream: &str,
) -> Result<Option<StreamRecord>> {
    r.get(STREAMS, &scope.stream_key(group, stream))?
        .map(|v| decode(&v))
        .transpose()
}

pub fn put_stream(w: &mut dyn Write, scope: &Scope, group: &str, s: &StreamRecord) -> Result<()> {
    w.put(STREAMS, &scope.stream_key(group, &s.name), &encode(s))?;
    Ok(())
}

/// Every stream of a group, in name order.
pub fn streams_of(r: &dyn Read, scope: &Scope, group: &str) -> Result<Vec<StreamRecord>> {
    let mut out = Vec::new();
    let mut failed = None;
    r.scan(
        STREAMS,
        &KeyRange::prefix(&scope.group_children(group)),
        false,
        &mut |_, v| {
            match decode::<StreamRecord>(v) {
                Ok(s) => out.push(s),
                Err(e) => failed = Some(e),
            }
            Ok(Flow::Continue)
        },
    )?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Every group of a scope whose name starts with `prefix`, in name order.
pub fn groups_of(r: &dyn Read, scope: &Scope, prefix: &str) -> Result<Vec<GroupRecord>> {
    let mut out = Vec::new();
    let mut failed = None;
    r.scan(GROUPS, &scope.groups_range(prefix), false, &mut |_, v| {
        match decode::<GroupRecord>(v) {
            Ok(g) => out.push(g),
            Err(e) => failed = Some(e),
        }
        Ok(Flow::Continue)
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Removes a group with its streams and events.
pub fn delete_group(w: &mut dyn Write, scope: &Scope, group: &str) -> Result<()> {
    let children = KeyRange::prefix(&scope.group_children(group));
    w.delete_range(EVENTS, &children)?;
    w.delete_range(STREAMS, &children)?;
    w.delete(GROUPS, &scope.group_key(group))?;
    Ok(())
}

/// Removes a stream and its events.
pub fn delete_stream(w: &mut dyn Write, scope: &Scope, group: &str, stream: &str) -> Result<()> {
    let key = scope.stream_key(group, stream);
    let mut events = key.clone();
    events.push(0);
    w.delete_range(EVENTS, &KeyRange::prefix(&events))?;
    w.delete(STREAMS, &key)?;
    Ok(())
}

/// The events of one stream in `[start, end)` of timestamps, from `after` (exclusive) forward or
/// from `before` (exclusive) backward, up to `limit`; always answered in ascending order.
pub struct EventWindow {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub from: Option<(i64, u64)>,
    pub forward: bool,
    pub limit: usize,
}

pub fn stream_events(
    r: &dyn Read,
    scope: &Scope,
    group: &str,
    stream: &str,
    window: &EventWindow,
) -> Result<Vec<StoredEvent>> {
    let stream_key = scope.stream_key(group, stream);
    let mut lower = event_key(&stream_key, window.start.unwrap_or(0), 0);
    let mut upper = match window.end {
        Some(end) => event_key(&stream_key, end, 0),
        None => {
            let mut k = stream_key.clone();
            k.push(1);
            k
        }
    };
    let mut lower_inclusive = true;
    let mut upper_inclusive = false;
    if let Some((ts, seq)) = window.from {
        let at = event_key(&stream_key, ts, seq);
        if window.forward && at >= lower {
            lower = at;
            lower_inclusive = false;
        } else if !window.forward && at <= upper {
            upper = at;
            upper_inclusive = false;
        }
    }
    let range = KeyRange {
        start: Some((lower, lower_inclusive)),
        end: Some((upper, upper_inclusive)),
    };
    let mut out = Vec::new();
    r.scan(EVENTS, &range, !window.forward, &mut |k, v| {
        if let (Some((timestamp, seq)), Some((ingestion, message))) =
            (event_position(k), decode_event(v))
        {
            out.push(StoredEvent {
                stream: stream.to_string(),
                timestamp,
                seq,
                ingestion,
                message,
            });
        }
        Ok(if out.len() >= window.limit {
            Flow::Stop
        } else {
            Flow::Continue
        })
    })?;
    if !window.forward {
        out.reverse();
    }
    Ok(out)
}

/// Appends events (already checked) to a stream, keeping its record current.
pub fn append_events(
    w: &mut dyn Write,
    scope: &Scope,
    group: &str,
    stream: &mut StreamRecord,
    events: &[(i64, &str)],
    now: i64,
) -> Result<()> {
    let stream_key = scope.stream_key(group, &stream.name);
    for (timestamp, message) in events {
        let key = event_key(&stream_key, *timestamp, stream.next_seq);
        stream.next_seq += 1;
        w.put(EVENTS, &key, &encode_event(now, message))?;
        stream.first_event = Some(stream.first_event.map_or(*timestamp, |f| f.min(*timestamp)));
        stream.last_event = Some(stream.last_event.map_or(*timestamp, |l| l.max(*timestamp)));
        stream.stored_bytes += message.len() as i64;
    }
    if !events.is_empty() {
        stream.last_ingestion = Some(now);
    }
    put_stream(w, scope, group, stream)
}

/// Deletes a stream's events with timestamps before `cutoff` and moves its first-event time to
/// what remains; answers how many were deleted.
pub fn expire_events(
    w: &mut dyn Write,
    scope: &Scope,
    group: &str,
    stream: &str,
    cutoff: i64,
) -> Result<u64> {
    // Read inside the transaction: a concurrent append moves `next_seq`.
    let Some(mut stream) = get_stream(w.as_read(), scope, group, stream)? else {
        return Ok(0);
    };
    let stream_key = scope.stream_key(group, &stream.name);
    let range = KeyRange {
        start: Some((event_key(&stream_key, 0, 0), true)),
        end: Some((event_key(&stream_key, cutoff, 0), false)),
    };
    let removed = w.delete_range(EVENTS, &range)?;
    let mut first = None;
    let mut rest = stream_key.clone();
    rest.push(0);
    w.as_read()
        .scan(EVENTS, &KeyRange::prefix(&rest), false, &mut |k, _| {
            first = event_position(k).map(|(ts, _)| ts);
            Ok(Flow::Stop)
        })?;
    stream.first_event = first;
    if first.is_none() {
        stream.last_event = None;
    }
    put_stream(w, scope, group, &stream)?;
    Ok(removed)
}

/// Every (account, region, group) that has a retention policy.
pub fn groups_with_retention(r: &dyn Read) -> Result<Vec<(String, String, GroupRecord)>> {
    let mut out = Vec::new();
    r.scan(GROUPS, &KeyRange::default(), false, &mut |k, v| {
        let mut parts = k.splitn(3, |b| *b == 0);
        let (Some(account), Some(region)) = (parts.next(), parts.next()) else {
            return Ok(Flow::Continue);
        };
        if let Ok(g) = serde_json::from_slice::<GroupRecord>(v) {
            if g.retention_days.is_some() {
                out.push((
                    String::from_utf8_lossy(account).into_owned(),
                    String::from_utf8_lossy(region).into_owned(),
                    g,
                ));
            }
        }
        Ok(Flow::Continue)
    })?;
    Ok(out)
}
