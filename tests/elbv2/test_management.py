"""Elastic Load Balancing v2 (awsQuery) management API through boto3 and the AWS CLI:
Application Load Balancers, target groups (Lambda targets first), listeners, rules and tags —
responses field by field, AWS's defaults, and AWS's error codes and messages."""

from __future__ import annotations

import datetime
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus_testing import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, aws_error, http_get

NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
ARN_PREFIX = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
HANDLER = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


@pytest.fixture(scope="session")
def elb(server):
    return server.client("elbv2")


@pytest.fixture(scope="session")
def elb_unchecked(server):
    """A client that sends what it is given, so the server's own validation answers."""
    return server.client("elbv2", parameter_validation=False)


def name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Made:
    """Load balancers and target groups a test creates, deleted afterwards (load balancers
    first: their listeners hold on to the target groups)."""

    def __init__(self, elb):
        self.elb = elb
        self.lbs: list[str] = []
        self.tgs: list[str] = []

    def lb(self, **params) -> dict:
        params.setdefault("Name", name("lb"))
        if "SubnetMappings" not in params:
            params.setdefault("Subnets", ["subnet-aaaa", "subnet-bbbb"])
        lb = self.elb.create_load_balancer(**params)["LoadBalancers"][0]
        self.lbs.append(lb["LoadBalancerArn"])
        return lb

    def tg(self, **params) -> dict:
        params.setdefault("Name", name("tg"))
        params.setdefault("TargetType", "lambda")
        tg = self.elb.create_target_group(**params)["TargetGroups"][0]
        self.tgs.append(tg["TargetGroupArn"])
        return tg

    def listener(self, lb: dict, port: int = 80, **params) -> dict:
        params.setdefault("Protocol", "HTTP")
        params.setdefault("DefaultActions", [fixed(404, "not here")])
        return self.elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Port=port, **params)["Listeners"][0]

    def cleanup(self):
        for arn in self.lbs:
            try:
                self.elb.delete_load_balancer(LoadBalancerArn=arn)
            except Exception:
                pass
        for arn in self.tgs:
            try:
                self.elb.delete_target_group(TargetGroupArn=arn)
            except Exception:
                pass


@pytest.fixture
def made(elb):
    m = Made(elb)
    yield m
    m.cleanup()


def fixed(status: int, body: str = "", content_type: str = "text/plain") -> dict:
    return {"Type": "fixed-response",
            "FixedResponseConfig": {"StatusCode": str(status), "ContentType": content_type, "MessageBody": body}}


def forward(tg: dict) -> dict:
    return {"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}


def function_arn(fn: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"


def hex16(s: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{16}", s) is not None


# ------------------------------------------------------------------------------------------------
# Load balancers
# ------------------------------------------------------------------------------------------------


def test_create_load_balancer_answers_every_field(elb, made):
    lb_name = name("web")
    lb = made.lb(Name=lb_name, Subnets=["subnet-1", "subnet-2", "subnet-3"], SecurityGroups=["sg-1"],
                 Tags=[{"Key": "team", "Value": "core"}])
    assert set(lb) == {"LoadBalancerArn", "DNSName", "CanonicalHostedZoneId", "CreatedTime", "LoadBalancerName",
                       "Scheme", "VpcId", "State", "Type", "AvailabilityZones", "SecurityGroups", "IpAddressType"}
    prefix = f"{ARN_PREFIX}loadbalancer/app/{lb_name}/"
    assert lb["LoadBalancerArn"].startswith(prefix) and hex16(lb["LoadBalancerArn"][len(prefix):])
    assert re.fullmatch(rf"{lb_name}-\d{{10}}\.{REGION}\.elb\.localhost", lb["DNSName"]), lb["DNSName"]
    assert lb["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    age = datetime.datetime.now(datetime.timezone.utc) - lb["CreatedTime"]
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)
    assert (lb["LoadBalancerName"], lb["Scheme"], lb["VpcId"], lb["Type"], lb["IpAddressType"]) == (
        lb_name, "internet-facing", "vpc-local", "application", "ipv4")
    assert lb["State"] == {"Code": "active"}
    assert lb["AvailabilityZones"] == [
        {"ZoneName": f"{REGION}{z}", "SubnetId": f"subnet-{i}", "LoadBalancerAddresses": []}
        for i, z in ((1, "a"), (2, "b"), (3, "c"))
    ]
    assert lb["SecurityGroups"] == ["sg-1"]
    described = elb.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"]
    assert described == [lb]
    tags = elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"]
    assert tags == [{"ResourceArn": lb["LoadBalancerArn"], "Tags": [{"Key": "team", "Value": "core"}]}]


def test_internal_load_balancer_and_subnet_mappings(made):
    lb_name = name("int")
    lb = made.lb(Name=lb_name, Scheme="internal",
                 SubnetMappings=[{"SubnetId": "subnet-x"}, {"SubnetId": "subnet-y"}])
    assert lb["Scheme"] == "internal"
    assert re.fullmatch(rf"internal-{lb_name}-\d{{10}}\.{REGION}\.elb\.localhost", lb["DNSName"])
    assert [z["SubnetId"] for z in lb["AvailabilityZones"]] == ["subnet-x", "subnet-y"]


def test_create_is_idempotent_but_not_with_other_settings(elb, made):
    lb = made.lb()
    again = elb.create_load_balancer(Name=lb["LoadBalancerName"], Subnets=["subnet-aaaa", "subnet-bbbb"])
    assert again["LoadBalancers"] == [lb]
    with aws_error("DuplicateLoadBalancerName",
                   f"A load balancer with the same name '{lb['LoadBalancerName']}' exists, but with different settings"):
        elb.create_load_balancer(Name=lb["LoadBalancerName"], Subnets=["subnet-aaaa", "subnet-bbbb"], Scheme="internal")


@pytest.mark.parametrize("bad, why", [
    ("a" * 33, "cannot be longer than '32' characters"),
    ("under_score", "can only contain characters that are alphanumeric characters and hyphens(-)"),
    ("-edge", "cannot begin or end with a hyphen"),
    ("internal-lb", "cannot begin with 'internal-'"),
])
def test_load_balancer_names_are_checked(elb, bad, why):
    with aws_error("ValidationError", f"The load balancer name '{bad}' {why}"):
        elb.create_load_balancer(Name=bad, Subnets=["subnet-a", "subnet-b"])


def test_an_application_load_balancer_needs_two_zones(elb):
    with aws_error("ValidationError", "At least two subnets in two different Availability Zones must be specified"):
        elb.create_load_balancer(Name=name("one"), Subnets=["subnet-a", "subnet-a"])
    with aws_error("NotImplementedException", contains="network load balancers", status=501):
        elb.create_load_balancer(Name=name("nlb"), Type="network", Subnets=["subnet-a", "subnet-b"])


def test_describe_load_balancers_by_name_arn_and_pages(elb, made):
    lbs = [made.lb() for _ in range(3)]
    names = [lb["LoadBalancerName"] for lb in lbs]
    found = elb.describe_load_balancers(Names=names[:2])["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in found] == names[:2]
    everything = [lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]]
    assert set(names) <= set(everything) and everything == sorted(everything)
    pages = elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 1})
    paged = [lb["LoadBalancerName"] for page in pages for lb in page["LoadBalancers"]]
    assert paged == everything
    first = elb.describe_load_balancers(PageSize=1)
    assert len(first["LoadBalancers"]) == 1 and first["NextMarker"]
    with aws_error("LoadBalancerNotFound", "Load balancers '[nope-1, nope-2]' not found"):
        elb.describe_load_balancers(Names=[names[0], "nope-1", "nope-2"])
    missing = lbs[0]["LoadBalancerArn"].rsplit("/", 1)[0] + "/0000000000000000"
    with aws_error("LoadBalancerNotFound", "One or more load balancers not found"):
        elb.describe_load_balancers(LoadBalancerArns=[missing])
    with aws_error("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time"):
        elb.describe_load_balancers(Names=names[:1], LoadBalancerArns=[lbs[0]["LoadBalancerArn"]])
    with aws_error("ValidationError", "'not-an-arn' must be in ARN format"):
        elb.describe_load_balancers(LoadBalancerArns=["not-an-arn"])


def test_delete_load_balancer_takes_its_listeners_and_rules(elb, made):
    lb = made.lb()
    listener = made.listener(lb)
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=1, Actions=[fixed(200)],
                           Conditions=[{"Field": "path-pattern", "Values": ["/x"]}])["Rules"][0]
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    with aws_error("LoadBalancerNotFound", "One or more load balancers not found"):
        elb.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])
    with aws_error("ListenerNotFound", "One or more listeners not found"):
        elb.describe_listeners(ListenerArns=[listener["ListenerArn"]])
    with aws_error("RuleNotFound", "One or more rules not found"):
        elb.describe_rules(RuleArns=[rule["RuleArn"]])
    # Deleting what is gone succeeds, as on AWS; the name is free again.
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    again = made.lb(Name=lb["LoadBalancerName"])
    assert again["LoadBalancerArn"] != lb["LoadBalancerArn"]


# ------------------------------------------------------------------------------------------------
# Target groups
# ------------------------------------------------------------------------------------------------


def test_lambda_target_group_defaults(elb, made):
    tg_name = name("fn")
    tg = made.tg(Name=tg_name)
    prefix = f"{ARN_PREFIX}targetgroup/{tg_name}/"
    assert tg["TargetGroupArn"].startswith(prefix) and hex16(tg["TargetGroupArn"][len(prefix):])
    assert tg == {
        "TargetGroupArn": tg["TargetGroupArn"], "TargetGroupName": tg_name, "TargetType": "lambda",
        "HealthCheckEnabled": False, "HealthCheckIntervalSeconds": 35, "HealthCheckTimeoutSeconds": 30,
        "HealthyThresholdCount": 5, "UnhealthyThresholdCount": 5, "HealthCheckPath": "/",
        "Matcher": {"HttpCode": "200"}, "LoadBalancerArns": [],
    }
    assert elb.describe_target_groups(TargetGroupArns=[tg["TargetGroupArn"]])["TargetGroups"] == [tg]
    attrs = elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]
    assert attrs == [{"Key": "lambda.multi_value_headers.enabled", "Value": "false"}]


def test_instance_target_group_defaults(made):
    tg = made.tg(TargetType="instance", Protocol="HTTP", Port=8080, VpcId="vpc-local")
    expected = {"Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-local", "HealthCheckProtocol": "HTTP",
                "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True, "HealthCheckIntervalSeconds": 30,
                "HealthCheckTimeoutSeconds": 6, "HealthyThresholdCount": 5, "UnhealthyThresholdCount": 2,
                "HealthCheckPath": "/", "Matcher": {"HttpCode": "200"}, "TargetType": "instance",
                "ProtocolVersion": "HTTP1", "IpAddressType": "ipv4", "LoadBalancerArns": []}
    assert {k: tg[k] for k in expected} == expected


def test_instance_target_group_attributes(elb, made):
    tg = made.tg(TargetType="ip", Protocol="HTTP", Port=80, VpcId="vpc-local")
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
    assert attrs["deregistration_delay.timeout_seconds"] == "300"
    assert attrs["stickiness.enabled"] == "false" and attrs["stickiness.type"] == "lb_cookie"
    assert attrs["load_balancing.algorithm.type"] == "round_robin"
    assert "lambda.multi_value_headers.enabled" not in attrs


def test_target_group_parameters_by_target_type(elb):
    for param, what in (({"Protocol": "HTTP"}, "Protocol"), ({"Port": 80}, "Port"), ({"VpcId": "vpc-1"}, "VPC ID")):
        with aws_error("ValidationError", f"{what} cannot be specified for target groups with target type 'lambda'"):
            elb.create_target_group(Name=name("bad"), TargetType="lambda", **param)
    with aws_error("ValidationError", "A port must be specified"):
        elb.create_target_group(Name=name("bad"), Protocol="HTTP", VpcId="vpc-1")
    with aws_error("ValidationError", "A VPC ID must be specified"):
        elb.create_target_group(Name=name("bad"), Protocol="HTTP", Port=80)
    with aws_error("ValidationError", "Health check enabled must be true for target groups with target type 'instance'"):
        elb.create_target_group(Name=name("bad"), Protocol="HTTP", Port=80, VpcId="vpc-1", HealthCheckEnabled=False)
    with aws_error("ValidationError", "Target group name 'a_b' can only contain characters that are alphanumeric characters or hyphens(-)"):
        elb.create_target_group(Name="a_b", TargetType="lambda")
    with aws_error("ValidationError", f"Target group name '{'x' * 33}' cannot be longer than '32' characters"):
        elb.create_target_group(Name="x" * 33, TargetType="lambda")


def test_target_group_create_is_idempotent(elb, made):
    tg = made.tg()
    assert elb.create_target_group(Name=tg["TargetGroupName"], TargetType="lambda")["TargetGroups"] == [tg]
    with aws_error("DuplicateTargetGroupName",
                   f"A target group with the same name '{tg['TargetGroupName']}' exists, but with different settings"):
        elb.create_target_group(Name=tg["TargetGroupName"], Protocol="HTTP", Port=80, VpcId="vpc-local")


def test_describe_target_groups_filters_and_errors(elb, made):
    a, b = made.tg(), made.tg()
    lb = made.lb()
    made.listener(lb, DefaultActions=[forward(a)])
    by_name = elb.describe_target_groups(Names=[b["TargetGroupName"], a["TargetGroupName"]])["TargetGroups"]
    assert [t["TargetGroupName"] for t in by_name] == [b["TargetGroupName"], a["TargetGroupName"]]
    assert by_name[1]["LoadBalancerArns"] == [lb["LoadBalancerArn"]] and by_name[0]["LoadBalancerArns"] == []
    by_lb = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"]
    assert [t["TargetGroupArn"] for t in by_lb] == [a["TargetGroupArn"]]
    with aws_error("TargetGroupNotFound", "One or more target groups not found"):
        elb.describe_target_groups(Names=["missing-group"])
    gone = a["TargetGroupArn"].rsplit("/", 1)[0] + "/0000000000000000"
    with aws_error("TargetGroupNotFound", f"Target groups '{gone}' not found"):
        elb.describe_target_groups(TargetGroupArns=[gone])
    with aws_error("ValidationError", f"'{lb['LoadBalancerArn']}' is not a valid target group ARN"):
        elb.describe_target_groups(TargetGroupArns=[lb["LoadBalancerArn"]])


def test_a_target_group_in_use_cannot_be_deleted(elb, made):
    tg = made.tg()
    lb = made.lb()
    listener = made.listener(lb, DefaultActions=[forward(tg)])
    with aws_error("ResourceInUse", f"Target group '{tg['TargetGroupArn']}' is currently in use by a listener or a rule"):
        elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
    elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[fixed(503)])
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=5, Actions=[forward(tg)],
                           Conditions=[{"Field": "host-header", "Values": ["api.example.com"]}])["Rules"][0]
    with aws_error("ResourceInUse"):
        elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
    elb.delete_rule(RuleArn=rule["RuleArn"])
    elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
    with aws_error("TargetGroupNotFound"):
        elb.describe_target_groups(TargetGroupArns=[tg["TargetGroupArn"]])
    elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])  # gone already: succeeds


def test_target_group_attributes_are_modified_and_checked(elb, elb_unchecked, made):
    tg = made.tg()
    out = elb.modify_target_group_attributes(
        TargetGroupArn=tg["TargetGroupArn"], Attributes=[{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}])
    assert out["Attributes"] == [{"Key": "lambda.multi_value_headers.enabled", "Value": "true"}]
    assert elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"] == out["Attributes"]
    with aws_error("ValidationError", "Target group attribute key 'deregistration_delay.timeout_seconds' is not recognized"):
        elb.modify_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"], Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    with aws_error("ValidationError", "Target group attribute key 'lambda.multi_value_headers.enabled' must be one of 'true, false'"):
        elb.modify_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"], Attributes=[{"Key": "lambda.multi_value_headers.enabled", "Value": "yes"}])
    with aws_error("ValidationError",
                   "1 validation error detected: Value 'bad key!' at 'attributes.1.member.key' failed to satisfy "
                   "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9._]+$"):
        elb_unchecked.modify_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"], Attributes=[{"Key": "bad key!", "Value": "x"}])


# ------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------


def test_lambda_target_registration_and_health(elb, made, make_function):
    fn = function_arn(make_function(HANDLER))
    other = function_arn(make_function(HANDLER))
    tg = made.tg()
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": fn}])
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": fn}])  # idempotent
    health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    assert health == [{"Target": {"Id": fn},
                       "TargetHealth": {"State": "unavailable", "Reason": "Target.HealthCheckDisabled",
                                        "Description": "Health checks are disabled"}}]
    with aws_error("TooManyTargets", "You can register only one Lambda function with a target group of target type 'lambda'"):
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": other}])
    with aws_error("InvalidTarget", "The target ID 'i-0123456789' is not a valid Lambda function ARN"):
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "i-0123456789"}])
    # With health checks on, the target's health follows whether a load balancer uses the group.
    modified = elb.modify_target_group(TargetGroupArn=tg["TargetGroupArn"], HealthCheckEnabled=True)["TargetGroups"][0]
    assert modified["HealthCheckEnabled"] is True
    state = lambda: elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"][0]["TargetHealth"]
    assert state() == {"State": "unused", "Reason": "Target.NotInUse",
                       "Description": "Target group is not configured to receive traffic from the load balancer"}
    made.listener(made.lb(), DefaultActions=[forward(tg)])
    assert state() == {"State": "healthy"}
    not_registered = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": other}])
    assert not_registered["TargetHealthDescriptions"][0]["TargetHealth"] == {
        "State": "unused", "Reason": "Target.NotRegistered", "Description": "Target is not registered to the target group"}
    elb.deregister_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": fn}])
    assert elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"] == []
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": other + ":$LATEST"}])
    assert [d["Target"]["Id"] for d in elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]] == [other + ":$LATEST"]


def test_instance_targets_take_the_group_port(elb, made):
    tg = made.tg(TargetType="instance", Protocol="HTTP", Port=8080, VpcId="vpc-local")
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "i-1"}, {"Id": "i-2", "Port": 9000}])
    health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [(h["Target"], h["HealthCheckPort"], h["TargetHealth"]["State"]) for h in health] == [
        ({"Id": "i-1", "Port": 8080}, "8080", "unused"), ({"Id": "i-2", "Port": 9000}, "9000", "unused")]
    # Without a port, the group's port is meant: i-2 (on 9000) stays.
    elb.deregister_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "i-1"}, {"Id": "i-2"}])
    health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [h["Target"] for h in health] == [{"Id": "i-2", "Port": 9000}]


# ------------------------------------------------------------------------------------------------
# Listeners
# ------------------------------------------------------------------------------------------------


def test_create_listener_normalizes_its_default_actions(elb, made):
    lb = made.lb()
    tg = made.tg()
    listener = made.listener(lb, DefaultActions=[forward(tg)])
    lb_path = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
    prefix = f"{ARN_PREFIX}listener/{lb_path}/"
    assert listener["ListenerArn"].startswith(prefix) and hex16(listener["ListenerArn"][len(prefix):])
    assert listener == {
        "ListenerArn": listener["ListenerArn"], "LoadBalancerArn": lb["LoadBalancerArn"], "Port": 80, "Protocol": "HTTP",
        "DefaultActions": [{
            "Type": "forward", "TargetGroupArn": tg["TargetGroupArn"],
            "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg["TargetGroupArn"], "Weight": 1}],
                              "TargetGroupStickinessConfig": {"Enabled": False}},
        }],
    }
    redirect = made.listener(lb, 8080, DefaultActions=[{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    assert redirect["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_301"}}]
    fixed_listener = made.listener(lb, 8081, DefaultActions=[fixed(503, '<b>"down" & out</b>\r\nsnow ☃')])
    assert fixed_listener["DefaultActions"][0]["FixedResponseConfig"]["MessageBody"] == '<b>"down" & out</b>\r\nsnow ☃'
    listed = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert listed == [listener, redirect, fixed_listener]
    assert elb.describe_listeners(ListenerArns=[redirect["ListenerArn"]])["Listeners"] == [redirect]


def test_listener_errors(elb, elb_unchecked, made):
    lb = made.lb()
    made.listener(lb)
    with aws_error("DuplicateListener", f"A listener already exists on this port for this load balancer '{lb['LoadBalancerArn']}'"):
        made.listener(lb)
    with aws_error("ValidationError", "A certificate must be specified for HTTPS listeners"):
        made.listener(lb, 443, Protocol="HTTPS")
    with aws_error("UnsupportedProtocol", "Listener protocol 'TCP' is not supported with a load balancer of type 'application'"):
        made.listener(lb, 81, Protocol="TCP")
    missing = ARN_PREFIX + "targetgroup/nope/0000000000000000"
    with aws_error("TargetGroupNotFound", f"Target groups '{missing}' not found"):
        made.listener(lb, 82, DefaultActions=[{"Type": "forward", "TargetGroupArn": missing}])
    with aws_error("InvalidLoadBalancerAction", "The redirect configuration is not valid because it creates a loop."):
        made.listener(lb, 83, DefaultActions=[{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_302"}}])
    with aws_error("ValidationError", "1 validation error detected: Value 'text/xml' at 'defaultActions.1.member.fixedResponseConfig.contentType' "
                   "failed to satisfy constraint: Member must satisfy enum value set: [text/plain, text/css, text/html, application/javascript, application/json]"):
        made.listener(lb, 84, DefaultActions=[fixed(200, content_type="text/xml")])
    with aws_error("ValidationError", "1 validation error detected: Value '600' at 'defaultActions.1.member.fixedResponseConfig.statusCode' "
                   "failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$"):
        made.listener(lb, 85, DefaultActions=[fixed(600)])
    with aws_error("ValidationError", "1 validation error detected: Value '0' at 'port' failed to satisfy constraint: "
                   "Member must have value greater than or equal to 1"):
        elb_unchecked.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=0, DefaultActions=[fixed(200)])
    with aws_error("LoadBalancerNotFound", "One or more load balancers not found"):
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"][:-16] + "0" * 16, Protocol="HTTP", Port=80,
                            DefaultActions=[fixed(200)])
    with aws_error("ValidationError", "You must specify either listener ARNs or a load balancer ARN"):
        elb.describe_listeners()


def test_modify_and_delete_listener(elb, made):
    lb = made.lb()
    tg = made.tg()
    a = made.listener(lb, 80)
    b = made.listener(lb, 81)
    with aws_error("DuplicateListener"):
        elb.modify_listener(ListenerArn=b["ListenerArn"], Port=80)
    modified = elb.modify_listener(ListenerArn=b["ListenerArn"], Port=8000, DefaultActions=[forward(tg)])["Listeners"][0]
    assert (modified["Port"], modified["DefaultActions"][0]["TargetGroupArn"]) == (8000, tg["TargetGroupArn"])
    assert modified["ListenerArn"] == b["ListenerArn"] and modified["Protocol"] == "HTTP"
    https = elb.modify_listener(ListenerArn=a["ListenerArn"], Protocol="HTTPS", Port=443,
                                Certificates=[{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/x"}])["Listeners"][0]
    assert (https["Protocol"], https["SslPolicy"]) == ("HTTPS", "ELBSecurityPolicy-2016-08")
    assert https["Certificates"] == [{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/x"}]
    elb.delete_listener(ListenerArn=a["ListenerArn"])
    assert [l["Port"] for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]] == [8000]
    with aws_error("ListenerNotFound", "One or more listeners not found"):
        elb.delete_listener(ListenerArn=a["ListenerArn"])


# ------------------------------------------------------------------------------------------------
# Rules
# ------------------------------------------------------------------------------------------------


def test_rules_with_every_condition_and_the_default_rule(elb, made):
    lb = made.lb()
    tg = made.tg()
    listener = made.listener(lb, DefaultActions=[forward(tg)])
    conditions = [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*", "/v2/*"]}},
        {"Field": "host-header", "Values": ["api.example.com"]},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["prod", "stage*"]}},
    ]
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=10, Conditions=conditions,
                           Actions=[forward(tg)], Tags=[{"Key": "k", "Value": "v"}])["Rules"][0]
    listener_path = listener["ListenerArn"].split(":listener/")[1]
    prefix = f"{ARN_PREFIX}listener-rule/{listener_path}/"
    assert rule["RuleArn"].startswith(prefix) and hex16(rule["RuleArn"][len(prefix):])
    expected_conditions = list(conditions)
    expected_conditions[1] = {"Field": "host-header", "Values": ["api.example.com"],
                              "HostHeaderConfig": {"Values": ["api.example.com"]}}
    assert rule == {"RuleArn": rule["RuleArn"], "Priority": "10", "Conditions": expected_conditions,
                    "Actions": listener["DefaultActions"], "IsDefault": False}
    others = [
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET", "POST"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}, {"Value": "beta"}]}},
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["2001:db8::/32"]}},
    ]
    second = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=2, Actions=[fixed(418, "teapot")],
                             Conditions=others)["Rules"][0]
    assert second["Conditions"] == others
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    assert [r["Priority"] for r in rules] == ["2", "10", "default"]
    default = rules[2]
    assert default["RuleArn"].startswith(prefix) and default["RuleArn"] not in (rule["RuleArn"], second["RuleArn"])
    assert default == {"RuleArn": default["RuleArn"], "Priority": "default", "Conditions": [],
                       "Actions": listener["DefaultActions"], "IsDefault": True}
    assert elb.describe_rules(RuleArns=[default["RuleArn"], rule["RuleArn"]])["Rules"] == [default, rule]
    pages = elb.get_paginator("describe_rules").paginate(ListenerArn=listener["ListenerArn"], PaginationConfig={"PageSize": 1})
    assert [r["Priority"] for p in pages for r in p["Rules"]] == ["2", "10", "default"]
    assert elb.describe_tags(ResourceArns=[rule["RuleArn"]])["TagDescriptions"][0]["Tags"] == [{"Key": "k", "Value": "v"}]


def test_weighted_forward_has_no_single_target_group_arn(elb, made):
    a, b = made.tg(), made.tg()
    listener = made.listener(made.lb())
    action = {"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": a["TargetGroupArn"], "Weight": 80}, {"TargetGroupArn": b["TargetGroupArn"]}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=1, Actions=[action],
                           Conditions=[{"Field": "path-pattern", "Values": ["/*"]}])["Rules"][0]
    assert rule["Actions"] == [{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": a["TargetGroupArn"], "Weight": 80}, {"TargetGroupArn": b["TargetGroupArn"], "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    one = {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": b["TargetGroupArn"]}]}}
    modified = elb.modify_rule(RuleArn=rule["RuleArn"], Actions=[one])["Rules"][0]
    assert modified["Actions"][0]["TargetGroupArn"] == b["TargetGroupArn"]
    users = elb.describe_target_groups(TargetGroupArns=[a["TargetGroupArn"], b["TargetGroupArn"]])["TargetGroups"]
    assert [len(t["LoadBalancerArns"]) for t in users] == [0, 1]


def test_rule_priorities(elb, elb_unchecked, made):
    listener = made.listener(made.lb())
    make = lambda p, path: elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=p, Actions=[fixed(200)],
                                           Conditions=[{"Field": "path-pattern", "Values": [path]}])["Rules"][0]
    one, two = make(1, "/one"), make(2, "/two")
    with aws_error("PriorityInUse", "Priority '1' is currently in use"):
        make(1, "/other")
    swapped = elb.set_rule_priorities(RulePriorities=[
        {"RuleArn": one["RuleArn"], "Priority": 2}, {"RuleArn": two["RuleArn"], "Priority": 1}])["Rules"]
    assert {r["RuleArn"]: r["Priority"] for r in swapped} == {one["RuleArn"]: "2", two["RuleArn"]: "1"}
    assert [r["RuleArn"] for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"][:2]] == [two["RuleArn"], one["RuleArn"]]
    with aws_error("PriorityInUse", "Priority '1' is currently in use"):
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": one["RuleArn"], "Priority": 1}])
    with aws_error("ValidationError", "Priority '7' was provided multiple times"):
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": one["RuleArn"], "Priority": 7}, {"RuleArn": two["RuleArn"], "Priority": 7}])
    default = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"][-1]["RuleArn"]
    with aws_error("OperationNotPermitted", f"The priority of the default rule '{default}' cannot be changed"):
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": default, "Priority": 9}])
    with aws_error("ValidationError", "1 validation error detected: Value '50001' at 'priority' failed to satisfy constraint: "
                   "Member must have value less than or equal to 50000"):
        elb_unchecked.create_rule(ListenerArn=listener["ListenerArn"], Priority=50001, Actions=[fixed(200)],
                                  Conditions=[{"Field": "path-pattern", "Values": ["/x"]}])


def test_modify_and_delete_rules(elb, made):
    tg = made.tg()
    listener = made.listener(made.lb())
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=3, Actions=[fixed(200)],
                           Conditions=[{"Field": "path-pattern", "Values": ["/a"]}])["Rules"][0]
    modified = elb.modify_rule(RuleArn=rule["RuleArn"], Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.com"]}}])["Rules"][0]
    assert modified["Conditions"] == [{"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.com"]}}]
    assert modified["Actions"] == rule["Actions"] and modified["Priority"] == "3"
    default = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"][-1]
    changed = elb.modify_rule(RuleArn=default["RuleArn"], Actions=[forward(tg)])["Rules"][0]
    assert changed["IsDefault"] is True and changed["Actions"][0]["TargetGroupArn"] == tg["TargetGroupArn"]
    assert elb.describe_listeners(ListenerArns=[listener["ListenerArn"]])["Listeners"][0]["DefaultActions"] == changed["Actions"]
    with aws_error("OperationNotPermitted", f"Default rule '{default['RuleArn']}' cannot be deleted"):
        elb.delete_rule(RuleArn=default["RuleArn"])
    elb.delete_rule(RuleArn=rule["RuleArn"])
    with aws_error("RuleNotFound", "One or more rules not found"):
        elb.delete_rule(RuleArn=rule["RuleArn"])
    with aws_error("RuleNotFound", "One or more rules not found"):
        elb.modify_rule(RuleArn=rule["RuleArn"], Actions=[fixed(200)])


@pytest.mark.parametrize("conditions, message", [
    ([{"Field": "cookie", "Values": ["x"]}],
     "Condition field 'cookie' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'"),
    ([{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/33"]}}],
     "The value '10.0.0.0/33' of a 'source-ip' condition is not a valid CIDR block"),
    ([{"Field": "path-pattern", "Values": ["/a"]}, {"Field": "path-pattern", "Values": ["/b"]}],
     "A rule can have only one 'path-pattern' condition"),
    ([{"Field": "http-header", "Values": ["x"]}],
     "Values can only be specified for 'host-header' and 'path-pattern' conditions; use the 'http-header' condition's configuration"),
    ([{"Field": "path-pattern", "Values": ["/a"], "PathPatternConfig": {"Values": ["/b"]}}],
     "A 'path-pattern' condition can have Values or its configuration, not both"),
    ([], "A rule must have at least one condition"),
    ([{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a", "/b", "/c", "/d"]}}],
     "A condition can only have '3' values"),
    ([{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a", "/b", "/c"]}},
      {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET", "PUT", "POST"]}}],
     "A rule can only have '5' condition values"),
])
def test_rule_conditions_are_checked(elb, made, conditions, message):
    listener = made.listener(made.lb())
    with aws_error("ValidationError", message):
        elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=1, Actions=[fixed(200)], Conditions=conditions)


def test_describe_rules_needs_a_listener_or_rules(elb):
    with aws_error("ValidationError", "You must specify either listener rule ARNs or a listener ARN"):
        elb.describe_rules()
    with aws_error("ListenerNotFound", "One or more listeners not found"):
        elb.describe_rules(ListenerArn=ARN_PREFIX + "listener/app/nope/0000000000000000/0000000000000000")


# ------------------------------------------------------------------------------------------------
# Tags
# ------------------------------------------------------------------------------------------------


def test_tags_on_every_resource(elb, made):
    lb = made.lb()
    tg = made.tg()
    listener = made.listener(lb)
    default_rule = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"][0]["RuleArn"]
    arns = [lb["LoadBalancerArn"], tg["TargetGroupArn"], listener["ListenerArn"], default_rule]
    elb.add_tags(ResourceArns=arns, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    elb.add_tags(ResourceArns=arns[:1], Tags=[{"Key": "a", "Value": "updated"}, {"Key": "empty"}])
    described = elb.describe_tags(ResourceArns=arns)["TagDescriptions"]
    assert described[0] == {"ResourceArn": lb["LoadBalancerArn"], "Tags": [
        {"Key": "a", "Value": "updated"}, {"Key": "b", "Value": "2"}, {"Key": "empty", "Value": ""}]}
    assert [d["ResourceArn"] for d in described] == arns
    assert all(d["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}] for d in described[1:])
    elb.remove_tags(ResourceArns=arns, TagKeys=["a", "missing"])
    assert [len(d["Tags"]) for d in elb.describe_tags(ResourceArns=arns)["TagDescriptions"]] == [2, 1, 1, 1]
    with aws_error("DuplicateTagKeys", "Tag key 'x' was specified more than once"):
        elb.add_tags(ResourceArns=arns[:1], Tags=[{"Key": "x", "Value": "1"}, {"Key": "x", "Value": "2"}])
    with aws_error("TooManyTags"):
        elb.add_tags(ResourceArns=arns[:1], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    gone_tg = tg["TargetGroupArn"][:-16] + "0" * 16
    with aws_error("TargetGroupNotFound", f"Target groups '{gone_tg}' not found"):
        elb.add_tags(ResourceArns=[gone_tg], Tags=[{"Key": "a", "Value": "1"}])
    with aws_error("ValidationError", "'arn:aws:iam::123456789012:user/test' must be in ARN format"):
        elb.describe_tags(ResourceArns=["arn:aws:iam::123456789012:user/test"])


# ------------------------------------------------------------------------------------------------
# The protocol itself
# ------------------------------------------------------------------------------------------------


def signed_post(server, form: dict) -> tuple[int, dict, bytes]:
    body = urlencode(form).encode()
    req = AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "elasticloadbalancing", REGION).add_auth(req)
    r = urllib3.PoolManager().request("POST", server.endpoint + "/", body=body, headers=dict(req.headers.items()),
                                      retries=False)
    return r.status, {k.lower(): v for k, v in r.headers.items()}, r.data


def test_unknown_and_missing_actions_are_answered_in_xml(server):
    status, headers, body = signed_post(server, {"Action": "LaunchRockets", "Version": "2015-12-01"})
    assert status == 400 and headers["content-type"] == "text/xml"
    root = ET.fromstring(body)
    assert root.tag == f"{{{NS}}}ErrorResponse"
    error = {child.tag.split("}")[1]: child.text for child in root.find(f"{{{NS}}}Error")}
    assert error == {"Type": "Sender", "Code": "InvalidAction",
                     "Message": "The action LaunchRockets is not valid for this web service."}
    assert root.find(f"{{{NS}}}RequestId").text == headers["x-amzn-requestid"]
    status, _, body = signed_post(server, {"Version": "2015-12-01"})
    assert status == 400 and b"<Code>MissingAction</Code>" in body


def test_responses_are_wrapped_as_aws_wraps_them(server):
    status, headers, body = signed_post(server, {"Action": "DescribeTargetGroups", "Version": "2015-12-01",
                                                 "Names.member.1": "no-such-group-anywhere"})
    assert status == 400 and b"<Code>TargetGroupNotFound</Code>" in body
    status, headers, body = signed_post(server, {"Action": "DescribeLoadBalancers", "Version": "2015-12-01",
                                                 "PageSize": "1"})
    assert status == 200
    root = ET.fromstring(body)
    assert root.tag == f"{{{NS}}}DescribeLoadBalancersResponse"
    assert [c.tag.split("}")[1] for c in root] == ["DescribeLoadBalancersResult", "ResponseMetadata"]
    assert root.find(f"{{{NS}}}ResponseMetadata/{{{NS}}}RequestId").text == headers["x-amzn-requestid"]


def test_missing_required_members_are_reported_once_each(elb_unchecked):
    with aws_error("ValidationError",
                   "2 validation errors detected: Value null at 'actions.1.member.type' failed to satisfy constraint: "
                   "Member must not be null; Value null at 'listenerArn' failed to satisfy constraint: Member must not be null"):
        elb_unchecked.create_rule(Priority=1, Conditions=[{"Field": "path-pattern", "Values": ["/"]}], Actions=[{"Order": 1}])


def test_health_lists_elbv2(server):
    status, _, body = http_get(server.endpoint + "/_nimbus/health")
    assert status == 200 and b'"elbv2":"running"' in body


def test_aws_cli_describes_load_balancers(aws, made):
    lb = made.lb()
    out = aws("elbv2", "describe-load-balancers", "--names", lb["LoadBalancerName"])
    (only,) = out["LoadBalancers"]
    assert (only["LoadBalancerArn"], only["DNSName"], only["State"]) == (lb["LoadBalancerArn"], lb["DNSName"], {"Code": "active"})
    assert only["AvailabilityZones"][0]["ZoneName"] == f"{REGION}a"
