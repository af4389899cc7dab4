//! CreateIntegration, GetIntegration, GetIntegrations, DeleteIntegration.

use nimbus_core::RequestContext;

use super::{bad_request, new_id, not_found, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage;

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateIntegrationRequest,
) -> Result<CreateIntegrationResult> {
    let kind = input.integration_type.as_str();
    if !matches!(kind, "AWS_PROXY" | "HTTP_PROXY") {
        return Err(bad_request(format!(
            "Integration type {kind} is not supported for HTTP APIs; use AWS_PROXY or HTTP_PROXY"
        )));
    }
    if input.integration_uri.is_none() {
        return Err(bad_request(
            "IntegrationUri is required for this integration type",
        ));
    }
    let version = match (kind, input.payload_format_version) {
        (_, Some(v)) if v == "1.0" || v == "2.0" => v,
        (_, Some(v)) => {
            return Err(bad_request(format!(
                "Invalid payload format version {v}: the supported versions are 1.0 and 2.0"
            )))
        }
        ("AWS_PROXY", None) => {
            return Err(bad_request(
                "PayloadFormatVersion is required for Lambda proxy integrations of HTTP APIs",
            ))
        }
        (_, None) => "1.0".to_string(),
    };
    let owner = storage::owner(ctx);
    let integration = Integration {
        connection_type: Some(input.connection_type.unwrap_or_else(|| "INTERNET".into())),
        description: input.description,
        integration_id: Some(new_id(7)),
        integration_method: input
            .integration_method
            .or_else(|| Some(if kind == "HTTP_PROXY" { "ANY" } else { "POST" }.into())),
        integration_type: Some(input.integration_type),
        integration_uri: input.integration_uri,
        payload_format_version: Some(version),
        request_parameters: input.request_parameters,
        timeout_in_millis: Some(input.timeout_in_millis.unwrap_or(30_000)),
        ..Integration::default()
    };
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        storage::put_integration(w, &owner, &input.api_id, &integration)
    })?;
    shaped(&integration)
}

fn missing(id: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid Integration identifier specified {id}"))
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetIntegrationRequest,
) -> Result<GetIntegrationResult> {
    let owner = storage::owner(ctx);
    let integration = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::get_integration(r, &owner, &input.api_id, &input.integration_id)?
            .ok_or_else(|| missing(&input.integration_id))
    })?;
    shaped(&integration)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetIntegrationsRequest,
) -> Result<GetIntegrationsResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::list_integrations(r, &owner, &input.api_id)
    })?;
    Ok(GetIntegrationsResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteIntegrationRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::delete_integration(w, &owner, &input.api_id, &input.integration_id)? {
            Ok(())
        } else {
            Err(missing(&input.integration_id))
        }
    })
}
