//! API Gateway's REST APIs as the server sees them: the `apigateway` API (restJson1 under
//! `/restapis`, `/apikeys`, `/usageplans`), the generated trait implemented by the operations.

use nimbus_core::RequestContext;
use nimbus_protocol::rest::{BoxFuture, RestRequest, RestResponse, RestService, Route};
use nimbus_protocol::{AwsError, Protocol, ServiceSpec};
use nimbus_store::Store;

use crate::generated::apigateway::{self as gen, *};
use crate::rest_storage;
use crate::v1::{
    authorizers, deployments, gateway_responses, integrations, keys, methods, models, resources,
    rest_apis,
};

/// The ids of the REST APIs there are: the front door claims `<id>.execute-api` hosts for
/// these and leaves the others to HTTP APIs.
pub type RestApiIds = nimbus_frontdoor::Names;

pub struct ApiGateway {
    pub store: Store,
    ids: RestApiIds,
    spec: ServiceSpec,
}

impl ApiGateway {
    pub fn new(store: Store) -> ApiGateway {
        let reader = store.clone();
        let ids = RestApiIds::new(move || match reader.read(rest_storage::all_api_ids) {
            Ok(ids) => Some(ids.into_iter().collect()),
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot read the REST API ids");
                None
            }
        });
        ApiGateway {
            store,
            ids,
            spec: ServiceSpec {
                name: "apigateway",
                protocol: Protocol::RestJson1,
                signing_name: "apigateway",
                target_prefix: None,
            },
        }
    }

    /// The REST API ids, shared with the front door.
    pub fn ids(&self) -> RestApiIds {
        self.ids.clone()
    }

    pub(crate) fn rest_apis_changed(&self) {
        self.ids.changed();
    }
}

impl RestService for ApiGateway {
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

impl ApiGatewayApi for ApiGateway {
    delegate! {
        create_rest_api(CreateRestApiRequest) -> RestApi => rest_apis::create;
        get_rest_api(GetRestApiRequest) -> RestApi => rest_apis::get;
        get_rest_apis(GetRestApisRequest) -> RestApis => rest_apis::list;
        update_rest_api(UpdateRestApiRequest) -> RestApi => rest_apis::update;
        delete_rest_api(DeleteRestApiRequest) -> () => rest_apis::delete;
        create_resource(CreateResourceRequest) -> Resource => resources::create;
        get_resource(GetResourceRequest) -> Resource => resources::get;
        get_resources(GetResourcesRequest) -> Resources => resources::list;
        update_resource(UpdateResourceRequest) -> Resource => resources::update;
        delete_resource(DeleteResourceRequest) -> () => resources::delete;
        put_method(PutMethodRequest) -> Method => methods::put;
        get_method(GetMethodRequest) -> Method => methods::get;
        update_method(UpdateMethodRequest) -> Method => methods::update;
        delete_method(DeleteMethodRequest) -> () => methods::delete;
        put_method_response(PutMethodResponseRequest) -> MethodResponse => methods::put_response;
        get_method_response(GetMethodResponseRequest) -> MethodResponse => methods::get_response;
        update_method_response(UpdateMethodResponseRequest) -> MethodResponse => methods::update_response;
        delete_method_response(DeleteMethodResponseRequest) -> () => methods::delete_response;
        put_integration(PutIntegrationRequest) -> Integration => integrations::put;
        get_integration(GetIntegrationRequest) -> Integration => integrations::get;
        update_integration(UpdateIntegrationRequest) -> Integration => integrations::update;
        delete_integration(DeleteIntegrationRequest) -> () => integrations::delete;
        put_integration_response(PutIntegrationResponseRequest) -> IntegrationResponse => integrations::put_response;
        get_integration_response(GetIntegrationResponseRequest) -> IntegrationResponse => integrations::get_response;
        update_integration_response(UpdateIntegrationResponseRequest) -> IntegrationResponse => integrations::update_response;
        delete_integration_response(DeleteIntegrationResponseRequest) -> () => integrations::delete_response;
        create_deployment(CreateDeploymentRequest) -> Deployment => deployments::create;
        get_deployment(GetDeploymentRequest) -> Deployment => deployments::get;
        get_deployments(GetDeploymentsRequest) -> Deployments => deployments::list;
        update_deployment(UpdateDeploymentRequest) -> Deployment => deployments::update;
        delete_deployment(DeleteDeploymentRequest) -> () => deployments::delete;
        create_stage(CreateStageRequest) -> Stage => deployments::create_stage;
        get_stage(GetStageRequest) -> Stage => deployments::get_stage;
        get_stages(GetStagesRequest) -> Stages => deployments::list_stages;
        update_stage(UpdateStageRequest) -> Stage => deployments::update_stage;
        delete_stage(DeleteStageRequest) -> () => deployments::delete_stage;
        create_model(CreateModelRequest) -> Model => models::create_model;
        get_model(GetModelRequest) -> Model => models::get_model;
        get_models(GetModelsRequest) -> Models => models::get_models;
        update_model(UpdateModelRequest) -> Model => models::update_model;
        delete_model(DeleteModelRequest) -> () => models::delete_model;
        create_request_validator(CreateRequestValidatorRequest) -> RequestValidator => models::create_validator;
        get_request_validator(GetRequestValidatorRequest) -> RequestValidator => models::get_validator;
        get_request_validators(GetRequestValidatorsRequest) -> RequestValidators => models::get_validators;
        update_request_validator(UpdateRequestValidatorRequest) -> RequestValidator => models::update_validator;
        delete_request_validator(DeleteRequestValidatorRequest) -> () => models::delete_validator;
        create_authorizer(CreateAuthorizerRequest) -> Authorizer => authorizers::create;
        get_authorizer(GetAuthorizerRequest) -> Authorizer => authorizers::get;
        get_authorizers(GetAuthorizersRequest) -> Authorizers => authorizers::list;
        update_authorizer(UpdateAuthorizerRequest) -> Authorizer => authorizers::update;
        delete_authorizer(DeleteAuthorizerRequest) -> () => authorizers::delete;
        put_gateway_response(PutGatewayResponseRequest) -> GatewayResponse => gateway_responses::put;
        get_gateway_response(GetGatewayResponseRequest) -> GatewayResponse => gateway_responses::get;
        get_gateway_responses(GetGatewayResponsesRequest) -> GatewayResponses => gateway_responses::list;
        update_gateway_response(UpdateGatewayResponseRequest) -> GatewayResponse => gateway_responses::update;
        delete_gateway_response(DeleteGatewayResponseRequest) -> () => gateway_responses::delete;
        create_api_key(CreateApiKeyRequest) -> ApiKey => keys::create_key;
        get_api_key(GetApiKeyRequest) -> ApiKey => keys::get_key;
        get_api_keys(GetApiKeysRequest) -> ApiKeys => keys::list_keys;
        update_api_key(UpdateApiKeyRequest) -> ApiKey => keys::update_key;
        delete_api_key(DeleteApiKeyRequest) -> () => keys::delete_key;
        create_usage_plan(CreateUsagePlanRequest) -> UsagePlan => keys::create_plan;
        get_usage_plan(GetUsagePlanRequest) -> UsagePlan => keys::get_plan;
        get_usage_plans(GetUsagePlansRequest) -> UsagePlans => keys::list_plans;
        update_usage_plan(UpdateUsagePlanRequest) -> UsagePlan => keys::update_plan;
        delete_usage_plan(DeleteUsagePlanRequest) -> () => keys::delete_plan;
        create_usage_plan_key(CreateUsagePlanKeyRequest) -> UsagePlanKey => keys::create_plan_key;
        get_usage_plan_key(GetUsagePlanKeyRequest) -> UsagePlanKey => keys::get_plan_key;
        get_usage_plan_keys(GetUsagePlanKeysRequest) -> UsagePlanKeys => keys::list_plan_keys;
        delete_usage_plan_key(DeleteUsagePlanKeyRequest) -> () => keys::delete_plan_key;
    }
}
