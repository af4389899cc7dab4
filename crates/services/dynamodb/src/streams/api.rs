//! The `dynamodbstreams` API: ListStreams, DescribeStream, GetShardIterator, GetRecords.
//!
//! Each stream has one shard holding every record in order. Sequence numbers are the record's
//! position in that shard; shard iterators are opaque tokens naming the stream and the next
//! sequence number to read, valid for 15 minutes as on AWS.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nimbus_core::RequestContext;
use nimbus_store::{Flow, KeyRange, Read, Store};

use super::RETENTION_MILLIS;
use crate::error::{validation, Error, Result};
use crate::generated::streams::*;
use crate::storage::catalog::{all_streams, KeySchema, StreamMeta};
use crate::storage::changes::StoredRecord;
use crate::storage::keys::uid_prefix;
use crate::storage::records::from_stored;
use crate::storage::RECORDS;

const ITERATOR_TTL_MILLIS: i64 = 15 * 60 * 1000;
const MAX_RECORDS: usize = 1000;

fn shard_id(meta: &StreamMeta) -> String {
    format!(
        "shardId-{:020}-{:08x}",
        meta.created_millis,
        meta.uid & 0xffff_ffff
    )
}

fn sequence_number(seq: u64) -> String {
    format!("{seq:021}")
}

/// Streams visible to the caller: its account and region, not yet past retention.
fn visible_streams(r: &dyn Read, ctx: &RequestContext) -> Result<Vec<StreamMeta>> {
    let now = nimbus_core::time::now_millis();
    Ok(all_streams(r)?
        .into_iter()
        .filter(|m| m.account == ctx.account && m.region == ctx.region)
        .filter(|m| m.closed_millis.is_none_or(|c| now - c < RETENTION_MILLIS))
        .collect())
}

fn stream_by_arn(r: &dyn Read, ctx: &RequestContext, arn: &str) -> Result<StreamMeta> {
    let well_formed = nimbus_core::Arn::parse(arn)
        .is_some_and(|a| a.service == "dynamodb" && a.resource.contains("/stream/"));
    if !well_formed {
        return Err(validation(format!("Invalid StreamArn: {arn}")));
    }
    visible_streams(r, ctx)?
        .into_iter()
        .find(|m| m.arn == arn)
        .ok_or_else(|| {
            ErrorCode::ResourceNotFoundException
                .error(format!(
                    "Requested resource not found: Stream: {arn} not found"
                ))
                .into()
        })
}

/// First and last retained sequence numbers of a stream.
fn bounds(r: &dyn Read, meta: &StreamMeta) -> Result<(Option<u64>, Option<u64>)> {
    let range = KeyRange::prefix(&uid_prefix(meta.uid));
    let now = nimbus_core::time::now_millis();
    let mut first = None;
    r.scan(RECORDS, &range, false, &mut |k, v| {
        // Records past retention are trimmed: skip them.
        if let Ok(rec) = serde_json::from_slice::<StoredRecord>(v) {
            if (now as f64) - rec.created_seconds * 1000.0 < RETENTION_MILLIS as f64 {
                first = seq_of(k);
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    })?;
    let mut last = None;
    r.scan(RECORDS, &range, true, &mut |k, _| {
        last = seq_of(k);
        Ok(Flow::Stop)
    })?;
    Ok((first, last))
}

fn seq_of(key: &[u8]) -> Option<u64> {
    key.get(8..16)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
}

fn key_schema(key: &KeySchema) -> Vec<KeySchemaElement> {
    let mut out = vec![KeySchemaElement {
        attribute_name: key.hash.name.clone(),
        key_type: "HASH".into(),
    }];
    if let Some(r) = &key.range {
        out.push(KeySchemaElement {
            attribute_name: r.name.clone(),
            key_type: "RANGE".into(),
        });
    }
    out
}

pub fn list_streams(
    store: &Store,
    ctx: &RequestContext,
    input: ListStreamsInput,
) -> Result<ListStreamsOutput> {
    let limit = input.limit.unwrap_or(100) as usize;
    store.read(|r| {
        let mut streams: Vec<StreamMeta> = visible_streams(r, ctx)?
            .into_iter()
            .filter(|m| {
                input
                    .table_name
                    .as_deref()
                    .is_none_or(|t| t == m.table_name)
            })
            .collect();
        streams.sort_by(|a, b| a.arn.cmp(&b.arn));
        if let Some(start) = &input.exclusive_start_stream_arn {
            streams.retain(|m| m.arn.as_str() > start.as_str());
        }
        let more = streams.len() > limit;
        streams.truncate(limit);
        Ok(ListStreamsOutput {
            last_evaluated_stream_arn: if more {
                streams.last().map(|m| m.arn.clone())
            } else {
                None
            },
            streams: Some(
                streams
                    .into_iter()
                    .map(|m| Stream {
                        stream_arn: Some(m.arn),
                        stream_label: Some(m.label),
                        table_name: Some(m.table_name),
                    })
                    .collect(),
            ),
        })
    })
}

pub fn describe_stream(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeStreamInput,
) -> Result<DescribeStreamOutput> {
    store.read(|r| {
        let meta = stream_by_arn(r, ctx, &input.stream_arn)?;
        let (first, last) = bounds(r, &meta)?;
        let shard = Shard {
            shard_id: Some(shard_id(&meta)),
            parent_shard_id: None,
            sequence_number_range: Some(SequenceNumberRange {
                starting_sequence_number: Some(sequence_number(
                    first.or(last.map(|l| l + 1)).unwrap_or(1),
                )),
                ending_sequence_number: (!meta.enabled).then(|| sequence_number(last.unwrap_or(0))),
            }),
        };
        let wanted = input.shard_filter.as_ref().and_then(|f| f.shard_id.clone());
        let shards = match (&input.exclusive_start_shard_id, wanted) {
            (Some(start), _) if *start >= shard_id(&meta) => Vec::new(),
            (_, Some(id)) if id != shard_id(&meta) => Vec::new(),
            _ => vec![shard],
        };
        Ok(DescribeStreamOutput {
            stream_description: Some(StreamDescription {
                stream_arn: Some(meta.arn.clone()),
                stream_label: Some(meta.label.clone()),
                stream_status: Some(if meta.enabled { "ENABLED" } else { "DISABLED" }.into()),
                stream_view_type: Some(meta.view_type.clone()),
                creation_request_date_time: Some(meta.created_millis as f64 / 1000.0),
                table_name: Some(meta.table_name.clone()),
                key_schema: Some(key_schema(&meta.key)),
                shards: Some(shards),
                last_evaluated_shard_id: None,
            }),
        })
    })
}

/// What a shard iterator encodes.
struct ShardPosition {
    stream_uid: u64,
    next: u64,
    issued_millis: i64,
}

impl ShardPosition {
    fn encode(&self, arn: &str) -> String {
        let text = format!(
            "{}|{}|{}|{}",
            self.stream_uid, self.next, self.issued_millis, arn
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(token: &str) -> Option<ShardPosition> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(4, '|');
        Some(ShardPosition {
            stream_uid: parts.next()?.parse().ok()?,
            next: parts.next()?.parse().ok()?,
            issued_millis: parts.next()?.parse().ok()?,
        })
    }
}

pub fn get_shard_iterator(
    store: &Store,
    ctx: &RequestContext,
    input: GetShardIteratorInput,
) -> Result<GetShardIteratorOutput> {
    store.read(|r| {
        let meta = stream_by_arn(r, ctx, &input.stream_arn)?;
        if input.shard_id != shard_id(&meta) {
            return Err(ErrorCode::ResourceNotFoundException
                .error(format!(
                    "Requested resource not found: Shard does not exist: {}",
                    input.shard_id
                ))
                .into());
        }
        let (first, last) = bounds(r, &meta)?;
        let requested = || -> Result<u64> {
            let text = input.sequence_number.as_deref().ok_or_else(|| {
                validation(format!(
                    "SequenceNumber must be specified for ShardIteratorType {}",
                    input.shard_iterator_type
                ))
            })?;
            let seq: u64 = text
                .parse()
                .map_err(|_| validation(format!("Invalid SequenceNumber: {text}")))?;
            if first.is_some_and(|f| seq < f) || (first.is_none() && last.is_some_and(|l| seq <= l))
            {
                return Err(ErrorCode::TrimmedDataAccessException
                    .error(
                        "The operation attempted to read past the oldest stream record in a shard.",
                    )
                    .into());
            }
            Ok(seq)
        };
        let next = match input.shard_iterator_type.as_str() {
            "TRIM_HORIZON" => first.unwrap_or(last.map_or(1, |l| l + 1)),
            "LATEST" => last.map_or(1, |l| l + 1),
            "AT_SEQUENCE_NUMBER" => requested()?,
            "AFTER_SEQUENCE_NUMBER" => requested()? + 1,
            other => return Err(validation(format!("Invalid ShardIteratorType: {other}"))),
        };
        let it = ShardPosition {
            stream_uid: meta.uid,
            next,
            issued_millis: nimbus_core::time::now_millis(),
        };
        Ok(GetShardIteratorOutput {
            shard_iterator: Some(it.encode(&meta.arn)),
        })
    })
}

pub fn get_records(
    store: &Store,
    ctx: &RequestContext,
    input: GetRecordsInput,
) -> Result<GetRecordsOutput> {
    let it = ShardPosition::decode(&input.shard_iterator)
        .ok_or_else(|| validation("Invalid ShardIterator"))?;
    let now = nimbus_core::time::now_millis();
    if now - it.issued_millis > ITERATOR_TTL_MILLIS {
        return Err(ErrorCode::ExpiredIteratorException
            .error("ShardPosition expired. The iterator was created more than 15 minutes ago.")
            .into());
    }
    let limit = input.limit.map_or(MAX_RECORDS, |l| l as usize);
    store.read(|r| {
        let meta = visible_streams(r, ctx)?
            .into_iter()
            .find(|m| m.uid == it.stream_uid)
            .ok_or_else(|| {
                Error::from(
                    ErrorCode::ResourceNotFoundException
                        .error("Requested resource not found: Stream not found"),
                )
            })?;
        let mut start = uid_prefix(meta.uid);
        start.extend_from_slice(&it.next.to_be_bytes());
        let range = KeyRange {
            start: Some((start, true)),
            end: KeyRange::prefix(&uid_prefix(meta.uid)).end,
        };
        let mut records = Vec::new();
        let mut next = it.next;
        let mut failed = None;
        r.scan(RECORDS, &range, false, &mut |k, v| {
            if records.len() >= limit {
                return Ok(Flow::Stop);
            }
            let Some(seq) = seq_of(k) else {
                return Ok(Flow::Continue);
            };
            next = seq + 1;
            match from_stored::<StoredRecord>(v, "stream record") {
                Ok(rec) => records.push(to_record(rec, seq)),
                Err(e) => {
                    failed = Some(e);
                    return Ok(Flow::Stop);
                }
            }
            Ok(Flow::Continue)
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        // A disabled stream's shard is closed: once drained, there is no next iterator.
        let drained = records.is_empty() && !meta.enabled;
        let next_iterator = (!drained).then(|| {
            ShardPosition {
                stream_uid: meta.uid,
                next,
                issued_millis: now,
            }
            .encode(&meta.arn)
        });
        Ok(GetRecordsOutput {
            records: Some(records),
            next_shard_iterator: next_iterator,
        })
    })
}

fn to_record(rec: StoredRecord, seq: u64) -> Record {
    Record {
        event_id: Some(rec.event_id),
        event_name: Some(rec.event_name),
        event_version: Some("1.1".into()),
        event_source: Some("aws:dynamodb".into()),
        aws_region: Some(rec.region),
        user_identity: rec.by_ttl.then(|| Identity {
            principal_id: Some("dynamodb.amazonaws.com".into()),
            r#type: Some("Service".into()),
        }),
        dynamodb: Some(StreamRecord {
            approximate_creation_date_time: Some(rec.created_seconds),
            keys: Some(rec.keys),
            new_image: rec.new_image,
            old_image: rec.old_image,
            sequence_number: Some(sequence_number(seq)),
            size_bytes: Some(rec.size_bytes),
            stream_view_type: Some(rec.view_type),
        }),
    }
}
