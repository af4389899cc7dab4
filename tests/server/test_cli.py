"""The AWS CLI (v1) against nimbus: the commands of the README tour.

Each CLI invocation costs a second or more of Python start-up, so the commands are grouped into
few tests."""

import json

import pytest

from nimbus_testing import AwsCliError, unique_name


def test_cli_table_and_item_round_trip(aws):
    name = unique_name("cli")
    created = aws(
        "dynamodb", "create-table",
        "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST",
    )
    assert created["TableDescription"]["TableName"] == name
    try:
        assert aws("dynamodb", "wait", "table-exists", "--table-name", name) is None

        out = aws("dynamodb", "batch-write-item", "--request-items", json.dumps(
            {name: [{"PutRequest": {"Item": {"pk": {"S": "u1"}, "sk": {"N": str(sk)}, "msg": {"S": f"hello {sk}"}}}}
                    for sk in (1, 3)]}))
        assert out == {"UnprocessedItems": {}}
        aws("dynamodb", "put-item", "--table-name", name,
            "--item", json.dumps({"pk": {"S": "u1"}, "sk": {"N": "2"}, "msg": {"S": "hello 2"}}))

        got = aws("dynamodb", "get-item", "--table-name", name,
                  "--key", json.dumps({"pk": {"S": "u1"}, "sk": {"N": "2"}}))
        assert got["Item"] == {"pk": {"S": "u1"}, "sk": {"N": "2"}, "msg": {"S": "hello 2"}}

        queried = aws("dynamodb", "query", "--table-name", name,
                      "--key-condition-expression", "pk = :p AND sk >= :s",
                      "--expression-attribute-values", json.dumps({":p": {"S": "u1"}, ":s": {"N": "2"}}),
                      "--no-scan-index-forward")
        assert [i["sk"]["N"] for i in queried["Items"]] == ["3", "2"]
        assert queried["Count"] == 2

        updated = aws("dynamodb", "update-item", "--table-name", name,
                      "--key", json.dumps({"pk": {"S": "u1"}, "sk": {"N": "1"}}),
                      "--update-expression", "SET hits = if_not_exists(hits, :z) + :one",
                      "--expression-attribute-values", json.dumps({":z": {"N": "0"}, ":one": {"N": "1"}}),
                      "--return-values", "UPDATED_NEW")
        assert updated["Attributes"] == {"hits": {"N": "1"}}

        # --page-size 1 makes the CLI follow LastEvaluatedKey itself
        scanned = aws("dynamodb", "scan", "--table-name", name, "--page-size", "1")
        assert scanned["Count"] == 3
        assert sorted(i["sk"]["N"] for i in scanned["Items"]) == ["1", "2", "3"]
    finally:
        deleted = aws("dynamodb", "delete-table", "--table-name", name)
        assert deleted["TableDescription"]["TableName"] == name


def test_cli_reports_aws_errors(aws, ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "once"}})
    with pytest.raises(AwsCliError) as exc:
        aws("dynamodb", "put-item", "--table-name", table, "--item", json.dumps({"pk": {"S": "once"}}),
            "--condition-expression", "attribute_not_exists(pk)")
    assert exc.value.returncode != 0
    assert "ConditionalCheckFailedException" in exc.value.stderr
    assert "The conditional request failed" in exc.value.stderr


def test_cli_ttl_and_streams(aws, make_table):
    table = make_table(stream="KEYS_ONLY")
    aws("dynamodb", "update-time-to-live", "--table-name", table,
        "--time-to-live-specification", "Enabled=true,AttributeName=expires")
    ttl = aws("dynamodb", "describe-time-to-live", "--table-name", table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires"
    streams = aws("dynamodbstreams", "list-streams", "--table-name", table)["Streams"]
    assert len(streams) == 1 and streams[0]["TableName"] == table
