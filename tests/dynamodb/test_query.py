"""Query: key conditions, ordering, Limit and pagination (incl. 1 MB pages), filters, Select."""

import pytest

from dynamodb_testing import wait_table_active
from nimbus_testing import aws_error, query_all, unique_name

NUM_SORT_KEYS = ["-10", "-2", "-1.5", "0", "1.5", "2", "10", "100", "1000.25"]
STR_SORT_KEYS = ["a", "ab", "abc", "b", "ba", "c", "d"]


def _create(ddb, name, sk_type):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sk_type},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_table_active(ddb, name)


@pytest.fixture(scope="module")
def num_table(ddb):
    """pk S / sk N, partition "p" holds NUM_SORT_KEYS (inserted out of order), "other" holds one item."""
    name = unique_name("query-num")
    _create(ddb, name, "N")
    for i, sk in enumerate(reversed(NUM_SORT_KEYS)):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"N": sk}, "even": {"BOOL": i % 2 == 0}, "v": {"S": f"v{sk}"}},
        )
    ddb.put_item(TableName=name, Item={"pk": {"S": "other"}, "sk": {"N": "5"}})
    yield name
    ddb.delete_table(TableName=name)


@pytest.fixture(scope="module")
def str_table(ddb):
    name = unique_name("query-str")
    _create(ddb, name, "S")
    for sk in STR_SORT_KEYS:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    yield name
    ddb.delete_table(TableName=name)


def sks(items, t="N"):
    return [i["sk"][t] for i in items]


def q(ddb, table, cond, values, **kw):
    return ddb.query(
        TableName=table,
        KeyConditionExpression=cond,
        ExpressionAttributeValues={":p": {"S": "p"}, **values},
        **kw,
    )


def test_hash_only_condition_returns_partition_in_sort_order(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p", {})
    assert sks(resp["Items"]) == NUM_SORT_KEYS
    assert resp["Count"] == len(NUM_SORT_KEYS)
    assert resp["ScannedCount"] == len(NUM_SORT_KEYS)
    assert "LastEvaluatedKey" not in resp


@pytest.mark.parametrize(
    "cond, values, expected",
    [
        ("sk = :v", {":v": {"N": "1.50"}}, ["1.5"]),
        ("sk < :v", {":v": {"N": "0"}}, ["-10", "-2", "-1.5"]),
        ("sk <= :v", {":v": {"N": "0"}}, ["-10", "-2", "-1.5", "0"]),
        ("sk > :v", {":v": {"N": "2"}}, ["10", "100", "1000.25"]),
        ("sk >= :v", {":v": {"N": "2"}}, ["2", "10", "100", "1000.25"]),
        ("sk BETWEEN :a AND :b", {":a": {"N": "-2"}, ":b": {"N": "10"}}, ["-2", "-1.5", "0", "1.5", "2", "10"]),
    ],
)
def test_numeric_sort_key_operators(ddb, num_table, cond, values, expected):
    resp = q(ddb, num_table, f"pk = :p AND {cond}", values)
    assert sks(resp["Items"]) == expected


@pytest.mark.parametrize(
    "cond, values, expected",
    [
        ("begins_with(sk, :v)", {":v": {"S": "a"}}, ["a", "ab", "abc"]),
        ("begins_with(sk, :v)", {":v": {"S": "ab"}}, ["ab", "abc"]),
        ("sk BETWEEN :a AND :b", {":a": {"S": "ab"}, ":b": {"S": "b"}}, ["ab", "abc", "b"]),
        ("sk > :v", {":v": {"S": "b"}}, ["ba", "c", "d"]),
        ("sk < :v", {":v": {"S": "ab"}}, ["a"]),
    ],
)
def test_string_sort_key_operators(ddb, str_table, cond, values, expected):
    resp = q(ddb, str_table, f"pk = :p AND {cond}", values)
    assert sks(resp["Items"], "S") == expected


def test_key_condition_with_names(ddb, num_table):
    resp = ddb.query(
        TableName=num_table,
        KeyConditionExpression="#h = :p AND #r > :v",
        ExpressionAttributeNames={"#h": "pk", "#r": "sk"},
        ExpressionAttributeValues={":p": {"S": "p"}, ":v": {"N": "10"}},
    )
    assert sks(resp["Items"]) == ["100", "1000.25"]


def test_scan_index_forward_false(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p", {}, ScanIndexForward=False)
    assert sks(resp["Items"]) == list(reversed(NUM_SORT_KEYS))


def test_limit_and_pagination(ddb, num_table):
    first = q(ddb, num_table, "pk = :p", {}, Limit=4)
    assert sks(first["Items"]) == NUM_SORT_KEYS[:4]
    assert first["Count"] == 4
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "0"}}

    items, pages = query_all(
        ddb,
        num_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Limit=4,
    )
    assert sks(items) == NUM_SORT_KEYS
    assert [len(p["Items"]) for p in pages][:3] == [4, 4, 1]


def test_pagination_backwards(ddb, num_table):
    items, _ = query_all(
        ddb,
        num_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Limit=2,
        ScanIndexForward=False,
    )
    assert sks(items) == list(reversed(NUM_SORT_KEYS))


def test_exclusive_start_key_need_not_exist(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p", {}, ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"N": "50"}})
    assert sks(resp["Items"]) == ["100", "1000.25"]


def test_filter_expression_counts(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p", {":t": {"BOOL": True}}, FilterExpression="even = :t")
    expected = [sk for i, sk in enumerate(reversed(NUM_SORT_KEYS)) if i % 2 == 0]
    assert sorted(sks(resp["Items"]), key=float) == sorted(expected, key=float)
    assert resp["Count"] == len(expected)
    assert resp["ScannedCount"] == len(NUM_SORT_KEYS)


def test_limit_applies_before_filter(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p", {":v": {"S": "v-10"}}, FilterExpression="v = :v", Limit=3)
    assert resp["ScannedCount"] == 3
    assert resp["Count"] == 1
    assert sks(resp["Items"]) == ["-10"]
    assert resp["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "-1.5"}}


def test_select_count(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p AND sk > :z", {":z": {"N": "0"}}, Select="COUNT")
    assert resp["Count"] == 5
    assert resp["ScannedCount"] == 5
    assert "Items" not in resp


def test_projection_expression(ddb, num_table):
    resp = q(ddb, num_table, "pk = :p AND sk = :v", {":v": {"N": "2"}}, ProjectionExpression="v")
    assert resp["Items"] == [{"v": {"S": "v2"}}]


def test_query_other_partition_is_separate(ddb, num_table):
    resp = ddb.query(
        TableName=num_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "other"}},
    )
    assert sks(resp["Items"]) == ["5"]
    empty = ddb.query(
        TableName=num_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "nobody"}},
    )
    assert empty["Items"] == [] and empty["Count"] == 0


def test_legacy_key_conditions_still_work(ddb, num_table):
    resp = ddb.query(
        TableName=num_table,
        KeyConditions={
            "pk": {"AttributeValueList": [{"S": "p"}], "ComparisonOperator": "EQ"},
            "sk": {"AttributeValueList": [{"N": "0"}, {"N": "2"}], "ComparisonOperator": "BETWEEN"},
        },
    )
    assert sks(resp["Items"]) == ["0", "1.5", "2"]


def test_resource_api_key_conditions(ddb_resource, num_table):
    from boto3.dynamodb.conditions import Key

    t = ddb_resource.Table(num_table)
    resp = t.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").lt(0), ScanIndexForward=False)
    assert [str(i["sk"]) for i in resp["Items"]] == ["-1.5", "-2", "-10"]


def test_one_megabyte_pages(ddb, make_table):
    """About 1.6 MB in one partition: the first page stops at 1 MB with a LastEvaluatedKey."""
    name = make_table(("pk", "S"), ("sk", "N"))
    blob = "x" * (100 * 1024)
    for i in range(16):
        ddb.put_item(TableName=name, Item={"pk": {"S": "big"}, "sk": {"N": str(i)}, "blob": {"S": blob}})
    first = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "big"}},
    )
    assert "LastEvaluatedKey" in first
    assert 9 <= first["Count"] <= 11, first["Count"]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"N": str(first["Count"] - 1)}}

    items, pages = query_all(
        ddb,
        name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "big"}},
    )
    assert [int(i["sk"]["N"]) for i in items] == list(range(16))
    assert 2 <= len(pages) <= 3

    # COUNT queries are paginated by the same 1 MB of data read
    counted = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "big"}},
        Select="COUNT",
    )
    assert counted["Count"] == first["Count"]
    assert "LastEvaluatedKey" in counted


# --- errors ------------------------------------------------------------------------------------


def test_condition_on_non_key_attribute(ddb, num_table):
    with aws_error("ValidationException", "Query condition missed key schema element: pk"):
        ddb.query(
            TableName=num_table,
            KeyConditionExpression="v = :v",
            ExpressionAttributeValues={":v": {"S": "x"}},
        )


def test_sort_key_only_condition(ddb, num_table):
    with aws_error("ValidationException", "Query condition missed key schema element: pk"):
        ddb.query(
            TableName=num_table,
            KeyConditionExpression="sk = :v",
            ExpressionAttributeValues={":v": {"N": "1"}},
        )


def test_begins_with_on_hash_key(ddb, num_table):
    with aws_error("ValidationException", "Query key condition not supported"):
        ddb.query(
            TableName=num_table,
            KeyConditionExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": {"S": "p"}},
        )


def test_filter_on_key_attribute(ddb, num_table):
    with aws_error(
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    ):
        q(ddb, num_table, "pk = :p", {":v": {"N": "1"}}, FilterExpression="sk = :v")


def test_key_condition_value_type_mismatch(ddb, num_table):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Condition parameter type does not match schema type",
    ):
        q(ddb, num_table, "pk = :p AND sk = :v", {":v": {"S": "1"}})


def test_key_condition_unsupported_operator(ddb, num_table):
    with aws_error("ValidationException", contains="Invalid operator used in KeyConditionExpression: OR"):
        q(ddb, num_table, "pk = :p OR sk = :v", {":v": {"N": "1"}})


def test_query_unused_value(ddb, num_table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    ):
        q(ddb, num_table, "pk = :p", {":unused": {"N": "1"}})


def test_query_without_key_condition(ddb, num_table):
    with aws_error(
        "ValidationException",
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    ):
        ddb.query(TableName=num_table)


def test_exclusive_start_key_outside_partition(ddb, num_table):
    with aws_error("ValidationException", contains="The provided starting key"):
        q(ddb, num_table, "pk = :p", {}, ExclusiveStartKey={"pk": {"S": "other"}, "sk": {"N": "1"}})
