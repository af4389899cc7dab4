"""Bad input gets AWS's error and leaves the server serving everyone else.

Malformed requests that SDKs cannot produce are sent as raw HTTP (see raw_http.py); wrong types
and missing members are sent by boto3 with its client-side validation switched off, as other SDKs
or hand-written JSON would send them."""

import json
import socket
import struct
import threading
import time

import pytest

from nimbus_testing import aws_error, crc32, http_get
from raw_http import open_socket, raw_dynamodb_request, read_response, request_head


@pytest.fixture(scope="module")
def lax(server):
    return server.client("dynamodb", parameter_validation=False)


def assert_serving(server, table=None):
    """The server still answers health checks and real API calls."""
    assert http_get(server.endpoint + "/_nimbus/health")[0] == 200
    client = server.client()
    client.list_tables(Limit=1)
    if table:
        client.put_item(TableName=table, Item={"pk": {"S": "still-serving"}})
        assert client.get_item(TableName=table, Key={"pk": {"S": "still-serving"}})["Item"]


def error_type(body):
    return json.loads(body)["__type"].split("#")[-1]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b'{"TableName": "x"', b"\x00\x01\x02", b'{"TableName": "x"} trailing'],
    ids=["garbage", "empty", "unterminated", "binary", "trailing"],
)
def test_malformed_json(server, table, body):
    status, headers, resp = raw_dynamodb_request(server.endpoint, "DescribeTable", body)
    assert status == 400
    assert error_type(resp) == "SerializationException"
    assert headers["x-amz-crc32"] == str(crc32(resp))
    assert headers["x-amzn-requestid"]
    assert_serving(server, table)


def test_json_that_is_not_an_object(server):
    status, _, resp = raw_dynamodb_request(server.endpoint, "ListTables", b"[1, 2, 3]")
    assert status == 400
    assert error_type(resp) == "SerializationException"


def test_invalid_utf8_in_json_string(server, table):
    body = b'{"TableName": "' + table.encode() + b'", "Item": {"pk": {"S": "\xff\xfe"}}}'
    status, _, resp = raw_dynamodb_request(server.endpoint, "PutItem", body)
    assert status == 400
    assert error_type(resp) == "SerializationException"
    assert_serving(server, table)


def test_deeply_nested_json_does_not_crash(server, table):
    depth = 100_000
    body = b'{"TableName": "t", "Item": {"pk": ' + b'{"L": [' * depth + b"]}" * depth + b"}}"
    status, _, resp = raw_dynamodb_request(server.endpoint, "PutItem", body)
    assert status == 400
    assert error_type(resp) in ("SerializationException", "ValidationException")
    assert_serving(server, table)


def test_string_where_number_expected(lax):
    with aws_error("SerializationException", "STRING_VALUE cannot be converted to Integer"):
        lax.list_tables(Limit="ten")


def test_number_where_string_expected(lax):
    with aws_error("SerializationException", "NUMBER_VALUE cannot be converted to String"):
        lax.list_tables(ExclusiveStartTableName=123)


def test_object_where_string_expected(lax):
    with aws_error("SerializationException", "Start of structure or map found where not expected"):
        lax.list_tables(ExclusiveStartTableName={"a": "b"})


def test_missing_required_member(lax):
    with aws_error(
        "ValidationException",
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null",
    ):
        lax.describe_table()


def test_invalid_enum_value(lax, table):
    with aws_error(
        "ValidationException",
        contains="Value 'BOGUS' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set:",
    ):
        lax.update_item(TableName=table, Key={"pk": {"S": "a"}}, ReturnValues="BOGUS")


def test_two_validation_errors_are_both_reported(lax):
    with aws_error("ValidationException", contains="2 validation errors detected:"):
        lax.create_table(
            TableName="ok-name",
            KeySchema=[{"AttributeName": "pk", "KeyType": "SIDEWAYS"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "Q"}],
            BillingMode="PAY_PER_REQUEST",
        )


def test_oversized_body(server, table):
    """A body over DynamoDB's 16 MB request limit is refused with 413 (or the connection is
    closed), without the server buffering it forever; other clients are unaffected."""
    size = 17 * 1024 * 1024
    sock = open_socket(server.endpoint, timeout=30)
    status = None
    try:
        sock.sendall(request_head(server.endpoint, "DynamoDB_20120810.PutItem", size))
        chunk = b"a" * (1024 * 1024)
        sent = 0
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: fine, as long as it answered or closed
        status, raw = read_response(sock, timeout=20)
    finally:
        sock.close()
    assert status in (413, None), f"expected 413 for a {size}-byte body, got {status}: {raw[:300]!r}"
    assert_serving(server, table)


def test_truncated_request_does_not_affect_others(server, table):
    sock = open_socket(server.endpoint)
    try:
        sock.sendall(request_head(server.endpoint, "DynamoDB_20120810.PutItem", 1000) + b'{"TableName": ')
    finally:
        sock.close()  # hang up mid-body
    assert_serving(server, table)


def test_stalled_client_does_not_block_others(server, table):
    """A client that sends half a request and then waits must not stall anyone else."""
    stalled = [open_socket(server.endpoint) for _ in range(4)]
    try:
        for s in stalled:
            s.sendall(request_head(server.endpoint, "DynamoDB_20120810.PutItem", 1000) + b'{"Table')
        client = server.client()
        start = time.monotonic()
        for i in range(20):
            client.put_item(TableName=table, Item={"pk": {"S": f"while-stalled-{i}"}})
        assert time.monotonic() - start < 10
        assert client.scan(TableName=table, Select="COUNT")["Count"] == 20
    finally:
        for s in stalled:
            s.close()
    assert_serving(server, table)


def test_garbage_instead_of_http(server, table):
    sock = open_socket(server.endpoint)
    try:
        sock.sendall(b"\x16\x03\x01\x02\x00 this is not http at all\r\n\r\n")
        status, _ = read_response(sock, timeout=5)
        assert status in (400, None)
    finally:
        sock.close()
    assert_serving(server, table)


def test_many_abrupt_disconnects(server, table):
    def hammer():
        for _ in range(50):
            s = open_socket(server.endpoint)
            s.sendall(request_head(server.endpoint, "DynamoDB_20120810.ListTables", 2))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()  # RST

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert_serving(server, table)
