//! Request validators: the checks a method's validator asks for, made after its authorizers and
//! before its integration, as API Gateway makes them.
//!
//! - `validateRequestParameters`: every `method.request.*` parameter the method marks `true` is
//!   present and not blank, else 400 `Missing required request parameters: [names]`
//!   (BAD_REQUEST_PARAMETERS).
//! - `validateRequestBody`: the body is JSON satisfying the model the method names for the
//!   request's content type (or `$default`), else 400 `Invalid request body` (BAD_REQUEST_BODY).

use serde_json::Value;

use super::call::Call;
use super::errors::{self, GatewayError};
use super::schema;
use crate::generated::apigateway::Method;
use crate::rest_storage::RestApiRecord;

pub(super) fn check(api: &RestApiRecord, method: &Method, call: &Call) -> Result<(), GatewayError> {
    let Some(validator) = method
        .request_validator_id
        .as_deref()
        .and_then(|id| api.request_validator(id))
    else {
        return Ok(());
    };
    if validator.validate_request_parameters == Some(true) {
        let missing: Vec<&str> = method
            .request_parameters
            .iter()
            .flatten()
            .filter(|(_, required)| **required)
            .filter_map(|(name, _)| {
                let (place, param) = name.strip_prefix("method.request.")?.split_once('.')?;
                (!present(call, place, param)).then_some(param)
            })
            .collect();
        if !missing.is_empty() {
            return Err(errors::missing_parameters(&missing));
        }
    }
    if validator.validate_request_body == Some(true) {
        if let Some(model) = model_for(api, method, call) {
            if !body_satisfies(api, model, &call.req.body) {
                return Err(errors::BAD_REQUEST_BODY);
            }
        }
    }
    Ok(())
}

fn present(call: &Call, place: &str, name: &str) -> bool {
    let value = match place {
        "querystring" | "multivaluequerystring" => call.query_param(name),
        "header" | "multivalueheader" => call.header(name),
        "path" => call.path_params.get(name).map(String::as_str),
        _ => return true,
    };
    value.is_some_and(|v| !v.trim().is_empty())
}

/// The schema of the model the method names for the request's content type (without its
/// parameters; `application/json` when the request has none), else for `$default`.
fn model_for<'a>(api: &'a RestApiRecord, method: &Method, call: &Call) -> Option<&'a str> {
    let models = method.request_models.as_ref()?;
    let content_type = call
        .header("content-type")
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "application/json".into());
    let name = models
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(&content_type))
        .or_else(|| models.get_key_value("$default"))
        .map(|(_, v)| v)?;
    api.model(name)?.schema.as_deref()
}

fn body_satisfies(api: &RestApiRecord, schema: &str, body: &[u8]) -> bool {
    let (Ok(schema), Ok(instance)) = (
        serde_json::from_str::<Value>(schema),
        serde_json::from_slice::<Value>(body),
    ) else {
        return false;
    };
    // Models refer to one another as https://apigateway.amazonaws.com/restapis/<api>/models/<name>.
    let resolve = |reference: &str| {
        let name = reference.rsplit_once("/models/")?.1;
        serde_json::from_str(api.model(name)?.schema.as_deref()?).ok()
    };
    schema::validate(&schema, &instance, &resolve)
}
