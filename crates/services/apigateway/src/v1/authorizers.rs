//! CreateAuthorizer, GetAuthorizer, GetAuthorizers, UpdateAuthorizer, DeleteAuthorizer. The
//! authorizers live in the REST API's record, so a deployment freezes them with the methods.

use nimbus_core::RequestContext;

use super::{bad_request, change, new_id, not_found, patch, read, Result};
use crate::generated::apigateway::*;
use crate::ApiGateway;

fn missing() -> nimbus_protocol::AwsError {
    not_found("Invalid Authorizer identifier specified")
}

fn check(a: &Authorizer) -> Result<()> {
    let kind = a.r#type.as_deref().unwrap_or_default();
    match kind {
        "TOKEN" | "REQUEST" => {
            if a.authorizer_uri.as_deref().unwrap_or_default().is_empty() {
                return Err(bad_request(format!(
                    "Authorizer URI is required for authorizer type {kind}"
                )));
            }
        }
        "COGNITO_USER_POOLS" => {}
        other => {
            return Err(bad_request(format!(
                "Invalid authorizer type specified: {other}"
            )))
        }
    }
    if kind == "TOKEN" && a.identity_source.as_deref().unwrap_or_default().is_empty() {
        return Err(bad_request(
            "Identity source is required for TOKEN authorizers",
        ));
    }
    if let Some(e) = a.identity_validation_expression.as_deref() {
        if regex_lite::Regex::new(e).is_err() {
            return Err(bad_request(format!(
                "Invalid identity validation expression specified: {e}"
            )));
        }
    }
    Ok(())
}

pub async fn create(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateAuthorizerRequest,
) -> Result<Authorizer> {
    // As AWS fills them in: the authType from the type, and a result TTL of 300 seconds for
    // the Lambda authorizers (Cognito ones have none unless given).
    let cognito = input.r#type == "COGNITO_USER_POOLS";
    let auth_type = if cognito {
        "cognito_user_pools"
    } else {
        "custom"
    };
    let ttl = (!cognito).then_some(300);
    let authorizer = Authorizer {
        id: Some(new_id()),
        name: Some(input.name),
        r#type: Some(input.r#type),
        auth_type: Some(input.auth_type.unwrap_or_else(|| auth_type.into())),
        authorizer_uri: input.authorizer_uri,
        authorizer_credentials: input.authorizer_credentials,
        identity_source: input.identity_source,
        identity_validation_expression: input.identity_validation_expression,
        provider_ar_ns: input.provider_ar_ns,
        authorizer_result_ttl_in_seconds: input.authorizer_result_ttl_in_seconds.or(ttl),
        jwt_configuration: None,
    };
    check(&authorizer)?;
    change(gw, ctx, &input.rest_api_id, |api| {
        api.authorizers.push(authorizer.clone());
        Ok(authorizer)
    })
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetAuthorizerRequest,
) -> Result<Authorizer> {
    read(gw, ctx, &input.rest_api_id, |api| {
        api.authorizers
            .iter()
            .find(|a| a.id.as_deref() == Some(input.authorizer_id.as_str()))
            .cloned()
            .ok_or_else(missing)
    })
}

pub async fn list(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetAuthorizersRequest,
) -> Result<Authorizers> {
    read(gw, ctx, &input.rest_api_id, |api| {
        Ok(Authorizers {
            items: Some(api.authorizers.clone()),
            position: None,
        })
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateAuthorizerRequest,
) -> Result<Authorizer> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let a = api
            .authorizers
            .iter_mut()
            .find(|a| a.id.as_deref() == Some(input.authorizer_id.as_str()))
            .ok_or_else(missing)?;
        let mut updated = patch::apply(a, &input.patch_operations.unwrap_or_default())?;
        updated.id = a.id.clone();
        check(&updated)?;
        *a = updated;
        Ok(a.clone())
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteAuthorizerRequest,
) -> Result<()> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let id = input.authorizer_id.as_str();
        let used = api.resources.iter().any(|r| {
            r.resource_methods
                .as_ref()
                .is_some_and(|m| m.values().any(|m| m.authorizer_id.as_deref() == Some(id)))
        });
        if used {
            return Err(bad_request(
                "Cannot delete authorizer, is referenced in method",
            ));
        }
        let before = api.authorizers.len();
        api.authorizers.retain(|a| a.id.as_deref() != Some(id));
        if api.authorizers.len() == before {
            Err(missing())
        } else {
            Ok(())
        }
    })
}
