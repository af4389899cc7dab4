//! CreateRoute, GetRoute, GetRoutes, UpdateRoute, DeleteRoute.

use nimbus_core::RequestContext;

use super::{bad_request, conflict, new_id, not_found, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage;

const METHODS: [&str; 8] = [
    "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
];

/// `$default`, or `METHOD /path` with `{name}` segments and at most one greedy `{name+}` at
/// the end.
pub fn check_route_key(key: &str) -> Result<()> {
    if key == "$default" {
        return Ok(());
    }
    let bad = || {
        bad_request(format!(
            "Unable to create route. Route key '{key}' must be '$default' or a method and a path, for example 'GET /pets/{{id}}'."
        ))
    };
    let (method, path) = key.split_once(' ').ok_or_else(bad)?;
    if !METHODS.contains(&method) || !path.starts_with('/') {
        return Err(bad());
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, s) in segments.iter().enumerate() {
        if s.ends_with("+}") && i + 1 != segments.len() {
            return Err(bad());
        }
        if s.starts_with('{') != s.ends_with('}') {
            return Err(bad());
        }
    }
    Ok(())
}

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateRouteRequest,
) -> Result<CreateRouteResult> {
    check_route_key(&input.route_key)?;
    let owner = storage::owner(ctx);
    let route = Route {
        api_key_required: Some(input.api_key_required.unwrap_or(false)),
        authorization_scopes: input.authorization_scopes,
        authorization_type: Some(input.authorization_type.unwrap_or_else(|| "NONE".into())),
        authorizer_id: input.authorizer_id,
        operation_name: input.operation_name,
        request_parameters: input.request_parameters,
        route_id: Some(new_id(7)),
        route_key: input.route_key,
        target: input.target,
        ..Route::default()
    };
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        let taken = storage::list_routes(w.as_read(), &owner, &input.api_id)?
            .iter()
            .any(|r| r.route_key == route.route_key);
        if taken {
            return Err(conflict(format!(
                "Route with key {} already exists for this API",
                route.route_key
            )));
        }
        storage::put_route(w, &owner, &input.api_id, &route)
    })?;
    shaped(&route)
}

fn missing(id: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid Route identifier specified {id}"))
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetRouteRequest,
) -> Result<GetRouteResult> {
    let owner = storage::owner(ctx);
    let route = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::get_route(r, &owner, &input.api_id, &input.route_id)?
            .ok_or_else(|| missing(&input.route_id))
    })?;
    shaped(&route)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetRoutesRequest,
) -> Result<GetRoutesResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::list_routes(r, &owner, &input.api_id)
    })?;
    Ok(GetRoutesResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn update(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: UpdateRouteRequest,
) -> Result<UpdateRouteResult> {
    if let Some(k) = &input.route_key {
        check_route_key(k)?;
    }
    let owner = storage::owner(ctx);
    let route = gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        let mut route = storage::get_route(w.as_read(), &owner, &input.api_id, &input.route_id)?
            .ok_or_else(|| missing(&input.route_id))?;
        if let Some(k) = input.route_key {
            route.route_key = k;
        }
        if let Some(t) = input.target {
            route.target = Some(t);
        }
        if let Some(a) = input.authorization_type {
            route.authorization_type = Some(a);
        }
        storage::put_route(w, &owner, &input.api_id, &route)?;
        Ok::<_, nimbus_protocol::AwsError>(route)
    })?;
    shaped(&route)
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteRouteRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::delete_route(w, &owner, &input.api_id, &input.route_id)? {
            Ok(())
        } else {
            Err(missing(&input.route_id))
        }
    })
}
