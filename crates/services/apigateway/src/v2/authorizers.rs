//! CreateAuthorizer, GetAuthorizer, GetAuthorizers, DeleteAuthorizer. Lambda (REQUEST)
//! authorizers are enforced by `http_api.rs`; JWT authorizers are stored but not enforced yet.

use nimbus_core::RequestContext;

use super::{bad_request, new_id, not_found, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage;

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateAuthorizerRequest,
) -> Result<CreateAuthorizerResponse> {
    let kind = input.authorizer_type.as_str();
    let version = input.authorizer_payload_format_version.clone();
    if kind == "REQUEST" {
        if input.authorizer_uri.is_none() {
            return Err(bad_request(
                "AuthorizerUri is required for REQUEST authorizers",
            ));
        }
        match version.as_deref() {
            Some("1.0") | Some("2.0") => {}
            _ => {
                return Err(bad_request(
                    "AuthorizerPayloadFormatVersion must be 1.0 or 2.0 for REQUEST authorizers",
                ))
            }
        }
        if input.enable_simple_responses == Some(true) && version.as_deref() != Some("2.0") {
            return Err(bad_request(
                "EnableSimpleResponses is only supported with payload format version 2.0",
            ));
        }
    } else if kind == "JWT" && input.jwt_configuration.is_none() {
        return Err(bad_request(
            "JwtConfiguration is required for JWT authorizers",
        ));
    }
    let owner = storage::owner(ctx);
    let authorizer = Authorizer {
        authorizer_credentials_arn: input.authorizer_credentials_arn,
        authorizer_id: Some(new_id(6)),
        authorizer_payload_format_version: version,
        authorizer_result_ttl_in_seconds: Some(input.authorizer_result_ttl_in_seconds.unwrap_or(0)),
        authorizer_type: Some(input.authorizer_type),
        authorizer_uri: input.authorizer_uri,
        enable_simple_responses: Some(input.enable_simple_responses.unwrap_or(false)),
        identity_source: Some(input.identity_source),
        identity_validation_expression: input.identity_validation_expression,
        jwt_configuration: input.jwt_configuration,
        name: input.name,
    };
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        storage::put_authorizer(w, &owner, &input.api_id, &authorizer)
    })?;
    shaped(&authorizer)
}

fn missing(id: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid Authorizer identifier specified {id}"))
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetAuthorizerRequest,
) -> Result<GetAuthorizerResponse> {
    let owner = storage::owner(ctx);
    let a = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::get_authorizer(r, &owner, &input.api_id, &input.authorizer_id)?
            .ok_or_else(|| missing(&input.authorizer_id))
    })?;
    shaped(&a)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetAuthorizersRequest,
) -> Result<GetAuthorizersResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::list_authorizers(r, &owner, &input.api_id)
    })?;
    Ok(GetAuthorizersResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteAuthorizerRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::delete_authorizer(w, &owner, &input.api_id, &input.authorizer_id)? {
            Ok(())
        } else {
            Err(missing(&input.authorizer_id))
        }
    })
}
