"""REST APIs (apigateway): built through boto3 as a CDK or SAM template would, called over real
HTTP (urllib3) by their execute-api host name and LocalStack's `_user_request_` path — the 1.0
proxy event the function receives, the response rules, non-proxy integrations with mapping
templates (seed 003), MOCK, API keys, Lambda authorizers and gateway responses."""

from __future__ import annotations

import base64
import json

import pytest
import urllib3

from nimbus_testing import ACCOUNT, REGION, wait_until

http = urllib3.PoolManager()

ECHO_PY = """
import json
def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="session")
def apigw(server):
    return server.client("apigateway")


@pytest.fixture(scope="session")
def logs(server):
    return server.client("logs")


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def lambda_uri(name: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(name)}/invocations"


def call(server, api_id: str, stage: str, path: str = "/", method: str = "GET", user_request: bool = False, **kw):
    headers = dict(kw.pop("headers", {}))
    if user_request:
        target = f"http://127.0.0.1:{server.port}/restapis/{api_id}/{stage}/_user_request_{path}"
    else:
        headers["Host"] = f"{api_id}.execute-api.localhost:{server.port}"
        target = f"http://127.0.0.1:{server.port}/{stage}{path}"
    return http.request(method, target, headers=headers, retries=False, redirect=False, **kw)


@pytest.fixture
def make_rest_api(apigw):
    made = []

    def make(**params):
        api = apigw.create_rest_api(name=params.pop("name", "test-rest-api"), **params)
        made.append(api["id"])
        return api
    yield make
    for api_id in made:
        try:
            apigw.delete_rest_api(restApiId=api_id)
        except Exception:
            pass


def add_resource(apigw, api, path: str) -> str:
    """Creates the resources along `path` (`/pets/{id}`); returns the last one's id."""
    resources = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    parent, current = resources["/"], ""
    for part in [p for p in path.split("/") if p]:
        current += "/" + part
        if current not in resources:
            resources[current] = apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart=part)["id"]
        parent = resources[current]
    return parent


def proxy_method(apigw, api, path: str, function: str, method: str = "ANY", **method_params):
    resource = add_resource(apigw, api, path)
    apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod=method,
                     authorizationType=method_params.pop("authorizationType", "NONE"), **method_params)
    apigw.put_integration(restApiId=api["id"], resourceId=resource, httpMethod=method, type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(function))
    return resource


def test_proxy_event_matches_the_documented_sample(apigw, make_rest_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    resource = proxy_method(apigw, api, "/pets/{petId}", name, method="GET")
    apigw.create_deployment(restApiId=api["id"], stageName="prod", variables={"table": "pets"})
    r = call(server, api["id"], "prod", "/pets/7?a=1&a=2&b=x%20y",
             headers={"User-Agent": "tester", "Accept": "application/json", "X-Multi": "one"})
    assert r.status == 200, r.data
    assert r.headers["x-amzn-RequestId"]
    event = json.loads(r.data)
    assert set(event) == {"resource", "path", "httpMethod", "headers", "multiValueHeaders",
                          "queryStringParameters", "multiValueQueryStringParameters", "requestContext",
                          "pathParameters", "stageVariables", "body", "isBase64Encoded"}
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/pets/{petId}", "/pets/7", "GET")
    # Header names as sent; X-Forwarded-* added by the gateway.
    assert event["headers"]["User-Agent"] == "tester" and event["headers"]["X-Multi"] == "one"
    assert event["multiValueHeaders"]["Accept"] == ["application/json"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert event["pathParameters"] == {"petId": "7"}
    assert event["stageVariables"] == {"table": "pets"}
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    rc = event["requestContext"]
    assert (rc["path"], rc["stage"], rc["resourcePath"], rc["resourceId"]) == ("/prod/pets/7", "prod", "/pets/{petId}", resource)
    assert (rc["apiId"], rc["accountId"], rc["httpMethod"]) == (api["id"], ACCOUNT, "GET")
    assert rc["requestId"] == r.headers["x-amzn-RequestId"]
    assert rc["identity"]["sourceIp"] == "127.0.0.1" and rc["identity"]["userAgent"] == "tester"
    assert rc["domainName"] == f"{api['id']}.execute-api.localhost"
    assert "version" not in event


def test_absent_members_are_null_and_the_user_request_path_works(apigw, make_rest_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    proxy_method(apigw, api, "/{proxy+}", name)
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    r = call(server, api["id"], "dev", "/a/b/c", method="POST", user_request=True, body=b"hello")
    assert r.status == 200, r.data
    event = json.loads(r.data)
    assert (event["resource"], event["path"], event["pathParameters"]) == ("/{proxy+}", "/a/b/c", {"proxy": "a/b/c"})
    assert (event["stageVariables"], event["queryStringParameters"], event["multiValueQueryStringParameters"]) == (None, None, None)
    assert (event["body"], event["isBase64Encoded"]) == ("hello", False)
    assert event["requestContext"]["path"] == "/dev/a/b/c"


@pytest.mark.parametrize("code, status, body", [
    ("return {'statusCode': '201', 'headers': {'x-a': 'b'}, 'body': 'made'}", 201, b"made"),
    ("return {'statusCode': 200, 'body': {'not': 'a string'}}", 502, b'{"message": "Internal server error"}'),
    ("return 'plain'", 502, b'{"message": "Internal server error"}'),
    ("raise RuntimeError('boom')", 502, b'{"message": "Internal server error"}'),
])
def test_proxy_response_rules(apigw, make_rest_api, make_function, server, code, status, body):
    name = make_function(f"def lambda_handler(event, context):\n    {code}\n")
    api = make_rest_api()
    proxy_method(apigw, api, "/", name)
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    r = call(server, api["id"], "prod", "/")
    assert (r.status, r.data) == (status, body)


def test_gateway_errors_and_deployments_as_snapshots(apigw, make_rest_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    proxy_method(apigw, api, "/pets", name, method="GET")
    # Not deployed yet: nothing serves.
    assert call(server, api["id"], "prod", "/pets").status == 403
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    assert call(server, api["id"], "prod", "/pets").status == 200
    for path, method in (("/nothing", "GET"), ("/pets", "POST"), ("/pets/1", "GET")):
        r = call(server, api["id"], "prod", path, method=method)
        assert (r.status, json.loads(r.data)) == (403, {"message": "Missing Authentication Token"})
        assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    # A new method is served only once deployed.
    proxy_method(apigw, api, "/cats", name, method="GET")
    assert call(server, api["id"], "prod", "/cats").status == 403
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    assert call(server, api["id"], "prod", "/cats").status == 200
    r = call(server, api["id"], "nostage", "/pets")
    assert (r.status, json.loads(r.data)) == (403, {"message": "Forbidden"})


def test_seed_003_asynchronous_lambda_behind_a_mapping_template(apigw, make_rest_api, make_function, logs, server):
    """Seed 003: a CDK RestApi whose POST / invokes a Node.js function asynchronously
    (`X-Amz-Invocation-Type: 'Event'`) with the console's "method request passthrough"
    template, answering 202; the function logs the event it got."""
    name = make_function("""
exports.handler = async (event, _context, _callback) => {
  console.log(event);
};
""", runtime="nodejs18.x", Timeout=29)
    template = """
          ##  See http://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
          ##  This template will pass through all parameters including path, querystring, header, stage variables, and context through to the integration endpoint via the body/payload
          #set($allParams = $input.params())
          {
          "bodyJson" : $input.json('$'),
          "params" : {
          #foreach($type in $allParams.keySet())
              #set($params = $allParams.get($type))
          "$type" : {
              #foreach($paramName in $params.keySet())
              "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
                  #if($foreach.hasNext),#end
              #end
          }
              #if($foreach.hasNext),#end
          #end
          },
          "stage-variables" : {
          #foreach($key in $stageVariables.keySet())
          "$key" : "$util.escapeJavaScript($stageVariables.get($key))"
              #if($foreach.hasNext),#end
          #end
          },
          "context" : {
              "account-id" : "$context.identity.accountId",
              "api-id" : "$context.apiId",
              "api-key" : "$context.identity.apiKey",
              "authorizer-principal-id" : "$context.authorizer.principalId",
              "caller" : "$context.identity.caller",
              "cognito-authentication-provider" : "$context.identity.cognitoAuthenticationProvider",
              "cognito-authentication-type" : "$context.identity.cognitoAuthenticationType",
              "cognito-identity-id" : "$context.identity.cognitoIdentityId",
              "cognito-identity-pool-id" : "$context.identity.cognitoIdentityPoolId",
              "http-method" : "$context.httpMethod",
              "stage" : "$context.stage",
              "source-ip" : "$context.identity.sourceIp",
              "user" : "$context.identity.user",
              "user-agent" : "$context.identity.userAgent",
              "user-arn" : "$context.identity.userArn",
              "request-id" : "$context.requestId",
              "resource-id" : "$context.resourceId",
              "resource-path" : "$context.resourcePath"
              }
          }

""".strip()
    api = make_rest_api(name="api")
    root = api["rootResourceId"]
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="POST", statusCode="202")
    apigw.put_integration(
        restApiId=api["id"], resourceId=root, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
        uri=lambda_uri(name),
        requestParameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
        passthroughBehavior="WHEN_NO_TEMPLATES",
        requestTemplates={"application/json": template})
    apigw.put_integration_response(restApiId=api["id"], resourceId=root, httpMethod="POST", statusCode="202")
    apigw.create_deployment(restApiId=api["id"], stageName="api")
    apigw.update_stage(restApiId=api["id"], stageName="api",
                       patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])
    r = call(server, api["id"], "api", "/", method="POST", body=b'{"key":"value"}',
             headers={"Content-Type": "application/json", "User-Agent": "curl/8.5.0", "Accept": "*/*"})
    assert r.status == 202, r.data

    def logged():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="bodyJson")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return "".join(e["message"] for e in events)
    text = wait_until(logged, timeout=20, what="the function's log of the event")
    assert "bodyJson: { key: 'value' }" in text
    assert "path: {}" in text and "querystring: {}" in text
    assert "Accept: '*/*'" in text and "'User-Agent': 'curl/8.5.0'" in text
    assert "'stage-variables': {}" in text
    assert f"'api-id': '{api['id']}'" in text and "stage: 'api'" in text and "'resource-path': '/'" in text
    assert "'account-id': ''" in text and "'http-method': 'POST'" in text


ERRORS_PY = """
def lambda_handler(event, context):
    if event.get("fail"):
        raise Exception(event["fail"])
    return {"name": event.get("name"), "greeting": "hello " + str(event.get("name"))}
"""


def test_lambda_integration_with_templates_and_selection_patterns(apigw, make_rest_api, make_function, server):
    name = make_function(ERRORS_PY)
    api = make_rest_api()
    resource = add_resource(apigw, api, "/greet/{name}")
    kw = dict(restApiId=api["id"], resourceId=resource, httpMethod="POST")
    apigw.put_method(authorizationType="NONE", **kw)
    for status in ("200", "400", "404"):
        apigw.put_method_response(statusCode=status, **kw)
    apigw.put_integration(type="AWS", integrationHttpMethod="POST", uri=lambda_uri(name), **kw, requestTemplates={
        "application/json": '#set($body = $input.path(\'$\'))\n'
                            '{"name": "$input.params(\'name\')", "fail": #if($body.fail)"$body.fail"#{else}null#end}',
    })
    apigw.put_integration_response(statusCode="200", responseTemplates={
        "application/json": '#set($r = $input.path(\'$\'))\n{"message": "$r.greeting", "stage": "$context.stage"}',
    }, responseParameters={"method.response.header.X-Greeted": "integration.response.body.name"}, **kw)
    apigw.put_integration_response(statusCode="400", selectionPattern=r".*\[BadRequest\].*", responseTemplates={
        "application/json": '{"error": $input.json(\'$.errorMessage\')}',
    }, **kw)
    apigw.put_integration_response(statusCode="404", selectionPattern="Not found", **kw)
    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    r = call(server, api["id"], "v1", "/greet/ann", method="POST", body=b"{}",
             headers={"Content-Type": "application/json"})
    assert r.status == 200, r.data
    assert json.loads(r.data) == {"message": "hello ann", "stage": "v1"}
    assert r.headers["X-Greeted"] == "ann"
    r = call(server, api["id"], "v1", "/greet/ann", method="POST", body=b'{"fail": "[BadRequest] no"}',
             headers={"Content-Type": "application/json"})
    assert (r.status, json.loads(r.data)) == (400, {"error": "[BadRequest] no"})
    r = call(server, api["id"], "v1", "/greet/ann", method="POST", body=b'{"fail": "Not found"}',
             headers={"Content-Type": "application/json"})
    assert r.status == 404 and json.loads(r.data)["errorMessage"] == "Not found"
    # An error no pattern matches takes the default response, with the error as its input.
    r = call(server, api["id"], "v1", "/greet/ann", method="POST", body=b'{"fail": "other"}',
             headers={"Content-Type": "application/json"})
    assert (r.status, json.loads(r.data)) == (200, {"message": "", "stage": "v1"})


def test_passthrough_behaviours(apigw, make_rest_api, make_function, server):
    name = make_function("def lambda_handler(event, context):\n    return event\n")
    api = make_rest_api()
    for path, behaviour in (("/match", "WHEN_NO_MATCH"), ("/templates", "WHEN_NO_TEMPLATES"), ("/never", "NEVER")):
        resource = add_resource(apigw, api, path)
        kw = dict(restApiId=api["id"], resourceId=resource, httpMethod="POST")
        apigw.put_method(authorizationType="NONE", **kw)
        apigw.put_method_response(statusCode="200", **kw)
        apigw.put_integration(type="AWS", integrationHttpMethod="POST", uri=lambda_uri(name),
                              passthroughBehavior=behaviour,
                              requestTemplates={"application/xml": '{"from": "xml"}'}, **kw)
        apigw.put_integration_response(statusCode="200", **kw)
    apigw.create_deployment(restApiId=api["id"], stageName="s")
    json_body = dict(method="POST", body=b'{"raw": true}', headers={"Content-Type": "application/json"})
    r = call(server, api["id"], "s", "/match", **json_body)
    assert (r.status, json.loads(r.data)) == (200, {"raw": True})
    for path in ("/templates", "/never"):
        r = call(server, api["id"], "s", path, **json_body)
        assert (r.status, json.loads(r.data)) == (415, {"message": "Unsupported Media Type"})
    r = call(server, api["id"], "s", "/never", method="POST", body=b"<x/>", headers={"Content-Type": "application/xml"})
    assert (r.status, json.loads(r.data)) == (200, {"from": "xml"})


def test_mock_integration_and_cors_preflight(apigw, make_rest_api, server):
    api = make_rest_api()
    root = api["rootResourceId"]
    kw = dict(restApiId=api["id"], resourceId=root, httpMethod="OPTIONS")
    apigw.put_method(authorizationType="NONE", **kw)
    apigw.put_method_response(statusCode="200", responseParameters={
        "method.response.header.Access-Control-Allow-Origin": False,
        "method.response.header.Access-Control-Allow-Methods": False}, **kw)
    apigw.put_integration(type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}, **kw)
    apigw.put_integration_response(statusCode="200", responseParameters={
        "method.response.header.Access-Control-Allow-Origin": "'*'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"},
        responseTemplates={"application/json": '{"ok": true, "id": "$context.requestId"}'}, **kw)
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    r = call(server, api["id"], "prod", "/", method="OPTIONS")
    assert r.status == 200, r.data
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert json.loads(r.data) == {"ok": True, "id": r.headers["x-amzn-RequestId"]}


def test_api_keys_and_usage_plans(apigw, make_rest_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    proxy_method(apigw, api, "/", name, method="GET", apiKeyRequired=True)
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    key = apigw.create_api_key(name="k", enabled=True)
    other = apigw.create_api_key(name="not-in-a-plan", enabled=True)
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api["id"], "stage": "prod"}])
    try:
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        forbidden = (403, {"message": "Forbidden"})
        r = call(server, api["id"], "prod", "/")
        assert (r.status, json.loads(r.data)) == forbidden
        r = call(server, api["id"], "prod", "/", headers={"x-api-key": other["value"]})
        assert (r.status, json.loads(r.data)) == forbidden
        r = call(server, api["id"], "prod", "/", headers={"x-api-key": key["value"]})
        assert r.status == 200, r.data
        identity = json.loads(r.data)["requestContext"]["identity"]
        assert (identity["apiKey"], identity["apiKeyId"]) == (key["value"], key["id"])
        apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
        assert call(server, api["id"], "prod", "/", headers={"x-api-key": key["value"]}).status == 403
    finally:
        apigw.delete_usage_plan(usagePlanId=plan["id"])
        apigw.delete_api_key(apiKey=key["id"])
        apigw.delete_api_key(apiKey=other["id"])


TOKEN_AUTHORIZER_PY = """
def lambda_handler(event, context):
    token = event["authorizationToken"]
    if token == "deny":
        effect = "Deny"
    elif token.startswith("allow"):
        effect = "Allow"
    else:
        raise Exception("Unauthorized")
    return {"principalId": "user-1", "context": {"tier": "gold", "n": 3},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""


def test_token_authorizer(apigw, make_rest_api, make_function, server):
    authorizer_fn = make_function(TOKEN_AUTHORIZER_PY)
    name = make_function(ECHO_PY)
    api = make_rest_api()
    authorizer = apigw.create_authorizer(restApiId=api["id"], name="token", type="TOKEN",
                                         authorizerUri=lambda_uri(authorizer_fn),
                                         identitySource="method.request.header.Authorization",
                                         identityValidationExpression="(allow|deny|nope).*",
                                         authorizerResultTtlInSeconds=0)
    proxy_method(apigw, api, "/secret", name, method="GET", authorizationType="CUSTOM", authorizerId=authorizer["id"])
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    r = call(server, api["id"], "prod", "/secret", headers={"Authorization": "allow-me"})
    assert r.status == 200, r.data
    assert json.loads(r.data)["requestContext"]["authorizer"] == {"principalId": "user-1", "tier": "gold", "n": 3}
    r = call(server, api["id"], "prod", "/secret", headers={"Authorization": "deny"})
    assert (r.status, json.loads(r.data)) == (403, {"Message": "User is not authorized to access this resource with an explicit deny"})
    for headers in ({}, {"Authorization": "nope"}, {"Authorization": "garbage"}):
        r = call(server, api["id"], "prod", "/secret", headers=headers)
        assert (r.status, json.loads(r.data)) == (401, {"message": "Unauthorized"}), headers


def test_request_authorizer_and_customized_gateway_responses(apigw, make_rest_api, make_function, server):
    authorizer_fn = make_function("""
def lambda_handler(event, context):
    allowed = event["queryStringParameters"].get("pass") == "yes" and event["type"] == "REQUEST"
    return {"principalId": event["headers"].get("X-User", "nobody"),
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow" if allowed else "Deny",
                 "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"}]}}
""")
    name = make_function(ECHO_PY)
    api = make_rest_api()
    authorizer = apigw.create_authorizer(restApiId=api["id"], name="req", type="REQUEST",
                                         authorizerUri=lambda_uri(authorizer_fn),
                                         identitySource="method.request.querystring.pass",
                                         authorizerResultTtlInSeconds=300)
    proxy_method(apigw, api, "/items", name, method="GET", authorizationType="CUSTOM", authorizerId=authorizer["id"])
    apigw.put_gateway_response(restApiId=api["id"], responseType="ACCESS_DENIED", statusCode="418",
                               responseParameters={"gatewayresponse.header.X-Why": "'denied'"},
                               responseTemplates={"application/json": '{"why": $context.error.messageString, "type": "$context.error.responseType"}'})
    apigw.put_gateway_response(restApiId=api["id"], responseType="DEFAULT_4XX",
                               responseTemplates={"application/json": '{"oops": "$context.error.message"}'})
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    r = call(server, api["id"], "prod", "/items?pass=yes", headers={"X-User": "ann"})
    assert r.status == 200, r.data
    assert json.loads(r.data)["requestContext"]["authorizer"]["principalId"] == "ann"
    r = call(server, api["id"], "prod", "/items?pass=no")
    assert (r.status, r.headers["X-Why"]) == (418, "denied")
    assert json.loads(r.data) == {"why": "User is not authorized to access this resource with an explicit deny",
                                  "type": "ACCESS_DENIED"}
    r = call(server, api["id"], "prod", "/items")
    assert (r.status, json.loads(r.data)) == (401, {"oops": "Unauthorized"})
    r = call(server, api["id"], "prod", "/elsewhere")
    assert (r.status, json.loads(r.data)) == (403, {"oops": "Missing Authentication Token"})


def test_binary_media_types(apigw, make_rest_api, make_function, server):
    name = make_function("""
import base64
def lambda_handler(event, context):
    data = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(data[::-1]).decode(), "isBase64Encoded": True}
""")
    api = make_rest_api(binaryMediaTypes=["image/png"])
    proxy_method(apigw, api, "/img", name, method="POST")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    payload = bytes(range(256))
    r = call(server, api["id"], "prod", "/img", method="POST", body=payload,
             headers={"Content-Type": "image/png", "Accept": "image/png"})
    assert (r.status, r.data) == (200, payload[::-1])
    # Text in, and no binary Accept: the function's base64 comes back as text.
    r = call(server, api["id"], "prod", "/img", method="POST", body=b"abc", headers={"Content-Type": "text/plain"})
    assert r.status == 200 and base64.b64decode(r.data) == b"cba"


def test_node_proxy_handler(apigw, make_rest_api, make_function, server):
    name = make_function("""
exports.handler = async (event) => ({
  statusCode: 200,
  headers: {"Content-Type": "application/json"},
  multiValueHeaders: {"Set-Cookie": ["a=1", "b=2"]},
  body: JSON.stringify({path: event.path, id: event.pathParameters.id, stage: event.requestContext.stage}),
});
""", runtime="nodejs20.x")
    api = make_rest_api()
    proxy_method(apigw, api, "/things/{id}", name, method="GET")
    apigw.create_deployment(restApiId=api["id"], stageName="live")
    r = call(server, api["id"], "live", "/things/9")
    assert r.status == 200, r.data
    assert json.loads(r.data) == {"path": "/things/9", "id": "9", "stage": "live"}
    assert r.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_usage_plan_quota_and_stage_throttling(apigw, make_rest_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    proxy_method(apigw, api, "/metered", name, method="GET", apiKeyRequired=True)
    proxy_method(apigw, api, "/open", name, method="GET")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    apigw.update_stage(restApiId=api["id"], stageName="prod", patchOperations=[
        {"op": "replace", "path": "/~1open/GET/throttling/burstLimit", "value": "1"},
        {"op": "replace", "path": "/~1open/GET/throttling/rateLimit", "value": "0.001"}])
    key = apigw.create_api_key(name="quota", enabled=True)
    plan = apigw.create_usage_plan(name="two-a-day", apiStages=[{"apiId": api["id"], "stage": "prod"}],
                                   quota={"limit": 2, "period": "DAY"})
    try:
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        statuses = [call(server, api["id"], "prod", "/metered", headers={"x-api-key": key["value"]}).status
                    for _ in range(3)]
        assert statuses == [200, 200, 429]
        r = call(server, api["id"], "prod", "/metered", headers={"x-api-key": key["value"]})
        assert json.loads(r.data) == {"message": "Limit Exceeded"}
        assert call(server, api["id"], "prod", "/open").status == 200
        r = call(server, api["id"], "prod", "/open")
        assert (r.status, json.loads(r.data)) == (429, {"message": "Too Many Requests"})
    finally:
        apigw.delete_usage_plan(usagePlanId=plan["id"])
        apigw.delete_api_key(apiKey=key["id"])


def test_integration_timeout_is_504(apigw, make_rest_api, make_function, server):
    name = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(2)\n    return {'statusCode': 200}\n",
                         Timeout=5)
    api = make_rest_api()
    resource = proxy_method(apigw, api, "/slow", name, method="GET")
    apigw.update_integration(restApiId=api["id"], resourceId=resource, httpMethod="GET",
                             patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "500"}])
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    r = call(server, api["id"], "prod", "/slow")
    assert (r.status, json.loads(r.data)) == (504, {"message": "Endpoint request timed out"})


@pytest.fixture
def upstream():
    import http.server
    import threading

    class Upstream(http.server.BaseHTTPRequestHandler):
        def do_any(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode()
            status = 404 if "missing" in self.path else 201
            payload = json.dumps({"method": self.command, "path": self.path, "x-test": self.headers.get("x-test"),
                                  "x-mapped": self.headers.get("x-mapped"), "body": body}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("x-upstream", "yes")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        do_GET = do_POST = do_PUT = do_any

        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_http_and_http_proxy_integrations(apigw, make_rest_api, server, upstream):
    api = make_rest_api()
    proxy = add_resource(apigw, api, "/up/{proxy+}")
    kw = dict(restApiId=api["id"], resourceId=proxy, httpMethod="ANY")
    apigw.put_method(authorizationType="NONE", requestParameters={"method.request.path.proxy": True}, **kw)
    apigw.put_integration(type="HTTP_PROXY", integrationHttpMethod="ANY", uri=f"http://127.0.0.1:{upstream}/base/{{proxy}}",
                          requestParameters={"integration.request.path.proxy": "method.request.path.proxy"}, **kw)
    item = add_resource(apigw, api, "/items/{id}")
    kw = dict(restApiId=api["id"], resourceId=item, httpMethod="POST")
    apigw.put_method(authorizationType="NONE", **kw)
    for status in ("200", "404"):
        apigw.put_method_response(statusCode=status, **kw)
    apigw.put_integration(type="HTTP", integrationHttpMethod="PUT", uri=f"http://127.0.0.1:{upstream}/store/{{id}}",
                          requestParameters={"integration.request.path.id": "method.request.path.id",
                                             "integration.request.header.X-Mapped": "'yes'",
                                             "integration.request.querystring.from": "context.stage"},
                          requestTemplates={"application/json": '{"wrapped": $input.json(\'$\')}'}, **kw)
    apigw.put_integration_response(statusCode="200", responseTemplates={
        "application/json": '#set($u = $input.path(\'$\'))\n{"upstreamPath": "$u.path", "sent": $u.body}'},
        responseParameters={"method.response.header.X-Came-From": "integration.response.header.x-upstream"}, **kw)
    apigw.put_integration_response(statusCode="404", selectionPattern="4\\d{2}", **kw)
    down = add_resource(apigw, api, "/down")
    apigw.put_method(restApiId=api["id"], resourceId=down, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=down, httpMethod="GET", type="HTTP_PROXY",
                          integrationHttpMethod="GET", uri="http://127.0.0.1:1/nothing")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")

    r = call(server, api["id"], "prod", "/up/a/b?q=1", method="PUT", body=b"payload", headers={"X-Test": "t"})
    assert r.status == 201 and r.headers["x-upstream"] == "yes"
    seen = json.loads(r.data)
    assert (seen["method"], seen["path"], seen["x-test"], seen["body"]) == ("PUT", "/base/a/b?q=1", "t", "payload")
    r = call(server, api["id"], "prod", "/items/42", method="POST", body=b'{"n": 1}',
             headers={"Content-Type": "application/json", "X-Test": "dropped"})
    assert r.status == 200, r.data
    assert json.loads(r.data) == {"upstreamPath": "/store/42?from=prod", "sent": {"wrapped": {"n": 1}}}
    assert r.headers["X-Came-From"] == "yes"
    r = call(server, api["id"], "prod", "/items/missing", method="POST", body=b"{}",
             headers={"Content-Type": "application/json"})
    assert r.status == 404 and json.loads(r.data)["path"] == "/store/missing?from=prod"
    r = call(server, api["id"], "prod", "/down")
    assert (r.status, json.loads(r.data)) == (500, {"message": "Internal server error"})


def test_stage_access_logs(apigw, make_rest_api, make_function, logs, server):
    name = make_function(ECHO_PY)
    api = make_rest_api()
    proxy_method(apigw, api, "/logged", name, method="GET")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    group = f"API-Gateway-Access-Logs_{api['id']}/prod"
    apigw.update_stage(restApiId=api["id"], stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"},
        {"op": "replace", "path": "/accessLogSettings/format",
         "value": '{"requestId":"$context.requestId","path":"$context.resourcePath","status":"$context.status",'
                  '"ip":"$context.identity.sourceIp","key":"$context.identity.apiKey"}'}])
    ok = call(server, api["id"], "prod", "/logged")
    call(server, api["id"], "prod", "/nowhere")

    def lines():
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return events if len(events) >= 2 else None
    events = wait_until(lines, timeout=5, what="two access log lines")
    entries = sorted((json.loads(e["message"]) for e in events), key=lambda e: e["status"])
    assert entries[0] == {"requestId": ok.headers["x-amzn-RequestId"], "path": "/logged", "status": "200",
                          "ip": "127.0.0.1", "key": "-"}
    assert (entries[1]["status"], entries[1]["path"]) == ("403", "-")
    assert {e["logStreamName"] for e in events} == {f"{api['id']}_prod"}


def test_invalid_mappings_and_templates(apigw, make_rest_api, make_function, server):
    from nimbus_testing import aws_error
    name = make_function("def lambda_handler(event, context):\n    return event\n")
    api = make_rest_api()
    root = api["rootResourceId"]
    kw = dict(restApiId=api["id"], resourceId=root, httpMethod="POST")
    apigw.put_method(authorizationType="NONE", **kw)
    apigw.put_method_response(statusCode="200", **kw)
    for params in ({"integration.request.header.X": "nonsense"}, {"integration.response.header.X": "'a'"}):
        with aws_error("BadRequestException", status=400, contains="Invalid mapping expression specified"):
            apigw.put_integration(type="AWS", integrationHttpMethod="POST", uri=lambda_uri(name),
                                  requestParameters=params, **kw)
    # A template that does not parse fails at request time, as on AWS: a 500, and the server goes on.
    apigw.put_integration(type="AWS", integrationHttpMethod="POST", uri=lambda_uri(name),
                          requestTemplates={"application/json": "#if($x"}, **kw)
    apigw.put_integration_response(statusCode="200", **kw)
    apigw.create_deployment(restApiId=api["id"], stageName="s")
    r = call(server, api["id"], "s", "/", method="POST", body=b"{}", headers={"Content-Type": "application/json"})
    assert (r.status, json.loads(r.data)) == (500, {"message": "Internal server error"})
    apigw.update_integration(**kw, patchOperations=[
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": '{"ok": $input.json(\'$.n\')}'}])
    apigw.create_deployment(restApiId=api["id"], stageName="s")
    r = call(server, api["id"], "s", "/", method="POST", body=b'{"n": 5}', headers={"Content-Type": "application/json"})
    assert (r.status, json.loads(r.data)) == (200, {"ok": 5})
