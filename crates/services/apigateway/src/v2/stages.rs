//! CreateStage, GetStage, GetStages, UpdateStage, DeleteStage. An auto-deployed stage serves
//! the API as it is; another serves its deployment (see `deployments.rs`).

use std::collections::BTreeMap;

use nimbus_core::RequestContext;

use super::{conflict, not_found, now, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage;

pub(crate) fn new_stage(
    name: String,
    auto_deploy: bool,
    variables: Option<BTreeMap<String, String>>,
    managed: Option<bool>,
) -> Stage {
    let created = now();
    Stage {
        api_gateway_managed: managed,
        auto_deploy: Some(auto_deploy),
        created_date: Some(created.clone()),
        default_route_settings: Some(RouteSettings {
            detailed_metrics_enabled: Some(false),
            ..RouteSettings::default()
        }),
        last_updated_date: Some(created),
        route_settings: Some(BTreeMap::new()),
        stage_name: name,
        stage_variables: variables,
        tags: Some(BTreeMap::new()),
        ..Stage::default()
    }
}

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateStageRequest,
) -> Result<CreateStageResponse> {
    let owner = storage::owner(ctx);
    let mut stage = new_stage(
        input.stage_name.clone(),
        input.auto_deploy.unwrap_or(false),
        input.stage_variables,
        None,
    );
    stage.description = input.description;
    stage.access_log_settings = input.access_log_settings;
    stage.deployment_id = input.deployment_id;
    if let Some(t) = input.tags {
        stage.tags = Some(t);
    }
    if let Some(r) = input.route_settings {
        stage.route_settings = Some(r);
    }
    if let Some(d) = input.default_route_settings {
        stage.default_route_settings = Some(d);
    }
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::get_stage(w.as_read(), &owner, &input.api_id, &input.stage_name)?.is_some() {
            return Err(conflict(format!(
                "Stage {} already exists",
                input.stage_name
            )));
        }
        storage::put_stage(w, &owner, &input.api_id, &stage)
    })?;
    shaped(&stage)
}

fn missing(name: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid stage identifier specified {name}"))
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetStageRequest,
) -> Result<GetStageResponse> {
    let owner = storage::owner(ctx);
    let stage = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::get_stage(r, &owner, &input.api_id, &input.stage_name)?
            .ok_or_else(|| missing(&input.stage_name))
    })?;
    shaped(&stage)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetStagesRequest,
) -> Result<GetStagesResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::list_stages(r, &owner, &input.api_id)
    })?;
    Ok(GetStagesResponse {
        items: Some(items),
        next_token: None,
    })
}

pub async fn update(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: UpdateStageRequest,
) -> Result<UpdateStageResponse> {
    let owner = storage::owner(ctx);
    let stage = gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        let mut stage = storage::get_stage(w.as_read(), &owner, &input.api_id, &input.stage_name)?
            .ok_or_else(|| missing(&input.stage_name))?;
        if let Some(v) = input.stage_variables {
            stage.stage_variables = Some(v);
        }
        if let Some(v) = input.auto_deploy {
            stage.auto_deploy = Some(v);
        }
        if let Some(v) = input.description {
            stage.description = Some(v);
        }
        if let Some(v) = input.route_settings {
            stage.route_settings = Some(v);
        }
        if let Some(v) = input.default_route_settings {
            stage.default_route_settings = Some(v);
        }
        if let Some(v) = input.access_log_settings {
            stage.access_log_settings = Some(v);
        }
        if let Some(v) = input.deployment_id {
            stage.deployment_id = Some(v);
        }
        stage.last_updated_date = Some(now());
        storage::put_stage(w, &owner, &input.api_id, &stage)?;
        Ok::<_, nimbus_protocol::AwsError>(stage)
    })?;
    shaped(&stage)
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteStageRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        if storage::delete_stage(w, &owner, &input.api_id, &input.stage_name)? {
            Ok(())
        } else {
            Err(missing(&input.stage_name))
        }
    })
}
