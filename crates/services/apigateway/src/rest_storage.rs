//! How REST APIs (the `apigateway` API) sit in the store.
//!
//! | tree                   | key                                        | value                 |
//! |------------------------|--------------------------------------------|-----------------------|
//! | `apigw.rest_apis`      | account \0 region \0 api id                | [`RestApiRecord`] JSON |
//! | `apigw.rest_stages`    | account \0 region \0 api id \0 stage       | `Stage` JSON          |
//! | `apigw.rest_deployments` | account \0 region \0 api id \0 dep. id   | [`DeploymentRecord`] JSON |
//! | `apigw.api_keys`       | account \0 region \0 key id                | `ApiKey` JSON         |
//! | `apigw.usage_plans`    | account \0 region \0 plan id               | [`UsagePlanRecord`] JSON |
//! | `apigw.api_ids`        | api id (shared with HTTP APIs)             | `ApiOwner` JSON       |
//!
//! A REST API is one record: its resources with their methods, integrations and responses,
//! its authorizers, gateway responses, models and request validators. Every management call rewrites it, and a deployment
//! is a copy of it, which is what AWS's "a deployment is a snapshot" means.

use nimbus_store::{KeyRange, Read, Tree, Write};
use serde::{Deserialize, Serialize};

use crate::generated::apigateway::{
    ApiKey, Authorizer, Deployment, GatewayResponse, Model, RequestValidator, Resource, RestApi,
    Stage, UsagePlan,
};
use crate::storage::{api_key, child_key, children, get, put, scan, ApiOwner, Result, API_IDS};

pub const REST_APIS: Tree = Tree("apigw.rest_apis");
pub const REST_STAGES: Tree = Tree("apigw.rest_stages");
pub const REST_DEPLOYMENTS: Tree = Tree("apigw.rest_deployments");
pub const API_KEYS: Tree = Tree("apigw.api_keys");
pub const USAGE_PLANS: Tree = Tree("apigw.usage_plans");

/// A REST API as it is now: what a deployment copies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RestApiRecord {
    pub api: RestApi,
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    #[serde(default)]
    pub gateway_responses: Vec<GatewayResponse>,
    #[serde(default)]
    pub models: Vec<Model>,
    #[serde(default)]
    pub request_validators: Vec<RequestValidator>,
}

impl RestApiRecord {
    pub fn id(&self) -> &str {
        self.api.id.as_deref().unwrap_or_default()
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id.as_deref() == Some(id))
    }

    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name.as_deref() == Some(name))
    }

    pub fn request_validator(&self, id: &str) -> Option<&RequestValidator> {
        self.request_validators
            .iter()
            .find(|v| v.id.as_deref() == Some(id))
    }

    pub fn resource_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.resources
            .iter_mut()
            .find(|r| r.id.as_deref() == Some(id))
    }
}

/// A deployment and the API it froze.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentRecord {
    pub deployment: Deployment,
    pub api: RestApiRecord,
}

/// A usage plan and the ids of the API keys in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsagePlanRecord {
    pub plan: UsagePlan,
    #[serde(default)]
    pub keys: Vec<String>,
}

pub fn get_api(r: &dyn Read, o: &ApiOwner, id: &str) -> Result<Option<RestApiRecord>> {
    get(r, REST_APIS, &api_key(o, id))
}

pub fn put_api(w: &mut dyn Write, o: &ApiOwner, api: &RestApiRecord) -> Result<()> {
    put(w, API_IDS, api.id().as_bytes(), o)?;
    put(w, REST_APIS, &api_key(o, api.id()), api)
}

pub fn list_apis(r: &dyn Read, o: &ApiOwner) -> Result<Vec<RestApiRecord>> {
    scan(r, REST_APIS, &KeyRange::prefix(&api_key(o, "")))
}

/// Every REST API id there is, for the front door's claim on `<id>.execute-api` hosts.
pub fn all_api_ids(r: &dyn Read) -> Result<Vec<String>> {
    let apis: Vec<RestApiRecord> = scan(r, REST_APIS, &KeyRange::prefix(b""))?;
    Ok(apis.iter().map(|a| a.id().to_string()).collect())
}

/// Deletes a REST API with its stages and deployments.
pub fn delete_api(w: &mut dyn Write, o: &ApiOwner, id: &str) -> Result<bool> {
    for tree in [REST_STAGES, REST_DEPLOYMENTS] {
        w.delete_range(tree, &children(o, id))?;
    }
    w.delete(API_IDS, id.as_bytes())?;
    Ok(w.delete(REST_APIS, &api_key(o, id))?)
}

pub fn get_stage(r: &dyn Read, o: &ApiOwner, api: &str, name: &str) -> Result<Option<Stage>> {
    get(r, REST_STAGES, &child_key(o, api, name))
}

pub fn put_stage(w: &mut dyn Write, o: &ApiOwner, api: &str, s: &Stage) -> Result<()> {
    let name = s.stage_name.clone().unwrap_or_default();
    put(w, REST_STAGES, &child_key(o, api, &name), s)
}

pub fn delete_stage(w: &mut dyn Write, o: &ApiOwner, api: &str, name: &str) -> Result<bool> {
    Ok(w.delete(REST_STAGES, &child_key(o, api, name))?)
}

pub fn list_stages(r: &dyn Read, o: &ApiOwner, api: &str) -> Result<Vec<Stage>> {
    scan(r, REST_STAGES, &children(o, api))
}

pub fn get_deployment(
    r: &dyn Read,
    o: &ApiOwner,
    api: &str,
    id: &str,
) -> Result<Option<DeploymentRecord>> {
    get(r, REST_DEPLOYMENTS, &child_key(o, api, id))
}

pub fn put_deployment(
    w: &mut dyn Write,
    o: &ApiOwner,
    api: &str,
    d: &DeploymentRecord,
) -> Result<()> {
    let id = d.deployment.id.clone().unwrap_or_default();
    put(w, REST_DEPLOYMENTS, &child_key(o, api, &id), d)
}

pub fn delete_deployment(w: &mut dyn Write, o: &ApiOwner, api: &str, id: &str) -> Result<bool> {
    Ok(w.delete(REST_DEPLOYMENTS, &child_key(o, api, id))?)
}

pub fn list_deployments(r: &dyn Read, o: &ApiOwner, api: &str) -> Result<Vec<DeploymentRecord>> {
    scan(r, REST_DEPLOYMENTS, &children(o, api))
}

pub fn get_api_key(r: &dyn Read, o: &ApiOwner, id: &str) -> Result<Option<ApiKey>> {
    get(r, API_KEYS, &api_key(o, id))
}

pub fn put_api_key(w: &mut dyn Write, o: &ApiOwner, k: &ApiKey) -> Result<()> {
    put(
        w,
        API_KEYS,
        &api_key(o, k.id.as_deref().unwrap_or_default()),
        k,
    )
}

pub fn delete_api_key(w: &mut dyn Write, o: &ApiOwner, id: &str) -> Result<bool> {
    Ok(w.delete(API_KEYS, &api_key(o, id))?)
}

pub fn list_api_keys(r: &dyn Read, o: &ApiOwner) -> Result<Vec<ApiKey>> {
    scan(r, API_KEYS, &KeyRange::prefix(&api_key(o, "")))
}

pub fn get_usage_plan(r: &dyn Read, o: &ApiOwner, id: &str) -> Result<Option<UsagePlanRecord>> {
    get(r, USAGE_PLANS, &api_key(o, id))
}

pub fn put_usage_plan(w: &mut dyn Write, o: &ApiOwner, p: &UsagePlanRecord) -> Result<()> {
    put(
        w,
        USAGE_PLANS,
        &api_key(o, p.plan.id.as_deref().unwrap_or_default()),
        p,
    )
}

pub fn delete_usage_plan(w: &mut dyn Write, o: &ApiOwner, id: &str) -> Result<bool> {
    Ok(w.delete(USAGE_PLANS, &api_key(o, id))?)
}

pub fn list_usage_plans(r: &dyn Read, o: &ApiOwner) -> Result<Vec<UsagePlanRecord>> {
    scan(r, USAGE_PLANS, &KeyRange::prefix(&api_key(o, "")))
}
