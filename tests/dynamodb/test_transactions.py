"""TransactWriteItems and TransactGetItems: all-or-nothing, cancellation reasons, idempotency."""

import uuid

from nimbus_testing import aws_error, scan_all, unique_name

CCF_MSG = "The conditional request failed"


def get(ddb, table, pk):
    return ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def test_transact_write_all_operations(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "counter"}, "n": {"N": "1"}})
    ddb.put_item(TableName=a, Item={"pk": {"S": "doomed"}})
    ddb.put_item(TableName=b, Item={"pk": {"S": "guard"}, "ok": {"BOOL": True}})
    resp = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": a, "Item": {"pk": {"S": "new"}, "v": {"S": "x"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": a, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": a, "Key": {"pk": {"S": "doomed"}}}},
            {"ConditionCheck": {"TableName": b, "Key": {"pk": {"S": "guard"}}, "ConditionExpression": "ok = :t",
                                "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
        ]
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert get(ddb, a, "new") == {"pk": {"S": "new"}, "v": {"S": "x"}}
    assert get(ddb, a, "counter")["n"] == {"N": "2"}
    assert get(ddb, a, "doomed") is None
    assert get(ddb, b, "guard") == {"pk": {"S": "guard"}, "ok": {"BOOL": True}}


def test_transact_write_is_all_or_nothing(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "counter"}, "n": {"N": "1"}})
    ddb.put_item(TableName=b, Item={"pk": {"S": "guard"}, "ok": {"BOOL": False}})
    with aws_error(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, None]",
    ) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": a, "Item": {"pk": {"S": "new"}}}},
                {"ConditionCheck": {"TableName": b, "Key": {"pk": {"S": "guard"}}, "ConditionExpression": "ok = :t",
                                    "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
                {"Update": {"TableName": a, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "SET n = n + :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ]
        )
    reasons = exc.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert reasons[1]["Message"] == CCF_MSG
    assert "Item" not in reasons[1]
    assert get(ddb, a, "new") is None
    assert get(ddb, a, "counter")["n"] == {"N": "1"}


def test_cancellation_reason_returns_old_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}, "b": {"B": b"\x00\xff"}})
    with aws_error("TransactionCanceledException") as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :two",
                            "ConditionExpression": "v = :zero",
                            "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}}},
            ]
        )
    reasons = exc.value.response["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed"
    assert reasons[0]["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}, "b": {"B": b"\x00\xff"}}
    assert reasons[1]["Code"] == "None"
    assert get(ddb, table, "b") is None


def test_several_failed_conditions_are_all_reported(ddb, table):
    with aws_error(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, ConditionalCheckFailed]",
    ) as exc:
        ddb.transact_write_items(
            TransactItems=[
                {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "x"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "y"}},
                            "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
    assert len(exc.value.response["CancellationReasons"]) == 2


def test_client_request_token_idempotency(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "n": {"N": "0"}})
    token = str(uuid.uuid4())
    items = [
        {"Update": {"TableName": table, "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    ]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)  # a retry: no effect
    assert get(ddb, table, "c")["n"] == {"N": "1"}

    different = [
        {"Update": {"TableName": table, "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}}}}
    ]
    with aws_error("IdempotentParameterMismatchException"):
        ddb.transact_write_items(TransactItems=different, ClientRequestToken=token)
    assert get(ddb, table, "c")["n"] == {"N": "1"}

    # without a token (boto3 generates a fresh one per call) the write applies again
    ddb.transact_write_items(TransactItems=items)
    assert get(ddb, table, "c")["n"] == {"N": "2"}


def test_multiple_operations_on_one_item(ddb, table):
    with aws_error("ValidationException", "Transaction request cannot include multiple operations on one item"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "same"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "same"}}}},
            ]
        )


def test_more_than_100_items(ddb, table):
    with aws_error("ValidationException", contains="Member must have length less than or equal to 100"):
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": f"k{i}"}}}} for i in range(101)]
        )
    assert scan_all(ddb, table) == []


def test_100_items_is_allowed(ddb, table):
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": f"k{i}"}}}} for i in range(100)]
    )
    assert len(scan_all(ddb, table)) == 100


def test_transact_write_missing_table(ddb, table):
    with aws_error("ResourceNotFoundException"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}}}},
                {"Put": {"TableName": unique_name("missing"), "Item": {"pk": {"S": "b"}}}},
            ]
        )
    assert get(ddb, table, "a") is None


def test_transact_write_validation_error_applies_nothing(ddb, table):
    with aws_error(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty string value. Key: pk",
    ):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "fine"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": ""}}}},
            ]
        )
    assert get(ddb, table, "fine") is None


def test_transact_write_unused_name(ddb, table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
    ):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}},
                         "ConditionExpression": "attribute_not_exists(pk)",
                         "ExpressionAttributeNames": {"#count": "count"}}}
            ]
        )


def test_transact_get_items(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=a, Item={"pk": {"S": "x"}, "v": {"N": "1"}, "big": {"S": "zzz"}})
    ddb.put_item(TableName=b, Item={"pk": {"S": "y"}, "w": {"S": "2"}})
    resp = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": b, "Key": {"pk": {"S": "y"}}}},
            {"Get": {"TableName": a, "Key": {"pk": {"S": "missing"}}}},
            {"Get": {"TableName": a, "Key": {"pk": {"S": "x"}}, "ProjectionExpression": "#v",
                     "ExpressionAttributeNames": {"#v": "v"}}},
        ]
    )
    responses = resp["Responses"]
    assert len(responses) == 3
    assert responses[0] == {"Item": {"pk": {"S": "y"}, "w": {"S": "2"}}}
    assert "Item" not in responses[1]
    assert responses[2] == {"Item": {"v": {"N": "1"}}}


def test_transact_get_missing_table(ddb):
    with aws_error("ResourceNotFoundException"):
        ddb.transact_get_items(
            TransactItems=[{"Get": {"TableName": unique_name("missing"), "Key": {"pk": {"S": "a"}}}}]
        )


def test_transact_get_more_than_100(ddb, table):
    with aws_error("ValidationException", contains="Member must have length less than or equal to 100"):
        ddb.transact_get_items(
            TransactItems=[{"Get": {"TableName": table, "Key": {"pk": {"S": f"k{i}"}}}} for i in range(101)]
        )


def test_transact_write_via_resource_client(ddb_resource, table):
    client = ddb_resource.meta.client  # the resource's client speaks plain Python types
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": "r1", "n": 1}}},
            {"Put": {"TableName": table, "Item": {"pk": "r2", "tags": {"a", "b"}}}},
        ]
    )
    got = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": "r1"}}},
            {"Get": {"TableName": table, "Key": {"pk": "r2"}}},
        ]
    )["Responses"]
    assert got[0]["Item"] == {"pk": "r1", "n": 1}
    assert got[1]["Item"] == {"pk": "r2", "tags": {"a", "b"}}
