//! How HTTP APIs sit in the store.
//!
//! | tree                    | key                                      | value              |
//! |-------------------------|------------------------------------------|--------------------|
//! | `apigw.apis`            | account \0 region \0 api id              | `Api` JSON         |
//! | `apigw.routes`          | account \0 region \0 api id \0 route id  | `Route` JSON       |
//! | `apigw.integrations`    | account \0 region \0 api id \0 int. id   | `Integration` JSON |
//! | `apigw.stages`          | account \0 region \0 api id \0 stage     | `Stage` JSON       |
//! | `apigw.authorizers`     | account \0 region \0 api id \0 auth. id  | `Authorizer` JSON  |
//! | `apigw.deployments`     | account \0 region \0 api id \0 dep. id   | [`DeploymentRecord`] JSON |
//! | `apigw.api_ids`         | api id                                   | [`ApiOwner`] JSON  |
//!
//! Records are the model's own shapes, so the API answers them as stored. API ids are unique
//! across accounts and regions (they name a host), hence the owner index the front door reads.

use nimbus_core::RequestContext;
use nimbus_protocol::AwsError;
use nimbus_store::{json, KeyRange, Read, Tree, Write};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::generated::apigatewayv2::{Api, Authorizer, Integration, Route, Stage};

pub const APIS: Tree = Tree("apigw.apis");
pub const ROUTES: Tree = Tree("apigw.routes");
pub const INTEGRATIONS: Tree = Tree("apigw.integrations");
pub const STAGES: Tree = Tree("apigw.stages");
pub const API_IDS: Tree = Tree("apigw.api_ids");
pub const AUTHORIZERS: Tree = Tree("apigw.authorizers");
pub const DEPLOYMENTS: Tree = Tree("apigw.deployments");

pub type Result<T> = std::result::Result<T, AwsError>;

/// Where an API id belongs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiOwner {
    pub account: String,
    pub region: String,
}

pub(crate) fn api_key(ctx: &ApiOwner, api_id: &str) -> Vec<u8> {
    let mut k = Vec::new();
    for part in [ctx.account.as_str(), ctx.region.as_str()] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k.extend_from_slice(api_id.as_bytes());
    k
}

pub(crate) fn child_key(owner: &ApiOwner, api_id: &str, child: &str) -> Vec<u8> {
    let mut k = api_key(owner, api_id);
    k.push(0);
    k.extend_from_slice(child.as_bytes());
    k
}

pub(crate) fn children(owner: &ApiOwner, api_id: &str) -> KeyRange {
    KeyRange::prefix(&child_key(owner, api_id, ""))
}

pub fn owner(ctx: &RequestContext) -> ApiOwner {
    ApiOwner {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
    }
}

pub(crate) fn get<T: DeserializeOwned>(r: &dyn Read, tree: Tree, key: &[u8]) -> Result<Option<T>> {
    Ok(json::get(r, tree, key)?)
}

pub(crate) fn put<T: Serialize>(
    w: &mut dyn Write,
    tree: Tree,
    key: &[u8],
    value: &T,
) -> Result<()> {
    Ok(json::put(w, tree, key, value)?)
}

pub(crate) fn scan<T: DeserializeOwned>(
    r: &dyn Read,
    tree: Tree,
    range: &KeyRange,
) -> Result<Vec<T>> {
    Ok(json::scan(r, tree, range)?)
}

pub fn get_api(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Option<Api>> {
    get(r, APIS, &api_key(o, api_id))
}

pub fn put_api(w: &mut dyn Write, o: &ApiOwner, api: &Api) -> Result<()> {
    let id = api.api_id.clone().unwrap_or_default();
    put(w, API_IDS, id.as_bytes(), o)?;
    put(w, APIS, &api_key(o, &id), api)
}

pub fn list_apis(r: &dyn Read, o: &ApiOwner) -> Result<Vec<Api>> {
    scan(r, APIS, &KeyRange::prefix(&api_key(o, "")))
}

/// Deletes an API and everything under it.
pub fn delete_api(w: &mut dyn Write, o: &ApiOwner, api_id: &str) -> Result<bool> {
    for tree in [ROUTES, INTEGRATIONS, STAGES, AUTHORIZERS, DEPLOYMENTS] {
        w.delete_range(tree, &children(o, api_id))?;
    }
    w.delete(API_IDS, api_id.as_bytes())?;
    Ok(w.delete(APIS, &api_key(o, api_id))?)
}

pub fn api_owner(r: &dyn Read, api_id: &str) -> Result<Option<ApiOwner>> {
    get(r, API_IDS, api_id.as_bytes())
}

pub fn get_route(r: &dyn Read, o: &ApiOwner, api_id: &str, id: &str) -> Result<Option<Route>> {
    get(r, ROUTES, &child_key(o, api_id, id))
}

pub fn put_route(w: &mut dyn Write, o: &ApiOwner, api_id: &str, route: &Route) -> Result<()> {
    let id = route.route_id.clone().unwrap_or_default();
    put(w, ROUTES, &child_key(o, api_id, &id), route)
}

pub fn delete_route(w: &mut dyn Write, o: &ApiOwner, api_id: &str, id: &str) -> Result<bool> {
    Ok(w.delete(ROUTES, &child_key(o, api_id, id))?)
}

pub fn list_routes(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Vec<Route>> {
    scan(r, ROUTES, &children(o, api_id))
}

pub fn get_integration(
    r: &dyn Read,
    o: &ApiOwner,
    api_id: &str,
    id: &str,
) -> Result<Option<Integration>> {
    get(r, INTEGRATIONS, &child_key(o, api_id, id))
}

pub fn put_integration(
    w: &mut dyn Write,
    o: &ApiOwner,
    api_id: &str,
    i: &Integration,
) -> Result<()> {
    let id = i.integration_id.clone().unwrap_or_default();
    put(w, INTEGRATIONS, &child_key(o, api_id, &id), i)
}

pub fn delete_integration(w: &mut dyn Write, o: &ApiOwner, api_id: &str, id: &str) -> Result<bool> {
    Ok(w.delete(INTEGRATIONS, &child_key(o, api_id, id))?)
}

pub fn list_integrations(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Vec<Integration>> {
    scan(r, INTEGRATIONS, &children(o, api_id))
}

pub fn get_stage(r: &dyn Read, o: &ApiOwner, api_id: &str, name: &str) -> Result<Option<Stage>> {
    get(r, STAGES, &child_key(o, api_id, name))
}

pub fn put_stage(w: &mut dyn Write, o: &ApiOwner, api_id: &str, s: &Stage) -> Result<()> {
    let name = s.stage_name.clone();
    put(w, STAGES, &child_key(o, api_id, &name), s)
}

pub fn delete_stage(w: &mut dyn Write, o: &ApiOwner, api_id: &str, name: &str) -> Result<bool> {
    Ok(w.delete(STAGES, &child_key(o, api_id, name))?)
}

pub fn list_stages(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Vec<Stage>> {
    scan(r, STAGES, &children(o, api_id))
}

pub const DOMAINS: Tree = Tree("apigw.domains");
pub const API_MAPPINGS: Tree = Tree("apigw.api_mappings");

/// A custom domain name: whose it is, and its configuration as the API shows it. Domain names
/// are matched on the Host header, so they are unique across accounts here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainRecord {
    pub owner: ApiOwner,
    pub domain: crate::generated::apigatewayv2::DomainName,
}

fn mapping_key(domain: &str, id: &str) -> Vec<u8> {
    let mut k = domain.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(id.as_bytes());
    k
}

pub fn get_domain(r: &dyn Read, name: &str) -> Result<Option<DomainRecord>> {
    get(r, DOMAINS, name.to_ascii_lowercase().as_bytes())
}

pub fn put_domain(w: &mut dyn Write, record: &DomainRecord) -> Result<()> {
    let name = record.domain.domain_name.to_ascii_lowercase();
    put(w, DOMAINS, name.as_bytes(), record)
}

/// Deletes a domain name and its API mappings.
pub fn delete_domain(w: &mut dyn Write, name: &str) -> Result<bool> {
    let name = name.to_ascii_lowercase();
    w.delete_range(API_MAPPINGS, &KeyRange::prefix(&mapping_key(&name, "")))?;
    Ok(w.delete(DOMAINS, name.as_bytes())?)
}

pub fn list_domains(r: &dyn Read) -> Result<Vec<DomainRecord>> {
    scan(r, DOMAINS, &KeyRange::prefix(b""))
}

pub fn put_mapping(
    w: &mut dyn Write,
    domain: &str,
    m: &crate::generated::apigatewayv2::ApiMapping,
) -> Result<()> {
    let key = mapping_key(
        &domain.to_ascii_lowercase(),
        m.api_mapping_id.as_deref().unwrap_or_default(),
    );
    put(w, API_MAPPINGS, &key, m)
}

pub fn delete_mapping(w: &mut dyn Write, domain: &str, id: &str) -> Result<bool> {
    Ok(w.delete(API_MAPPINGS, &mapping_key(&domain.to_ascii_lowercase(), id))?)
}

pub fn list_mappings(
    r: &dyn Read,
    domain: &str,
) -> Result<Vec<crate::generated::apigatewayv2::ApiMapping>> {
    scan(
        r,
        API_MAPPINGS,
        &KeyRange::prefix(&mapping_key(&domain.to_ascii_lowercase(), "")),
    )
}

pub fn put_authorizer(w: &mut dyn Write, o: &ApiOwner, api_id: &str, a: &Authorizer) -> Result<()> {
    let id = a.authorizer_id.clone().unwrap_or_default();
    put(w, AUTHORIZERS, &child_key(o, api_id, &id), a)
}

pub fn get_authorizer(
    r: &dyn Read,
    o: &ApiOwner,
    api_id: &str,
    id: &str,
) -> Result<Option<Authorizer>> {
    get(r, AUTHORIZERS, &child_key(o, api_id, id))
}

pub fn delete_authorizer(w: &mut dyn Write, o: &ApiOwner, api_id: &str, id: &str) -> Result<bool> {
    Ok(w.delete(AUTHORIZERS, &child_key(o, api_id, id))?)
}

pub fn list_authorizers(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Vec<Authorizer>> {
    scan(r, AUTHORIZERS, &children(o, api_id))
}

/// A deployment: what the API's routes, integrations and authorizers were when it was made.
/// Stages without auto-deploy serve their deployment's snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentRecord {
    pub deployment: crate::generated::apigatewayv2::Deployment,
    pub routes: Vec<Route>,
    pub integrations: Vec<Integration>,
    pub authorizers: Vec<Authorizer>,
}

pub fn put_deployment(
    w: &mut dyn Write,
    o: &ApiOwner,
    api_id: &str,
    d: &DeploymentRecord,
) -> Result<()> {
    let id = d.deployment.deployment_id.clone().unwrap_or_default();
    put(w, DEPLOYMENTS, &child_key(o, api_id, &id), d)
}

pub fn get_deployment(
    r: &dyn Read,
    o: &ApiOwner,
    api_id: &str,
    id: &str,
) -> Result<Option<DeploymentRecord>> {
    get(r, DEPLOYMENTS, &child_key(o, api_id, id))
}

pub fn delete_deployment(w: &mut dyn Write, o: &ApiOwner, api_id: &str, id: &str) -> Result<bool> {
    Ok(w.delete(DEPLOYMENTS, &child_key(o, api_id, id))?)
}

pub fn list_deployments(r: &dyn Read, o: &ApiOwner, api_id: &str) -> Result<Vec<DeploymentRecord>> {
    scan(r, DEPLOYMENTS, &children(o, api_id))
}
