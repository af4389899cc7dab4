"""REST API models and request validators: managed through boto3 (the two default models,
conflicts, references from methods), and checked over real HTTP — required parameters, and
bodies against a JSON Schema model (the AWS guide's PetStore example, with a `$ref` to another
model), each refusal the 400 AWS answers, and shaped by gateway responses when customized."""

from __future__ import annotations

import json

import pytest

from nimbus_testing import aws_error
from test_rest_api import add_resource, call

PET = {
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "PetStore", "type": "object",
    "required": ["petType", "price"],
    "properties": {"petType": {"type": "string", "enum": ["dog", "cat", "fish", "bird", "gecko"]},
                   "price": {"$ref": "PRICE"}},
}
PRICE = {"type": "number", "minimum": 25, "maximum": 500}


@pytest.fixture(scope="module")
def apigw(server):
    return server.client("apigateway")


@pytest.fixture
def rest_api(apigw):
    api = apigw.create_rest_api(name="validated")
    yield api
    apigw.delete_rest_api(restApiId=api["id"])


def test_models_and_validators_are_managed_as_aws_manages_them(apigw, rest_api):
    api_id = rest_api["id"]
    defaults = {m["name"]: m for m in apigw.get_models(restApiId=api_id)["items"]}
    assert set(defaults) == {"Empty", "Error"}
    assert json.loads(defaults["Error"]["schema"])["properties"] == {"message": {"type": "string"}}
    price = apigw.create_model(restApiId=api_id, name="Price", contentType="application/json",
                               schema=json.dumps(PRICE))
    assert price["name"] == "Price" and price["contentType"] == "application/json" and price["id"]
    with aws_error("ConflictException", status=409, message="Model name already exists for this REST API"):
        apigw.create_model(restApiId=api_id, name="Price", contentType="application/json", schema="{}")
    with aws_error("BadRequestException", status=400, message="Model name must be alphanumeric"):
        apigw.create_model(restApiId=api_id, name="no-dashes", contentType="application/json", schema="{}")
    with aws_error("BadRequestException", status=400, contains="Invalid model schema specified"):
        apigw.create_model(restApiId=api_id, name="Broken", contentType="application/json", schema="{not json")
    updated = apigw.update_model(restApiId=api_id, modelName="Price", patchOperations=[
        {"op": "replace", "path": "/description", "value": "a price"}])
    assert (updated["description"], updated["id"]) == ("a price", price["id"])
    with aws_error("NotFoundException", status=404, message="Invalid model name specified"):
        apigw.get_model(restApiId=api_id, modelName="Nope")

    validator = apigw.create_request_validator(restApiId=api_id, name="params", validateRequestParameters=True)
    assert (validator["validateRequestParameters"], validator["validateRequestBody"]) == (True, False)
    assert apigw.get_request_validators(restApiId=api_id)["items"] == [
        {k: validator[k] for k in ("id", "name", "validateRequestBody", "validateRequestParameters")}]
    flipped = apigw.update_request_validator(restApiId=api_id, requestValidatorId=validator["id"], patchOperations=[
        {"op": "replace", "path": "/validateRequestBody", "value": "true"}])
    assert flipped["validateRequestBody"] is True

    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    with aws_error("BadRequestException", status=400, message="Invalid Request Validator identifier specified"):
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                         requestValidatorId="nothing")
    with aws_error("BadRequestException", status=400, message="Invalid model identifier specified: Nope"):
        apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE",
                         requestModels={"application/json": "Nope"})
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE",
                     requestValidatorId=validator["id"], requestModels={"application/json": "Price"})
    with aws_error("ConflictException", status=409, contains="is referenced in method request: /POST"):
        apigw.delete_model(restApiId=api_id, modelName="Price")
    with aws_error("BadRequestException", status=400, contains="is referenced in method"):
        apigw.delete_request_validator(restApiId=api_id, requestValidatorId=validator["id"])
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="POST")
    apigw.delete_model(restApiId=api_id, modelName="Price")
    apigw.delete_request_validator(restApiId=api_id, requestValidatorId=validator["id"])
    assert apigw.get_request_validators(restApiId=api_id)["items"] == []


def mock_method(apigw, api_id, resource, http_method, **method):
    kw = dict(restApiId=api_id, resourceId=resource, httpMethod=http_method)
    apigw.put_method(authorizationType="NONE", **kw, **method)
    apigw.put_method_response(statusCode="200", **kw)
    apigw.put_integration(type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}',
                                                         "text/plain": '{"statusCode": 200}'}, **kw)
    apigw.put_integration_response(statusCode="200", responseTemplates={"application/json": '{"ok": true}'}, **kw)


def test_requests_are_validated_before_the_integration(apigw, rest_api, server):
    api_id = rest_api["id"]
    apigw.create_model(restApiId=api_id, name="Price", contentType="application/json", schema=json.dumps(PRICE))
    pet = json.loads(json.dumps(PET).replace('"PRICE"', json.dumps(
        f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Price")))
    apigw.create_model(restApiId=api_id, name="Pet", contentType="application/json", schema=json.dumps(pet))
    params = apigw.create_request_validator(restApiId=api_id, name="params", validateRequestParameters=True)
    body = apigw.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True)
    mock_method(apigw, api_id, add_resource(apigw, rest_api, "/owners/{id}"), "GET",
                requestValidatorId=params["id"],
                requestParameters={"method.request.path.id": True, "method.request.querystring.owner": True,
                                   "method.request.header.x-trace": True, "method.request.querystring.note": False})
    mock_method(apigw, api_id, add_resource(apigw, rest_api, "/pets"), "POST",
                requestValidatorId=body["id"], requestModels={"application/json": "Pet"})
    apigw.create_deployment(restApiId=api_id, stageName="prod")

    r = call(server, api_id, "prod", "/owners/7")
    assert (r.status, json.loads(r.data)) == (400, {"message": "Missing required request parameters: [x-trace, owner]"})
    assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    r = call(server, api_id, "prod", "/owners/7?owner=", headers={"X-Trace": "t"})  # blank is missing
    assert json.loads(r.data) == {"message": "Missing required request parameters: [owner]"}
    r = call(server, api_id, "prod", "/owners/7?owner=ann", headers={"X-Trace": "t"})
    assert (r.status, json.loads(r.data)) == (200, {"ok": True})

    def post(body: bytes, content_type: str = "application/json"):
        return call(server, api_id, "prod", "/pets", method="POST", body=body, headers={"Content-Type": content_type})
    assert (post(b'{"petType": "dog", "price": 30}').status) == 200
    for bad in (b'{"petType": "lion", "price": 30}', b'{"price": 30}', b'{"petType": "dog", "price": 1000}',
                b'{"petType": "dog", "price": "30"}', b"not json", b""):
        r = post(bad)
        assert (r.status, json.loads(r.data)) == (400, {"message": "Invalid request body"}), bad
    # A content type the method names no model for is not checked.
    assert post(b"anything", "text/plain").status == 200

    apigw.put_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY", statusCode="422",
                               responseTemplates={"application/json": '{"error": "$context.error.message"}'})
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    r = post(b"{}")
    assert (r.status, json.loads(r.data)) == (422, {"error": "Invalid request body"})
