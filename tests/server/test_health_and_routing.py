"""The HTTP edge: health endpoints, response headers, operation routing, and account/region scoping."""

import json
import re

from nimbus_testing import ROOT, CapturedHttp, aws_error, crc32, http_get, unique_name

from raw_http import raw_dynamodb_request


def workspace_version():
    text = (ROOT / "Cargo.toml").read_text()
    section = text[text.index("[workspace.package]"):]
    return re.search(r'^version\s*=\s*"([^"]+)"', section, re.M).group(1)


def test_health(server):
    status, headers, body = http_get(server.endpoint + "/_nimbus/health")
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    health = json.loads(body)
    assert isinstance(health["status"], str) and health["status"]
    assert health["version"] == workspace_version()
    assert "dynamodb" in health["services"]


def test_localstack_health_alias(server):
    status, headers, body = http_get(server.endpoint + "/_localstack/health")
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    alias = json.loads(body)
    native = json.loads(http_get(server.endpoint + "/_nimbus/health")[2])
    assert alias.keys() == native.keys()
    assert alias["version"] == native["version"]
    assert "dynamodb" in alias["services"]


def test_response_headers_request_id_and_crc32(server, table):
    client = server.client()
    captured = CapturedHttp(client)
    client.put_item(TableName=table, Item={"pk": {"S": "h"}})
    client.get_item(TableName=table, Key={"pk": {"S": "h"}})
    with aws_error("ResourceNotFoundException"):
        client.get_item(TableName=unique_name("missing"), Key={"pk": {"S": "h"}})
    assert len(captured.responses) == 3
    request_ids = set()
    for status, headers, body in captured.responses:
        assert headers["x-amz-crc32"] == str(crc32(body)), (status, headers, body)
        assert headers["content-type"] == "application/x-amz-json-1.0"
        assert int(headers["content-length"]) == len(body)
        rid = headers["x-amzn-requestid"]
        assert re.fullmatch(r"[A-Za-z0-9-]{16,64}", rid), rid
        request_ids.add(rid)
    assert len(request_ids) == 3
    assert [s for s, _, _ in captured.responses] == [200, 200, 400]


def test_request_id_in_response_metadata(ddb):
    meta = ddb.list_tables(Limit=1)["ResponseMetadata"]
    assert meta["RequestId"]
    assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]


def test_error_body_shape(server):
    status, headers, body = raw_dynamodb_request(
        server.endpoint, "DescribeTable", json.dumps({"TableName": "no-such-table-xyz"}).encode()
    )
    assert status == 400
    err = json.loads(body)
    assert err["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    assert err["message"] == "Requested resource not found: Table: no-such-table-xyz not found"
    assert headers["x-amz-crc32"] == str(crc32(body))
    assert headers["x-amzn-requestid"]


def test_unknown_operation(server, ddb):
    status, headers, body = raw_dynamodb_request(server.endpoint, "NoSuchOperation", b"{}")
    assert status == 400
    assert json.loads(body)["__type"].split("#")[-1] == "UnknownOperationException"
    assert headers["x-amzn-requestid"]
    ddb.list_tables(Limit=1)  # still serving


def test_unknown_target_service(server, ddb):
    status, _, body = raw_dynamodb_request(server.endpoint, "NoSuchOperation", b"{}", prefix="NoSuchService_20200101")
    assert status == 400
    assert json.loads(body)["__type"].split("#")[-1] == "UnknownOperationException"
    ddb.list_tables(Limit=1)


def test_missing_target(server):
    status, _, body = raw_dynamodb_request(server.endpoint, None, b"{}")
    assert status == 400
    assert json.loads(body)["__type"].split("#")[-1] == "UnknownOperationException"


def test_streams_api_on_the_same_port(streams):
    assert "Streams" in streams.list_streams(Limit=1)


def test_account_from_numeric_access_key(server, ddb):
    other = server.client(access_key="111122223333")
    name = unique_name("acct")
    desc = other.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    try:
        assert desc["TableArn"] == f"arn:aws:dynamodb:us-east-1:111122223333:table/{name}"
        # the default account (000000000000) does not see it
        with aws_error("ResourceNotFoundException"):
            ddb.describe_table(TableName=name)
        assert name not in ddb.list_tables(ExclusiveStartTableName=name[:-1])["TableNames"]
        # ...and can own a table of the same name independently
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )
        try:
            ddb.put_item(TableName=name, Item={"id": {"N": "1"}})
            other.put_item(TableName=name, Item={"pk": {"S": "x"}})
            assert other.scan(TableName=name)["Items"] == [{"pk": {"S": "x"}}]
            assert ddb.scan(TableName=name)["Items"] == [{"id": {"N": "1"}}]
        finally:
            ddb.delete_table(TableName=name)
    finally:
        other.delete_table(TableName=name)


def test_region_from_credential_scope(server, ddb):
    eu = server.client(region="eu-west-1")
    name = unique_name("region")
    desc = eu.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    try:
        assert desc["TableArn"] == f"arn:aws:dynamodb:eu-west-1:000000000000:table/{name}"
        with aws_error("ResourceNotFoundException"):
            ddb.describe_table(TableName=name)
        assert eu.describe_table(TableName=name)["Table"]["TableName"] == name
    finally:
        eu.delete_table(TableName=name)


def test_many_requests_on_one_keep_alive_connection(server, table):
    client = server.client(max_pool_connections=1)
    for i in range(200):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 200
