//! Deployments (snapshots of a REST API) and the stages that serve them.

use std::collections::BTreeMap;

use nimbus_core::RequestContext;

use super::{bad_request, conflict, new_id, not_found, now, patch, require_api, Result};
use crate::generated::apigateway::*;
use crate::rest_storage::{self, DeploymentRecord};
use crate::storage::{self, ApiOwner};
use crate::ApiGateway;

fn missing_deployment() -> nimbus_protocol::AwsError {
    not_found("Invalid Deployment identifier specified")
}

fn missing_stage() -> nimbus_protocol::AwsError {
    not_found("Invalid Stage identifier specified")
}

fn check_stage_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(bad_request(
            "Stage name only allows a-zA-Z0-9_ and must be between 1 and 128 characters.",
        ))
    }
}

fn new_stage(name: String, deployment_id: String) -> Stage {
    let t = now();
    Stage {
        stage_name: Some(name),
        deployment_id: Some(deployment_id),
        created_date: Some(t),
        last_updated_date: Some(t),
        cache_cluster_enabled: Some(false),
        cache_cluster_status: Some("NOT_AVAILABLE".into()),
        tracing_enabled: Some(false),
        method_settings: Some(BTreeMap::new()),
        ..Stage::default()
    }
}

pub async fn create(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateDeploymentRequest,
) -> Result<Deployment> {
    if let Some(s) = &input.stage_name {
        check_stage_name(s)?;
    }
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        let api = require_api(w.as_read(), &owner, &input.rest_api_id)?;
        let has_methods = api
            .resources
            .iter()
            .any(|r| r.resource_methods.as_ref().is_some_and(|m| !m.is_empty()));
        if !has_methods {
            return Err(bad_request("The REST API doesn't contain any methods"));
        }
        // Every method must have an integration to be deployed.
        let bare = api.resources.iter().any(|r| {
            r.resource_methods
                .iter()
                .flatten()
                .any(|(_, m)| m.method_integration.is_none())
        });
        if bare {
            return Err(bad_request("No integration defined for method"));
        }
        let deployment = Deployment {
            id: Some(new_id()),
            description: input.description,
            created_date: Some(now()),
            api_summary: None,
        };
        let id = deployment.id.clone().unwrap_or_default();
        let record = DeploymentRecord {
            deployment: deployment.clone(),
            api,
        };
        rest_storage::put_deployment(w, &owner, &input.rest_api_id, &record)?;
        if let Some(name) = input.stage_name {
            let stage =
                match rest_storage::get_stage(w.as_read(), &owner, &input.rest_api_id, &name)? {
                    Some(mut s) => {
                        s.deployment_id = Some(id);
                        s.last_updated_date = Some(now());
                        s
                    }
                    None => new_stage(name, id),
                };
            let mut stage = stage;
            if input.variables.is_some() {
                stage.variables = input.variables;
            }
            if input.stage_description.is_some() {
                stage.description = input.stage_description;
            }
            if let Some(t) = input.tracing_enabled {
                stage.tracing_enabled = Some(t);
            }
            rest_storage::put_stage(w, &owner, &input.rest_api_id, &stage)?;
        }
        Ok(deployment)
    })
}

fn read_deployment(
    gw: &ApiGateway,
    owner: &ApiOwner,
    api_id: &str,
    id: &str,
) -> Result<DeploymentRecord> {
    gw.store.read(|r| {
        require_api(r, owner, api_id)?;
        rest_storage::get_deployment(r, owner, api_id, id)?.ok_or_else(missing_deployment)
    })
}

pub async fn get(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetDeploymentRequest,
) -> Result<Deployment> {
    let owner = storage::owner(ctx);
    let d = read_deployment(gw, &owner, &input.rest_api_id, &input.deployment_id)?;
    Ok(d.deployment)
}

pub async fn list(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetDeploymentsRequest,
) -> Result<Deployments> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.rest_api_id)?;
        rest_storage::list_deployments(r, &owner, &input.rest_api_id)
    })?;
    Ok(Deployments {
        items: Some(items.into_iter().map(|d| d.deployment).collect()),
        position: None,
    })
}

pub async fn update(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateDeploymentRequest,
) -> Result<Deployment> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        let mut d = rest_storage::get_deployment(
            w.as_read(),
            &owner,
            &input.rest_api_id,
            &input.deployment_id,
        )?
        .ok_or_else(missing_deployment)?;
        let mut updated = patch::apply(&d.deployment, &input.patch_operations.unwrap_or_default())?;
        updated.id = d.deployment.id.clone();
        d.deployment = updated;
        rest_storage::put_deployment(w, &owner, &input.rest_api_id, &d)?;
        Ok(d.deployment)
    })
}

pub async fn delete(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteDeploymentRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        let in_use = rest_storage::list_stages(w.as_read(), &owner, &input.rest_api_id)?
            .iter()
            .any(|s| s.deployment_id.as_deref() == Some(input.deployment_id.as_str()));
        if in_use {
            return Err(bad_request(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        if rest_storage::delete_deployment(w, &owner, &input.rest_api_id, &input.deployment_id)? {
            Ok(())
        } else {
            Err(missing_deployment())
        }
    })
}

pub async fn create_stage(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: CreateStageRequest,
) -> Result<Stage> {
    check_stage_name(&input.stage_name)?;
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        if rest_storage::get_deployment(
            w.as_read(),
            &owner,
            &input.rest_api_id,
            &input.deployment_id,
        )?
        .is_none()
        {
            return Err(missing_deployment());
        }
        if rest_storage::get_stage(w.as_read(), &owner, &input.rest_api_id, &input.stage_name)?
            .is_some()
        {
            return Err(conflict("Stage already exists"));
        }
        let mut stage = new_stage(input.stage_name, input.deployment_id);
        stage.description = input.description;
        stage.variables = input.variables;
        stage.tags = input.tags;
        stage.tracing_enabled = Some(input.tracing_enabled.unwrap_or(false));
        stage.cache_cluster_enabled = Some(input.cache_cluster_enabled.unwrap_or(false));
        stage.cache_cluster_size = input.cache_cluster_size;
        rest_storage::put_stage(w, &owner, &input.rest_api_id, &stage)?;
        Ok(stage)
    })
}

pub async fn get_stage(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetStageRequest,
) -> Result<Stage> {
    let owner = storage::owner(ctx);
    gw.store.read(|r| {
        require_api(r, &owner, &input.rest_api_id)?;
        rest_storage::get_stage(r, &owner, &input.rest_api_id, &input.stage_name)?
            .ok_or_else(missing_stage)
    })
}

pub async fn list_stages(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: GetStagesRequest,
) -> Result<Stages> {
    let owner = storage::owner(ctx);
    let mut items = gw.store.read(|r| {
        require_api(r, &owner, &input.rest_api_id)?;
        rest_storage::list_stages(r, &owner, &input.rest_api_id)
    })?;
    if let Some(d) = &input.deployment_id {
        items.retain(|s| s.deployment_id.as_ref() == Some(d));
    }
    Ok(Stages { item: Some(items) })
}

/// The paths UpdateStage takes, in AWS's own words for a path it does not.
const STAGE_PATHS: &str = "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]";

fn invalid_stage_path(path: &str) -> nimbus_protocol::AwsError {
    bad_request(format!(
        "Invalid method setting path: {path}. Must be one of: {STAGE_PATHS}"
    ))
}

/// The plain (not method setting) paths UpdateStage takes.
fn plain_stage_path(path: &str) -> bool {
    const EXACT: [&str; 9] = [
        "/deploymentId",
        "/description",
        "/cacheClusterEnabled",
        "/cacheClusterSize",
        "/clientCertificateId",
        "/accessLogSettings",
        "/accessLogSettings/destinationArn",
        "/accessLogSettings/format",
        "/tracingEnabled",
    ];
    EXACT.contains(&path)
        || path
            .strip_prefix("/variables/")
            .is_some_and(|v| !v.is_empty())
        || path.starts_with("/canarySettings/")
}

/// A method setting as AWS first writes it (as GetStage shows it): every member at its
/// default but the logging level, which appears once set.
fn default_method_setting() -> MethodSetting {
    MethodSetting {
        metrics_enabled: Some(false),
        data_trace_enabled: Some(false),
        throttling_burst_limit: Some(5000),
        throttling_rate_limit: Some(10000.0),
        caching_enabled: Some(false),
        cache_ttl_in_seconds: Some(300),
        cache_data_encrypted: Some(false),
        require_authorization_for_cache_control: Some(true),
        unauthorized_cache_control_header_strategy: Some("SUCCEED_WITH_RESPONSE_HEADER".into()),
        logging_level: None,
    }
}

/// `/*/*/logging/loglevel` and the like: a method setting (for every method with `*/*`), or
/// `remove /*/*` for a whole one. `None` for the other paths.
fn method_setting(stage: &mut Stage, op: &PatchOperation) -> Option<Result<()>> {
    let path = op.path.as_deref().unwrap_or_default();
    // `/~1pets/GET/...` is keyed `pets/GET`, the form the data plane looks up. (AWS itself
    // keeps the path as written, `~1pets/GET`.)
    let segs = patch::segments(path);
    let key =
        |resource: &str, method: &str| format!("{}/{method}", resource.trim_start_matches('/'));
    if let [resource, method] = segs.as_slice() {
        if op.op.as_deref() != Some("remove") || plain_stage_path(path) {
            return None;
        }
        let key = key(resource, method);
        let removed = stage.method_settings.as_mut().and_then(|m| m.remove(&key));
        return Some(match removed {
            Some(_) => Ok(()),
            None => Err(bad_request(format!(
                "Cannot remove method setting {key} because there is no method setting for this method "
            ))),
        });
    }
    let [resource, method, group, name] = segs.as_slice() else {
        return None;
    };
    if plain_stage_path(path) {
        return None;
    }
    let value = op.value.clone().unwrap_or_default();
    let flag = || value.eq_ignore_ascii_case("true");
    let number = || value.parse::<f64>().ok();
    // A new per-method setting starts as a copy of the stage-wide `*/*` one, if any.
    let settings = stage.method_settings.as_ref();
    let mut setting = settings
        .and_then(|m| m.get(&key(resource, method)).or_else(|| m.get("*/*")))
        .cloned()
        .unwrap_or_else(default_method_setting);
    match (group.as_str(), name.as_str()) {
        ("metrics", "enabled") => setting.metrics_enabled = Some(flag()),
        ("logging", "loglevel") => setting.logging_level = Some(value.clone()),
        ("logging", "dataTrace") => setting.data_trace_enabled = Some(flag()),
        ("throttling", "burstLimit") => setting.throttling_burst_limit = number().map(|n| n as i32),
        ("throttling", "rateLimit") => setting.throttling_rate_limit = number(),
        ("caching", "enabled") => setting.caching_enabled = Some(flag()),
        ("caching", "ttlInSeconds") => setting.cache_ttl_in_seconds = number().map(|n| n as i32),
        ("caching", "dataEncrypted") => setting.cache_data_encrypted = Some(flag()),
        ("caching", "requireAuthorizationForCacheControl") => {
            setting.require_authorization_for_cache_control = Some(flag())
        }
        ("caching", "unauthorizedCacheControlHeaderStrategy") => {
            setting.unauthorized_cache_control_header_strategy = Some(value.clone())
        }
        _ => return Some(Err(invalid_stage_path(path))),
    }
    stage
        .method_settings
        .get_or_insert_with(Default::default)
        .insert(key(resource, method), setting);
    Some(Ok(()))
}

pub async fn update_stage(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: UpdateStageRequest,
) -> Result<Stage> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        let mut stage =
            rest_storage::get_stage(w.as_read(), &owner, &input.rest_api_id, &input.stage_name)?
                .ok_or_else(missing_stage)?;
        let mut plain = Vec::new();
        for op in input.patch_operations.unwrap_or_default() {
            match method_setting(&mut stage, &op) {
                Some(result) => result?,
                None => {
                    let path = op.path.as_deref().unwrap_or_default();
                    if !plain_stage_path(path) {
                        return Err(invalid_stage_path(path));
                    }
                    plain.push(op)
                }
            }
        }
        let mut updated = patch::apply(&stage, &plain)?;
        // AWS leaves out the variables once the last one is removed.
        updated.variables = updated.variables.filter(|v| !v.is_empty());
        updated.stage_name = stage.stage_name.clone();
        updated.created_date = stage.created_date;
        updated.last_updated_date = Some(now());
        if updated.deployment_id != stage.deployment_id {
            let id = updated.deployment_id.clone().unwrap_or_default();
            if rest_storage::get_deployment(w.as_read(), &owner, &input.rest_api_id, &id)?.is_none()
            {
                return Err(missing_deployment());
            }
        }
        rest_storage::put_stage(w, &owner, &input.rest_api_id, &updated)?;
        Ok(updated)
    })
}

pub async fn delete_stage(
    gw: &ApiGateway,
    ctx: &RequestContext,
    input: DeleteStageRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.rest_api_id)?;
        if rest_storage::delete_stage(w, &owner, &input.rest_api_id, &input.stage_name)? {
            Ok(())
        } else {
            Err(missing_stage())
        }
    })
}
