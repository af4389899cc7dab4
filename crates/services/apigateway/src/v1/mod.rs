//! The apigateway (REST API) management operations, one file per family.

pub mod authorizers;
pub mod deployments;
pub mod gateway_responses;
pub mod integrations;
pub mod keys;
pub mod methods;
pub mod models;
pub mod patch;
pub mod resources;
pub mod rest_apis;

use nimbus_core::time::now_millis;
use nimbus_protocol::AwsError;
use nimbus_store::Read;

use crate::generated::apigateway::{ErrorCode, Method, Resource};
use crate::rest_storage::{self, RestApiRecord};
use crate::storage::ApiOwner;

pub type Result<T> = std::result::Result<T, AwsError>;

/// Seconds since the epoch, as the apigateway API writes its dates.
pub(crate) fn now() -> f64 {
    (now_millis() / 1000) as f64
}

/// A ten-character id of lower-case letters and digits, as API Gateway makes them.
pub(crate) fn new_id() -> String {
    nimbus_core::ids::hex(10)
}

pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    ErrorCode::NotFoundException.error(message)
}

pub(crate) fn bad_request(message: impl Into<String>) -> AwsError {
    ErrorCode::BadRequestException.error(message)
}

pub(crate) fn conflict(message: impl Into<String>) -> AwsError {
    ErrorCode::ConflictException.error(message)
}

/// The REST API a request names, or API Gateway's NotFoundException.
pub(crate) fn require_api(r: &dyn Read, o: &ApiOwner, id: &str) -> Result<RestApiRecord> {
    rest_storage::get_api(r, o, id)?.ok_or_else(|| {
        not_found(format!(
            "Invalid API identifier specified {}:{id}",
            o.account
        ))
    })
}

fn missing_resource() -> AwsError {
    not_found("Invalid Resource identifier specified")
}

pub(crate) fn require_resource<'a>(
    api: &'a mut RestApiRecord,
    id: &str,
) -> Result<&'a mut Resource> {
    api.resource_mut(id).ok_or_else(missing_resource)
}

pub(crate) fn require_method<'a>(
    api: &'a mut RestApiRecord,
    resource_id: &str,
    http_method: &str,
) -> Result<&'a mut Method> {
    require_resource(api, resource_id)?
        .resource_methods
        .as_mut()
        .and_then(|m| m.get_mut(http_method))
        .ok_or_else(|| not_found("Invalid Method identifier specified"))
}

/// Reads, changes and writes back one REST API in a single store transaction.
pub(crate) fn change<T>(
    gw: &crate::ApiGateway,
    ctx: &nimbus_core::RequestContext,
    api_id: &str,
    f: impl FnOnce(&mut RestApiRecord) -> Result<T>,
) -> Result<T> {
    change_or(gw, ctx, api_id, None, f)
}

/// [`change`] for the operations under a resource (methods, integrations and their
/// responses): AWS answers an unknown API there as an unknown resource.
pub(crate) fn change_in_resource<T>(
    gw: &crate::ApiGateway,
    ctx: &nimbus_core::RequestContext,
    api_id: &str,
    f: impl FnOnce(&mut RestApiRecord) -> Result<T>,
) -> Result<T> {
    change_or(gw, ctx, api_id, Some(missing_resource), f)
}

fn change_or<T>(
    gw: &crate::ApiGateway,
    ctx: &nimbus_core::RequestContext,
    api_id: &str,
    missing: Option<fn() -> AwsError>,
    f: impl FnOnce(&mut RestApiRecord) -> Result<T>,
) -> Result<T> {
    let owner = crate::storage::owner(ctx);
    gw.store.write(|w| {
        let mut api = lookup(w.as_read(), &owner, api_id, missing)?;
        let out = f(&mut api)?;
        rest_storage::put_api(w, &owner, &api)?;
        Ok(out)
    })
}

/// Reads one REST API.
pub(crate) fn read<T>(
    gw: &crate::ApiGateway,
    ctx: &nimbus_core::RequestContext,
    api_id: &str,
    f: impl FnOnce(&mut RestApiRecord) -> Result<T>,
) -> Result<T> {
    let owner = crate::storage::owner(ctx);
    let mut api = gw.store.read(|r| require_api(r, &owner, api_id))?;
    f(&mut api)
}

/// [`read`] for the operations under a resource, as [`change_in_resource`].
pub(crate) fn read_in_resource<T>(
    gw: &crate::ApiGateway,
    ctx: &nimbus_core::RequestContext,
    api_id: &str,
    f: impl FnOnce(&mut RestApiRecord) -> Result<T>,
) -> Result<T> {
    let owner = crate::storage::owner(ctx);
    let mut api = gw
        .store
        .read(|r| lookup(r, &owner, api_id, Some(missing_resource)))?;
    f(&mut api)
}

fn lookup(
    r: &dyn Read,
    o: &ApiOwner,
    id: &str,
    missing: Option<fn() -> AwsError>,
) -> Result<RestApiRecord> {
    match missing {
        None => require_api(r, o, id),
        Some(missing) => rest_storage::get_api(r, o, id)?.ok_or_else(missing),
    }
}

pub(crate) const HTTP_METHODS: [&str; 8] = [
    "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
];
