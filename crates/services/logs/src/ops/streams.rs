//! CreateLogStream, DeleteLogStream, DescribeLogStreams.

use nimbus_core::{time, Arn, RequestContext};
use nimbus_protocol::AwsError;
use nimbus_store::Store;

use super::{group_name, invalid, page, scope};
use crate::generated::logs::*;
use crate::storage::{self, StreamRecord};

pub fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateLogStreamRequest,
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        storage::require_group(w.as_read(), &scope, &input.log_group_name)?;
        if storage::get_stream(
            w.as_read(),
            &scope,
            &input.log_group_name,
            &input.log_stream_name,
        )?
        .is_some()
        {
            return Err(ErrorCode::ResourceAlreadyExistsException
                .error("The specified log stream already exists"));
        }
        let stream = StreamRecord {
            name: input.log_stream_name.clone(),
            created: time::now_millis(),
            ..StreamRecord::default()
        };
        storage::put_stream(w, &scope, &input.log_group_name, &stream)
    })
}

pub fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteLogStreamRequest,
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        storage::require_group(w.as_read(), &scope, &input.log_group_name)?;
        if storage::get_stream(
            w.as_read(),
            &scope,
            &input.log_group_name,
            &input.log_stream_name,
        )?
        .is_none()
        {
            return Err(storage::stream_not_found());
        }
        storage::delete_stream(w, &scope, &input.log_group_name, &input.log_stream_name)
    })
}

pub fn describe(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeLogStreamsRequest,
) -> Result<DescribeLogStreamsResponse, AwsError> {
    let group = group_name(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let by_time = input.order_by.as_deref() == Some("LastEventTime");
    if by_time && input.log_stream_name_prefix.is_some() {
        return Err(invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let scope = scope(ctx);
    let mut streams = store.read(|r| {
        storage::require_group(r, &scope, &group)?;
        storage::streams_of(r, &scope, &group)
    })?;
    if let Some(prefix) = &input.log_stream_name_prefix {
        streams.retain(|s| s.name.starts_with(prefix.as_str()));
    }
    if by_time {
        streams.sort_by(|a, b| {
            a.last_event
                .unwrap_or(0)
                .cmp(&b.last_event.unwrap_or(0))
                .then(a.name.cmp(&b.name))
        });
    }
    if input.descending.unwrap_or(false) {
        streams.reverse();
    }
    let limit = input.limit.unwrap_or(50).max(1) as usize;
    let (streams, next_token) = page(
        streams,
        |s| s.name.clone(),
        input.next_token.as_deref(),
        limit,
    );
    Ok(DescribeLogStreamsResponse {
        log_streams: Some(
            streams
                .iter()
                .map(|s| LogStream {
                    log_stream_name: Some(s.name.clone()),
                    creation_time: Some(s.created),
                    first_event_timestamp: s.first_event,
                    last_event_timestamp: s.last_event,
                    last_ingestion_time: s.last_ingestion,
                    upload_sequence_token: Some(sequence_token(s.next_seq)),
                    arn: Some(
                        Arn::log_stream(&ctx.region, &ctx.account, &group, &s.name).to_string(),
                    ),
                    stored_bytes: Some(0),
                })
                .collect(),
        ),
        next_token,
    })
}

/// A sequence token of the 56-digit shape AWS hands out. CloudWatch Logs no longer checks them,
/// so they only have to look right.
pub fn sequence_token(n: u64) -> String {
    format!("495{n:053}")
}
