"""Function URLs: the configuration API through boto3, and the URLs themselves through real HTTP
(urllib3) — the 2.0 event the function receives, compared with the sample AWS documents, and the
response rules that turn its result into HTTP."""

from __future__ import annotations

import base64
import json

import pytest
import urllib3

from lambda_testing import zip_of
from nimbus_testing import ACCOUNT, REGION, aws_error

ECHO_PY = """
def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": __import__("json").dumps(event)}
"""

http = urllib3.PoolManager()


def url_id(url: str) -> str:
    return url.split("://", 1)[1].split(".", 1)[0]


def call(server, url: str, path: str = "/", method: str = "GET", via_path: bool = False, **kw):
    """Requests `path` of a function URL: by its host name (sent to 127.0.0.1 with that Host
    header, so no DNS is needed) or by nimbus's path form."""
    uid = url_id(url)
    headers = dict(kw.pop("headers", {}))
    if via_path:
        target = f"http://127.0.0.1:{server.port}/_aws/lambda-url/{uid}{path}"
    else:
        headers["Host"] = f"{uid}.lambda-url.{REGION}.localhost:{server.port}"
        target = f"http://127.0.0.1:{server.port}{path}"
    return http.request(method, target, headers=headers, retries=False, redirect=False, **kw)


@pytest.fixture
def url_function(lam, make_function):
    def make(code: str = ECHO_PY, runtime: str = "python3.11", **url_params):
        name = make_function(code, runtime=runtime)
        url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", **url_params)
        return name, url["FunctionUrl"]
    return make


def test_configuration_lifecycle(lam, make_function, server):
    name = make_function(ECHO_PY)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == arn
    assert created["AuthType"] == "NONE" and created["InvokeMode"] == "BUFFERED"
    uid = url_id(created["FunctionUrl"])
    assert created["FunctionUrl"] == f"http://{uid}.lambda-url.{REGION}.localhost:{server.port}/"
    assert len(uid) == 32
    with aws_error("ResourceConflictException", status=409, message=(
            f"Failed to create function url config for [functionArn = {arn}]. "
            "Error message:  FunctionUrlConfig exists for this Lambda function")):
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == created["FunctionUrl"] and "LastModifiedTime" in got
    updated = lam.update_function_url_config(
        FunctionName=name, Cors={"AllowOrigins": ["https://example.com"], "MaxAge": 60})
    assert updated["Cors"] == {"AllowOrigins": ["https://example.com"], "MaxAge": 60}
    assert updated["FunctionUrl"] == created["FunctionUrl"]
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [u["FunctionUrl"] for u in listed] == [created["FunctionUrl"]]
    lam.delete_function_url_config(FunctionName=name)
    with aws_error("ResourceNotFoundException", status=404,
                   message="The resource you requested does not exist."):
        lam.get_function_url_config(FunctionName=name)
    assert call(server, created["FunctionUrl"]).status == 404


def test_bad_requests_get_lambdas_errors(lam, make_function):
    name = make_function(ECHO_PY)
    with aws_error("ValidationException", message=(
            "1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)")):
        lam.create_function_url_config(FunctionName=name, Qualifier="$LATEST", AuthType="NONE")
    with aws_error("ValidationException"):
        lam.create_function_url_config(FunctionName=name, Qualifier="1", AuthType="NONE")
    with aws_error("ValidationException"):
        lam.create_function_url_config(FunctionName=name, AuthType="OPEN")
    with aws_error("ResourceNotFoundException", status=404, message="Function does not exist"):
        lam.create_function_url_config(FunctionName=name + "-missing", AuthType="NONE")
    with aws_error("ResourceNotFoundException", status=404, message="Function does not exist"):
        lam.create_function_url_config(FunctionName=name, Qualifier="nosuchalias", AuthType="NONE")


def test_the_event_is_the_documented_2_0_event(url_function, server):
    name, url = url_function()
    r = call(server, url, "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
             method="POST", body=b"Hello from client!",
             headers={"Content-Type": "text/plain", "User-Agent": "agent", "Header1": "value1",
                      "Cookie": "cookie1=a; cookie2=b"})
    assert r.status == 200, r.data
    event = json.loads(r.data)
    # The top-level and requestContext members of AWS's documented sample (pathParameters and
    # stageVariables, which function URLs "set to null or exclude", are left out).
    assert set(event) == {"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                          "queryStringParameters", "requestContext", "body", "isBase64Encoded"}
    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/my/path")
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event["cookies"] == ["cookie1=a", "cookie2=b"]
    assert event["headers"]["header1"] == "value1" and "cookie" not in event["headers"]
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert (event["body"], event["isBase64Encoded"]) == ("Hello from client!", False)
    rc = event["requestContext"]
    assert set(rc) == {"accountId", "apiId", "authentication", "domainName", "domainPrefix", "http",
                       "requestId", "routeKey", "stage", "time", "timeEpoch"}
    uid = url_id(url)
    assert (rc["accountId"], rc["apiId"], rc["domainPrefix"]) == (ACCOUNT, uid, uid)
    assert rc["domainName"] == f"{uid}.lambda-url.{REGION}.localhost"
    assert rc["authentication"] is None
    assert rc["http"] == {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "agent"}
    assert (rc["routeKey"], rc["stage"]) == ("$default", "$default")
    assert rc["requestId"] == r.headers["x-amzn-RequestId"]
    assert isinstance(rc["timeEpoch"], int) and rc["time"].endswith(" +0000")


def test_path_form_binary_bodies_and_no_query(url_function, server):
    name, url = url_function()
    r = call(server, url, "/a/b", method="PUT", via_path=True, body=b"\x00\xffbinary",
             headers={"Content-Type": "application/octet-stream"})
    event = json.loads(r.data)
    assert event["rawPath"] == "/a/b" and event["rawQueryString"] == ""
    assert "queryStringParameters" not in event and "cookies" not in event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xffbinary"
    r = call(server, url, via_path=True)
    assert "body" not in json.loads(r.data)


@pytest.mark.parametrize("result, status, content_type, body", [
    ('"Hello, world!"', 200, "application/json", b'"Hello, world!"'),
    ('{"message": "Hello, world!"}', 200, "application/json", b'{"message": "Hello, world!"}'),
    ('{"statusCode": 201, "headers": {"Content-Type": "text/plain", "My-Custom-Header": "Custom Value"},'
     ' "body": "made", "cookies": ["a=1; Max-Age=60", "b=2"]}', 201, "text/plain", b"made"),
    ('{"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": True}', 200, "application/json", b"hello"),
])
def test_results_become_responses(url_function, server, result, status, content_type, body):
    name, url = url_function(f"def lambda_handler(event, context):\n    return {result}\n")
    r = call(server, url)
    assert (r.status, r.headers["content-type"], r.data) == (status, content_type, body)
    if status == 201:
        assert r.headers["my-custom-header"] == "Custom Value"
        assert r.headers.getlist("set-cookie") == ["a=1; Max-Age=60", "b=2"]


@pytest.mark.parametrize("code", [
    "def lambda_handler(event, context):\n    raise ValueError('boom')\n",
    "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': {'not': 'a string'}}\n",
    "def lambda_handler(event, context):\n    return {'statusCode': 'teapot'}\n",
])
def test_failures_are_502(url_function, server, code):
    name, url = url_function(code)
    r = call(server, url)
    assert (r.status, r.data) == (502, b"Internal Server Error")


def test_node_handler(url_function, server):
    name, url = url_function(
        "exports.handler = async (event) => ({statusCode: 200, body: "
        "`${event.requestContext.http.method} ${event.rawPath} ${event.queryStringParameters.q}`});",
        runtime="nodejs20.x")
    r = call(server, url, "/hello?q=%C3%A9t%C3%A9", method="DELETE")
    assert (r.status, r.data.decode()) == (200, "DELETE /hello été")


def test_cors_is_answered_by_the_url(url_function, server):
    name, url = url_function(Cors={"AllowOrigins": ["https://example.com"], "AllowMethods": ["POST"],
                                   "AllowHeaders": ["x-custom"], "ExposeHeaders": ["x-out"],
                                   "MaxAge": 300})
    pre = call(server, url, "/x", method="OPTIONS",
               headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"})
    assert pre.status == 200 and pre.data == b""
    assert pre.headers["access-control-allow-origin"] == "https://example.com"
    assert pre.headers["access-control-allow-methods"] == "POST"
    assert pre.headers["access-control-allow-headers"] == "x-custom"
    assert pre.headers["access-control-max-age"] == "300"
    r = call(server, url, "/x", method="POST", headers={"Origin": "https://example.com"})
    assert r.status == 200 and json.loads(r.data)["rawPath"] == "/x"  # the function ran
    assert r.headers["access-control-allow-origin"] == "https://example.com"
    assert r.headers["access-control-expose-headers"] == "x-out"
    other = call(server, url, "/x", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_alias_urls_and_deleted_functions(lam, make_function, server):
    name = make_function("def lambda_handler(e, c):\n    return 'one'\n")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=zip_of({"lambda_function.py":
                             "def lambda_handler(e, c):\n    return 'two'\n"}))
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    live = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")
    latest = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert live["FunctionArn"].endswith(f":function:{name}:live")
    assert call(server, live["FunctionUrl"]).data == b'"one"'
    assert call(server, latest["FunctionUrl"]).data == b'"two"'
    assert len(lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]) == 2
    lam.delete_alias(FunctionName=name, Name="live")
    assert call(server, live["FunctionUrl"]).status == 404
    lam.delete_function(FunctionName=name)
    assert call(server, latest["FunctionUrl"]).status == 404


def test_iam_urls_need_a_signature(lam, make_function, server):
    name = make_function(ECHO_PY)
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    assert call(server, url).status == 403
    signed = call(server, url, headers={"Authorization": (
        "AWS4-HMAC-SHA256 Credential=111122223333/20261201/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=00")})
    iam = json.loads(signed.data)["requestContext"]["authorizer"]["iam"]
    assert (iam["accessKey"], iam["accountId"]) == ("111122223333", "111122223333")
