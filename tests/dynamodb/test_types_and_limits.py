"""The ten attribute types, ordering and precision, and DynamoDB's size and value limits."""

from decimal import Decimal

import pytest

from nimbus_testing import aws_error, query_all

KEY = {"pk": {"S": "t"}}


@pytest.fixture(scope="module")
def lax(server):
    """A boto3 client without client-side parameter validation, to send values botocore would
    refuse locally (as other SDKs and hand-written JSON can)."""
    return server.client("dynamodb", parameter_validation=False)


def sort_order(ddb, make_table, sk_type, values):
    name = make_table(("pk", "S"), ("sk", sk_type))
    for v in values:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {sk_type: v}})
    items, _ = query_all(
        ddb, name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
    )
    return name, [i["sk"][sk_type] for i in items]


def test_numbers_sort_numerically(ddb, make_table):
    expected = [
        "-1E+125",
        "-10",
        "-2",
        "-1.5",
        "-0.000001",
        "0",
        "1E-130",
        "1.5",
        "9",
        "10",
        "99999999999999999999999999999999999999",
        "1E+125",
    ]
    inserted = ["10", "-2", "9", "1.5", "-10", "0", "-1.5", "99999999999999999999999999999999999999",
                "1E+125", "-1E+125", "1E-130", "-0.000001"]
    _, got = sort_order(ddb, make_table, "N", inserted)
    assert [float(x) for x in got] == [float(x) for x in expected]
    assert got[1:4] == ["-10", "-2", "-1.5"]
    assert got[7:10] == ["1.5", "9", "10"]


def test_38_digit_numbers_keep_precision(ddb, make_table):
    a = "12345678901234567890123456789012345678"
    b = "12345678901234567890123456789012345679"  # differs only in the 38th digit
    name, got = sort_order(ddb, make_table, "N", [b, a, "-" + a, "-" + b])
    assert got == ["-" + b, "-" + a, a, b]
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": a}})["Item"]
    assert item["sk"] == {"N": a}


def test_number_arithmetic_is_exact(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "0.1"}, "big": {"N": "9999999999999999999999999999999999999"}})
    item = ddb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression="SET n = n + :x ADD big :one",
        ExpressionAttributeValues={":x": {"N": "0.2"}, ":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert item["n"] == {"N": "0.3"}
    assert item["big"] == {"N": "10000000000000000000000000000000000000"}


@pytest.mark.parametrize(
    "sent, returned",
    [("1.50", "1.5"), ("007", "7"), ("0.0", "0"), ("-02.500", "-2.5"), ("1E+2", "100"), ("1.2e-3", "0.0012")],
)
def test_numbers_are_normalized(ddb, table, sent, returned):
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": sent}})
    assert ddb.get_item(TableName=table, Key=KEY)["Item"]["n"] == {"N": returned}


def test_number_equality_ignores_formatting(ddb, make_table):
    name = make_table(("pk", "N"))
    ddb.put_item(TableName=name, Item={"pk": {"N": "100"}, "v": {"S": "first"}})
    ddb.put_item(TableName=name, Item={"pk": {"N": "1E2"}, "v": {"S": "second"}})  # same key
    items = ddb.scan(TableName=name)["Items"]
    assert len(items) == 1
    assert Decimal(items[0]["pk"]["N"]) == 100
    assert items[0]["v"] == {"S": "second"}
    got = ddb.get_item(TableName=name, Key={"pk": {"N": "100.000"}})["Item"]
    assert got["v"] == {"S": "second"}


def test_binary_sorts_bytewise_unsigned(ddb, make_table):
    values = [b"\xff", b"\x80", b"\x00", b"\x7f", b"\x00\x00", b"\x01"]
    _, got = sort_order(ddb, make_table, "B", values)
    assert got == [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xff"]


def test_strings_sort_by_utf8_bytes(ddb, make_table):
    values = ["é", "a", "Z", "中", "b", "aa", "\U0001f600", "ÿ"]
    _, got = sort_order(ddb, make_table, "S", values)
    assert got == sorted(values, key=lambda s: s.encode("utf-8"))
    assert got == ["Z", "a", "aa", "b", "é", "ÿ", "中", "\U0001f600"]


def test_begins_with_on_binary_sort_key(ddb, make_table):
    name, _ = sort_order(ddb, make_table, "B", [b"\x01\x02", b"\x01\x03", b"\x02"])
    resp = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
        ExpressionAttributeValues={":p": {"S": "p"}, ":b": {"B": b"\x01"}},
    )
    assert [i["sk"]["B"] for i in resp["Items"]] == [b"\x01\x02", b"\x01\x03"]


def test_sets_round_trip_without_duplicates(ddb, table):
    ddb.put_item(
        TableName=table,
        Item={**KEY, "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["10", "1.0", "2"]}, "bs": {"BS": [b"\x02", b"\x01"]}},
    )
    item = ddb.get_item(TableName=table, Key=KEY)["Item"]
    assert sorted(item["ss"]["SS"]) == ["a", "b"]
    assert sorted(item["ns"]["NS"], key=float) == ["1", "2", "10"]
    assert sorted(item["bs"]["BS"]) == [b"\x01", b"\x02"]


def test_empty_strings_and_binaries_allowed_outside_keys(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "s": {"S": ""}, "b": {"B": b""}, "l": {"L": [{"S": ""}]},
                                        "m": {"M": {"e": {"S": ""}}}})
    item = ddb.get_item(TableName=table, Key=KEY)["Item"]
    assert item["s"] == {"S": ""}
    assert item["b"] == {"B": b""}
    assert item["m"] == {"M": {"e": {"S": ""}}}


# --- limits and validation ---------------------------------------------------------------------


def test_item_size_limit_400kb(ddb, table):
    ok = "a" * (400 * 1024 - 1000)  # 400 KB = 409,600 bytes, names included
    ddb.put_item(TableName=table, Item={**KEY, "d": {"S": ok}})
    assert len(ddb.get_item(TableName=table, Key=KEY)["Item"]["d"]["S"]) == len(ok)
    with aws_error("ValidationException", contains="Item size has exceeded the maximum allowed size"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "d": {"S": "a" * (400 * 1024 + 1)}})
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "big"}})


def test_item_size_counts_attribute_names(ddb, table):
    # the value alone fits, but name + value does not
    with aws_error("ValidationException", contains="Item size has exceeded the maximum allowed size"):
        ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "n" * 2000: {"S": "a" * (400 * 1024 - 1000)}})


def test_update_cannot_grow_item_past_400kb(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "a": {"S": "x" * (300 * 1024)}})
    with aws_error("ValidationException", contains="Item size to update has exceeded the maximum allowed size"):
        ddb.update_item(
            TableName=table,
            Key=KEY,
            UpdateExpression="SET b = :b",
            ExpressionAttributeValues={":b": {"S": "y" * (150 * 1024)}},
        )
    assert "b" not in ddb.get_item(TableName=table, Key=KEY)["Item"]


def test_hash_key_size_limit(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "h" * 2048}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    ):
        ddb.put_item(TableName=table, Item={"pk": {"S": "h" * 2049}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    ):  # the limit is in UTF-8 bytes: 683 * 3 bytes
        ddb.put_item(TableName=table, Item={"pk": {"S": "€" * 683}})


def test_range_key_size_limit(ddb, table_hr):
    ddb.put_item(TableName=table_hr, Item={"pk": {"S": "p"}, "sk": {"S": "r" * 1024}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    ):
        ddb.put_item(TableName=table_hr, Item={"pk": {"S": "p"}, "sk": {"S": "r" * 1025}})


def test_empty_string_key(ddb, table_hr):
    with aws_error(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty string value. Key: pk",
    ):
        ddb.put_item(TableName=table_hr, Item={"pk": {"S": ""}, "sk": {"S": "x"}})
    with aws_error(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty string value. Key: sk",
    ):
        ddb.get_item(TableName=table_hr, Key={"pk": {"S": "x"}, "sk": {"S": ""}})


def test_empty_binary_key(ddb, make_table):
    name = make_table(("pk", "B"))
    with aws_error(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty binary value. Key: pk",
    ):
        ddb.put_item(TableName=name, Item={"pk": {"B": b""}})


def test_more_than_38_significant_digits(ddb, table):
    with aws_error("ValidationException", contains="Attempting to store more than 38 significant digits in a Number"):
        ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "123456789012345678901234567890123456789"}})
    # trailing zeros are not significant
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "1234567890123456789012345678901234567800000"}})


def test_number_overflow_and_underflow(ddb, table):
    with aws_error(
        "ValidationException",
        contains="Number overflow. Attempting to store a number with magnitude larger than supported range",
    ):
        ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "1E+126"}})
    with aws_error(
        "ValidationException",
        contains="Number underflow. Attempting to store a number with magnitude smaller than supported range",
    ):
        ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "1E-131"}})
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "9.9999999999999999999999999999999999999E+125"}})


def test_arithmetic_overflow(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": "9.9999999999999999999999999999999999999E+125"}})
    with aws_error("ValidationException", contains="Number overflow"):
        ddb.update_item(
            TableName=table, Key=KEY, UpdateExpression="SET n = n + n",
        )


@pytest.mark.parametrize("bad", ["twelve", "NaN", "Infinity", "-Infinity", " 1", "1 ", "1.2.3", ""])
def test_invalid_number_strings(lax, table, bad):
    with aws_error("ValidationException", contains="The parameter cannot be converted to a numeric value"):
        lax.put_item(TableName=table, Item={**KEY, "n": {"N": bad}})


@pytest.mark.parametrize("good, value", [("+3", 3), (".123", Decimal("0.123")), ("0001.23", Decimal("1.23")),
                                          ("1e+5", 100000), ("-17e5", -1700000), ("0e1000", 0)])
def test_unusual_but_valid_number_strings(ddb, table, good, value):
    ddb.put_item(TableName=table, Item={**KEY, "n": {"N": good}})
    assert Decimal(ddb.get_item(TableName=table, Key=KEY)["Item"]["n"]["N"]) == value


def test_empty_sets_rejected(ddb, table):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: An string set  may not be empty",
    ):
        ddb.put_item(TableName=table, Item={**KEY, "s": {"SS": []}})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: An number set  may not be empty",
    ):
        ddb.put_item(TableName=table, Item={**KEY, "s": {"NS": []}})
    with aws_error("ValidationException", contains="Binary sets should not be empty"):
        ddb.put_item(TableName=table, Item={**KEY, "s": {"BS": []}})


def test_duplicate_set_members_rejected(ddb, table):
    with aws_error("ValidationException", contains="contains duplicates"):
        ddb.put_item(TableName=table, Item={**KEY, "s": {"SS": ["a", "a"]}})
    with aws_error("ValidationException", contains="contains duplicates"):
        ddb.put_item(TableName=table, Item={**KEY, "s": {"NS": ["1", "1"]}})


def test_null_must_be_true(lax, table):
    with aws_error("ValidationException", contains="Null attribute value types must have the value of true"):
        lax.put_item(TableName=table, Item={**KEY, "n": {"NULL": False}})


def test_attribute_value_with_no_type(lax, table):
    with aws_error(
        "ValidationException",
        contains="Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    ):
        lax.put_item(TableName=table, Item={**KEY, "x": {}})


def test_attribute_value_with_two_types(lax, table):
    with aws_error(
        "ValidationException",
        contains="Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    ):
        lax.put_item(TableName=table, Item={**KEY, "x": {"S": "a", "N": "1"}})


def test_key_attribute_must_be_scalar(ddb, table):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: L",
    ):
        ddb.put_item(TableName=table, Item={"pk": {"L": [{"S": "a"}]}})


def test_deep_nesting_round_trip(ddb, table):
    value = {"S": "leaf"}
    for _ in range(30):
        value = {"M": {"m": value}}
    ddb.put_item(TableName=table, Item={**KEY, "deep": value})
    assert ddb.get_item(TableName=table, Key=KEY)["Item"]["deep"] == value
