//! PutIntegration, GetIntegration, UpdateIntegration, DeleteIntegration and the integration
//! responses.

use nimbus_core::RequestContext;

use super::methods::check_status_code;
use super::{
    bad_request, change_in_resource, not_found, patch, read_in_resource, require_method, Result,
    HTTP_METHODS,
};
use crate::generated::apigateway::*;
use crate::ApiGateway;

const TYPES: [&str; 5] = ["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"];
const PASSTHROUGH: [&str; 3] = ["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"];

/// The function an `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`
/// URI names.
pub fn lambda_function(uri: &str) -> Option<&str> {
    let rest = uri.split_once(":lambda:path/")?.1;
    let rest = rest.split_once("/functions/")?.1;
    // `…/2015-03-31/functions/<arn>/invocations`, or, for a streamed response,
    // `…/2021-11-15/functions/<arn>/response-streaming-invocations`.
    let name = rest
        .strip_suffix("/response-streaming-invocations")
        .or_else(|| rest.strip_suffix("/invocations"))?;
    (!name.is_empty()).then_some(name)
}

/// Whether `expr` can feed an integration request parameter: a `'literal'`, a method
/// request parameter, a stage variable or a `$context` value.
fn is_source(expr: &str) -> bool {
    let named = |prefix: &str| expr.strip_prefix(prefix).is_some_and(|n| !n.is_empty());
    (expr.len() >= 2 && expr.starts_with('\'') && expr.ends_with('\''))
        || [
            "method.request.header.",
            "method.request.multivalueheader.",
            "method.request.querystring.",
            "method.request.multivaluequerystring.",
            "method.request.path.",
            "stageVariables.",
            "context.",
        ]
        .iter()
        .any(|p| named(p))
}

fn is_target(key: &str) -> bool {
    [
        "integration.request.header.",
        "integration.request.querystring.",
        "integration.request.path.",
    ]
    .iter()
    .any(|p| key.strip_prefix(p).is_some_and(|n| !n.is_empty()))
}

/// Request parameter mappings in AWS's own error wording.
fn check_mappings(input: &PutIntegrationRequest) -> Result<()> {
    for (target, source) in input.request_parameters.iter().flatten() {
        let bad = if !is_target(target) {
            target
        } else if !is_source(source) {
            source
        } else {
            continue;
        };
        return Err(bad_request(format!(
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {bad}]"
        )));
    }
    Ok(())
}

fn check(input: &PutIntegrationRequest) -> Result<()> {
    check_mappings(input)?;
    if !TYPES.contains(&input.r#type.as_str()) {
        return Err(bad_request(format!(
            "Invalid integration type specified: {}",
            input.r#type
        )));
    }
    if let Some(p) = &input.passthrough_behavior {
        if !PASSTHROUGH.contains(&p.as_str()) {
            return Err(bad_request(format!(
                "Invalid passthrough behavior specified: {p}"
            )));
        }
    }
    let streams = match input.response_transfer_mode.as_deref() {
        None | Some("BUFFERED") => false,
        Some("STREAM") if matches!(input.r#type.as_str(), "AWS_PROXY" | "HTTP_PROXY") => true,
        Some("STREAM") => {
            return Err(bad_request(
                "Response transfer mode STREAM is supported only for AWS_PROXY and HTTP_PROXY integrations",
            ))
        }
        Some(other) => {
            return Err(bad_request(format!(
                "Invalid response transfer mode specified: {other}"
            )))
        }
    };
    if let Some(t) = input.timeout_in_millis {
        // A streamed response may take as long as a Lambda function may run.
        let max = if streams { 900_000 } else { 29_000 };
        if !(50..=max).contains(&t) {
            return Err(bad_request(format!(
                "Timeout should be between 50 ms and {max} ms"
            )));
        }
    }
    if input.r#type == "MOCK" {
        return Ok(());
    }
    let method = input.integration_http_method.as_deref().unwrap_or_default();
    if method.is_empty() {
        return Err(bad_request(
            "Enumeration value for HttpMethod must be non-empty",
        ));
    }
    if !HTTP_METHODS.contains(&method) {
        return Err(bad_request(format!(
            "Invalid HttpMethod specified: {method}"
        )));
    }
    let uri = input.uri.as_deref().unwrap_or_default();
    match input.r#type.as_str() {
        "HTTP" | "HTTP_PROXY" => {
            if !(uri.starts_with("http://") || uri.starts_with("https://")) {
                return Err(bad_request("Invalid HTTP endpoint specified for URI"));
            }
        }
        _ => {
            if !uri.starts_with("arn:") {
                return Err(bad_request("Invalid ARN specified in the request"));
            }
            if !uri.contains(":lambda:") {
                return Err(bad_request(
                    "nimbus runs Lambda integrations only: the URI must be arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function-arn>/invocations",
                ));
            }
            if lambda_function(uri).is_none() {
                return Err(bad_request(
                    "AWS ARN for integration must contain path or action",
                ));
            }
        }
    }
    Ok(())
}

pub async fn put(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: PutIntegrationRequest,
) -> Result<Integration> {
    check(&input)?;
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        // AWS reports INTERNET for HTTP integrations only; AWS, AWS_PROXY and MOCK have none.
        let connection_type = input.connection_type.or_else(|| {
            input
                .r#type
                .starts_with("HTTP")
                .then(|| "INTERNET".to_string())
        });
        let integration = Integration {
            r#type: Some(input.r#type),
            http_method: input.integration_http_method,
            uri: input.uri,
            connection_type,
            connection_id: input.connection_id,
            credentials: input.credentials,
            request_parameters: input.request_parameters,
            request_templates: input.request_templates,
            passthrough_behavior: Some(
                input
                    .passthrough_behavior
                    .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
            ),
            content_handling: input.content_handling,
            timeout_in_millis: Some(input.timeout_in_millis.unwrap_or(29_000)),
            cache_namespace: Some(
                input
                    .cache_namespace
                    .unwrap_or_else(|| input.resource_id.clone()),
            ),
            cache_key_parameters: Some(input.cache_key_parameters.unwrap_or_default()),
            tls_config: input.tls_config,
            response_transfer_mode: input.response_transfer_mode,
            integration_target: input.integration_target,
            integration_responses: None,
        };
        m.method_integration = Some(integration.clone());
        Ok(integration)
    })
}

fn missing() -> nimbus_protocol::AwsError {
    not_found("Invalid Integration identifier specified")
}

fn require_integration(m: &mut Method) -> Result<&mut Integration> {
    m.method_integration.as_mut().ok_or_else(missing)
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetIntegrationRequest,
) -> Result<Integration> {
    read_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        Ok(require_integration(m)?.clone())
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateIntegrationRequest,
) -> Result<Integration> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let i = require_integration(m)?;
        let mut updated = patch::apply(i, &input.patch_operations.unwrap_or_default())?;
        updated.integration_responses = i.integration_responses.clone();
        *i = updated;
        Ok(i.clone())
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteIntegrationRequest,
) -> Result<()> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        m.method_integration.take().map(|_| ()).ok_or_else(missing)
    })
}

fn missing_response() -> nimbus_protocol::AwsError {
    not_found("Invalid Response status code specified")
}

pub async fn put_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: PutIntegrationResponseRequest,
) -> Result<IntegrationResponse> {
    check_status_code(&input.status_code)?;
    if let Some(p) = input.selection_pattern.as_deref().filter(|p| !p.is_empty()) {
        if regex_lite::Regex::new(p).is_err() {
            return Err(bad_request(format!(
                "Invalid selection pattern specified: {p}"
            )));
        }
    }
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let declared = m
            .method_responses
            .as_ref()
            .is_some_and(|r| r.contains_key(&input.status_code));
        if !declared {
            return Err(missing_response());
        }
        let i = require_integration(m)?;
        let response = IntegrationResponse {
            status_code: Some(input.status_code.clone()),
            selection_pattern: input.selection_pattern,
            response_parameters: input.response_parameters,
            response_templates: input.response_templates,
            content_handling: input.content_handling,
        };
        i.integration_responses
            .get_or_insert_with(Default::default)
            .insert(input.status_code, response.clone());
        Ok(response)
    })
}

pub async fn get_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetIntegrationResponseRequest,
) -> Result<IntegrationResponse> {
    read_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        require_integration(m)?
            .integration_responses
            .as_ref()
            .and_then(|r| r.get(&input.status_code))
            .cloned()
            .ok_or_else(missing_response)
    })
}

pub async fn update_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateIntegrationResponseRequest,
) -> Result<IntegrationResponse> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let r = require_integration(m)?
            .integration_responses
            .as_mut()
            .and_then(|r| r.get_mut(&input.status_code))
            .ok_or_else(missing_response)?;
        let mut updated = patch::apply(r, &input.patch_operations.unwrap_or_default())?;
        updated.status_code = r.status_code.clone();
        *r = updated;
        Ok(r.clone())
    })
}

pub async fn delete_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteIntegrationResponseRequest,
) -> Result<()> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        require_integration(m)?
            .integration_responses
            .as_mut()
            .and_then(|r| r.remove(&input.status_code))
            .map(|_| ())
            .ok_or_else(missing_response)
    })
}
