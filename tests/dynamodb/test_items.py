"""PutItem, GetItem, UpdateItem, DeleteItem: round trips, projections, ReturnValues, key checks."""

from decimal import Decimal

import pytest

from nimbus_testing import aws_error

FULL_ITEM = {
    "pk": {"S": "all-types"},
    "s": {"S": "hello ✓"},
    "n": {"N": "-12.5"},
    "b": {"B": b"\x00\x01\xfe\xff"},
    "ss": {"SS": ["a", "b", "c"]},
    "ns": {"NS": ["1", "2.5", "-3"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "m": {"M": {"inner": {"S": "x"}, "deep": {"M": {"list": {"L": [{"N": "1"}, {"S": "two"}]}}}}},
    "l": {"L": [{"S": "a"}, {"N": "1"}, {"NULL": True}, {"BOOL": False}, {"M": {}}, {"L": []}]},
    "null": {"NULL": True},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "empty_s": {"S": ""},
    "empty_b": {"B": b""},
}


def normalize(item):
    """Sets come back in any order."""
    out = {}
    for k, v in item.items():
        (t, val), = v.items()
        if t in ("SS", "NS", "BS"):
            val = sorted(val)
        elif t == "M":
            val = normalize(val)
        out[k] = {t: val}
    return out


def test_put_get_round_trip_all_types(ddb, table):
    ddb.put_item(TableName=table, Item=FULL_ITEM)
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "all-types"}})["Item"]
    assert normalize(got) == normalize(FULL_ITEM)


def test_get_missing_item_has_no_item_key(ddb, table):
    resp = ddb.get_item(TableName=table, Key={"pk": {"S": "nope"}})
    assert "Item" not in resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_put_replaces_the_whole_item(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "a": {"S": "1"}, "b": {"S": "2"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "c": {"S": "3"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {
        "pk": {"S": "k"},
        "c": {"S": "3"},
    }


def test_consistent_read(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}, "v": {"N": "1"}})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}}, ConsistentRead=True)
    assert got["Item"]["v"] == {"N": "1"}


def test_projection_expression_paths(ddb, table):
    ddb.put_item(TableName=table, Item=FULL_ITEM)
    got = ddb.get_item(
        TableName=table,
        Key={"pk": {"S": "all-types"}},
        ProjectionExpression="s, m.deep.#lst[1], l[0], l[3], #n, absent",
        ExpressionAttributeNames={"#lst": "list", "#n": "n"},
    )["Item"]
    assert got == {
        "s": {"S": "hello ✓"},
        "n": {"N": "-12.5"},
        "m": {"M": {"deep": {"M": {"list": {"L": [{"S": "two"}]}}}}},
        "l": {"L": [{"S": "a"}, {"BOOL": False}]},
    }


def test_projection_expression_with_reserved_word_needs_a_name(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "r"}, "name": {"S": "n"}})
    with aws_error(
        "ValidationException",
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
    ):
        ddb.get_item(TableName=table, Key={"pk": {"S": "r"}}, ProjectionExpression="name")
    got = ddb.get_item(
        TableName=table,
        Key={"pk": {"S": "r"}},
        ProjectionExpression="#nm",
        ExpressionAttributeNames={"#nm": "name"},
    )
    assert got["Item"] == {"name": {"S": "n"}}


def test_projection_undefined_name(ddb, table):
    with aws_error(
        "ValidationException",
        "Invalid ProjectionExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #x",
    ):
        ddb.get_item(TableName=table, Key={"pk": {"S": "r"}}, ProjectionExpression="#x")


def test_get_item_unused_expression_attribute_name(ddb, table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
    ):
        ddb.get_item(
            TableName=table,
            Key={"pk": {"S": "x"}},
            ProjectionExpression="pk",
            ExpressionAttributeNames={"#count": "count"},
        )


def test_put_return_values(ddb, table):
    key = {"pk": {"S": "rv"}}
    first = ddb.put_item(TableName=table, Item={**key, "v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in first
    second = ddb.put_item(TableName=table, Item={**key, "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert second["Attributes"] == {**key, "v": {"N": "1"}}
    third = ddb.put_item(TableName=table, Item={**key, "v": {"N": "3"}}, ReturnValues="NONE")
    assert "Attributes" not in third
    fourth = ddb.put_item(TableName=table, Item={**key, "v": {"N": "4"}})
    assert "Attributes" not in fourth


@pytest.mark.parametrize("rv", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_put_rejects_update_only_return_values(ddb, table, rv):
    with aws_error("ValidationException", "ReturnValues can only be ALL_OLD or NONE"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "x"}}, ReturnValues=rv)


def test_delete_item_and_return_values(ddb, table):
    key = {"pk": {"S": "del"}}
    ddb.put_item(TableName=table, Item={**key, "v": {"S": "gone"}})
    resp = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert resp["Attributes"] == {**key, "v": {"S": "gone"}}
    assert "Item" not in ddb.get_item(TableName=table, Key=key)
    # deleting a missing item succeeds and returns nothing
    again = ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")
    assert "Attributes" not in again


def test_update_item_upserts(ddb, table):
    key = {"pk": {"S": "new"}}
    resp = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET a = :a",
        ExpressionAttributeValues={":a": {"S": "x"}},
        ReturnValues="ALL_OLD",
    )
    assert "Attributes" not in resp
    assert ddb.get_item(TableName=table, Key=key)["Item"] == {**key, "a": {"S": "x"}}


def test_update_item_without_expression_creates_key_only_item(ddb, table):
    key = {"pk": {"S": "bare"}}
    ddb.update_item(TableName=table, Key=key)
    assert ddb.get_item(TableName=table, Key=key)["Item"] == key


@pytest.mark.parametrize(
    "return_values, expected",
    [
        ("NONE", None),
        (
            "ALL_OLD",
            {"pk": {"S": "rv"}, "a": {"N": "1"}, "b": {"S": "keep"}, "c": {"S": "drop"}},
        ),
        ("UPDATED_OLD", {"a": {"N": "1"}, "c": {"S": "drop"}}),
        (
            "ALL_NEW",
            {"pk": {"S": "rv"}, "a": {"N": "2"}, "b": {"S": "keep"}, "d": {"S": "added"}},
        ),
        ("UPDATED_NEW", {"a": {"N": "2"}, "d": {"S": "added"}}),
    ],
)
def test_update_item_return_values(ddb, table, return_values, expected):
    key = {"pk": {"S": "rv"}}
    ddb.put_item(
        TableName=table,
        Item={**key, "a": {"N": "1"}, "b": {"S": "keep"}, "c": {"S": "drop"}},
    )
    resp = ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET a = a + :one, d = :d REMOVE c",
        ExpressionAttributeValues={":one": {"N": "1"}, ":d": {"S": "added"}},
        ReturnValues=return_values,
    )
    if expected is None:
        assert "Attributes" not in resp
    else:
        assert resp["Attributes"] == expected


def test_get_item_key_must_match_schema(ddb, table_hr):
    ddb.put_item(TableName=table_hr, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
    msg = "The provided key element does not match the schema"
    with aws_error("ValidationException", msg):  # missing range key
        ddb.get_item(TableName=table_hr, Key={"pk": {"S": "a"}})
    with aws_error("ValidationException", msg):  # extra attribute
        ddb.get_item(TableName=table_hr, Key={"pk": {"S": "a"}, "sk": {"S": "b"}, "x": {"S": "c"}})
    with aws_error("ValidationException", msg):  # wrong type
        ddb.get_item(TableName=table_hr, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    with aws_error("ValidationException", msg):  # wrong name
        ddb.get_item(TableName=table_hr, Key={"pk": {"S": "a"}, "other": {"S": "b"}})


def test_delete_and_update_key_must_match_schema(ddb, table):
    msg = "The provided key element does not match the schema"
    with aws_error("ValidationException", msg):
        ddb.delete_item(TableName=table, Key={"pk": {"N": "1"}})
    with aws_error("ValidationException", msg):
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": "a"}, "extra": {"S": "b"}},
            UpdateExpression="SET a = :a",
            ExpressionAttributeValues={":a": {"S": "x"}},
        )


def test_put_item_missing_key_attribute(ddb, table_hr):
    with aws_error("ValidationException", "One or more parameter values were invalid: Missing the key sk in the item"):
        ddb.put_item(TableName=table_hr, Item={"pk": {"S": "a"}, "x": {"S": "1"}})
    with aws_error("ValidationException", "One or more parameter values were invalid: Missing the key pk in the item"):
        ddb.put_item(TableName=table_hr, Item={"sk": {"S": "a"}})


def test_put_item_key_type_mismatch(ddb, table):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    ):
        ddb.put_item(TableName=table, Item={"pk": {"N": "1"}})


def test_update_cannot_change_key_attribute(ddb, table):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    ):
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET pk = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        )


def test_return_consumed_capacity_total(ddb, table):
    def units(resp):
        cap = resp["ConsumedCapacity"]
        assert cap["TableName"] == table
        return cap["CapacityUnits"]

    # a small item: 1 write unit, 0.5 read unit eventually consistent, 1 strongly consistent
    assert units(ddb.put_item(TableName=table, Item={"pk": {"S": "cap"}}, ReturnConsumedCapacity="TOTAL")) == 1.0
    assert units(ddb.get_item(TableName=table, Key={"pk": {"S": "cap"}}, ReturnConsumedCapacity="TOTAL")) == 0.5
    strong = ddb.get_item(
        TableName=table, Key={"pk": {"S": "cap"}}, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert units(strong) == 1.0
    plain = ddb.get_item(TableName=table, Key={"pk": {"S": "cap"}})
    assert "ConsumedCapacity" not in plain


def test_resource_api_round_trip(ddb_resource, table):
    t = ddb_resource.Table(table)
    t.put_item(Item={"pk": "res", "n": Decimal("3.14"), "tags": {"x", "y"}, "nested": {"a": [1, "b"]}})
    item = t.get_item(Key={"pk": "res"})["Item"]
    assert item == {"pk": "res", "n": Decimal("3.14"), "tags": {"x", "y"}, "nested": {"a": [Decimal(1), "b"]}}
    t.update_item(
        Key={"pk": "res"},
        UpdateExpression="SET n = n + :x",
        ExpressionAttributeValues={":x": Decimal("0.86")},
    )
    assert t.get_item(Key={"pk": "res"})["Item"]["n"] == Decimal("4")
    t.delete_item(Key={"pk": "res"})
    assert "Item" not in t.get_item(Key={"pk": "res"})
