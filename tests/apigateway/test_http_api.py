"""HTTP APIs (apigatewayv2): managed through boto3, called through real HTTP (urllib3) by their
execute-api host name or nimbus's path form — routes, stages, the payload-2.0 event the function
receives, the response rules, and the gateway's own errors."""

from __future__ import annotations

import json
import time

import pytest
import urllib3

from nimbus_testing import ACCOUNT, REGION, aws_error

ECHO_PY = """
import json
import time
def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

http = urllib3.PoolManager()


@pytest.fixture(scope="session")
def apigw(server):
    return server.client("apigatewayv2")


def call(server, api_id: str, path: str = "/", method: str = "GET", via_path: bool = False, **kw):
    headers = dict(kw.pop("headers", {}))
    if via_path:
        target = f"http://127.0.0.1:{server.port}/_aws/execute-api/{api_id}{path}"
    else:
        headers["Host"] = f"{api_id}.execute-api.localhost:{server.port}"
        target = f"http://127.0.0.1:{server.port}{path}"
    return http.request(method, target, headers=headers, retries=False, redirect=False, **kw)


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


@pytest.fixture
def make_api(apigw):
    made = []

    def make(**params):
        api = apigw.create_api(ProtocolType="HTTP", Name=params.pop("Name", "test-api"), **params)
        made.append(api["ApiId"])
        return api
    yield make
    for api_id in made:
        try:
            apigw.delete_api(ApiId=api_id)
        except Exception:
            pass


def test_quick_create_serves_the_function_at_default(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_api(Target=function_arn(name))
    api_id = api["ApiId"]
    assert api["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{server.port}"
    assert api["RouteSelectionExpression"] == "${request.method} ${request.path}"
    stages = apigw.get_stages(ApiId=api_id)["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]
    routes = apigw.get_routes(ApiId=api_id)["Items"]
    assert [r["RouteKey"] for r in routes] == ["$default"]
    r = call(server, api_id, "/media/job_id?a=1&a=2", method="POST", body=b'{"x": 1}',
             headers={"Content-Type": "application/json", "User-Agent": "tester", "Cookie": "c=1"})
    assert r.status == 200, r.data
    event = json.loads(r.data)
    assert set(event) == {"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                          "queryStringParameters", "requestContext", "body", "isBase64Encoded"}
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/media/job_id")
    assert event["queryStringParameters"] == {"a": "1,2"} and event["cookies"] == ["c=1"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"x": 1}', False)
    rc = event["requestContext"]
    assert set(rc) == {"accountId", "apiId", "domainName", "domainPrefix", "http", "requestId",
                       "routeKey", "stage", "time", "timeEpoch"}
    assert (rc["apiId"], rc["stage"], rc["domainPrefix"]) == (api_id, "$default", api_id)
    assert rc["domainName"] == f"{api_id}.execute-api.localhost"
    assert rc["http"] == {"method": "POST", "path": "/media/job_id", "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "tester"}
    assert rc["requestId"] == r.headers["apigw-requestid"]


def test_routes_parameters_and_named_stages(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    target = f"integrations/{integration['IntegrationId']}"
    for key in ("GET /media/{job_id}", "ANY /files/{proxy+}", "GET /media/latest"):
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=target)
    with aws_error("ConflictException", status=409):
        apigw.create_route(ApiId=api_id, RouteKey="GET /media/latest", Target=target)
    with aws_error("BadRequestException", status=400):
        apigw.create_route(ApiId=api_id, RouteKey="FETCH /x", Target=target)
    apigw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True, StageVariables={"table": "t1"})
    event = json.loads(call(server, api_id, "/prod/media/42").data)
    assert event["routeKey"] == "GET /media/{job_id}" and event["pathParameters"] == {"job_id": "42"}
    assert (event["rawPath"], event["requestContext"]["stage"]) == ("/prod/media/42", "prod")
    assert event["stageVariables"] == {"table": "t1"}
    assert json.loads(call(server, api_id, "/prod/media/latest").data)["routeKey"] == "GET /media/latest"
    event = json.loads(call(server, api_id, "/prod/files/a/b%20c.txt", method="PUT", via_path=True).data)
    assert event["routeKey"] == "ANY /files/{proxy+}" and event["pathParameters"] == {"proxy": "a/b c.txt"}
    # No $default stage and no route: the gateway's own answers.
    r = call(server, api_id, "/media/42")
    assert (r.status, json.loads(r.data)) == (404, {"message": "Not Found"})
    r = call(server, api_id, "/prod/nothing/here")
    assert (r.status, json.loads(r.data)) == (404, {"message": "Not Found"})
    r = call(server, api_id, "/prod/media/42", method="POST")
    assert r.status == 404


@pytest.mark.parametrize("code, status, body", [
    ("return 'plain'", 200, b'"plain"'),
    ("return {'statusCode': 201, 'headers': {'x-a': 'b'}, 'body': 'made'}", 201, b"made"),
    ("return {'statusCode': 200, 'body': {'not': 'a string'}}", 500, b'{"message":"Internal Server Error"}'),
    ("raise RuntimeError('boom')", 500, b'{"message":"Internal Server Error"}'),
])
def test_response_rules(make_api, make_function, server, code, status, body):
    name = make_function(f"def lambda_handler(event, context):\n    {code}\n")
    api_id = make_api(Target=function_arn(name))["ApiId"]
    r = call(server, api_id, "/")
    assert (r.status, r.data) == (status, body)


def test_integration_timeout_is_503(apigw, make_api, make_function, server):
    name = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(2)\n    return 'late'\n",
                         Timeout=5)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0",
                                           TimeoutInMillis=500)
    apigw.create_route(ApiId=api_id, RouteKey="GET /slow", Target=f"integrations/{integration['IntegrationId']}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    r = call(server, api_id, "/slow")
    assert (r.status, json.loads(r.data)) == (503, {"message": "Service Unavailable"})


def test_cors_and_management_errors(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api = make_api(Target=function_arn(name),
                   CorsConfiguration={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET"]})
    pre = call(server, api["ApiId"], "/x", method="OPTIONS",
               headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert pre.status == 204 and pre.headers["access-control-allow-origin"] == "https://app.example"
    r = call(server, api["ApiId"], "/x", headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    with aws_error("NotFoundException", status=404,
                   message=f"Invalid API identifier specified {ACCOUNT}:nosuchapi"):
        apigw.get_api(ApiId="nosuchapi")
    with aws_error("BadRequestException", status=400):
        apigw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                 IntegrationUri=function_arn(name))
    apigw.update_api(ApiId=api["ApiId"], DisableExecuteApiEndpoint=True)
    assert call(server, api["ApiId"], "/").status == 403
    apigw.delete_api(ApiId=api["ApiId"])
    assert call(server, api["ApiId"], "/").status == 404


def test_payload_format_1_0(apigw, make_api, make_function, server):
    name = make_function("""
import json
import time
def lambda_handler(event, context):
    return {"statusCode": "200", "multiValueHeaders": {"x-seen": ["a", "b"]}, "body": json.dumps(event)}
""")
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="1.0")
    apigw.create_route(ApiId=api_id, RouteKey="GET /items/{id}",
                       Target=f"integrations/{integration['IntegrationId']}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    r = call(server, api_id, "/items/7?q=1&q=2", headers={"X-Multi": "one"})
    assert r.status == 200 and r.headers.getlist("x-seen") == ["a", "b"]
    event = json.loads(r.data)
    assert set(event) == {"version", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                          "queryStringParameters", "multiValueQueryStringParameters", "requestContext",
                          "pathParameters", "stageVariables", "body", "isBase64Encoded"}
    assert (event["version"], event["resource"], event["path"]) == ("1.0", "/items/{id}", "/items/7")
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["multiValueHeaders"]["x-multi"] == ["one"]
    assert event["pathParameters"] == {"id": "7"}
    assert (event["stageVariables"], event["body"]) == (None, None)
    rc = event["requestContext"]
    assert (rc["httpMethod"], rc["resourcePath"], rc["stage"], rc["path"]) == ("GET", "/items/{id}", "$default", "/items/7")
    assert rc["identity"]["sourceIp"] == "127.0.0.1"


def test_seed_001_custom_domain_with_an_api_mapping(apigw, make_api, make_function, server):
    """Seed 001: an HTTP API with two Lambda routes, served on a custom domain name through an
    API mapping to $default, then its execute-api endpoint disabled."""
    hello = "import json\ndef lambda_handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps('Hello from Lambda!')}\n"
    first, second = make_function(hello), make_function(hello)
    api_id = make_api(Name="mediaConvertStatusApi")["ApiId"]
    for name, key in ((first, "ANY /media/job_id"), (second, "ANY /media/status")):
        integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                               IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration['IntegrationId']}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    domain = "api-gw.nightonly.example"
    created = apigw.create_domain_name(DomainName=domain, DomainNameConfigurations=[{
        "CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc", "EndpointType": "REGIONAL"}])
    try:
        config = created["DomainNameConfigurations"][0]
        assert config["ApiGatewayDomainName"].startswith("d-") and config["DomainNameStatus"] == "AVAILABLE"
        with aws_error("ConflictException", status=409):
            apigw.create_domain_name(DomainName=domain)
        mapping = apigw.create_api_mapping(DomainName=domain, ApiId=api_id, Stage="$default")
        assert [m["ApiMappingId"] for m in apigw.get_api_mappings(DomainName=domain)["Items"]] == [mapping["ApiMappingId"]]
        on_domain = lambda path: http.request("GET", f"http://127.0.0.1:{server.port}{path}",  # noqa: E731
                                              headers={"Host": f"{domain}:{server.port}"}, retries=False)
        r = on_domain("/")
        assert (r.status, r.data) == (404, b'{"message":"Not Found"}')
        for path in ("/media/job_id", "/media/status"):
            r = on_domain(path)
            assert (r.status, r.data) == (200, b'"Hello from Lambda!"')
        apigw.update_api(ApiId=api_id, DisableExecuteApiEndpoint=True)
        r = call(server, api_id, "/media/job_id")
        assert (r.status, json.loads(r.data)) == (403, {"message": "Forbidden"})
        assert on_domain("/media/job_id").status == 200
    finally:
        apigw.delete_domain_name(DomainName=domain)
    with aws_error("NotFoundException", status=404):
        apigw.get_domain_name(DomainName=domain)


def test_access_logs_go_to_cloudwatch_logs(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    apigw.create_route(ApiId=api_id, RouteKey="GET /logged", Target=f"integrations/{integration['IntegrationId']}")
    group = f"/aws/apigateway/{api_id}"
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, AccessLogSettings={
        "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}",
        "Format": '{"requestId":"$context.requestId","route":"$context.routeKey","status":"$context.status",'
                  '"method":"$context.httpMethod","ip":"$context.identity.sourceIp","nothing":"$context.error.message"}'})
    r = call(server, api_id, "/logged")
    call(server, api_id, "/unrouted")
    logs = server.client("logs")
    deadline = time.monotonic() + 5
    events = []
    while time.monotonic() < deadline and len(events) < 2:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.05)
    lines = sorted((json.loads(e["message"]) for e in events), key=lambda l: l["status"])
    assert lines[0] == {"requestId": r.headers["apigw-requestid"], "route": "GET /logged", "status": "200",
                        "method": "GET", "ip": "127.0.0.1", "nothing": "-"}
    assert (lines[1]["status"], lines[1]["route"]) == ("404", "-")


def test_throttling_and_payload_limit(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    target = f"integrations/{integration['IntegrationId']}"
    apigw.create_route(ApiId=api_id, RouteKey="GET /limited", Target=target)
    apigw.create_route(ApiId=api_id, RouteKey="POST /free", Target=target)
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True,
                       RouteSettings={"GET /limited": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.001}})
    statuses = [call(server, api_id, "/limited").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    r = call(server, api_id, "/limited")
    assert (r.status, json.loads(r.data)) == (429, {"message": "Too Many Requests"})
    assert call(server, api_id, "/free", method="POST", body=b"ok").status == 200
    r = call(server, api_id, "/free", method="POST", body=b"x" * (10 * 1024 * 1024 + 1))
    assert (r.status, json.loads(r.data)) == (413, {"message": "Request Entity Too Large"})


SIMPLE_AUTHORIZER = """
def lambda_handler(event, context):
    token = event["headers"].get("authorization", "")
    return {"isAuthorized": token == "allow", "context": {"user": "alice", "route": event["routeArn"]}}
"""

POLICY_AUTHORIZER = """
def lambda_handler(event, context):
    effect = "Allow" if event["identitySource"] == "allow" else "Deny"
    return {"principalId": "bob", "context": {"user": "bob"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""


def authorized_api(apigw, make_api, make_function, **authorizer):
    name = make_function(ECHO_PY)
    authorizer_fn = make_function(authorizer.pop("code"))
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    auth = apigw.create_authorizer(ApiId=api_id, Name="auth", AuthorizerType="REQUEST",
                                   AuthorizerUri=(f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                  f"{function_arn(authorizer_fn)}/invocations"),
                                   IdentitySource=["$request.header.Authorization"], **authorizer)
    apigw.create_route(ApiId=api_id, RouteKey="GET /secret", Target=f"integrations/{integration['IntegrationId']}",
                       AuthorizationType="CUSTOM", AuthorizerId=auth["AuthorizerId"])
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_lambda_authorizer_with_simple_responses(apigw, make_api, make_function, server):
    api_id = authorized_api(apigw, make_api, make_function, code=SIMPLE_AUTHORIZER,
                            AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True)
    r = call(server, api_id, "/secret")
    assert (r.status, json.loads(r.data)) == (401, {"message": "Unauthorized"})
    r = call(server, api_id, "/secret", headers={"Authorization": "deny"})
    assert (r.status, json.loads(r.data)) == (403, {"message": "Forbidden"})
    r = call(server, api_id, "/secret", headers={"Authorization": "allow"})
    assert r.status == 200
    authorizer = json.loads(r.data)["requestContext"]["authorizer"]
    assert authorizer["lambda"]["user"] == "alice"
    assert authorizer["lambda"]["route"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/$default/GET/secret"


def test_lambda_authorizer_with_an_iam_policy(apigw, make_api, make_function, server):
    api_id = authorized_api(apigw, make_api, make_function, code=POLICY_AUTHORIZER,
                            AuthorizerPayloadFormatVersion="1.0", AuthorizerResultTtlInSeconds=300)
    assert call(server, api_id, "/secret", headers={"Authorization": "deny"}).status == 403
    r = call(server, api_id, "/secret", headers={"Authorization": "allow"})
    assert r.status == 200 and json.loads(r.data)["requestContext"]["authorizer"]["lambda"] == {"user": "bob"}
    with aws_error("BadRequestException", status=400):
        apigw.create_authorizer(ApiId=api_id, Name="bad", AuthorizerType="REQUEST",
                                AuthorizerUri=function_arn("x"), IdentitySource=["$request.header.A"],
                                AuthorizerPayloadFormatVersion="1.0", EnableSimpleResponses=True)


@pytest.fixture
def issuer():
    from jwt_issuer import Issuer
    running = Issuer()
    yield running
    running.close()


def test_jwt_authorizer_checks_signature_issuer_audience_and_expiry(apigw, make_api, make_function, server, issuer):
    from jwt_issuer import sign as token

    name = make_function(ECHO_PY)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    auth = apigw.create_authorizer(ApiId=api_id, Name="jwt", AuthorizerType="JWT",
                                   IdentitySource=["$request.header.Authorization"],
                                   JwtConfiguration={"Issuer": issuer.url, "Audience": ["app"]})
    apigw.create_route(ApiId=api_id, RouteKey="GET /me", Target=f"integrations/{integration['IntegrationId']}",
                       AuthorizationType="JWT", AuthorizerId=auth["AuthorizerId"])
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    good = {"iss": issuer.url, "aud": "app", "sub": "u1", "exp": int(time.time()) + 60, "scope": "read"}
    r = call(server, api_id, "/me", headers={"Authorization": f"Bearer {token(good)}"})
    assert r.status == 200
    jwt = json.loads(r.data)["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "u1" and jwt["scopes"] == ["read"]
    for bad in ({**good, "iss": "https://other"}, {**good, "aud": "other"}, {**good, "exp": 1}):
        r = call(server, api_id, "/me", headers={"Authorization": f"Bearer {token(bad)}"})
        assert r.status == 401, bad
    assert call(server, api_id, "/me").status == 401
    # Signed by no key the issuer publishes, or tampered with after signing.
    r = call(server, api_id, "/me", headers={"Authorization": f"Bearer {token(good, kid='other-key')}"})
    assert (r.status, json.loads(r.data)) == (401, {"message": "Unauthorized"})
    header, _, signature = token(good).split(".")
    forged = json.dumps({**good, "sub": "admin"}).encode()
    import base64 as b64
    forged_token = f"{header}.{b64.urlsafe_b64encode(forged).decode().rstrip('=')}.{signature}"
    assert call(server, api_id, "/me", headers={"Authorization": f"Bearer {forged_token}"}).status == 401


def test_http_proxy_integration(apigw, make_api, server):
    import http.server
    import threading

    class Upstream(http.server.BaseHTTPRequestHandler):
        def do_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.dumps({"method": self.command, "path": self.path, "host": self.headers["Host"],
                               "x-test": self.headers.get("X-Test"), "body": self.rfile.read(length).decode()})
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Upstream", "yes")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())
        do_GET = do_POST = do_PUT = do_any

        def log_message(self, *args):
            pass

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        port = upstream.server_address[1]
        api_id = make_api()["ApiId"]
        integration = apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                               IntegrationUri=f"http://127.0.0.1:{port}/base/{{proxy}}",
                                               PayloadFormatVersion="1.0")
        apigw.create_route(ApiId=api_id, RouteKey="ANY /up/{proxy+}", Target=f"integrations/{integration['IntegrationId']}")
        apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        r = call(server, api_id, "/up/a/b?q=1", method="PUT", body=b"payload", headers={"X-Test": "t"})
        assert r.status == 201 and r.headers["x-upstream"] == "yes"
        seen = json.loads(r.data)
        assert seen == {"method": "PUT", "path": "/base/a/b?q=1", "host": f"127.0.0.1:{port}", "x-test": "t",
                        "body": "payload"}
        closed = apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
                                          IntegrationUri="http://127.0.0.1:1/nothing", PayloadFormatVersion="1.0")
        apigw.create_route(ApiId=api_id, RouteKey="GET /down", Target=f"integrations/{closed['IntegrationId']}")
        r = call(server, api_id, "/down")
        assert (r.status, json.loads(r.data)) == (500, {"message": "Internal Server Error"})
    finally:
        upstream.shutdown()


def test_stages_without_auto_deploy_serve_their_deployment(apigw, make_api, make_function, server):
    name = make_function(ECHO_PY)
    api_id = make_api()["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                           IntegrationUri=function_arn(name), PayloadFormatVersion="2.0")
    target = f"integrations/{integration['IntegrationId']}"
    apigw.create_route(ApiId=api_id, RouteKey="GET /v1", Target=target)
    apigw.create_stage(ApiId=api_id, StageName="prod")
    assert call(server, api_id, "/prod/v1").status == 404  # nothing deployed yet
    deployment = apigw.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment["DeploymentId"]
    assert call(server, api_id, "/prod/v1").status == 200
    apigw.create_route(ApiId=api_id, RouteKey="GET /v2", Target=target)
    assert call(server, api_id, "/prod/v2").status == 404  # not in the deployment
    apigw.create_deployment(ApiId=api_id, StageName="prod")
    assert call(server, api_id, "/prod/v2").status == 200
    assert len(apigw.get_deployments(ApiId=api_id)["Items"]) == 2
    with aws_error("BadRequestException", status=400):
        apigw.delete_deployment(ApiId=api_id, DeploymentId=apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"])
    apigw.delete_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    with aws_error("NotFoundException", status=404):
        apigw.get_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
