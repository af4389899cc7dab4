//! CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi, DeleteRestApi.

use nimbus_core::RequestContext;

use super::{bad_request, change, new_id, now, patch, read, require_api, Result};
use crate::generated::apigateway::*;
use crate::rest_storage::{self, RestApiRecord};
use crate::storage;
use crate::ApiGateway;

/// One endpoint type, EDGE unless told, with AWS's default address type: ipv4, but dualstack
/// for PRIVATE APIs (which support nothing else).
fn endpoint_configuration(given: Option<EndpointConfiguration>) -> Result<EndpointConfiguration> {
    let mut c = given.unwrap_or_default();
    match c.types.as_deref() {
        None => c.types = Some(vec!["EDGE".into()]),
        Some([]) => {
            return Err(bad_request(
                "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.",
            ))
        }
        Some([_]) => {}
        Some(_) => {
            return Err(bad_request(
                "Cannot create an api with multiple Endpoint Types.",
            ))
        }
    }
    let private = c.types.iter().flatten().any(|t| t == "PRIVATE");
    match c.ip_address_type.as_deref() {
        None => c.ip_address_type = Some(if private { "dualstack" } else { "ipv4" }.into()),
        Some("ipv4") if private => {
            return Err(bad_request(
                "Only dualstack ipAddressType is supported for Private APIs.",
            ))
        }
        Some(_) => {}
    }
    Ok(c)
}

pub async fn create(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateRestApiRequest,
) -> Result<RestApi> {
    let owner = storage::owner(ctx);
    let root = Resource {
        id: Some(new_id()),
        path: Some("/".into()),
        ..Resource::default()
    };
    let api = RestApi {
        id: Some(new_id()),
        name: Some(input.name),
        description: input.description,
        version: input.version,
        binary_media_types: input.binary_media_types,
        minimum_compression_size: input.minimum_compression_size,
        api_key_source: Some(input.api_key_source.unwrap_or_else(|| "HEADER".into())),
        endpoint_configuration: Some(endpoint_configuration(input.endpoint_configuration)?),
        policy: input.policy,
        tags: input.tags,
        disable_execute_api_endpoint: Some(input.disable_execute_api_endpoint.unwrap_or(false)),
        root_resource_id: root.id.clone(),
        created_date: Some(now()),
        ..RestApi::default()
    };
    let record = RestApiRecord {
        api,
        resources: vec![root],
        models: super::models::defaults(),
        ..RestApiRecord::default()
    };
    gw.store
        .write(|w| rest_storage::put_api(w, &owner, &record))?;
    gw.rest_apis_changed();
    Ok(record.api)
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetRestApiRequest,
) -> Result<RestApi> {
    read(gw, ctx, &input.rest_api_id, |api| Ok(api.api.clone()))
}

pub async fn list(
    gw: &ApiGateway,
    ctx: &RequestContext,
    _input: GetRestApisRequest,
) -> Result<RestApis> {
    let owner = storage::owner(ctx);
    let apis = gw.store.read(|r| rest_storage::list_apis(r, &owner))?;
    Ok(RestApis {
        items: Some(apis.into_iter().map(|a| a.api).collect()),
        position: None,
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateRestApiRequest,
) -> Result<RestApi> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let ops = input.patch_operations.unwrap_or_default();
        let id = api.api.id.clone();
        let root = api.api.root_resource_id.clone();
        api.api = patch::apply(&api.api, &ops)?;
        // The id and the root resource are not the caller's to change.
        api.api.id = id;
        api.api.root_resource_id = root;
        Ok(api.api.clone())
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteRestApiRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        rest_storage::delete_api(w, &owner, &input.rest_api_id)?;
        Ok::<_, nimbus_protocol::AwsError>(())
    })?;
    gw.rest_apis_changed();
    Ok(())
}
