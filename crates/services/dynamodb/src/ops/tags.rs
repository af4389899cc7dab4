//! TagResource, UntagResource, ListTagsOfResource.

use nimbus_core::{Arn, RequestContext};
use nimbus_store::Store;

use crate::error::{resource_not_found, validation, Result};
use crate::generated::dynamodb::*;
use crate::storage::catalog::{load_table, save_table, TableRecord};

const MAX_TAGS: usize = 50;

/// The table an ARN names, within the caller's account and region.
fn table_for_arn(
    r: &dyn nimbus_store::Read,
    ctx: &RequestContext,
    arn: &str,
) -> Result<TableRecord> {
    let parsed = Arn::parse(arn)
        .filter(|a| a.service == "dynamodb")
        .ok_or_else(|| {
            validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            ))
        })?;
    let name = parsed
        .resource
        .strip_prefix("table/")
        .filter(|n| !n.contains('/'))
        .ok_or_else(|| {
            validation(format!(
                "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
            ))
        })?;
    if parsed.account != ctx.account || parsed.region != ctx.region {
        return Err(resource_not_found());
    }
    load_table(r, ctx, name)?.ok_or_else(resource_not_found)
}

pub fn tag_resource(store: &Store, ctx: &RequestContext, input: TagResourceInput) -> Result<()> {
    store.write(|w| {
        let mut table = table_for_arn(w.as_read(), ctx, &input.resource_arn)?;
        for tag in &input.tags {
            match table.tags.iter_mut().find(|(k, _)| *k == tag.key) {
                Some(existing) => existing.1 = tag.value.clone(),
                None => table.tags.push((tag.key.clone(), tag.value.clone())),
            }
        }
        if table.tags.len() > MAX_TAGS {
            return Err(validation(
                "The number of tags exceeds the limit of 50 tags per resource",
            ));
        }
        save_table(w, &table)
    })
}

pub fn untag_resource(
    store: &Store,
    ctx: &RequestContext,
    input: UntagResourceInput,
) -> Result<()> {
    store.write(|w| {
        let mut table = table_for_arn(w.as_read(), ctx, &input.resource_arn)?;
        table.tags.retain(|(k, _)| !input.tag_keys.contains(k));
        save_table(w, &table)
    })
}

pub fn list_tags_of_resource(
    store: &Store,
    ctx: &RequestContext,
    input: ListTagsOfResourceInput,
) -> Result<ListTagsOfResourceOutput> {
    store.read(|r| {
        let table = table_for_arn(r, ctx, &input.resource_arn)?;
        let tags = table
            .tags
            .iter()
            .map(|(k, v)| Tag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        Ok(ListTagsOfResourceOutput {
            tags: Some(tags),
            next_token: None,
        })
    })
}
