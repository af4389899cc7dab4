//! Tags on log groups: TagResource/UntagResource/ListTagsForResource (by ARN) and the older
//! TagLogGroup/UntagLogGroup/ListTagsLogGroup (by name).

use std::collections::BTreeMap;

use nimbus_core::RequestContext;
use nimbus_protocol::AwsError;
use nimbus_store::Store;

use super::{group_from_identifier, invalid, scope};
use crate::generated::logs::*;
use crate::storage;

const MAX_TAGS: usize = 50;

fn update(
    store: &Store,
    ctx: &RequestContext,
    group: &str,
    change: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<(), AwsError> {
    let scope = scope(ctx);
    store.write(|w| {
        let mut g = storage::require_group(w.as_read(), &scope, group)?;
        change(&mut g.tags);
        if g.tags.len() > MAX_TAGS {
            return Err(invalid(format!(
                "A resource can have no more than {MAX_TAGS} tags."
            )));
        }
        storage::put_group(w, &scope, &g)
    })
}

fn tags_of(
    store: &Store,
    ctx: &RequestContext,
    group: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let scope = scope(ctx);
    Ok(store
        .read(|r| storage::require_group(r, &scope, group))?
        .tags)
}

pub fn tag_resource(
    store: &Store,
    ctx: &RequestContext,
    input: TagResourceRequest,
) -> Result<(), AwsError> {
    let group = group_from_identifier(&input.resource_arn);
    update(store, ctx, &group, |tags| tags.extend(input.tags))
}

pub fn untag_resource(
    store: &Store,
    ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<(), AwsError> {
    let group = group_from_identifier(&input.resource_arn);
    update(store, ctx, &group, |tags| {
        input.tag_keys.iter().for_each(|k| {
            tags.remove(k);
        })
    })
}

pub fn list_for_resource(
    store: &Store,
    ctx: &RequestContext,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, AwsError> {
    let group = group_from_identifier(&input.resource_arn);
    Ok(ListTagsForResourceResponse {
        tags: Some(tags_of(store, ctx, &group)?),
    })
}

pub fn tag_group(
    store: &Store,
    ctx: &RequestContext,
    input: TagLogGroupRequest,
) -> Result<(), AwsError> {
    update(store, ctx, &input.log_group_name, |tags| {
        tags.extend(input.tags)
    })
}

pub fn untag_group(
    store: &Store,
    ctx: &RequestContext,
    input: UntagLogGroupRequest,
) -> Result<(), AwsError> {
    update(store, ctx, &input.log_group_name, |tags| {
        input.tags.iter().for_each(|k| {
            tags.remove(k);
        })
    })
}

pub fn list_group(
    store: &Store,
    ctx: &RequestContext,
    input: ListTagsLogGroupRequest,
) -> Result<ListTagsLogGroupResponse, AwsError> {
    Ok(ListTagsLogGroupResponse {
        tags: Some(tags_of(store, ctx, &input.log_group_name)?),
    })
}
