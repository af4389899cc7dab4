//! CreateDeployment, GetDeployment, GetDeployments, DeleteDeployment. A deployment snapshots
//! the API's routes, integrations and authorizers; a stage without auto-deploy serves its
//! deployment's snapshot, one with auto-deploy the API as it is now.

use nimbus_core::RequestContext;

use super::{bad_request, new_id, not_found, now, require_api, shaped, Result};
use crate::generated::apigatewayv2::*;
use crate::service::ApiGatewayV2;
use crate::storage::{self, DeploymentRecord};

pub async fn create(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: CreateDeploymentRequest,
) -> Result<CreateDeploymentResponse> {
    let owner = storage::owner(ctx);
    let deployment = gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        let r = w.as_read();
        let mut stage = match &input.stage_name {
            Some(name) => Some(
                storage::get_stage(r, &owner, &input.api_id, name)?.ok_or_else(|| {
                    not_found(format!("Invalid stage identifier specified {name}"))
                })?,
            ),
            None => None,
        };
        let record = DeploymentRecord {
            deployment: Deployment {
                auto_deployed: Some(false),
                created_date: Some(now()),
                deployment_id: Some(new_id(6)),
                deployment_status: Some("DEPLOYED".into()),
                description: input.description.clone(),
                ..Deployment::default()
            },
            routes: storage::list_routes(r, &owner, &input.api_id)?,
            integrations: storage::list_integrations(r, &owner, &input.api_id)?,
            authorizers: storage::list_authorizers(r, &owner, &input.api_id)?,
        };
        storage::put_deployment(w, &owner, &input.api_id, &record)?;
        if let Some(stage) = stage.as_mut() {
            stage.deployment_id = record.deployment.deployment_id.clone();
            stage.last_updated_date = Some(now());
            storage::put_stage(w, &owner, &input.api_id, stage)?;
        }
        Ok::<_, nimbus_protocol::AwsError>(record.deployment)
    })?;
    shaped(&deployment)
}

fn missing(id: &str) -> nimbus_protocol::AwsError {
    not_found(format!("Invalid Deployment identifier specified {id}"))
}

pub async fn get(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetDeploymentRequest,
) -> Result<GetDeploymentResponse> {
    let owner = storage::owner(ctx);
    let d = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::get_deployment(r, &owner, &input.api_id, &input.deployment_id)?
            .ok_or_else(|| missing(&input.deployment_id))
    })?;
    shaped(&d.deployment)
}

pub async fn list(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: GetDeploymentsRequest,
) -> Result<GetDeploymentsResponse> {
    let owner = storage::owner(ctx);
    let items = gw.store.read(|r| {
        require_api(r, &owner, &input.api_id)?;
        storage::list_deployments(r, &owner, &input.api_id)
    })?;
    Ok(GetDeploymentsResponse {
        items: Some(items.into_iter().map(|d| d.deployment).collect()),
        next_token: None,
    })
}

pub async fn delete(
    gw: &ApiGatewayV2,
    ctx: &RequestContext,
    input: DeleteDeploymentRequest,
) -> Result<()> {
    let owner = storage::owner(ctx);
    gw.store.write(|w| {
        require_api(w.as_read(), &owner, &input.api_id)?;
        let in_use = storage::list_stages(w.as_read(), &owner, &input.api_id)?
            .iter()
            .any(|s| s.deployment_id.as_deref() == Some(input.deployment_id.as_str()));
        if in_use {
            return Err(bad_request(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        if storage::delete_deployment(w, &owner, &input.api_id, &input.deployment_id)? {
            Ok(())
        } else {
            Err(missing(&input.deployment_id))
        }
    })
}
