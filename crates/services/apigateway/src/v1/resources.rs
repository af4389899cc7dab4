//! CreateResource, GetResource, GetResources, UpdateResource, DeleteResource.

use std::collections::BTreeMap;

use nimbus_core::RequestContext;

use super::{bad_request, change, conflict, new_id, patch, read, require_resource, Result};
use crate::generated::apigateway::*;
use crate::rest_storage::RestApiRecord;
use crate::ApiGateway;

/// A path part is a literal, `{name}` or a greedy `{name+}`.
fn check_path_part(part: &str) -> Result<()> {
    let bad = || {
        bad_request(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace. ({part})"
        ))
    };
    let inner = match part.strip_prefix('{') {
        Some(rest) => rest
            .strip_suffix("+}")
            .or_else(|| rest.strip_suffix('}'))
            .ok_or_else(bad)?,
        None => part,
    };
    let ok = !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

fn child_path(parent: &str, part: &str) -> String {
    if parent == "/" {
        format!("/{part}")
    } else {
        format!("{parent}/{part}")
    }
}

pub async fn create(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateResourceRequest,
) -> Result<Resource> {
    check_path_part(&input.path_part)?;
    change(gw, ctx, &input.rest_api_id, |api| {
        let parent = require_resource(api, &input.parent_id)?;
        let parent_path = parent.path.clone().unwrap_or_default();
        let parent_part = parent.path_part.clone().unwrap_or_default();
        if parent_part.ends_with("+}") {
            return Err(bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {parent_part}"
            )));
        }
        let siblings = api
            .resources
            .iter()
            .filter(|r| r.parent_id.as_deref() == Some(input.parent_id.as_str()));
        for s in siblings {
            let part = s.path_part.as_deref().unwrap_or_default();
            if part == input.path_part {
                return Err(conflict(format!(
                    "Another resource with the same parent already has this name: {}",
                    input.path_part
                )));
            }
            if part.starts_with('{') && input.path_part.starts_with('{') {
                return Err(bad_request(format!(
                    "A sibling ({part}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
        }
        let resource = Resource {
            id: Some(new_id()),
            parent_id: Some(input.parent_id.clone()),
            path_part: Some(input.path_part.clone()),
            path: Some(child_path(&parent_path, &input.path_part)),
            resource_methods: None,
        };
        api.resources.push(resource.clone());
        Ok(resource)
    })
}

/// A resource as GetResources shows it without `embed=methods`: the method names only.
fn summary(r: &Resource) -> Resource {
    let mut r = r.clone();
    r.resource_methods = r.resource_methods.map(|methods| {
        methods
            .into_keys()
            .map(|k| (k, Method::default()))
            .collect::<BTreeMap<_, _>>()
    });
    r
}

/// `?embed=methods`: the resource with its methods, not just their names.
fn embeds_methods(embed: Option<Vec<String>>) -> bool {
    embed.unwrap_or_default().iter().any(|e| e == "methods")
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetResourceRequest,
) -> Result<Resource> {
    let embed = embeds_methods(input.embed);
    read(gw, ctx, &input.rest_api_id, |api| {
        let r = require_resource(api, &input.resource_id)?;
        Ok(if embed { r.clone() } else { summary(r) })
    })
}

pub async fn list(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetResourcesRequest,
) -> Result<Resources> {
    let embed = embeds_methods(input.embed);
    read(gw, ctx, &input.rest_api_id, |api| {
        let items = api
            .resources
            .iter()
            .map(|r| if embed { r.clone() } else { summary(r) })
            .collect();
        Ok(Resources {
            items: Some(items),
            position: None,
        })
    })
}

/// Re-derives the paths under a resource whose path part or parent changed.
fn repath(api: &mut RestApiRecord) {
    let root = api.api.root_resource_id.clone().unwrap_or_default();
    let mut paths: BTreeMap<String, String> = BTreeMap::from([(root.clone(), "/".to_string())]);
    // Parents come before children at most `len` passes deep.
    for _ in 0..api.resources.len() {
        for r in &api.resources {
            let (Some(id), Some(parent), Some(part)) = (&r.id, &r.parent_id, &r.path_part) else {
                continue;
            };
            if let Some(p) = paths.get(parent).cloned() {
                paths.insert(id.clone(), child_path(&p, part));
            }
        }
    }
    for r in &mut api.resources {
        if let Some(p) = r.id.as_ref().and_then(|id| paths.get(id)) {
            r.path = Some(p.clone());
        }
    }
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateResourceRequest,
) -> Result<Resource> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let ops = input.patch_operations.unwrap_or_default();
        let r = require_resource(api, &input.resource_id)?;
        let mut updated = patch::apply(r, &ops)?;
        updated.id = r.id.clone();
        updated.resource_methods = r.resource_methods.clone();
        if let Some(part) = &updated.path_part {
            check_path_part(part)?;
        }
        *r = updated;
        repath(api);
        Ok(api
            .resource(&input.resource_id)
            .cloned()
            .unwrap_or_default())
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteResourceRequest,
) -> Result<()> {
    change(gw, ctx, &input.rest_api_id, |api| {
        require_resource(api, &input.resource_id)?;
        if api.api.root_resource_id.as_deref() == Some(input.resource_id.as_str()) {
            return Err(bad_request("Cannot delete root resource"));
        }
        // The resource and everything under it.
        let mut doomed = vec![input.resource_id.clone()];
        let mut i = 0;
        while i < doomed.len() {
            let parent = doomed[i].clone();
            doomed.extend(
                api.resources
                    .iter()
                    .filter(|r| r.parent_id.as_deref() == Some(parent.as_str()))
                    .filter_map(|r| r.id.clone()),
            );
            i += 1;
        }
        api.resources
            .retain(|r| !doomed.iter().any(|d| r.id.as_deref() == Some(d.as_str())));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::check_path_part;

    #[test]
    fn path_parts() {
        for ok in ["pets", "{id}", "{proxy+}", "v1.2", "a_b-c"] {
            assert!(check_path_part(ok).is_ok(), "{ok}");
        }
        for bad in ["", "{", "{}", "a/b", "{a+", "a b", "{+}"] {
            assert!(check_path_part(bad).is_err(), "{bad}");
        }
    }
}
