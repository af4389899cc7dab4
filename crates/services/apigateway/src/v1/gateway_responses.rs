//! PutGatewayResponse, GetGatewayResponse, GetGatewayResponses, UpdateGatewayResponse,
//! DeleteGatewayResponse: how the gateway's own errors look. Types never put answer their
//! default, as AWS does.

use std::collections::BTreeMap;

use nimbus_core::RequestContext;

use nimbus_protocol::AwsError;

use super::{change, not_found, patch, read, Result};
use crate::generated::apigateway::*;
use crate::rest_storage::RestApiRecord;
use crate::ApiGateway;

/// The response types and their default status codes (DEFAULT_4XX/5XX have none).
pub const TYPES: [(&str, Option<&str>); 21] = [
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

/// The template every default response uses.
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

fn default_status(kind: &str) -> Result<Option<&'static str>> {
    TYPES
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            // The model's enum check, worded (and ordered) as AWS words it.
            AwsError::validation(format!(
                "1 validation error detected: Value '{kind}' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]"
            ))
        })
}

fn default_templates() -> BTreeMap<String, String> {
    BTreeMap::from([("application/json".to_string(), DEFAULT_TEMPLATE.to_string())])
}

pub fn default_response(kind: &str) -> Result<GatewayResponse> {
    Ok(GatewayResponse {
        response_type: Some(kind.to_string()),
        status_code: default_status(kind)?.map(str::to_string),
        default_response: Some(true),
        response_parameters: Some(BTreeMap::new()),
        response_templates: Some(default_templates()),
    })
}

fn find<'a>(api: &'a RestApiRecord, kind: &str) -> Option<&'a GatewayResponse> {
    api.gateway_responses
        .iter()
        .find(|g| g.response_type.as_deref() == Some(kind))
}

/// The response a type answers with: its own if put, else its family's (DEFAULT_4XX or
/// DEFAULT_5XX) if that was put, still marked as a default one, else the built-in one.
fn effective(api: &RestApiRecord, kind: &str) -> Result<GatewayResponse> {
    if let Some(g) = find(api, kind) {
        return Ok(g.clone());
    }
    let mut response = default_response(kind)?;
    let family = match default_status(kind)? {
        Some(s) if s.starts_with('5') => "DEFAULT_5XX",
        Some(_) => "DEFAULT_4XX",
        None => return Ok(response),
    };
    if let Some(f) = find(api, family) {
        if f.status_code.is_some() {
            response.status_code = f.status_code.clone();
        }
        response.response_parameters = f.response_parameters.clone();
        response.response_templates = f.response_templates.clone();
    }
    Ok(response)
}

pub async fn put(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: PutGatewayResponseRequest,
) -> Result<GatewayResponse> {
    let default = default_status(&input.response_type)?;
    if let Some(s) = &input.status_code {
        super::methods::check_status_code(s)?;
    }
    // What the put leaves out is the type's own default (never its family's).
    let response = GatewayResponse {
        response_type: Some(input.response_type.clone()),
        status_code: input.status_code.or_else(|| default.map(str::to_string)),
        default_response: Some(false),
        response_parameters: Some(input.response_parameters.unwrap_or_default()),
        response_templates: Some(
            input
                .response_templates
                .filter(|t| !t.is_empty())
                .unwrap_or_else(default_templates),
        ),
    };
    change(gw, ctx, &input.rest_api_id, |api| {
        api.gateway_responses
            .retain(|g| g.response_type.as_deref() != Some(input.response_type.as_str()));
        api.gateway_responses.push(response.clone());
        Ok(response)
    })
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetGatewayResponseRequest,
) -> Result<GatewayResponse> {
    default_status(&input.response_type)?;
    read(gw, ctx, &input.rest_api_id, |api| {
        effective(api, &input.response_type)
    })
}

pub async fn list(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetGatewayResponsesRequest,
) -> Result<GatewayResponses> {
    read(gw, ctx, &input.rest_api_id, |api| {
        let items = TYPES
            .iter()
            .map(|(kind, _)| effective(api, kind))
            .collect::<Result<Vec<_>>>()?;
        Ok(GatewayResponses {
            items: Some(items),
            position: None,
        })
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateGatewayResponseRequest,
) -> Result<GatewayResponse> {
    default_status(&input.response_type)?;
    change(gw, ctx, &input.rest_api_id, |api| {
        let current = match find(api, &input.response_type) {
            Some(g) => g.clone(),
            None => default_response(&input.response_type)?,
        };
        let mut updated = patch::apply(&current, &input.patch_operations.unwrap_or_default())?;
        updated.response_type = current.response_type;
        updated.default_response = Some(false);
        api.gateway_responses
            .retain(|g| g.response_type.as_deref() != Some(input.response_type.as_str()));
        api.gateway_responses.push(updated.clone());
        Ok(updated)
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteGatewayResponseRequest,
) -> Result<()> {
    default_status(&input.response_type)?;
    change(gw, ctx, &input.rest_api_id, |api| {
        let before = api.gateway_responses.len();
        api.gateway_responses
            .retain(|g| g.response_type.as_deref() != Some(input.response_type.as_str()));
        if api.gateway_responses.len() == before {
            Err(not_found("Gateway response type not defined on api"))
        } else {
            Ok(())
        }
    })
}
