"""Application Load Balancers, served: a load balancer built through boto3 and called over real
HTTP (urllib3) by its DNS name and nimbus's `/_aws/elb/<name>/` path — listener rules by
priority and condition, the event a Lambda target receives (compared with AWS's documented
sample), ALB's response rules (header values must be strings: seed 000), fixed responses and
redirects."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import urllib3

from nimbus_testing import ACCOUNT, REGION

http = urllib3.PoolManager()

ECHO_PY = """
import json
def lambda_handler(event, context):
    return {"statusCode": 200, "statusDescription": "200 OK", "isBase64Encoded": False,
            "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="session")
def elb(server):
    return server.client("elbv2")


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


@pytest.fixture
def alb(elb):
    """alb(default_actions) -> (load balancer, listener); deleted afterwards, target groups too."""
    made_lbs, made_tgs = [], []

    def make(default_actions):
        lb = elb.create_load_balancer(Name=f"lb-{uuid.uuid4().hex[:12]}", Subnets=["subnet-a", "subnet-b"])
        lb = lb["LoadBalancers"][0]
        made_lbs.append(lb["LoadBalancerArn"])
        listener = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                       DefaultActions=default_actions)["Listeners"][0]
        return lb, listener

    def target_group(function: str, multi: bool = False) -> str:
        tg = elb.create_target_group(Name=f"tg-{uuid.uuid4().hex[:12]}", TargetType="lambda")["TargetGroups"][0]
        made_tgs.append(tg["TargetGroupArn"])
        if multi:
            elb.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
                {"Key": "lambda.multi_value_headers.enabled", "Value": "true"}])
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": function_arn(function)}])
        return tg["TargetGroupArn"]
    make.target_group = target_group
    yield make
    for arn in made_lbs:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    for arn in made_tgs:
        elb.delete_target_group(TargetGroupArn=arn)


def call(server, lb, path="/", method="GET", via_path=False, **kw):
    headers = dict(kw.pop("headers", {}))
    if via_path:
        target = f"http://127.0.0.1:{server.port}/_aws/elb/{lb['LoadBalancerName']}{path}"
    else:
        headers["Host"] = f"{lb['DNSName']}:{server.port}"
        target = f"http://127.0.0.1:{server.port}{path}"
    return http.request(method, target, headers=headers, retries=False, redirect=False, **kw)


def forward(tg: str) -> list:
    return [{"Type": "forward", "TargetGroupArn": tg}]


def test_the_lambda_event_matches_the_documented_sample(alb, make_function, server):
    name = make_function(ECHO_PY)
    tg = alb.target_group(name)
    lb, _ = alb(forward(tg))
    r = call(server, lb, "/lambda?query=1234ABCD&q=a%20b", headers={"User-Agent": "tester", "X-Multi": "one"})
    assert r.status == 200, r.data
    assert r.headers["server"] == "awselb/2.0"
    event = json.loads(r.data)
    assert set(event) == {"requestContext", "httpMethod", "path", "queryStringParameters", "headers", "body",
                          "isBase64Encoded"}
    assert event["requestContext"] == {"elb": {"targetGroupArn": tg}}
    assert (event["httpMethod"], event["path"]) == ("GET", "/lambda")
    # Query parameters are passed as sent, not decoded.
    assert event["queryStringParameters"] == {"query": "1234ABCD", "q": "a%20b"}
    assert event["headers"]["user-agent"] == "tester" and event["headers"]["x-multi"] == "one"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1" and event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")
    assert (event["body"], event["isBase64Encoded"]) == ("", False)
    r = call(server, lb, "/x", method="POST", via_path=True, body=bytes([0, 255, 1]),
             headers={"Content-Type": "application/octet-stream"})
    event = json.loads(r.data)
    assert (event["path"], event["isBase64Encoded"]) == ("/x", True)
    assert base64.b64decode(event["body"]) == bytes([0, 255, 1])


def test_multi_value_headers(alb, make_function, server):
    name = make_function("""
import json
def lambda_handler(event, context):
    return {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["application/json"]},
            "headers": {"Ignored": "yes"}, "body": json.dumps(event)}
""")
    lb, _ = alb(forward(alb.target_group(name, multi=True)))
    r = call(server, lb, "/m?a=1&a=2", headers={"X-Multi": "one"})
    assert r.status == 200, r.data
    assert r.headers.getlist("Set-Cookie") == ["a=1", "b=2"] and "Ignored" not in r.headers
    event = json.loads(r.data)
    assert "headers" not in event and "queryStringParameters" not in event
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["multiValueHeaders"]["x-multi"] == ["one"]


BAD_GATEWAY = b"<html>\r\n<head><title>502 Bad Gateway</title></head>"


@pytest.mark.parametrize("code", [
    "return {'statusCode': 200, 'headers': {'Content-Length': 5}, 'body': 'hello'}",  # seed 000: a number
    "return {'statusCode': 200, 'body': 'x' * (1024 * 1024 + 1)}",
    "return 'not a response'",
    "raise RuntimeError('boom')",
])
def test_response_rules_give_502(alb, make_function, server, code):
    name = make_function(f"def lambda_handler(event, context):\n    {code}\n")
    lb, _ = alb(forward(alb.target_group(name)))
    r = call(server, lb, "/")
    assert r.status == 502 and r.data.startswith(BAD_GATEWAY)
    assert r.headers["content-type"] == "text/html"


def test_rules_by_priority_and_condition(alb, elb, make_function, server):
    name = make_function(ECHO_PY)
    tg = alb.target_group(name)
    lb, listener = alb([{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no rule matched"}}])
    arn = listener["ListenerArn"]
    elb.create_rule(ListenerArn=arn, Priority=10, Actions=forward(tg), Conditions=[
        {"Field": "path-pattern", "Values": ["/api/*"]}])
    elb.create_rule(ListenerArn=arn, Priority=5, Conditions=[
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/teapot"]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "418", "MessageBody": "short and stout"}}])
    elb.create_rule(ListenerArn=arn, Priority=20, Conditions=[
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Version", "Values": ["v2*"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "v2"}}])
    elb.create_rule(ListenerArn=arn, Priority=30, Conditions=[
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "mode", "Value": "old*"}]}}],
        Actions=[{"Type": "redirect", "RedirectConfig": {"Path": "/new/#{path}", "Query": "from=#{query}",
                                                         "StatusCode": "HTTP_301"}}])
    elb.create_rule(ListenerArn=arn, Priority=40, Conditions=[
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}])
    elb.create_rule(ListenerArn=arn, Priority=50, Conditions=[
        {"Field": "host-header", "HostHeaderConfig": {"Values": [lb["DNSName"].upper()]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "by host"}}])

    assert json.loads(call(server, lb, "/api/items").data)["path"] == "/api/items"
    r = call(server, lb, "/api/teapot")
    assert (r.status, r.data) == (418, b"short and stout")
    assert r.headers["content-type"] == "text/plain"
    assert call(server, lb, "/api/teapot", method="POST").status == 200  # falls through to /api/*
    assert call(server, lb, "/other", headers={"X-Version": "V2.1"}).data == b"v2"
    r = call(server, lb, "/old/page?mode=oldish")
    assert r.status == 301
    assert r.headers["location"] == f"http://{lb['DNSName']}:{server.port}/new/old/page?from=mode=oldish"
    assert call(server, lb, "/anything").data == b"by host"
    r = call(server, lb, "/anything", via_path=True)
    assert (r.status, r.data) == (404, b"no rule matched")


def test_unknown_and_empty_load_balancers(alb, elb, server):
    tg = elb.create_target_group(Name=f"tg-{uuid.uuid4().hex[:12]}", TargetType="lambda")["TargetGroups"][0]
    lb, _ = alb(forward(tg["TargetGroupArn"]))
    r = call(server, lb, "/")  # no target registered
    assert r.status == 503 and b"503 Service Temporarily Unavailable" in r.data
    r = http.request("GET", f"http://127.0.0.1:{server.port}/_aws/elb/no-such-lb/", retries=False)
    assert r.status == 503
