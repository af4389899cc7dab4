//! PutMethod, GetMethod, UpdateMethod, DeleteMethod and the method responses.

use nimbus_core::RequestContext;

use super::{
    bad_request, change_in_resource, conflict, not_found, patch, read_in_resource, require_method,
    require_resource, Result, HTTP_METHODS,
};
use crate::generated::apigateway::*;
use crate::ApiGateway;

const AUTHORIZATION_TYPES: [&str; 4] = ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];

fn check_method(http_method: &str) -> Result<()> {
    if HTTP_METHODS.contains(&http_method) {
        Ok(())
    } else {
        Err(bad_request(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        ))
    }
}

pub async fn put(gw: &ApiGateway, ctx: &RequestContext, input: PutMethodRequest) -> Result<Method> {
    check_method(&input.http_method)?;
    if !AUTHORIZATION_TYPES.contains(&input.authorization_type.as_str()) {
        return Err(bad_request(format!(
            "Invalid authorization type specified: {}",
            input.authorization_type
        )));
    }
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let custom = matches!(
            input.authorization_type.as_str(),
            "CUSTOM" | "COGNITO_USER_POOLS"
        );
        if custom {
            let known = input
                .authorizer_id
                .as_deref()
                .is_some_and(|id| api.authorizers.iter().any(|a| a.id.as_deref() == Some(id)));
            if !known {
                return Err(bad_request("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."));
            }
        }
        check_references(
            api,
            input.request_validator_id.as_deref(),
            input.request_models.as_ref(),
        )?;
        let resource = require_resource(api, &input.resource_id)?;
        let methods = resource
            .resource_methods
            .get_or_insert_with(Default::default);
        if methods.contains_key(&input.http_method) {
            return Err(conflict("Method already exists for this resource"));
        }
        let method = Method {
            http_method: Some(input.http_method.clone()),
            authorization_type: Some(input.authorization_type),
            authorizer_id: input.authorizer_id.filter(|_| custom),
            api_key_required: Some(input.api_key_required.unwrap_or(false)),
            authorization_scopes: input.authorization_scopes,
            operation_name: input.operation_name,
            request_models: input.request_models,
            request_parameters: input.request_parameters,
            request_validator_id: input.request_validator_id,
            ..Method::default()
        };
        methods.insert(input.http_method, method.clone());
        Ok(method)
    })
}

pub async fn get(gw: &ApiGateway, ctx: &RequestContext, input: GetMethodRequest) -> Result<Method> {
    read_in_resource(gw, ctx, &input.rest_api_id, |api| {
        Ok(require_method(api, &input.resource_id, &input.http_method)?.clone())
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateMethodRequest,
) -> Result<Method> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let mut updated = patch::apply(m, &input.patch_operations.unwrap_or_default())?;
        updated.http_method = m.http_method.clone();
        updated.method_integration = m.method_integration.clone();
        check_references(
            api,
            updated.request_validator_id.as_deref(),
            updated.request_models.as_ref(),
        )?;
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        *m = updated;
        Ok(m.clone())
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteMethodRequest,
) -> Result<()> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        require_method(api, &input.resource_id, &input.http_method)?;
        let resource = require_resource(api, &input.resource_id)?;
        if let Some(m) = resource.resource_methods.as_mut() {
            m.remove(&input.http_method);
        }
        Ok(())
    })
}

/// A method may name only a request validator and models its API has.
fn check_references(
    api: &crate::rest_storage::RestApiRecord,
    validator: Option<&str>,
    models: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<()> {
    if let Some(id) = validator.filter(|id| !id.is_empty()) {
        if api.request_validator(id).is_none() {
            return Err(bad_request(
                "Invalid Request Validator identifier specified",
            ));
        }
    }
    for name in models.into_iter().flat_map(|m| m.values()) {
        if api.model(name).is_none() {
            return Err(bad_request(format!(
                "Invalid model identifier specified: {name}"
            )));
        }
    }
    Ok(())
}

fn missing_response() -> nimbus_protocol::AwsError {
    not_found("Invalid Response status code specified")
}

pub(crate) fn check_status_code(status: &str) -> Result<()> {
    let ok = status.len() == 3
        && status.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&status.as_bytes()[0]);
    if ok {
        Ok(())
    } else {
        Err(bad_request(format!(
            "Invalid status code specified: {status}"
        )))
    }
}

pub async fn put_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: PutMethodResponseRequest,
) -> Result<MethodResponse> {
    check_status_code(&input.status_code)?;
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let response = MethodResponse {
            status_code: Some(input.status_code.clone()),
            response_models: input.response_models,
            response_parameters: input.response_parameters,
        };
        m.method_responses
            .get_or_insert_with(Default::default)
            .insert(input.status_code, response.clone());
        Ok(response)
    })
}

pub async fn get_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetMethodResponseRequest,
) -> Result<MethodResponse> {
    read_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        m.method_responses
            .as_ref()
            .and_then(|r| r.get(&input.status_code))
            .cloned()
            .ok_or_else(missing_response)
    })
}

pub async fn update_response(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateMethodResponseRequest,
) -> Result<MethodResponse> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        let r = m
            .method_responses
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
    input: DeleteMethodResponseRequest,
) -> Result<()> {
    change_in_resource(gw, ctx, &input.rest_api_id, |api| {
        let m = require_method(api, &input.resource_id, &input.http_method)?;
        m.method_responses
            .as_mut()
            .and_then(|r| r.remove(&input.status_code))
            .map(|_| ())
            .ok_or_else(missing_response)
    })
}
