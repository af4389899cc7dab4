"""REST APIs (the `apigateway` API) managed through boto3: APIs, resources, methods and their
responses, integrations and their responses, deployments and stages (with method settings),
authorizers, gateway responses, API keys and usage plans. Expected shapes, defaults and errors
are AWS's own."""

from __future__ import annotations

import datetime

import pytest

from nimbus_testing import ACCOUNT, REGION, aws_error, unique_name

LAMBDA_URI = (
    f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
    f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:backend/invocations"
)
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
GATEWAY_RESPONSE_TYPES = {
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_BODY": "400",
    "BAD_REQUEST_PARAMETERS": "400",
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
# A method setting as AWS first writes it.
METHOD_SETTING_DEFAULTS = {
    "metricsEnabled": False,
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


@pytest.fixture(scope="session")
def apigw(server):
    return server.client("apigateway")


def body(response: dict) -> dict:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def status(response: dict) -> int:
    return response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def make_api(apigw):
    made = []

    def make(**params):
        api = apigw.create_rest_api(name=params.pop("name", unique_name("rest")), **params)
        made.append(api["id"])
        return api

    yield make
    for api_id in made:
        try:
            apigw.delete_rest_api(restApiId=api_id)
        except Exception:
            pass


@pytest.fixture
def api(make_api):
    return make_api()


@pytest.fixture
def make_key(apigw):
    made = []

    def make(**params):
        key = apigw.create_api_key(**params)
        made.append(key["id"])
        return key

    yield make
    for key_id in made:
        try:
            apigw.delete_api_key(apiKey=key_id)
        except Exception:
            pass


@pytest.fixture
def make_plan(apigw):
    made = []

    def make(**params):
        plan = apigw.create_usage_plan(name=params.pop("name", unique_name("plan")), **params)
        made.append(plan["id"])
        return plan

    yield make
    for plan_id in made:
        try:
            apigw.delete_usage_plan(usagePlanId=plan_id)
        except Exception:
            pass


def mock_method(apigw, api_id: str, resource_id: str, http_method: str = "GET") -> None:
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                     authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=http_method,
                          type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})


def deployed(apigw, api: dict, stage: str = "dev") -> dict:
    """A MOCK GET on the root, deployed to `stage`: the deployment."""
    mock_method(apigw, api["id"], api["rootResourceId"])
    return apigw.create_deployment(restApiId=api["id"], stageName=stage)


# ------------------------------------------------------------------------------------------------
# REST APIs
# ------------------------------------------------------------------------------------------------


def test_create_rest_api_returns_aws_defaults(apigw, make_api):
    created = make_api(name="defaults")
    assert status(created) == 201
    api = body(created)
    assert isinstance(api.pop("createdDate"), datetime.datetime)
    api_id, root = api.pop("id"), api.pop("rootResourceId")
    assert len(api_id) == 10 and api_id.isalnum() and root and root != api_id
    assert api == {
        "name": "defaults",
        "apiKeySource": "HEADER",
        "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "ipv4"},
        "disableExecuteApiEndpoint": False,
    }
    assert body(apigw.get_rest_api(restApiId=api_id)) == body(created)
    assert api_id in [a["id"] for a in apigw.get_rest_apis()["items"]]


def test_create_rest_api_endpoint_types(make_api):
    regional = make_api(endpointConfiguration={"types": ["REGIONAL"]})
    assert regional["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "ipv4"}
    private = make_api(endpointConfiguration={"types": ["PRIVATE"]})
    assert private["endpointConfiguration"] == {"types": ["PRIVATE"], "ipAddressType": "dualstack"}
    with aws_error("BadRequestException",
                   "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED."):
        make_api(endpointConfiguration={"types": []})
    with aws_error("BadRequestException", "Cannot create an api with multiple Endpoint Types."):
        make_api(endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    with aws_error("BadRequestException",
                   "Only dualstack ipAddressType is supported for Private APIs."):
        make_api(endpointConfiguration={"types": ["PRIVATE"], "ipAddressType": "ipv4"})


def test_create_rest_api_optional_fields_round_trip(apigw, make_api):
    api = make_api(name="full", description="d", version="v1", binaryMediaTypes=["image/png"],
                   minimumCompressionSize=1024, apiKeySource="AUTHORIZER", tags={"team": "x"},
                   disableExecuteApiEndpoint=True)
    got = apigw.get_rest_api(restApiId=api["id"])
    for key, value in {"description": "d", "version": "v1", "binaryMediaTypes": ["image/png"],
                       "minimumCompressionSize": 1024, "apiKeySource": "AUTHORIZER",
                       "tags": {"team": "x"}, "disableExecuteApiEndpoint": True}.items():
        assert api[key] == value and got[key] == value, key


def test_update_rest_api_patches_description_and_binary_media_types(apigw, api):
    updated = apigw.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "replace", "path": "/description", "value": "new description"},
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
        {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"},
    ])
    assert updated["description"] == "new description"
    assert updated["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    assert (updated["id"], updated["rootResourceId"]) == (api["id"], api["rootResourceId"])
    updated = apigw.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
    ])
    assert updated["binaryMediaTypes"] == ["image/jpeg"]
    assert apigw.get_rest_api(restApiId=api["id"])["binaryMediaTypes"] == ["image/jpeg"]


def test_deleted_rest_api_is_not_found(apigw, make_api):
    api_id = make_api()["id"]
    assert status(apigw.delete_rest_api(restApiId=api_id)) == 202
    missing = f"Invalid API identifier specified {ACCOUNT}:{api_id}"
    with aws_error("NotFoundException", missing, status=404):
        apigw.get_rest_api(restApiId=api_id)
    with aws_error("NotFoundException", missing, status=404):
        apigw.delete_rest_api(restApiId=api_id)
    with aws_error("NotFoundException", missing, status=404):
        apigw.update_rest_api(restApiId=api_id,
                              patchOperations=[{"op": "replace", "path": "/description", "value": "x"}])
    assert api_id not in [a["id"] for a in apigw.get_rest_apis()["items"]]


def test_unknown_api_errors(apigw):
    missing = f"Invalid API identifier specified {ACCOUNT}:nosuchapi1"
    for call in (lambda: apigw.get_resources(restApiId="nosuchapi1"),
                 lambda: apigw.get_stages(restApiId="nosuchapi1"),
                 lambda: apigw.get_deployments(restApiId="nosuchapi1"),
                 lambda: apigw.get_authorizers(restApiId="nosuchapi1"),
                 lambda: apigw.get_gateway_responses(restApiId="nosuchapi1")):
        with aws_error("NotFoundException", missing, status=404):
            call()
    # Under a resource AWS names the resource, not the API.
    with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
        apigw.put_method(restApiId="nosuchapi1", resourceId="abc", httpMethod="GET",
                         authorizationType="NONE")
    with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
        apigw.get_integration(restApiId="nosuchapi1", resourceId="abc", httpMethod="GET")


# ------------------------------------------------------------------------------------------------
# Resources
# ------------------------------------------------------------------------------------------------


def test_get_resources_lists_the_root(apigw, api):
    assert apigw.get_resources(restApiId=api["id"])["items"] == [
        {"id": api["rootResourceId"], "path": "/"}]
    assert body(apigw.get_resource(restApiId=api["id"], resourceId=api["rootResourceId"])) == {
        "id": api["rootResourceId"], "path": "/"}


def test_create_resource_derives_paths(apigw, api):
    root = api["rootResourceId"]
    pets = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    assert status(pets) == 201
    pet = apigw.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="{petId}")
    toys = apigw.create_resource(restApiId=api["id"], parentId=pet["id"], pathPart="toys")
    assert body(pets) == {"id": pets["id"], "parentId": root, "path": "/pets", "pathPart": "pets"}
    assert body(pet) == {"id": pet["id"], "parentId": pets["id"], "path": "/pets/{petId}",
                         "pathPart": "{petId}"}
    assert toys["path"] == "/pets/{petId}/toys"
    paths = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/": root, "/pets": pets["id"], "/pets/{petId}": pet["id"],
                     "/pets/{petId}/toys": toys["id"]}
    assert body(apigw.get_resource(restApiId=api["id"], resourceId=toys["id"])) == body(toys)


def test_create_resource_conflicts_and_bad_parents(apigw, api):
    root = api["rootResourceId"]
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="x")
    with aws_error("ConflictException", "Another resource with the same parent already has this name: x",
                   status=409):
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="x")
    with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
        apigw.create_resource(restApiId=api["id"], parentId="nosuchres", pathPart="y")
    with aws_error("BadRequestException", contains="Resource's path part only allow"):
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="a b")


def test_only_one_variable_path_part_per_parent(apigw, api):
    root = api["rootResourceId"]
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{id}")
    with aws_error("BadRequestException",
                   "A sibling ({id}) of this resource already has a variable path part -- only one is allowed"):
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{name}")
    # A literal sibling is fine.
    assert apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="static")["path"] == "/static"


def test_greedy_proxy_resource(apigw, api):
    root = api["rootResourceId"]
    proxy = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{proxy+}")
    assert (proxy["path"], proxy["pathPart"]) == ("/{proxy+}", "{proxy+}")
    with aws_error("BadRequestException",
                   "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed"):
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{dynamic}")
    for part in ("child", "{child}"):
        with aws_error("BadRequestException",
                       "Cannot create a child of a resource with a greedy path variable: {proxy+}"):
            apigw.create_resource(restApiId=api["id"], parentId=proxy["id"], pathPart=part)
    parent = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="parent")
    greedy = apigw.create_resource(restApiId=api["id"], parentId=parent["id"], pathPart="{child+}")
    assert greedy["path"] == "/parent/{child+}"


def test_update_resource_path_part_moves_children(apigw, api):
    pets = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    sub = apigw.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="sub")
    updated = apigw.update_resource(restApiId=api["id"], resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "dogs"}])
    assert body(updated) == {"id": pets["id"], "parentId": api["rootResourceId"], "path": "/dogs",
                             "pathPart": "dogs"}
    assert apigw.get_resource(restApiId=api["id"], resourceId=sub["id"])["path"] == "/dogs/sub"


def test_delete_resource_removes_its_children(apigw, api):
    root = api["rootResourceId"]
    pets = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    sub = apigw.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="sub")
    mock_method(apigw, api["id"], sub["id"])
    assert status(apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])) == 202
    assert apigw.get_resources(restApiId=api["id"])["items"] == [{"id": root, "path": "/"}]
    for resource_id in (pets["id"], sub["id"]):
        with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
            apigw.get_resource(restApiId=api["id"], resourceId=resource_id)
    with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
        apigw.delete_resource(restApiId=api["id"], resourceId=sub["id"])


# ------------------------------------------------------------------------------------------------
# Methods and method responses
# ------------------------------------------------------------------------------------------------


def test_put_method_round_trip(apigw, api):
    root = api["rootResourceId"]
    put = apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="ANY",
                           authorizationType="NONE")
    assert status(put) == 201
    assert body(put) == {"httpMethod": "ANY", "authorizationType": "NONE", "apiKeyRequired": False}
    assert body(apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="ANY")) == body(put)
    full = apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST",
                            authorizationType="AWS_IAM", apiKeyRequired=True, operationName="Create",
                            requestParameters={"method.request.header.x-id": True})
    assert body(full) == {"httpMethod": "POST", "authorizationType": "AWS_IAM", "apiKeyRequired": True,
                          "operationName": "Create",
                          "requestParameters": {"method.request.header.x-id": True}}
    # Without embed, GetResources names the methods only.
    (item,) = apigw.get_resources(restApiId=api["id"])["items"]
    assert item["resourceMethods"] == {"ANY": {}, "POST": {}}
    (item,) = apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
    assert item["resourceMethods"]["POST"] == body(full)


def test_put_method_validation(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    with aws_error("ConflictException", "Method already exists for this resource", status=409):
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    with aws_error("BadRequestException",
                   "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"):
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="FETCH", authorizationType="NONE")
    with aws_error("BadRequestException",
                   "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                   "COGNITO_USER_POOLS requires a valid authorizer."):
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="CUSTOM")
    with aws_error("NotFoundException", "Invalid Resource identifier specified", status=404):
        apigw.put_method(restApiId=api["id"], resourceId="nosuchres", httpMethod="GET",
                         authorizationType="NONE")


def test_update_and_delete_method(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    updated = apigw.update_method(restApiId=api["id"], resourceId=root, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/operationName", "value": "ListThings"}])
    assert (updated["apiKeyRequired"], updated["operationName"]) == (True, "ListThings")
    assert status(apigw.delete_method(restApiId=api["id"], resourceId=root, httpMethod="GET")) == 204
    for call in (apigw.get_method, apigw.delete_method):
        with aws_error("NotFoundException", "Invalid Method identifier specified", status=404):
            call(restApiId=api["id"], resourceId=root, httpMethod="GET")


def test_method_response_round_trip(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    put = apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                    responseModels={"application/json": "Empty"},
                                    responseParameters={"method.response.header.x-a": False})
    assert status(put) == 201
    assert body(put) == {"statusCode": "200", "responseModels": {"application/json": "Empty"},
                         "responseParameters": {"method.response.header.x-a": False}}
    got = apigw.get_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
    assert body(got) == body(put)
    method = apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="GET")
    assert method["methodResponses"] == {"200": body(put)}
    apigw.delete_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")
    with aws_error("NotFoundException", "Invalid Response status code specified", status=404):
        apigw.get_method_response(restApiId=api["id"], resourceId=root, httpMethod="GET", statusCode="200")


# ------------------------------------------------------------------------------------------------
# Integrations and integration responses
# ------------------------------------------------------------------------------------------------


def test_lambda_proxy_integration_defaults(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="ANY", authorizationType="NONE")
    put = apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="ANY", type="AWS_PROXY",
                                integrationHttpMethod="POST", uri=LAMBDA_URI)
    assert status(put) == 201
    # No connectionType: AWS gives INTERNET to HTTP integrations only.
    assert body(put) == {
        "type": "AWS_PROXY",
        "httpMethod": "POST",
        "uri": LAMBDA_URI,
        "passthroughBehavior": "WHEN_NO_MATCH",
        "timeoutInMillis": 29000,
        "cacheNamespace": root,
        "cacheKeyParameters": [],
    }
    got = apigw.get_integration(restApiId=api["id"], resourceId=root, httpMethod="ANY")
    assert body(got) == body(put)
    method = apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="ANY")
    assert method["methodIntegration"] == body(put)


def test_http_integration_settings_round_trip(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE",
                     requestParameters={"method.request.querystring.q": False})
    put = apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="HTTP",
                                integrationHttpMethod="GET", uri="https://example.com/pets",
                                passthroughBehavior="NEVER", timeoutInMillis=1000, cacheNamespace="ns",
                                cacheKeyParameters=["method.request.querystring.q"],
                                requestParameters={"integration.request.querystring.q":
                                                   "method.request.querystring.q"})
    assert body(put) == {
        "type": "HTTP",
        "httpMethod": "GET",
        "uri": "https://example.com/pets",
        "connectionType": "INTERNET",
        "passthroughBehavior": "NEVER",
        "timeoutInMillis": 1000,
        "cacheNamespace": "ns",
        "cacheKeyParameters": ["method.request.querystring.q"],
        "requestParameters": {"integration.request.querystring.q": "method.request.querystring.q"},
    }
    updated = apigw.update_integration(restApiId=api["id"], resourceId=root, httpMethod="GET",
                                       patchOperations=[{"op": "replace", "path": "/timeoutInMillis",
                                                         "value": "2000"}])
    assert updated["timeoutInMillis"] == 2000
    assert apigw.get_integration(restApiId=api["id"], resourceId=root, httpMethod="GET")["timeoutInMillis"] == 2000


def test_put_integration_validation(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    args = dict(restApiId=api["id"], resourceId=root, httpMethod="GET")
    with aws_error("BadRequestException", "Enumeration value for HttpMethod must be non-empty"):
        apigw.put_integration(**args, type="HTTP", uri="https://example.com")
    with aws_error("BadRequestException", "Invalid HTTP endpoint specified for URI"):
        apigw.put_integration(**args, type="HTTP_PROXY", integrationHttpMethod="GET", uri="example.com")
    with aws_error("BadRequestException", "Invalid ARN specified in the request"):
        apigw.put_integration(**args, type="AWS_PROXY", integrationHttpMethod="POST", uri="not-an-arn")
    with aws_error("NotFoundException", "Invalid Method identifier specified", status=404):
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="POST", type="MOCK")


def test_missing_integration_is_not_found(apigw, api):
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    with aws_error("NotFoundException", "Invalid Integration identifier specified", status=404):
        apigw.get_integration(restApiId=api["id"], resourceId=root, httpMethod="GET")
    mock_method(apigw, api["id"], root, "POST")
    assert status(apigw.delete_integration(restApiId=api["id"], resourceId=root, httpMethod="POST")) == 204
    with aws_error("NotFoundException", "Invalid Integration identifier specified", status=404):
        apigw.get_integration(restApiId=api["id"], resourceId=root, httpMethod="POST")


def test_integration_response_round_trip(apigw, api):
    root = api["rootResourceId"]
    args = dict(restApiId=api["id"], resourceId=root, httpMethod="GET")
    mock_method(apigw, api["id"], root)
    apigw.put_method_response(**args, statusCode="200")
    put = apigw.put_integration_response(**args, statusCode="200", selectionPattern="",
                                         responseTemplates={"application/json": '"created"'})
    assert status(put) == 201
    assert body(put) == {"statusCode": "200", "selectionPattern": "",
                         "responseTemplates": {"application/json": '"created"'}}
    assert body(apigw.get_integration_response(**args, statusCode="200")) == body(put)
    updated = apigw.update_integration_response(**args, statusCode="200", patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "updated-pattern"}])
    assert updated["selectionPattern"] == "updated-pattern"
    method = apigw.get_method(**args)
    assert method["methodIntegration"]["integrationResponses"] == {"200": body(updated)}
    assert method["methodResponses"] == {"200": {"statusCode": "200"}}
    assert status(apigw.delete_integration_response(**args, statusCode="200")) == 204
    with aws_error("NotFoundException", "Invalid Response status code specified", status=404):
        apigw.get_integration_response(**args, statusCode="200")


def test_put_integration_response_requires_the_method_response(apigw, api):
    root = api["rootResourceId"]
    mock_method(apigw, api["id"], root)
    with aws_error("NotFoundException", "Invalid Response status code specified", status=404):
        apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="GET",
                                       statusCode="200")


# ------------------------------------------------------------------------------------------------
# Deployments and stages
# ------------------------------------------------------------------------------------------------


def test_create_deployment_with_stage_name_creates_the_stage(apigw, api):
    deployment = deployed(apigw, api, "dev")
    assert status(deployment) == 201
    assert set(body(deployment)) == {"id", "createdDate"}
    assert isinstance(deployment["createdDate"], datetime.datetime)
    stage = body(apigw.get_stage(restApiId=api["id"], stageName="dev"))
    assert isinstance(stage.pop("createdDate"), datetime.datetime)
    assert isinstance(stage.pop("lastUpdatedDate"), datetime.datetime)
    assert stage == {
        "stageName": "dev",
        "deploymentId": deployment["id"],
        "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE",
        "methodSettings": {},
        "tracingEnabled": False,
    }
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]] == ["dev"]
    assert [d["id"] for d in apigw.get_deployments(restApiId=api["id"])["items"]] == [deployment["id"]]
    assert body(apigw.get_deployment(restApiId=api["id"], deploymentId=deployment["id"])) == body(deployment)


def test_create_deployment_needs_methods_with_integrations(apigw, api):
    with aws_error("BadRequestException", "The REST API doesn't contain any methods"):
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
    apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                     authorizationType="NONE")
    with aws_error("BadRequestException", "No integration defined for method"):
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
    with aws_error("NotFoundException", "Invalid Stage identifier specified", status=404):
        apigw.get_stage(restApiId=api["id"], stageName="dev")


def test_deployment_in_use_by_a_stage_cannot_be_deleted(apigw, api):
    first = deployed(apigw, api, "dev")
    active = "Active stages pointing to this deployment must be moved or deleted"
    with aws_error("BadRequestException", active):
        apigw.delete_deployment(restApiId=api["id"], deploymentId=first["id"])
    second = apigw.create_deployment(restApiId=api["id"], description="second")
    assert second["description"] == "second"
    moved = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": second["id"]}])
    assert moved["deploymentId"] == second["id"]
    assert status(apigw.delete_deployment(restApiId=api["id"], deploymentId=first["id"])) == 202
    with aws_error("NotFoundException", "Invalid Deployment identifier specified", status=404):
        apigw.get_deployment(restApiId=api["id"], deploymentId=first["id"])
    with aws_error("BadRequestException", active):
        apigw.delete_deployment(restApiId=api["id"], deploymentId=second["id"])
    apigw.delete_stage(restApiId=api["id"], stageName="dev")
    apigw.delete_deployment(restApiId=api["id"], deploymentId=second["id"])
    assert apigw.get_deployments(restApiId=api["id"])["items"] == []


def test_create_stage_and_list_by_deployment(apigw, api):
    first = deployed(apigw, api, "one")
    second = apigw.create_deployment(restApiId=api["id"])
    stage = apigw.create_stage(restApiId=api["id"], stageName="two", deploymentId=second["id"],
                               description="second stage", variables={"env": "test"})
    assert status(stage) == 201
    assert (stage["deploymentId"], stage["description"], stage["variables"]) == (
        second["id"], "second stage", {"env": "test"})
    with aws_error("ConflictException", "Stage already exists", status=409):
        apigw.create_stage(restApiId=api["id"], stageName="two", deploymentId=second["id"])
    by_first = apigw.get_stages(restApiId=api["id"], deploymentId=first["id"])["item"]
    assert [s["stageName"] for s in by_first] == ["one"]
    assert sorted(s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]) == ["one", "two"]
    assert status(apigw.delete_stage(restApiId=api["id"], stageName="two")) == 202
    for call in (apigw.get_stage, apigw.delete_stage):
        with aws_error("NotFoundException", "Invalid Stage identifier specified", status=404):
            call(restApiId=api["id"], stageName="two")


def test_update_stage_variables_description_and_tracing(apigw, api):
    deployed(apigw, api, "dev")
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/env", "value": "dev"},
        {"op": "replace", "path": "/variables/other", "value": "x"},
        {"op": "replace", "path": "/description", "value": "the dev stage"},
        {"op": "replace", "path": "/tracingEnabled", "value": "true"},
    ])
    assert updated["variables"] == {"env": "dev", "other": "x"}
    assert (updated["description"], updated["tracingEnabled"]) == ("the dev stage", True)
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "remove", "path": "/variables/other"}])
    assert updated["variables"] == {"env": "dev"}
    assert apigw.get_stage(restApiId=api["id"], stageName="dev")["variables"] == {"env": "dev"}
    # With none left, AWS leaves the member out.
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "remove", "path": "/variables/env"}])
    assert "variables" not in updated
    with aws_error("BadRequestException", contains="Invalid method setting path: /tags/a. Must be one of: ["):
        apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/tags/a", "value": "b"}])


def test_update_stage_method_settings(apigw, api):
    deployed(apigw, api, "dev")
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
        {"op": "replace", "path": "/pets/GET/throttling/burstLimit", "value": "100"},
        {"op": "replace", "path": "/pets/GET/throttling/rateLimit", "value": "50.5"},
    ])
    # A method's own setting starts as a copy of the stage-wide one.
    stage_wide = {**METHOD_SETTING_DEFAULTS, "loggingLevel": "INFO", "metricsEnabled": True}
    assert updated["methodSettings"] == {
        "*/*": stage_wide,
        "pets/GET": {**stage_wide, "throttlingBurstLimit": 100, "throttlingRateLimit": 50.5},
    }
    assert apigw.get_stage(restApiId=api["id"], stageName="dev")["methodSettings"] == updated["methodSettings"]
    # `remove /*/*` drops the whole setting (Terraform does this when it deletes one).
    updated = apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "remove", "path": "/*/*"}])
    assert list(updated["methodSettings"]) == ["pets/GET"]
    with aws_error("BadRequestException",
                   "Cannot remove method setting */* because there is no method setting for this method "):
        apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
            {"op": "remove", "path": "/*/*"}])
    with aws_error("BadRequestException", contains="Invalid method setting path: /*/*/logging/colour."):
        apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/logging/colour", "value": "red"}])


# ------------------------------------------------------------------------------------------------
# Authorizers
# ------------------------------------------------------------------------------------------------


def test_token_authorizer_crud(apigw, api):
    created = apigw.create_authorizer(restApiId=api["id"], name="tokens", type="TOKEN",
                                      authorizerUri=LAMBDA_URI,
                                      identitySource="method.request.header.Authorization")
    assert status(created) == 201
    auth_id = created["id"]
    assert body(created) == {
        "id": auth_id,
        "name": "tokens",
        "type": "TOKEN",
        "authType": "custom",
        "authorizerUri": LAMBDA_URI,
        "identitySource": "method.request.header.Authorization",
        "authorizerResultTtlInSeconds": 300,
    }
    assert body(apigw.get_authorizer(restApiId=api["id"], authorizerId=auth_id)) == body(created)
    assert apigw.get_authorizers(restApiId=api["id"])["items"] == [body(created)]
    updated = apigw.update_authorizer(restApiId=api["id"], authorizerId=auth_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"}])
    assert (updated["name"], updated["authorizerResultTtlInSeconds"]) == ("renamed", 0)
    method = apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                              authorizationType="CUSTOM", authorizerId=auth_id)
    assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", auth_id)
    apigw.delete_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET")
    assert status(apigw.delete_authorizer(restApiId=api["id"], authorizerId=auth_id)) == 202
    with aws_error("NotFoundException", "Invalid Authorizer identifier specified", status=404):
        apigw.get_authorizer(restApiId=api["id"], authorizerId=auth_id)
    assert apigw.get_authorizers(restApiId=api["id"])["items"] == []


def test_authorizer_kinds_and_validation(apigw, api):
    with aws_error("BadRequestException"):
        apigw.create_authorizer(restApiId=api["id"], name="no-source", type="TOKEN", authorizerUri=LAMBDA_URI)
    request = apigw.create_authorizer(restApiId=api["id"], name="req", type="REQUEST",
                                      authorizerUri=LAMBDA_URI,
                                      identitySource="method.request.header.Authorization,context.accountId")
    assert (request["authType"], request["authorizerResultTtlInSeconds"]) == ("custom", 300)
    pool = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_abc"
    cognito = apigw.create_authorizer(restApiId=api["id"], name="pool", type="COGNITO_USER_POOLS",
                                      providerARNs=[pool], identitySource="method.request.header.Authorization")
    assert body(cognito) == {
        "id": cognito["id"],
        "name": "pool",
        "type": "COGNITO_USER_POOLS",
        "authType": "cognito_user_pools",
        "providerARNs": [pool],
        "identitySource": "method.request.header.Authorization",
    }


# ------------------------------------------------------------------------------------------------
# Gateway responses
# ------------------------------------------------------------------------------------------------


def test_gateway_responses_default_until_put(apigw, api):
    items = apigw.get_gateway_responses(restApiId=api["id"])["items"]
    assert {i["responseType"]: i.get("statusCode") for i in items} == GATEWAY_RESPONSE_TYPES
    for item in items:
        assert item["defaultResponse"] is True
        assert item["responseParameters"] == {}
        assert item["responseTemplates"] == {"application/json": DEFAULT_TEMPLATE}
    got = apigw.get_gateway_response(restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    assert body(got) == {"responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "403",
                         "defaultResponse": True, "responseParameters": {},
                         "responseTemplates": {"application/json": DEFAULT_TEMPLATE}}


def test_put_get_and_delete_gateway_response(apigw, api):
    args = dict(restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    put = apigw.put_gateway_response(**args, statusCode="404",
                                     responseParameters={"gatewayresponse.header.x-a": "'a'"},
                                     responseTemplates={"application/json": '{"m": "gone"}'})
    assert status(put) == 201
    assert body(put) == {"responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "404",
                         "defaultResponse": False,
                         "responseParameters": {"gatewayresponse.header.x-a": "'a'"},
                         "responseTemplates": {"application/json": '{"m": "gone"}'}}
    assert body(apigw.get_gateway_response(**args)) == body(put)
    listed = {i["responseType"]: i for i in apigw.get_gateway_responses(restApiId=api["id"])["items"]}
    assert listed["MISSING_AUTHENTICATION_TOKEN"] == body(put)
    # What a put leaves out is the type's default.
    only_params = apigw.put_gateway_response(**args, responseParameters={"gatewayresponse.header.x-b": "'b'"})
    assert (only_params["statusCode"], only_params["responseTemplates"]) == (
        "403", {"application/json": DEFAULT_TEMPLATE})
    updated = apigw.update_gateway_response(**args, patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "410"}])
    assert (updated["statusCode"], updated["defaultResponse"]) == ("410", False)
    assert status(apigw.delete_gateway_response(**args)) == 202
    assert apigw.get_gateway_response(**args)["defaultResponse"] is True
    with aws_error("NotFoundException", "Gateway response type not defined on api", status=404):
        apigw.delete_gateway_response(**args)
    with aws_error("ValidationException", contains="Value 'NOT_A_TYPE' at 'responseType' failed to satisfy"):
        apigw.get_gateway_response(restApiId=api["id"], responseType="NOT_A_TYPE")


def test_default_5xx_shapes_the_unset_5xx_responses(apigw, api):
    apigw.put_gateway_response(restApiId=api["id"], responseType="DEFAULT_5XX", statusCode="599",
                               responseParameters={"gatewayresponse.header.x-a": "'a'"})
    apigw.put_gateway_response(restApiId=api["id"], responseType="AUTHORIZER_FAILURE",
                               responseParameters={"gatewayresponse.header.foo": "'bar'"})
    listed = {i["responseType"]: i for i in apigw.get_gateway_responses(restApiId=api["id"])["items"]}
    assert listed["INTEGRATION_FAILURE"] == {
        "responseType": "INTEGRATION_FAILURE", "statusCode": "599", "defaultResponse": True,
        "responseParameters": {"gatewayresponse.header.x-a": "'a'"},
        "responseTemplates": {"application/json": DEFAULT_TEMPLATE}}
    # A type put on its own keeps its own defaults, not DEFAULT_5XX's.
    assert (listed["AUTHORIZER_FAILURE"]["statusCode"], listed["AUTHORIZER_FAILURE"]["defaultResponse"]) == (
        "500", False)
    assert listed["ACCESS_DENIED"]["statusCode"] == "403"
    assert listed["ACCESS_DENIED"]["responseParameters"] == {}


# ------------------------------------------------------------------------------------------------
# API keys and usage plans
# ------------------------------------------------------------------------------------------------


def test_api_key_defaults_and_value_visibility(apigw, make_key):
    name = unique_name("key")
    created = make_key(name=name)
    assert status(created) == 201
    key = body(created)
    assert isinstance(key.pop("createdDate"), datetime.datetime)
    assert isinstance(key.pop("lastUpdatedDate"), datetime.datetime)
    value = key.pop("value")
    assert len(value) == 40 and value.isalnum()
    assert key == {"id": created["id"], "name": name, "enabled": False, "stageKeys": []}
    got = apigw.get_api_key(apiKey=created["id"])
    assert "value" not in got and got["name"] == name
    assert apigw.get_api_key(apiKey=created["id"], includeValue=True)["value"] == value
    hidden = apigw.get_api_keys(nameQuery=name)["items"]
    assert [k["id"] for k in hidden] == [created["id"]] and "value" not in hidden[0]
    shown = apigw.get_api_keys(nameQuery=name[:8], includeValues=True)["items"]
    assert value in [k.get("value") for k in shown]
    assert apigw.get_api_keys(nameQuery=name + "-nope")["items"] == []


def test_api_key_given_value_update_and_delete(apigw, make_key):
    custom = "a" * 20 + unique_name("v")
    key = make_key(name=unique_name("key"), value=custom, enabled=True, description="d")
    assert (key["value"], key["enabled"], key["description"]) == (custom, True, "d")
    with aws_error("BadRequestException", "API Key value should be at least 20 characters"):
        make_key(value="short")
    with aws_error("BadRequestException", "API Key value exceeds maximum size of 128 characters"):
        make_key(value="x" * 129)
    assert len(make_key(value="")["value"]) == 40
    updated = apigw.update_api_key(apiKey=key["id"], patchOperations=[
        {"op": "replace", "path": "/enabled", "value": "false"},
        {"op": "replace", "path": "/description", "value": "new"}])
    assert (updated["enabled"], updated["description"]) == (False, "new")
    assert "value" not in updated
    assert status(apigw.delete_api_key(apiKey=key["id"])) == 202
    for call in (apigw.get_api_key, apigw.delete_api_key):
        with aws_error("NotFoundException", "Invalid API Key identifier specified", status=404):
            call(apiKey=key["id"])


def test_usage_plan_with_api_stages(apigw, api, make_plan):
    deployed(apigw, api, "dev")
    created = make_plan(description="plan", apiStages=[{"apiId": api["id"], "stage": "dev"}],
                        throttle={"burstLimit": 20, "rateLimit": 10.0},
                        quota={"limit": 1000, "period": "DAY"})
    assert status(created) == 201
    plan_id = created["id"]
    assert created["apiStages"] == [{"apiId": api["id"], "stage": "dev"}]
    assert created["throttle"] == {"burstLimit": 20, "rateLimit": 10.0}
    assert created["quota"] == {"limit": 1000, "offset": 0, "period": "DAY"}
    got = apigw.get_usage_plan(usagePlanId=plan_id)
    assert (got["name"], got["description"], got["apiStages"]) == (created["name"], "plan", created["apiStages"])
    assert plan_id in [p["id"] for p in apigw.get_usage_plans()["items"]]
    updated = apigw.update_usage_plan(usagePlanId=plan_id, patchOperations=[
        {"op": "replace", "path": "/throttle/burstLimit", "value": "100"},
        {"op": "replace", "path": "/quota/limit", "value": "5000"},
        {"op": "replace", "path": "/quota/period", "value": "MONTH"}])
    assert updated["throttle"] == {"burstLimit": 100, "rateLimit": 10.0}
    assert updated["quota"] == {"limit": 5000, "offset": 0, "period": "MONTH"}
    with aws_error("BadRequestException", contains="Invalid API Stage"):
        make_plan(apiStages=[{"apiId": api["id"], "stage": "nosuchstage"}])


def test_update_usage_plan_api_stages(apigw, api, make_plan):
    deployed(apigw, api, "dev")
    plan = make_plan()
    assert plan["apiStages"] == []
    added = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "add", "path": "/apiStages", "value": f"{api['id']}:dev"}])
    assert added["apiStages"] == [{"apiId": api["id"], "stage": "dev"}]
    for op, value in (("add", f"{api['id']}:nope"), ("remove", f"{api['id']}b:dev")):
        stage = value.split(":")
        with aws_error("NotFoundException",
                       f"Invalid API Stage {{api: {stage[0]}, stage: {stage[1]}}} specified for usageplan {plan['id']}",
                       status=404):
            apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
                {"op": op, "path": "/apiStages", "value": value}])
    for value in (None, "no-colon"):
        op = {"op": "remove", "path": "/apiStages"} | ({"value": value} if value else {})
        with aws_error("BadRequestException", "Invalid API Stage specified"):
            apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[op])
    removed = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "remove", "path": "/apiStages", "value": f"{api['id']}:dev"}])
    assert removed["apiStages"] == []


def test_usage_plan_keys(apigw, make_key, make_plan):
    key = make_key(name=unique_name("key"))
    plan = make_plan()
    plan_key = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert status(plan_key) == 201
    assert body(plan_key) == {"id": key["id"], "name": key["name"], "type": "API_KEY", "value": key["value"]}
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == [body(plan_key)]
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"], nameQuery=key["name"][:6])["items"] == [body(plan_key)]
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"], nameQuery="nothing")["items"] == []
    assert body(apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])) == body(plan_key)
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]
    assert status(apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])) == 202
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []
    # Deleting a key takes it out of its plans.
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    apigw.delete_api_key(apiKey=key["id"])
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []
    with aws_error("NotFoundException", "Invalid API Key identifier specified", status=404):
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")


def test_deleted_usage_plan_is_not_found(apigw, make_plan):
    plan = make_plan()
    assert status(apigw.delete_usage_plan(usagePlanId=plan["id"])) == 202
    for call in (apigw.get_usage_plan, apigw.delete_usage_plan):
        with aws_error("NotFoundException", "Invalid Usage Plan ID specified", status=404):
            call(usagePlanId=plan["id"])
    # AWS lists the keys of a plan that does not exist as none.
    assert apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"] == []
