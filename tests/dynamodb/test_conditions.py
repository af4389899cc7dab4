"""ConditionExpression on PutItem/UpdateItem/DeleteItem, its functions and operators, and
ReturnValuesOnConditionCheckFailure."""

import pytest

from nimbus_testing import aws_error

KEY = {"pk": {"S": "c"}}
ITEM = {
    **KEY,
    "n": {"N": "10"},
    "s": {"S": "hello world"},
    "ss": {"SS": ["red", "green"]},
    "l": {"L": [{"S": "x"}, {"N": "1"}]},
    "m": {"M": {"deep": {"M": {"flag": {"BOOL": True}}}}},
    "b": {"B": b"\x01\x02"},
    "nul": {"NULL": True},
}
CCF = "The conditional request failed"


@pytest.fixture
def check(ddb, table):
    """check(condition, values=None, names=None) -> True if an UpdateItem guarded by the condition
    succeeded, False on ConditionalCheckFailedException."""
    ddb.put_item(TableName=table, Item=ITEM)

    def check(condition, values=None, names=None):
        params = dict(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET touched = :touched",
            ConditionExpression=condition,
            ExpressionAttributeValues={":touched": {"BOOL": True}, **(values or {})},
        )
        if names:
            params["ExpressionAttributeNames"] = names
        try:
            ddb.update_item(**params)
            return True
        except ddb.exceptions.ConditionalCheckFailedException as e:
            assert e.response["Error"]["Message"] == CCF
            return False

    return check


@pytest.mark.parametrize(
    "condition, values, expected",
    [
        ("n = :v", {":v": {"N": "10"}}, True),
        ("n = :v", {":v": {"N": "10.0"}}, True),
        ("n = :v", {":v": {"S": "10"}}, False),  # different types are never equal
        ("n <> :v", {":v": {"N": "11"}}, True),
        ("n < :v", {":v": {"N": "9"}}, False),
        ("n <= :v", {":v": {"N": "10"}}, True),
        ("n > :v", {":v": {"N": "-100"}}, True),
        ("n >= :v", {":v": {"N": "10.0001"}}, False),
        ("s < :v", {":v": {"S": "help"}}, True),  # string comparison is by bytes
        ("s > :v", {":v": {"N": "1"}}, False),  # comparing different types is false, not an error
        ("n BETWEEN :lo AND :hi", {":lo": {"N": "9"}, ":hi": {"N": "10"}}, True),
        ("n BETWEEN :lo AND :hi", {":lo": {"N": "11"}, ":hi": {"N": "20"}}, False),
        ("n IN (:a, :b)", {":a": {"N": "1"}, ":b": {"N": "10"}}, True),
        ("n IN (:a, :b)", {":a": {"N": "1"}, ":b": {"N": "2"}}, False),
        ("begins_with(s, :p)", {":p": {"S": "hell"}}, True),
        ("begins_with(s, :p)", {":p": {"S": "world"}}, False),
        ("contains(s, :p)", {":p": {"S": "o w"}}, True),
        ("contains(ss, :p)", {":p": {"S": "red"}}, True),
        ("contains(ss, :p)", {":p": {"S": "blue"}}, False),
        ("contains(l, :p)", {":p": {"N": "1"}}, True),
        ("size(s) = :v", {":v": {"N": "11"}}, True),
        ("size(ss) = :v", {":v": {"N": "2"}}, True),
        ("size(l) > :v", {":v": {"N": "2"}}, False),
        ("size(b) = :v", {":v": {"N": "2"}}, True),
        ("size(m) = :v", {":v": {"N": "1"}}, True),
        ("attribute_type(n, :t)", {":t": {"S": "N"}}, True),
        ("attribute_type(ss, :t)", {":t": {"S": "SS"}}, True),
        ("attribute_type(nul, :t)", {":t": {"S": "NULL"}}, True),
        ("attribute_type(m, :t)", {":t": {"S": "L"}}, False),
        ("m.deep.flag = :t", {":t": {"BOOL": True}}, True),
        ("l[0] = :x", {":x": {"S": "x"}}, True),
        ("l[5] = :x", {":x": {"S": "x"}}, False),
        ("n = :a AND s = :b", {":a": {"N": "10"}, ":b": {"S": "nope"}}, False),
        ("n = :a OR s = :b", {":a": {"N": "10"}, ":b": {"S": "nope"}}, True),
        ("NOT n = :a", {":a": {"N": "10"}}, False),
        # AND binds tighter than OR: false OR (true AND true)
        ("n = :x OR n = :a AND s = :s", {":x": {"N": "0"}, ":a": {"N": "10"}, ":s": {"S": "hello world"}}, True),
        ("(n = :x OR n = :a) AND s = :y", {":x": {"N": "0"}, ":a": {"N": "10"}, ":y": {"S": "no"}}, False),
    ],
)
def test_condition_operators(check, condition, values, expected):
    assert check(condition, values) is expected


def test_attribute_exists_and_not_exists(check):
    assert check("attribute_exists(n)") is True
    assert check("attribute_exists(absent)") is False
    assert check("attribute_not_exists(absent)") is True
    assert check("attribute_not_exists(m.deep.flag)") is False
    assert check("attribute_exists(#d)", names={"#d": "m"}) is True


def test_put_if_not_exists(ddb, table):
    item = {"pk": {"S": "once"}, "v": {"N": "1"}}
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.put_item(
            TableName=table,
            Item={"pk": {"S": "once"}, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "once"}})["Item"] == item


def test_condition_on_missing_item(ddb, table):
    key = {"pk": {"S": "absent"}}
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET a = :a",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":a": {"S": "x"}},
        )
    assert "Item" not in ddb.get_item(TableName=table, Key=key)
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.delete_item(TableName=table, Key=key, ConditionExpression="attribute_exists(pk)")


def test_delete_with_condition(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "d"}, "state": {"S": "open"}})
    with aws_error("ConditionalCheckFailedException", CCF):
        ddb.delete_item(
            TableName=table,
            Key={"pk": {"S": "d"}},
            ConditionExpression="#s = :closed",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":closed": {"S": "closed"}},
        )
    ddb.delete_item(
        TableName=table,
        Key={"pk": {"S": "d"}},
        ConditionExpression="#s = :open",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":open": {"S": "open"}},
    )
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "d"}})


def test_failed_condition_leaves_item_unchanged(ddb, table, check):
    assert check("n = :v", {":v": {"N": "0"}}) is False
    assert ddb.get_item(TableName=table, Key=KEY)["Item"] == ITEM


def test_return_values_on_condition_check_failure(ddb, table):
    item = {"pk": {"S": "rv"}, "v": {"N": "1"}, "b": {"B": b"bytes"}}
    ddb.put_item(TableName=table, Item=item)
    with aws_error("ConditionalCheckFailedException", CCF) as exc:
        ddb.put_item(
            TableName=table,
            Item={"pk": {"S": "rv"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert exc.value.response["Item"] == item

    with aws_error("ConditionalCheckFailedException", CCF) as exc:
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": "rv"}},
            UpdateExpression="SET v = :two",
            ConditionExpression="v = :zero",
            ExpressionAttributeValues={":two": {"N": "2"}, ":zero": {"N": "0"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert exc.value.response["Item"] == item

    with aws_error("ConditionalCheckFailedException", CCF) as exc:
        ddb.delete_item(
            TableName=table,
            Key={"pk": {"S": "rv"}},
            ConditionExpression="v = :zero",
            ExpressionAttributeValues={":zero": {"N": "0"}},
            ReturnValuesOnConditionCheckFailure="NONE",
        )
    assert "Item" not in exc.value.response

    with aws_error("ConditionalCheckFailedException", CCF) as exc:
        ddb.delete_item(
            TableName=table,
            Key={"pk": {"S": "rv"}},
            ConditionExpression="v = :zero",
            ExpressionAttributeValues={":zero": {"N": "0"}},
        )
    assert "Item" not in exc.value.response


def test_return_values_on_condition_check_failure_for_missing_item(ddb, table):
    with aws_error("ConditionalCheckFailedException", CCF) as exc:
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": "never"}},
            UpdateExpression="SET v = :v",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":v": {"N": "1"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert "Item" not in exc.value.response


def test_resource_api_condition_builder(ddb_resource, table):
    from boto3.dynamodb.conditions import Attr

    t = ddb_resource.Table(table)
    t.put_item(Item={"pk": "cb", "version": 1})
    t.put_item(Item={"pk": "cb", "version": 2}, ConditionExpression=Attr("version").eq(1))
    with pytest.raises(t.meta.client.exceptions.ConditionalCheckFailedException):
        t.put_item(Item={"pk": "cb", "version": 3}, ConditionExpression=Attr("version").eq(1))
    assert t.get_item(Key={"pk": "cb"})["Item"]["version"] == 2


# --- errors ------------------------------------------------------------------------------------


def test_undefined_value(ddb, table):
    with aws_error(
        "ValidationException",
        "Invalid ConditionExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :missing",
    ):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="n = :missing OR n = :other",
                     ExpressionAttributeValues={":other": {"N": "1"}})


def test_undefined_name(ddb, table):
    with aws_error(
        "ValidationException",
        "Invalid ConditionExpression: An expression attribute name used in the document path is "
        "not defined; attribute name: #missing",
    ):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="attribute_exists(#missing) OR attribute_exists(#other)",
                     ExpressionAttributeNames={"#other": "x"})


def test_unused_names_and_values(ddb, table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in "
        "expressions: keys: {#count}",
    ):
        ddb.put_item(
            TableName=table,
            Item=KEY,
            ConditionExpression="attribute_not_exists(body)",
            ExpressionAttributeNames={"#count": "count"},
        )
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in "
        "expressions: keys: {#count}",
    ):
        ddb.delete_item(
            TableName=table,
            Key=KEY,
            ConditionExpression="attribute_not_exists(body)",
            ExpressionAttributeNames={"#count": "count"},
        )
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in "
        "expressions: keys: {:extra}",
    ):
        ddb.put_item(
            TableName=table,
            Item=KEY,
            ConditionExpression="attribute_not_exists(body)",
            ExpressionAttributeValues={":extra": {"S": "x"}},
        )


def test_reserved_word_in_condition(ddb, table):
    with aws_error(
        "ValidationException",
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="attribute_not_exists(status)")


def test_invalid_function_name(ddb, table):
    with aws_error("ValidationException", contains="Invalid ConditionExpression: Invalid function name; function: no_such_fn"):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="no_such_fn(a)")


def test_condition_syntax_error(ddb, table):
    with aws_error("ValidationException", contains="Invalid ConditionExpression: Syntax error; token:"):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="a = = :v",
                     ExpressionAttributeValues={":v": {"S": "x"}})


def test_between_with_reversed_bounds(ddb, table):
    with aws_error(
        "ValidationException",
        contains="Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
        "greater than or equal to lower bound",
    ):
        ddb.put_item(
            TableName=table,
            Item=KEY,
            ConditionExpression="n BETWEEN :hi AND :lo",
            ExpressionAttributeValues={":hi": {"N": "10"}, ":lo": {"N": "1"}},
        )


def test_empty_condition_expression(ddb, table):
    with aws_error("ValidationException", contains="Invalid ConditionExpression: The expression can not be empty;"):
        ddb.put_item(TableName=table, Item=KEY, ConditionExpression="")


def test_expression_attribute_names_without_expression(ddb, table):
    with aws_error("ValidationException", "ExpressionAttributeNames can only be specified when using expressions"):
        ddb.get_item(TableName=table, Key=KEY, ExpressionAttributeNames={"#a": "b"})
