//! CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy.

use nimbus_core::{time, Arn, RequestContext};
use nimbus_protocol::AwsError;
use nimbus_store::Store;

use super::{group_from_identifier, invalid, page, scope};
use crate::generated::logs::*;
use crate::storage::{self, GroupRecord};

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn create(
    store: &Store,
    ctx: &RequestContext,
    input: CreateLogGroupRequest,
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        if storage::get_group(w.as_read(), &scope, &input.log_group_name)?.is_some() {
            return Err(ErrorCode::ResourceAlreadyExistsException
                .error("The specified log group already exists"));
        }
        let group = GroupRecord {
            name: input.log_group_name.clone(),
            created: time::now_millis(),
            tags: input.tags.clone().unwrap_or_default(),
            class: input.log_group_class.clone(),
            kms_key_id: input.kms_key_id.clone(),
            deletion_protection: input.deletion_protection_enabled.unwrap_or(false),
            ..GroupRecord::default()
        };
        storage::put_group(w, &scope, &group)
    })
}

pub fn delete(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteLogGroupRequest,
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        let group = storage::require_group(w.as_read(), &scope, &input.log_group_name)?;
        if group.deletion_protection {
            return Err(invalid(
                "Log group deletion is not allowed when deletion protection is enabled",
            ));
        }
        storage::delete_group(w, &scope, &input.log_group_name)
    })
}

pub fn describe(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeLogGroupsRequest,
) -> Result<DescribeLogGroupsResponse, AwsError> {
    if input.log_group_name_prefix.is_some() && input.log_group_name_pattern.is_some() {
        return Err(invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let scope = scope(ctx);
    let prefix = input.log_group_name_prefix.clone().unwrap_or_default();
    let mut groups = store.read(|r| storage::groups_of(r, &scope, &prefix))?;
    if let Some(pattern) = &input.log_group_name_pattern {
        let needle = pattern.to_lowercase();
        groups.retain(|g| g.name.to_lowercase().contains(&needle));
    }
    if let Some(ids) = &input.log_group_identifiers {
        let wanted: Vec<String> = ids.iter().map(|i| group_from_identifier(i)).collect();
        groups.retain(|g| wanted.contains(&g.name));
    }
    if let Some(class) = &input.log_group_class {
        groups.retain(|g| g.class.as_deref().unwrap_or("STANDARD") == class);
    }
    let limit = input.limit.unwrap_or(50).max(1) as usize;
    let (groups, next_token) = page(
        groups,
        |g| g.name.clone(),
        input.next_token.as_deref(),
        limit,
    );
    Ok(DescribeLogGroupsResponse {
        log_groups: Some(
            groups
                .iter()
                .map(|g| describe_group(store, ctx, g))
                .collect(),
        ),
        next_token,
    })
}

fn describe_group(store: &Store, ctx: &RequestContext, g: &GroupRecord) -> LogGroup {
    let arn = Arn::log_group(&ctx.region, &ctx.account, &g.name).to_string();
    let stored = store
        .read(|r| storage::streams_of(r, &scope(ctx), &g.name))
        .map(|s| s.iter().map(|s| s.stored_bytes).sum())
        .unwrap_or(0);
    LogGroup {
        log_group_name: Some(g.name.clone()),
        creation_time: Some(g.created),
        retention_in_days: g.retention_days,
        metric_filter_count: Some(0),
        arn: Some(format!("{arn}:*")),
        log_group_arn: Some(arn),
        stored_bytes: Some(stored),
        kms_key_id: g.kms_key_id.clone(),
        log_group_class: Some(g.class.clone().unwrap_or_else(|| "STANDARD".into())),
        deletion_protection_enabled: Some(g.deletion_protection),
        ..LogGroup::default()
    }
}

pub fn put_retention(
    store: &Store,
    ctx: &RequestContext,
    input: PutRetentionPolicyRequest,
) -> Result<(), AwsError> {
    if !RETENTION_DAYS.contains(&input.retention_in_days) {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
        return Err(invalid(format!(
            "1 validation error detected: Value '{}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            input.retention_in_days,
            allowed.join(", ")
        )));
    }
    set_retention(
        store,
        ctx,
        &input.log_group_name,
        Some(input.retention_in_days),
    )
}

pub fn delete_retention(
    store: &Store,
    ctx: &RequestContext,
    input: DeleteRetentionPolicyRequest,
) -> Result<(), AwsError> {
    set_retention(store, ctx, &input.log_group_name, None)
}

fn set_retention(
    store: &Store,
    ctx: &RequestContext,
    group: &str,
    days: Option<i32>,
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        let mut g = storage::require_group(w.as_read(), &scope, group)?;
        g.retention_days = days;
        storage::put_group(w, &scope, &g)
    })
}

/// Deletes events older than their group's retention; run by the background upkeep.
pub fn sweep_retention(store: &Store, now: i64) -> Result<u64, AwsError> {
    let groups = store.read(storage::groups_with_retention)?;
    let mut removed = 0;
    for (account, region, group) in groups {
        let Some(days) = group.retention_days else {
            continue;
        };
        let cutoff = now - i64::from(days) * 86_400_000;
        let scope = storage::Scope {
            account: &account,
            region: &region,
        };
        let streams = store.read(|r| storage::streams_of(r, &scope, &group.name))?;
        for s in streams {
            if s.first_event.is_some_and(|first| first < cutoff) {
                removed += store
                    .write(|w| storage::expire_events(w, &scope, &group.name, &s.name, cutoff))?;
            }
        }
    }
    Ok(removed)
}
