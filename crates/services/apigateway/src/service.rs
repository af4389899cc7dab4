//! API Gateway v2 as the server sees it: the generated trait implemented by the operations.

use nimbus_core::RequestContext;
use nimbus_protocol::rest::{BoxFuture, RestRequest, RestResponse, RestService, Route};
use nimbus_protocol::{AwsError, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::generated::apigatewayv2::{self as gen, *};
use crate::storage;
use crate::v2::{apis, authorizers, deployments, domains, integrations, routes, stages};

/// The `apigatewayv2` API (restJson1 under `/v2/apis`).
pub struct ApiGatewayV2 {
    pub store: Store,
    /// The custom domain names there are, which the front door claims on the Host header.
    domains: Domains,
    /// nimbus's own address (`http://127.0.0.1:4566`), for the APIs' endpoints.
    endpoint_url: String,
    spec: ServiceSpec,
}

impl ApiGatewayV2 {
    pub fn new(store: Store, endpoint_url: String) -> ApiGatewayV2 {
        let reader = store.clone();
        let domains = Domains::new(move || match reader.read(storage::list_domains) {
            Ok(list) => Some(list.into_iter().map(|d| d.domain.domain_name).collect()),
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot read the custom domain names");
                None
            }
        });
        ApiGatewayV2 {
            store,
            domains,
            endpoint_url,
            spec: ServiceSpec {
                name: "apigatewayv2",
                protocol: Protocol::RestJson1,
                signing_name: "apigateway",
                target_prefix: None,
            },
        }
    }

    /// The set of custom domain names, shared with the front door.
    pub fn domains(&self) -> Domains {
        self.domains.clone()
    }

    pub(crate) fn domains_changed(&self) {
        self.domains.changed();
    }

    /// `http://<api-id>.execute-api.localhost:4566`: `*.localhost` needs no DNS.
    pub fn api_endpoint(&self, api_id: &str) -> String {
        nimbus_frontdoor::local_url(
            &self.endpoint_url,
            &format!("{api_id}.execute-api.localhost"),
        )
    }
}

/// The custom domain names, which the front door claims on the Host header.
pub type Domains = nimbus_frontdoor::Names;

impl RestService for ApiGatewayV2 {
    fn spec(&self) -> &ServiceSpec {
        &self.spec
    }

    fn routes(&self) -> &'static [Route] {
        gen::ROUTES
    }

    fn handle<'a>(
        &'a self,
        ctx: &'a RequestContext,
        operation: &'static str,
        request: RestRequest,
    ) -> BoxFuture<'a, Result<RestResponse, AwsError>> {
        Box::pin(gen::dispatch(self, ctx, operation, request))
    }
}

impl ApiGatewayV2Api for ApiGatewayV2 {
    delegate! {
        create_api(CreateApiRequest) -> CreateApiResponse => apis::create;
        get_api(GetApiRequest) -> GetApiResponse => apis::get;
        get_apis(GetApisRequest) -> GetApisResponse => apis::list;
        update_api(UpdateApiRequest) -> UpdateApiResponse => apis::update;
        delete_api(DeleteApiRequest) -> () => apis::delete;
        create_route(CreateRouteRequest) -> CreateRouteResult => routes::create;
        get_route(GetRouteRequest) -> GetRouteResult => routes::get;
        get_routes(GetRoutesRequest) -> GetRoutesResponse => routes::list;
        update_route(UpdateRouteRequest) -> UpdateRouteResult => routes::update;
        delete_route(DeleteRouteRequest) -> () => routes::delete;
        create_integration(CreateIntegrationRequest) -> CreateIntegrationResult => integrations::create;
        get_integration(GetIntegrationRequest) -> GetIntegrationResult => integrations::get;
        get_integrations(GetIntegrationsRequest) -> GetIntegrationsResponse => integrations::list;
        delete_integration(DeleteIntegrationRequest) -> () => integrations::delete;
        create_stage(CreateStageRequest) -> CreateStageResponse => stages::create;
        get_stage(GetStageRequest) -> GetStageResponse => stages::get;
        get_stages(GetStagesRequest) -> GetStagesResponse => stages::list;
        update_stage(UpdateStageRequest) -> UpdateStageResponse => stages::update;
        delete_stage(DeleteStageRequest) -> () => stages::delete;
        create_deployment(CreateDeploymentRequest) -> CreateDeploymentResponse => deployments::create;
        get_deployment(GetDeploymentRequest) -> GetDeploymentResponse => deployments::get;
        get_deployments(GetDeploymentsRequest) -> GetDeploymentsResponse => deployments::list;
        delete_deployment(DeleteDeploymentRequest) -> () => deployments::delete;
        create_authorizer(CreateAuthorizerRequest) -> CreateAuthorizerResponse => authorizers::create;
        get_authorizer(GetAuthorizerRequest) -> GetAuthorizerResponse => authorizers::get;
        get_authorizers(GetAuthorizersRequest) -> GetAuthorizersResponse => authorizers::list;
        delete_authorizer(DeleteAuthorizerRequest) -> () => authorizers::delete;
        create_domain_name(CreateDomainNameRequest) -> CreateDomainNameResponse => domains::create;
        get_domain_name(GetDomainNameRequest) -> GetDomainNameResponse => domains::get;
        get_domain_names(GetDomainNamesRequest) -> GetDomainNamesResponse => domains::list;
        delete_domain_name(DeleteDomainNameRequest) -> () => domains::delete;
        create_api_mapping(CreateApiMappingRequest) -> CreateApiMappingResponse => domains::create_mapping;
        get_api_mapping(GetApiMappingRequest) -> GetApiMappingResponse => domains::get_mapping;
        get_api_mappings(GetApiMappingsRequest) -> GetApiMappingsResponse => domains::list_mappings;
        delete_api_mapping(DeleteApiMappingRequest) -> () => domains::delete_mapping;
    }
}
