//! CreateModel, GetModel, GetModels, UpdateModel, DeleteModel, and CreateRequestValidator,
//! GetRequestValidator(s), UpdateRequestValidator, DeleteRequestValidator. Models are JSON
//! Schema (draft 4) documents a method's request validator checks bodies against; both live in
//! the REST API's record, so a deployment freezes them with the methods that name them.

use nimbus_core::RequestContext;

use super::{bad_request, change, conflict, new_id, not_found, patch, read, Result};
use crate::generated::apigateway::*;
use crate::ApiGateway;

/// The two models API Gateway gives every new REST API.
pub fn defaults() -> Vec<Model> {
    let model = |name: &str, schema: &str| Model {
        id: Some(new_id()),
        name: Some(name.into()),
        description: Some(format!(
            "This is a default {} schema model",
            name.to_lowercase()
        )),
        content_type: Some("application/json".into()),
        schema: Some(schema.into()),
    };
    vec![
        model(
            "Empty",
            "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}",
        ),
        model(
            "Error",
            "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}",
        ),
    ]
}

fn missing_model() -> nimbus_protocol::AwsError {
    not_found("Invalid model name specified")
}

fn check_model(m: &Model) -> Result<()> {
    let name = m.name.as_deref().unwrap_or_default();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad_request("Model name must be alphanumeric"));
    }
    if let Some(schema) = m.schema.as_deref() {
        if !serde_json::from_str::<serde_json::Value>(schema).is_ok_and(|s| s.is_object()) {
            return Err(bad_request(
                "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]",
            ));
        }
    }
    Ok(())
}

pub async fn create_model(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateModelRequest,
) -> Result<Model> {
    let model = Model {
        id: Some(new_id()),
        name: Some(input.name),
        description: input.description,
        content_type: Some(input.content_type),
        schema: input.schema,
    };
    check_model(&model)?;
    change(gw, ctx, &input.rest_api_id, |api| {
        if api.models.iter().any(|m| m.name == model.name) {
            return Err(conflict("Model name already exists for this REST API"));
        }
        api.models.push(model.clone());
        Ok(model)
    })
}

pub async fn get_model(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetModelRequest,
) -> Result<Model> {
    read(gw, ctx, &input.rest_api_id, |api| {
        api.model(&input.model_name)
            .cloned()
            .ok_or_else(missing_model)
    })
}

pub async fn get_models(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetModelsRequest,
) -> Result<Models> {
    read(gw, ctx, &input.rest_api_id, |api| {
        Ok(Models {
            items: Some(api.models.clone()),
            position: None,
        })
    })
}

pub async fn update_model(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateModelRequest,
) -> Result<Model> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let m = api
            .models
            .iter_mut()
            .find(|m| m.name.as_deref() == Some(input.model_name.as_str()))
            .ok_or_else(missing_model)?;
        let mut updated = patch::apply(m, &input.patch_operations.unwrap_or_default())?;
        (updated.id, updated.name) = (m.id.clone(), m.name.clone());
        check_model(&updated)?;
        *m = updated;
        Ok(m.clone())
    })
}

pub async fn delete_model(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteModelRequest,
) -> Result<()> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let name = input.model_name.as_str();
        let user = api.resources.iter().find_map(|r| {
            let methods = r.resource_methods.as_ref()?;
            let (verb, _) = methods.iter().find(|(_, m)| {
                m.request_models
                    .as_ref()
                    .is_some_and(|models| models.values().any(|v| v == name))
            })?;
            let path = r.path.as_deref().unwrap_or_default().trim_end_matches('/');
            Some(format!("{path}/{verb}"))
        });
        if let Some(user) = user {
            return Err(conflict(format!(
                "Cannot delete model '{name}', is referenced in method request: {user}"
            )));
        }
        let before = api.models.len();
        api.models.retain(|m| m.name.as_deref() != Some(name));
        if api.models.len() == before {
            return Err(missing_model());
        }
        Ok(())
    })
}

fn missing_validator() -> nimbus_protocol::AwsError {
    not_found("Invalid Request Validator identifier specified")
}

pub async fn create_validator(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateRequestValidatorRequest,
) -> Result<RequestValidator> {
    let validator = RequestValidator {
        id: Some(new_id()),
        name: input.name,
        validate_request_body: Some(input.validate_request_body.unwrap_or(false)),
        validate_request_parameters: Some(input.validate_request_parameters.unwrap_or(false)),
    };
    change(gw, ctx, &input.rest_api_id, |api| {
        api.request_validators.push(validator.clone());
        Ok(validator)
    })
}

pub async fn get_validator(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetRequestValidatorRequest,
) -> Result<RequestValidator> {
    read(gw, ctx, &input.rest_api_id, |api| {
        api.request_validator(&input.request_validator_id)
            .cloned()
            .ok_or_else(missing_validator)
    })
}

pub async fn get_validators(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetRequestValidatorsRequest,
) -> Result<RequestValidators> {
    read(gw, ctx, &input.rest_api_id, |api| {
        Ok(RequestValidators {
            items: Some(api.request_validators.clone()),
            position: None,
        })
    })
}

pub async fn update_validator(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateRequestValidatorRequest,
) -> Result<RequestValidator> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let v = api
            .request_validators
            .iter_mut()
            .find(|v| v.id.as_deref() == Some(input.request_validator_id.as_str()))
            .ok_or_else(missing_validator)?;
        let mut updated = patch::apply(v, &input.patch_operations.unwrap_or_default())?;
        updated.id = v.id.clone();
        *v = updated;
        Ok(v.clone())
    })
}

pub async fn delete_validator(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteRequestValidatorRequest,
) -> Result<()> {
    change(gw, ctx, &input.rest_api_id, |api| {
        let id = input.request_validator_id.as_str();
        let used = api.resources.iter().any(|r| {
            r.resource_methods.as_ref().is_some_and(|m| {
                m.values()
                    .any(|m| m.request_validator_id.as_deref() == Some(id))
            })
        });
        if used {
            return Err(bad_request(
                "Cannot delete request validator, is referenced in method",
            ));
        }
        let before = api.request_validators.len();
        api.request_validators
            .retain(|v| v.id.as_deref() != Some(id));
        if api.request_validators.len() == before {
            return Err(missing_validator());
        }
        Ok(())
    })
}
