//! TagResource, UntagResource, ListTags on functions (by unqualified ARN).

use nimbus_core::{Arn, RequestContext};

use super::{require_function, Lambda};
use crate::errors::{invalid_parameter, Result};
use crate::generated::lambda::*;
use crate::names::{self, FunctionRef};
use crate::storage;

fn function_of(ctx: &RequestContext, resource: &str) -> Result<FunctionRef> {
    let arn = Arn::parse(resource)
        .filter(|a| a.service == "lambda" && a.resource.starts_with("function:"));
    if arn.is_none() {
        return Err(invalid_parameter(format!("Invalid ARN: {resource}")));
    }
    let f = names::parse(ctx, resource, None)?;
    if f.qualifier.is_some() {
        return Err(invalid_parameter(
            "Tags are not supported on function versions or aliases.",
        ));
    }
    Ok(f)
}

pub async fn tag(lambda: &Lambda, ctx: &RequestContext, input: TagResourceRequest) -> Result<()> {
    let f = function_of(ctx, &input.resource)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        record.tags.extend(input.tags.clone());
        if record.tags.len() > 50 {
            return Err(invalid_parameter(
                "The number of tags on the resource exceeds the limit of 50.",
            ));
        }
        storage::put_function(w, &scope, &f.name, &record)
    })
}

pub async fn untag(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<()> {
    let f = function_of(ctx, &input.resource)?;
    let scope = storage::scope(ctx);
    lambda.write(|w| {
        let mut record = require_function(w.as_read(), ctx, &scope, &f)?;
        for k in input.tag_keys.iter().flatten() {
            record.tags.remove(k);
        }
        storage::put_function(w, &scope, &f.name, &record)
    })
}

pub async fn list(
    lambda: &Lambda,
    ctx: &RequestContext,
    input: ListTagsRequest,
) -> Result<ListTagsResponse> {
    let f = function_of(ctx, &input.resource)?;
    let scope = storage::scope(ctx);
    let record = lambda
        .store
        .read(|r| require_function(r, ctx, &scope, &f))?;
    Ok(ListTagsResponse {
        tags: Some(record.tags),
    })
}
