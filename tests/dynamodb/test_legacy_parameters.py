"""The pre-expression parameters old code still sends: AttributesToGet, Expected, AttributeUpdates,
KeyConditions, QueryFilter, ScanFilter, ConditionalOperator."""

import pytest

from nimbus_testing import aws_error

CCF = "The conditional request failed"


def cond(op, *values):
    c = {"ComparisonOperator": op}
    if values:
        c["AttributeValueList"] = list(values)
    return c


@pytest.fixture
def filled(ddb, table):
    for i in range(6):
        item = {"pk": {"S": f"i{i}"}, "n": {"N": str(i)}, "s": {"S": f"str-{i}"}, "tags": {"SS": [f"t{i}", "all"]}}
        if i % 2 == 0:
            item["opt"] = {"BOOL": True}
        ddb.put_item(TableName=table, Item=item)
    return table


def pks(items):
    return sorted(i["pk"]["S"] for i in items)


def test_get_item_attributes_to_get(ddb, filled):
    item = ddb.get_item(TableName=filled, Key={"pk": {"S": "i1"}}, AttributesToGet=["n", "missing"])["Item"]
    assert item == {"n": {"N": "1"}}


def test_expression_and_legacy_parameters_cannot_mix(ddb, filled):
    with aws_error(
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    ):
        ddb.get_item(TableName=filled, Key={"pk": {"S": "i1"}}, AttributesToGet=["n"], ProjectionExpression="s")
    with aws_error(
        "ValidationException",
        contains="Can not use both expression and non-expression parameters in the same request",
    ):
        ddb.put_item(
            TableName=filled,
            Item={"pk": {"S": "x"}},
            Expected={"pk": {"Exists": False}},
            ConditionExpression="attribute_not_exists(pk)",
        )


@pytest.mark.parametrize(
    "expected, succeeds",
    [
        ({"pk": {"Exists": False}}, False),
        ({"nothing": {"Exists": False}}, True),
        ({"n": {"Value": {"N": "1"}}}, True),
        ({"n": {"Value": {"N": "2"}}}, False),
        ({"n": {"Exists": True, "Value": {"N": "1"}}}, True),
        ({"n": cond("GT", {"N": "0"})}, True),
        ({"n": cond("BETWEEN", {"N": "2"}, {"N": "5"})}, False),
        ({"s": cond("BEGINS_WITH", {"S": "str"})}, True),
        ({"tags": cond("CONTAINS", {"S": "all"})}, True),
        ({"opt": cond("NULL")}, True),
        ({"n": cond("NOT_NULL")}, True),
        ({"n": cond("IN", {"N": "7"}, {"N": "1"})}, True),
    ],
)
def test_put_item_expected(ddb, filled, expected, succeeds):
    new = {"pk": {"S": "i1"}, "replaced": {"BOOL": True}}
    try:
        ddb.put_item(TableName=filled, Item=new, Expected=expected)
        ok = True
    except ddb.exceptions.ConditionalCheckFailedException as e:
        assert e.response["Error"]["Message"] == CCF
        ok = False
    assert ok is succeeds
    item = ddb.get_item(TableName=filled, Key={"pk": {"S": "i1"}})["Item"]
    assert ("replaced" in item) is succeeds


def test_expected_conditional_operator(ddb, filled):
    key = {"pk": {"S": "i2"}}
    both = {"n": {"Value": {"N": "2"}}, "s": {"Value": {"S": "wrong"}}}
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.delete_item(TableName=filled, Key=key, Expected=both)  # AND is the default
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.delete_item(TableName=filled, Key=key, Expected=both, ConditionalOperator="AND")
    ddb.delete_item(TableName=filled, Key=key, Expected=both, ConditionalOperator="OR")
    assert "Item" not in ddb.get_item(TableName=filled, Key=key)


def test_expected_invalid_combinations(ddb, filled):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: n",
    ):
        ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}}, Expected={"n": {"Exists": False, "Value": {"N": "1"}}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: n",
    ):
        ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}}, Expected={"n": {"Exists": True}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator",
    ):
        ddb.put_item(TableName=filled, Item={"pk": {"S": "z"}}, Expected={"n": cond("BETWEEN", {"N": "1"})})


def test_update_item_attribute_updates(ddb, filled):
    key = {"pk": {"S": "i3"}}
    resp = ddb.update_item(
        TableName=filled,
        Key=key,
        AttributeUpdates={
            "s": {"Action": "PUT", "Value": {"S": "new"}},
            "n": {"Action": "ADD", "Value": {"N": "10"}},
            "tags": {"Action": "ADD", "Value": {"SS": ["extra"]}},
            "opt_count": {"Action": "ADD", "Value": {"N": "1"}},
        },
        ReturnValues="ALL_NEW",
    )
    item = resp["Attributes"]
    assert item["s"] == {"S": "new"}
    assert item["n"] == {"N": "13"}
    assert sorted(item["tags"]["SS"]) == ["all", "extra", "t3"]
    assert item["opt_count"] == {"N": "1"}

    resp = ddb.update_item(
        TableName=filled,
        Key=key,
        AttributeUpdates={
            "s": {"Action": "DELETE"},
            "tags": {"Action": "DELETE", "Value": {"SS": ["all", "t3"]}},
        },
        Expected={"n": {"Value": {"N": "13"}}},
        ReturnValues="UPDATED_NEW",
    )
    assert resp["Attributes"] == {"tags": {"SS": ["extra"]}}
    item = ddb.get_item(TableName=filled, Key=key)["Item"]
    assert "s" not in item


def test_update_item_attribute_updates_upsert_and_default_action(ddb, table):
    key = {"pk": {"S": "fresh"}}
    ddb.update_item(TableName=table, Key=key, AttributeUpdates={"a": {"Value": {"S": "put is the default"}}})
    assert ddb.get_item(TableName=table, Key=key)["Item"] == {**key, "a": {"S": "put is the default"}}


def test_attribute_updates_cannot_touch_key(ddb, filled):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    ):
        ddb.update_item(
            TableName=filled,
            Key={"pk": {"S": "i1"}},
            AttributeUpdates={"pk": {"Action": "PUT", "Value": {"S": "other"}}},
        )


def test_query_key_conditions_query_filter_and_attributes_to_get(ddb, make_table):
    name = make_table(("pk", "S"), ("sk", "N"))
    for i in range(10):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "parity": {"S": "even" if i % 2 == 0 else "odd"}},
        )
    resp = ddb.query(
        TableName=name,
        KeyConditions={"pk": cond("EQ", {"S": "p"}), "sk": cond("GE", {"N": "3"})},
        QueryFilter={"parity": cond("EQ", {"S": "odd"})},
        AttributesToGet=["sk"],
        ScanIndexForward=False,
    )
    assert resp["Items"] == [{"sk": {"N": n}} for n in ["9", "7", "5", "3"]]
    assert resp["Count"] == 4
    assert resp["ScannedCount"] == 7

    resp = ddb.query(
        TableName=name,
        KeyConditions={"pk": cond("EQ", {"S": "p"}), "sk": cond("LT", {"N": "4"})},
        QueryFilter={"parity": cond("EQ", {"S": "odd"}), "sk_copy": cond("NULL")},
        ConditionalOperator="OR",
    )
    assert [i["sk"]["N"] for i in resp["Items"]] == ["0", "1", "2", "3"]


def test_query_filter_on_key_attribute(ddb, make_table):
    name = make_table(("pk", "S"), ("sk", "N"))
    with aws_error(
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk",
    ):
        ddb.query(
            TableName=name,
            KeyConditions={"pk": cond("EQ", {"S": "p"})},
            QueryFilter={"sk": cond("EQ", {"N": "1"})},
        )


@pytest.mark.parametrize(
    "scan_filter, expected",
    [
        ({"n": cond("EQ", {"N": "2"})}, ["i2"]),
        ({"n": cond("NE", {"N": "2"})}, ["i0", "i1", "i3", "i4", "i5"]),
        ({"n": cond("LT", {"N": "2"})}, ["i0", "i1"]),
        ({"n": cond("LE", {"N": "2"})}, ["i0", "i1", "i2"]),
        ({"n": cond("GT", {"N": "3"})}, ["i4", "i5"]),
        ({"n": cond("GE", {"N": "3"})}, ["i3", "i4", "i5"]),
        ({"n": cond("BETWEEN", {"N": "1"}, {"N": "3"})}, ["i1", "i2", "i3"]),
        ({"n": cond("IN", {"N": "0"}, {"N": "5"})}, ["i0", "i5"]),
        ({"s": cond("BEGINS_WITH", {"S": "str-4"})}, ["i4"]),
        ({"s": cond("CONTAINS", {"S": "-5"})}, ["i5"]),
        ({"tags": cond("CONTAINS", {"S": "t1"})}, ["i1"]),
        ({"tags": cond("NOT_CONTAINS", {"S": "t1"})}, ["i0", "i2", "i3", "i4", "i5"]),
        ({"opt": cond("NULL")}, ["i1", "i3", "i5"]),
        ({"opt": cond("NOT_NULL")}, ["i0", "i2", "i4"]),
        ({"opt": cond("NOT_NULL"), "n": cond("GT", {"N": "1"})}, ["i2", "i4"]),
    ],
)
def test_scan_filter(ddb, filled, scan_filter, expected):
    resp = ddb.scan(TableName=filled, ScanFilter=scan_filter)
    assert pks(resp["Items"]) == expected
    assert resp["ScannedCount"] == 6


def test_scan_filter_conditional_operator_or(ddb, filled):
    resp = ddb.scan(
        TableName=filled,
        ScanFilter={"n": cond("EQ", {"N": "0"}), "s": cond("EQ", {"S": "str-5"})},
        ConditionalOperator="OR",
        AttributesToGet=["pk"],
    )
    assert resp["Items"] in ([{"pk": {"S": "i0"}}, {"pk": {"S": "i5"}}], [{"pk": {"S": "i5"}}, {"pk": {"S": "i0"}}])


def test_scan_filter_mixed_with_expression(ddb, filled):
    with aws_error(
        "ValidationException",
        contains="Can not use both expression and non-expression parameters in the same request",
    ):
        ddb.scan(
            TableName=filled,
            ScanFilter={"n": cond("EQ", {"N": "0"})},
            FilterExpression="n = :z",
            ExpressionAttributeValues={":z": {"N": "0"}},
        )


def test_scan_filter_wrong_argument_count(ddb, filled):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
    ):
        ddb.scan(TableName=filled, ScanFilter={"n": cond("EQ", {"N": "0"}, {"N": "1"})})
