//! CreateApi (with quick create), GetApi, GetApis, UpdateApi, DeleteApi.

use nimbus_core::RequestContext;

use super::{bad_request, new_id, now, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage;

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateApiRequest,
) -> Result<CreateApiResponse> {
    if input.protocol_type != "HTTP" {
        return Err(bad_request(
            "nimbus serves HTTP APIs; WebSocket APIs are not supported yet",
        ));
    }
    let api_id = new_id(10);
    let api = Api {
        api_endpoint: Some(gw.api_endpoint(&api_id)),
        api_id: Some(api_id.clone()),
        api_key_selection_expression: Some(
            input
                .api_key_selection_expression
                .unwrap_or_else(|| "$request.header.x-api-key".into()),
        ),
        cors_configuration: input.cors_configuration,
        created_date: Some(now()),
        description: input.description,
        disable_execute_api_endpoint: Some(input.disable_execute_api_endpoint.unwrap_or(false)),
        ip_address_type: Some(input.ip_address_type.unwrap_or_else(|| "ipv4".into())),
        name: input.name,
        protocol_type: input.protocol_type,
        route_selection_expression: input
            .route_selection_expression
            .unwrap_or_else(|| "${request.method} ${request.path}".into()),
        tags: input.tags,
        version: input.version,
        ..Api::default()
    };
    let owner = storage::owner(ctx);
    // Quick create: a Lambda proxy integration, a route to it and an auto-deployed $default
    // stage, all with the API.
    let quick = input.target.map(|target| {
        let integration = Integration {
            api_gateway_managed: Some(true),
            connection_type: Some("INTERNET".into()),
            integration_id: Some(new_id(7)),
            integration_method: Some("POST".into()),
            integration_type: Some("AWS_PROXY".into()),
            integration_uri: Some(target),
            payload_format_version: Some("2.0".into()),
            timeout_in_millis: Some(30_000),
            ..Integration::default()
        };
        let route = Route {
            api_gateway_managed: Some(true),
            api_key_required: Some(false),
            authorization_type: Some("NONE".into()),
            route_id: Some(new_id(7)),
            route_key: input.route_key.clone().unwrap_or_else(|| "$default".into()),
            target: Some(format!(
                "integrations/{}",
                integration.integration_id.clone().unwrap_or_default()
            )),
            ..Route::default()
        };
        let stage = super::stages::new_stage("$default".into(), true, None, Some(true));
        (integration, route, stage)
    });
    gw.store.write(|w| {
        storage::put_api(w, &owner, &api)?;
        if let Some((integration, route, stage)) = &quick {
            storage::put_integration(w, &owner, &api_id, integration)?;
            storage::put_route(w, &owner, &api_id, route)?;
            storage::put_stage(w, &owner, &api_id, stage)?;
        }
        Ok::<_, nimbus_protocol::AwsError>(())
    })?;
    shaped(&api)
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetApiRequest,
) -> Result<GetApiResponse> {
    let owner = storage::owner(ctx);
    let api = gw.store.read(|r| require_api(r, &owner, &input.api_id))?;
    shaped(&api)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    _input: GetApisRequest,
) -> Result<GetApisResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| storage::list_apis(r, &owner))?;
    Ok(GetApisResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn update(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: UpdateApiRequest,
) -> Result<UpdateApiResponse> {
    let owner = storage::owner(ctx);
    let api = gw.store.write(|w| {
        let mut api = require_api(w.as_read(), &owner, &input.api_id)?;
        if let Some(v) = input.name {
            api.name = v;
        }
        if let Some(v) = input.description {
            api.description = Some(v);
        }
        if let Some(v) = input.cors_configuration {
            api.cors_configuration = Some(v);
        }
        if let Some(v) = input.disable_execute_api_endpoint {
            api.disable_execute_api_endpoint = Some(v);
        }
        if let Some(v) = input.version {
            api.version = Some(v);
        }
        storage::put_api(w, &owner, &api)?;
        Ok::<_, nimbus_protocol::AwsError>(api)
    })?;
    shaped(&api)
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteApiRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        storage::delete_api(w, &owner, &input.api_id)?;
        Ok(())
    })
}
