"""The AWS CLI (v1) against nimbus: the commands of the README tour."""

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
        assert name in aws("dynamodb", "list-tables")["TableNames"]
        assert aws("dynamodb", "describe-table", "--table-name", name)["Table"]["TableStatus"] == "ACTIVE"

        for sk in (1, 2, 3):
            aws("dynamodb", "put-item", "--table-name", name,
                "--item", json.dumps({"pk": {"S": "u1"}, "sk": {"N": str(sk)}, "msg": {"S": f"hello {sk}"}}))
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

        scanned = aws("dynamodb", "scan", "--table-name", name)
        assert scanned["Count"] == 3
        assert sorted(i["sk"]["N"] for i in scanned["Items"]) == ["1", "2", "3"]

        # the CLI paginates scans itself
        paged = aws("dynamodb", "scan", "--table-name", name, "--page-size", "1")
        assert paged["Count"] == 3

        aws("dynamodb", "delete-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "u1"}, "sk": {"N": "1"}}))
        assert aws("dynamodb", "scan", "--table-name", name, "--select", "COUNT")["Count"] == 2
    finally:
        deleted = aws("dynamodb", "delete-table", "--table-name", name)
        assert deleted["TableDescription"]["TableName"] == name
    aws("dynamodb", "wait", "table-not-exists", "--table-name", name)
    assert name not in aws("dynamodb", "list-tables")["TableNames"]


def test_cli_reports_aws_errors(aws):
    with pytest.raises(AwsCliError) as exc:
        aws("dynamodb", "describe-table", "--table-name", unique_name("missing"))
    assert exc.value.returncode != 0
    assert "ResourceNotFoundException" in exc.value.stderr
    assert "Requested resource not found" in exc.value.stderr


def test_cli_conditional_check_failure(aws, table):
    aws("dynamodb", "put-item", "--table-name", table, "--item", json.dumps({"pk": {"S": "once"}}))
    with pytest.raises(AwsCliError) as exc:
        aws("dynamodb", "put-item", "--table-name", table, "--item", json.dumps({"pk": {"S": "once"}}),
            "--condition-expression", "attribute_not_exists(pk)")
    assert "ConditionalCheckFailedException" in exc.value.stderr


def test_cli_batch_and_streams(aws, make_table):
    table = make_table(stream="KEYS_ONLY")
    out = aws("dynamodb", "batch-write-item", "--request-items", json.dumps(
        {table: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(3)]}))
    assert out == {"UnprocessedItems": {}}
    got = aws("dynamodb", "batch-get-item", "--request-items", json.dumps(
        {table: {"Keys": [{"pk": {"S": "k0"}}, {"pk": {"S": "k2"}}]}}))
    assert sorted(i["pk"]["S"] for i in got["Responses"][table]) == ["k0", "k2"]
    streams = aws("dynamodbstreams", "list-streams", "--table-name", table)["Streams"]
    assert len(streams) == 1 and streams[0]["TableName"] == table


def test_cli_ttl_and_tags(aws, table):
    aws("dynamodb", "update-time-to-live", "--table-name", table,
        "--time-to-live-specification", "Enabled=true,AttributeName=expires")
    ttl = aws("dynamodb", "describe-time-to-live", "--table-name", table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires"
    arn = aws("dynamodb", "describe-table", "--table-name", table)["Table"]["TableArn"]
    aws("dynamodb", "tag-resource", "--resource-arn", arn, "--tags", "Key=team,Value=core")
    assert aws("dynamodb", "list-tags-of-resource", "--resource-arn", arn)["Tags"] == [{"Key": "team", "Value": "core"}]
