//! PutLogEvents, GetLogEvents, FilterLogEvents.

use nimbus_core::{time, RequestContext};
use nimbus_protocol::AwsError;
use nimbus_store::Store;

use super::streams::sequence_token;
use super::{group_name, invalid, scope};
use crate::filter::Pattern;
use crate::generated::logs::*;
use crate::storage::{self, EventWindow, StoredEvent};

/// Bytes CloudWatch Logs counts for each event besides its message.
const EVENT_OVERHEAD: usize = 26;
const MAX_BATCH_BYTES: usize = 1_048_576;
const MAX_EVENT_BYTES: usize = 1_048_576 - EVENT_OVERHEAD;
/// Events may be at most 2 hours in the future and 14 days in the past.
const FUTURE_MS: i64 = 2 * 3_600_000;
const PAST_MS: i64 = 14 * 86_400_000;
const DAY_MS: i64 = 86_400_000;
/// A page of events holds at most this many bytes of messages (AWS: 1 MB).
const PAGE_BYTES: usize = 1_048_576;

pub fn put(
    store: &Store,
    ctx: &RequestContext,
    input: PutLogEventsRequest,
) -> Result<PutLogEventsResponse, AwsError> {
    let events = &input.log_events;
    let mut total = 0;
    for e in events {
        if e.message.len() > MAX_EVENT_BYTES {
            return Err(invalid(format!(
                "Log event too large: {} bytes exceeds limit of {MAX_EVENT_BYTES}",
                e.message.len()
            )));
        }
        total += e.message.len() + EVENT_OVERHEAD;
    }
    if total > MAX_BATCH_BYTES {
        return Err(invalid(format!(
            "Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    if events.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        if last.timestamp - first.timestamp > DAY_MS {
            return Err(invalid(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            ));
        }
    }
    let now = time::now_millis();
    let scope = scope(ctx);
    store.write(|w| {
        let group = storage::require_group(w.as_read(), &scope, &input.log_group_name)?;
        let mut stream = storage::get_stream(
            w.as_read(),
            &scope,
            &input.log_group_name,
            &input.log_stream_name,
        )?
        .ok_or_else(storage::stream_not_found)?;
        let retention_cutoff = group.retention_days.map(|d| now - i64::from(d) * DAY_MS);
        let mut rejected = RejectedLogEventsInfo::default();
        let mut accepted = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let index = i as i32;
            if e.timestamp > now + FUTURE_MS {
                rejected.too_new_log_event_start_index.get_or_insert(index);
            } else if e.timestamp < now - PAST_MS {
                rejected.too_old_log_event_end_index = Some(index);
            } else if retention_cutoff.is_some_and(|c| e.timestamp < c) {
                rejected.expired_log_event_end_index = Some(index);
            } else {
                accepted.push((e.timestamp, e.message.as_str()));
            }
        }
        storage::append_events(
            w,
            &scope,
            &input.log_group_name,
            &mut stream,
            &accepted,
            now,
        )?;
        let any_rejected = rejected != RejectedLogEventsInfo::default();
        Ok(PutLogEventsResponse {
            next_sequence_token: Some(sequence_token(stream.next_seq)),
            rejected_log_events_info: any_rejected.then_some(rejected),
            rejected_entity_info: None,
        })
    })
}

/// A position in a stream as GetLogEvents tokens carry it: `f/` or `b/` and 56 digits.
fn token(direction: char, position: (i64, u64)) -> String {
    format!(
        "{direction}/{:020}{:020}{:016}",
        position.0.max(0),
        position.1,
        0
    )
}

fn parse_token(text: &str) -> Result<(bool, (i64, u64)), AwsError> {
    let bad = || invalid("The specified nextToken is invalid.");
    let (dir, digits) = text.split_once('/').ok_or_else(bad)?;
    let forward = match dir {
        "f" => true,
        "b" => false,
        _ => return Err(bad()),
    };
    if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let ts = digits[..20].parse().map_err(|_| bad())?;
    let seq = digits[20..40].parse().map_err(|_| bad())?;
    Ok((forward, (ts, seq)))
}

fn output(events: &[StoredEvent]) -> Vec<OutputLogEvent> {
    events
        .iter()
        .map(|e| OutputLogEvent {
            timestamp: Some(e.timestamp),
            message: Some(e.message.clone()),
            ingestion_time: Some(e.ingestion),
        })
        .collect()
}

/// Keeps events up to the 1 MB page size, from the front (forward) or the back.
fn cap_page(mut events: Vec<StoredEvent>, forward: bool) -> Vec<StoredEvent> {
    let mut bytes = 0;
    let fits = |e: &StoredEvent, bytes: &mut usize| {
        *bytes += e.message.len() + EVENT_OVERHEAD;
        *bytes <= PAGE_BYTES
    };
    if forward {
        let keep = events
            .iter()
            .take_while(|e| fits(e, &mut bytes))
            .count()
            .max(1);
        events.truncate(keep);
    } else {
        let keep = events
            .iter()
            .rev()
            .take_while(|e| fits(e, &mut bytes))
            .count()
            .max(1);
        let drop = events.len().saturating_sub(keep);
        events.drain(..drop);
    }
    events
}

pub fn get(
    store: &Store,
    ctx: &RequestContext,
    input: GetLogEventsRequest,
) -> Result<GetLogEventsResponse, AwsError> {
    let group = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let (forward, from) = match &input.next_token {
        Some(t) => {
            let (f, pos) = parse_token(t)?;
            (f, Some(pos))
        }
        None => (input.start_from_head.unwrap_or(false), None),
    };
    let window = EventWindow {
        start: input.start_time,
        end: input.end_time,
        from,
        forward,
        limit: input.limit.unwrap_or(10_000).max(1) as usize,
    };
    let scope = scope(ctx);
    let events = store.read(|r| {
        storage::require_group(r, &scope, &group)?;
        if storage::get_stream(r, &scope, &group, &input.log_stream_name)?.is_none() {
            return Err(storage::stream_not_found());
        }
        storage::stream_events(r, &scope, &group, &input.log_stream_name, &window)
    })?;
    let events = cap_page(events, forward);
    // With nothing (more) to read, the tokens stay where they were, so a client that follows
    // nextForwardToken until it repeats stops.
    let here = from.unwrap_or((window.start.unwrap_or(0), 0));
    let first = events.first().map_or(here, |e| (e.timestamp, e.seq));
    let last = events.last().map_or(here, |e| (e.timestamp, e.seq));
    Ok(GetLogEventsResponse {
        events: Some(output(&events)),
        next_forward_token: Some(token('f', last)),
        next_backward_token: Some(token('b', first)),
    })
}

pub fn filter(
    store: &Store,
    ctx: &RequestContext,
    input: FilterLogEventsRequest,
) -> Result<FilterLogEventsResponse, AwsError> {
    let group = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    if input.log_stream_names.is_some() && input.log_stream_name_prefix.is_some() {
        return Err(invalid(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        ));
    }
    let pattern = Pattern::parse(input.filter_pattern.as_deref().unwrap_or(""))
        .map_err(|e| invalid(format!("Invalid filter pattern: {}", e.0)))?;
    let limit = input.limit.unwrap_or(10_000).max(1) as usize;
    let after = input
        .next_token
        .as_deref()
        .map(parse_filter_token)
        .transpose()?;
    let scope = scope(ctx);
    let (streams, mut events) = store.read(|r| {
        storage::require_group(r, &scope, &group)?;
        let mut streams = storage::streams_of(r, &scope, &group)?;
        if let Some(names) = &input.log_stream_names {
            streams.retain(|s| names.contains(&s.name));
        }
        if let Some(prefix) = &input.log_stream_name_prefix {
            streams.retain(|s| s.name.starts_with(prefix.as_str()));
        }
        let window = EventWindow {
            start: input.start_time,
            end: input.end_time,
            from: None,
            forward: true,
            limit: usize::MAX,
        };
        let mut all = Vec::new();
        for s in &streams {
            all.extend(storage::stream_events(r, &scope, &group, &s.name, &window)?);
        }
        Ok::<_, AwsError>((streams, all))
    })?;
    events.retain(|e| pattern.matches(&e.message));
    events.sort_by(|a, b| (a.timestamp, &a.stream, a.seq).cmp(&(b.timestamp, &b.stream, b.seq)));
    if let Some((ts, stream, seq)) = &after {
        events.retain(|e| (e.timestamp, &e.stream, e.seq) > (*ts, stream, *seq));
    }
    let mut more = events.len() > limit;
    events.truncate(limit);
    let before_cap = events.len();
    let events = cap_page(events, true);
    more |= events.len() < before_cap;
    let next_token = if more {
        events
            .last()
            .map(|e| format!("{}/{}/{}", e.timestamp, e.seq, e.stream))
    } else {
        None
    };
    Ok(FilterLogEventsResponse {
        events: Some(
            events
                .iter()
                .map(|e| FilteredLogEvent {
                    log_stream_name: Some(e.stream.clone()),
                    timestamp: Some(e.timestamp),
                    message: Some(e.message.clone()),
                    ingestion_time: Some(e.ingestion),
                    event_id: Some(format!(
                        "{:020}{:020}{:016}",
                        e.timestamp,
                        e.seq,
                        stream_hash(&e.stream)
                    )),
                })
                .collect(),
        ),
        next_token,
        searched_log_streams: Some(
            streams
                .iter()
                .map(|s| SearchedLogStream {
                    log_stream_name: Some(s.name.clone()),
                    searched_completely: Some(true),
                })
                .collect(),
        ),
    })
}

fn parse_filter_token(text: &str) -> Result<(i64, String, u64), AwsError> {
    let bad = || invalid("The specified nextToken is invalid.");
    let mut parts = text.splitn(3, '/');
    let ts = parts.next().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
    let seq = parts.next().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
    let stream = parts.next().ok_or_else(bad)?.to_string();
    Ok((ts, stream, seq))
}

fn stream_hash(name: &str) -> u64 {
    // FNV-1a, shortened to 16 decimal digits: it only has to keep event ids of streams apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % 10_000_000_000_000_000
}
