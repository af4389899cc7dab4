"""UpdateExpression: SET (+, -, if_not_exists, list_append, paths), REMOVE, ADD, DELETE, errors."""

import pytest

from nimbus_testing import aws_error

KEY = {"pk": {"S": "u"}}


@pytest.fixture
def put(ddb, table):
    def put(**attrs):
        ddb.put_item(TableName=table, Item={**KEY, **attrs})

    return put


@pytest.fixture
def update(ddb, table):
    """update(expr, values=None, names=None, **kw) -> the item afterwards (ALL_NEW)."""

    def update(expr, values=None, names=None, **kwargs):
        params = dict(TableName=table, Key=KEY, UpdateExpression=expr, ReturnValues="ALL_NEW")
        if values is not None:
            params["ExpressionAttributeValues"] = values
        if names is not None:
            params["ExpressionAttributeNames"] = names
        params.update(kwargs)
        return ddb.update_item(**params).get("Attributes")

    return update


def sorted_set(av):
    (t, v), = av.items()
    return {t: sorted(v, key=lambda x: float(x) if t == "NS" else x)}


def test_set_several_attributes(update):
    item = update("SET a = :a, b = :b, #c = :c", {":a": {"S": "x"}, ":b": {"N": "2"}, ":c": {"BOOL": True}}, {"#c": "c"})
    assert item == {**KEY, "a": {"S": "x"}, "b": {"N": "2"}, "c": {"BOOL": True}}


def test_set_copies_another_attribute(put, update):
    put(a={"M": {"x": {"N": "1"}}})
    item = update("SET b = a, c = a.x")
    assert item["b"] == {"M": {"x": {"N": "1"}}}
    assert item["c"] == {"N": "1"}


def test_set_plus_and_minus(put, update):
    put(n={"N": "10"}, m={"N": "1.5"})
    item = update("SET n = n + :d, m = m - :d", {":d": {"N": "2.25"}})
    assert item["n"] == {"N": "12.25"}
    assert item["m"] == {"N": "-0.75"}
    item = update("SET n = :a + :b", {":a": {"N": "1"}, ":b": {"N": "2"}})
    assert item["n"] == {"N": "3"}


def test_if_not_exists(put, update):
    put(existing={"S": "keep"})
    item = update(
        "SET existing = if_not_exists(existing, :v), fresh = if_not_exists(fresh, :v)",
        {":v": {"S": "default"}},
    )
    assert item["existing"] == {"S": "keep"}
    assert item["fresh"] == {"S": "default"}
    item = update("SET cnt = if_not_exists(cnt, :zero) + :one", {":zero": {"N": "0"}, ":one": {"N": "1"}})
    assert item["cnt"] == {"N": "1"}
    item = update("SET cnt = if_not_exists(cnt, :zero) + :one", {":zero": {"N": "0"}, ":one": {"N": "1"}})
    assert item["cnt"] == {"N": "2"}


def test_list_append(put, update):
    put(l={"L": [{"N": "2"}]})
    item = update("SET l = list_append(l, :end)", {":end": {"L": [{"N": "3"}, {"N": "4"}]}})
    assert item["l"] == {"L": [{"N": "2"}, {"N": "3"}, {"N": "4"}]}
    item = update("SET l = list_append(:start, l)", {":start": {"L": [{"N": "1"}]}})
    assert item["l"] == {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}, {"N": "4"}]}
    item = update(
        "SET other_list = list_append(if_not_exists(other_list, :empty), :v)",
        {":empty": {"L": []}, ":v": {"L": [{"S": "x"}]}},
    )
    assert item["other_list"] == {"L": [{"S": "x"}]}


def test_set_nested_paths(put, update):
    put(m={"M": {"sub1": {"M": {"x": {"N": "1"}}}}}, l={"L": [{"S": "a"}, {"S": "b"}]})
    item = update(
        "SET m.sub1.y = :y, m.#dotted = :d, l[1] = :b2",
        {":y": {"N": "2"}, ":d": {"S": "dot"}, ":b2": {"S": "B"}},
        {"#dotted": "has.dot"},
    )
    assert item["m"] == {"M": {"sub1": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, "has.dot": {"S": "dot"}}}
    assert item["l"] == {"L": [{"S": "a"}, {"S": "B"}]}


def test_set_list_index_past_the_end_appends(put, update):
    put(l={"L": [{"S": "a"}]})
    item = update("SET l[10] = :v", {":v": {"S": "z"}})
    assert item["l"] == {"L": [{"S": "a"}, {"S": "z"}]}


def test_attribute_name_with_dot_via_placeholder(update):
    item = update("SET #n = :v", {":v": {"S": "top"}}, {"#n": "a.b"})
    assert item["a.b"] == {"S": "top"}
    assert "a" not in item


def test_remove(put, update):
    put(a={"S": "1"}, b={"S": "2"}, m={"M": {"x": {"S": "1"}, "y": {"S": "2"}}},
        l={"L": [{"S": "0"}, {"S": "1"}, {"S": "2"}]})
    item = update("REMOVE a, m.x, l[0], nonexistent")
    assert "a" not in item
    assert item["b"] == {"S": "2"}
    assert item["m"] == {"M": {"y": {"S": "2"}}}
    assert item["l"] == {"L": [{"S": "1"}, {"S": "2"}]}  # later elements shift down


def test_add_numbers(put, update):
    put(n={"N": "5"})
    item = update("ADD n :d, fresh :d", {":d": {"N": "-2"}})
    assert item["n"] == {"N": "3"}
    assert item["fresh"] == {"N": "-2"}


def test_add_and_delete_sets(put, update):
    put(ss={"SS": ["a", "b"]}, ns={"NS": ["1"]})
    item = update(
        "ADD ss :s, ns :n, newset :s",
        {":s": {"SS": ["b", "c"]}, ":n": {"NS": ["2", "1"]}},
    )
    assert sorted_set(item["ss"]) == {"SS": ["a", "b", "c"]}
    assert sorted_set(item["ns"]) == {"NS": ["1", "2"]}
    assert sorted_set(item["newset"]) == {"SS": ["b", "c"]}
    item = update("DELETE ss :d, ns :dn", {":d": {"SS": ["a", "zzz"]}, ":dn": {"NS": ["1", "2"]}})
    assert sorted_set(item["ss"]) == {"SS": ["b", "c"]}
    assert "ns" not in item  # a set that becomes empty is removed


def test_all_clauses_together(put, update):
    put(a={"N": "1"}, gone={"S": "x"}, s={"SS": ["x", "y"]})
    item = update(
        "SET a = a + :one REMOVE gone ADD c :one DELETE s :x",
        {":one": {"N": "1"}, ":x": {"SS": ["x"]}},
    )
    assert item == {**KEY, "a": {"N": "2"}, "c": {"N": "1"}, "s": {"SS": ["y"]}}


def test_update_with_resource_api(ddb_resource, table):
    t = ddb_resource.Table(table)
    t.put_item(Item={"pk": "r", "visits": 1, "tags": {"a"}})
    resp = t.update_item(
        Key={"pk": "r"},
        UpdateExpression="SET visits = visits + :one ADD tags :t",
        ExpressionAttributeValues={":one": 1, ":t": {"b"}},
        ReturnValues="UPDATED_NEW",
    )
    assert resp["Attributes"] == {"visits": 2, "tags": {"a", "b"}}


# --- errors ------------------------------------------------------------------------------------


def test_arithmetic_on_missing_attribute(update):
    with aws_error("ValidationException", "The provided expression refers to an attribute that does not exist in the item"):
        update("SET a = absent + :one", {":one": {"N": "1"}})


def test_arithmetic_on_wrong_type(ddb, table, put, update):
    put(s={"S": "text"})
    with aws_error("ValidationException", contains="operand"):
        update("SET s = s + :one", {":one": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key=KEY)["Item"]["s"] == {"S": "text"}


def test_add_with_string_value(update):
    with aws_error("ValidationException", contains="operand"):
        update("ADD a :s", {":s": {"S": "x"}})


def test_add_number_to_set_attribute(put, update):
    put(ss={"SS": ["a"]})
    with aws_error("ValidationException", contains="An operand in the update expression has an incorrect data type"):
        update("ADD ss :n", {":n": {"N": "1"}})
    with aws_error("ValidationException", contains="An operand in the update expression has an incorrect data type"):
        update("ADD ss :ns", {":ns": {"NS": ["1"]}})


def test_overlapping_paths(update):
    with aws_error(
        "ValidationException",
        contains="Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
        "rewrite one of these paths; path one: [a], path two: [a]",
    ):
        update("SET a = :v REMOVE a", {":v": {"S": "x"}})


def test_section_used_twice(update):
    with aws_error(
        "ValidationException",
        contains='Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
    ):
        update("SET a = :v SET b = :v", {":v": {"S": "x"}})


def test_syntax_error(update):
    with aws_error("ValidationException", contains="Invalid UpdateExpression: Syntax error; token:"):
        update("SET a = = :v", {":v": {"S": "x"}})


def test_empty_update_expression(update):
    with aws_error("ValidationException", endswith="Invalid UpdateExpression: The expression can not be empty;"):
        update("")


def test_undefined_value_and_name(update):
    with aws_error(
        "ValidationException",
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :nope",
    ):
        update("SET a = :nope, b = :v", {":v": {"S": "x"}})
    with aws_error(
        "ValidationException",
        "Invalid UpdateExpression: An expression attribute name used in the document path is not "
        "defined; attribute name: #nope",
    ):
        update("SET #nope = :v, #a = :v", {":v": {"S": "x"}}, {"#a": "a"})


def test_unused_values_and_names(update):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in "
        "expressions: keys: {:unused}",
    ):
        update("SET a = :v", {":v": {"S": "x"}, ":unused": {"S": "y"}})
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in "
        "expressions: keys: {#unused}",
    ):
        update("SET #a = :v", {":v": {"S": "x"}}, {"#a": "a", "#unused": "b"})


def test_empty_expression_attribute_values(update):
    with aws_error("ValidationException", "ExpressionAttributeValues must not be empty"):
        update("SET a = :v", {})


def test_reserved_word_needs_placeholder(update):
    with aws_error(
        "ValidationException",
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name",
    ):
        update("SET name = :v", {":v": {"S": "x"}})
    item = update("SET #name = :v", {":v": {"S": "x"}}, {"#name": "name"})
    assert item["name"] == {"S": "x"}


def test_nested_set_under_missing_parent(update):
    with aws_error("ValidationException", "The document path provided in the update expression is invalid for update"):
        update("SET nomap.child = :v", {":v": {"S": "x"}})


def test_list_append_with_non_list_value(put, update):
    put(l={"L": []})
    with aws_error(
        "ValidationException",
        contains="Invalid UpdateExpression: Incorrect operand type for operator or function; "
        "operator or function: list_append",
    ):
        update("SET l = list_append(l, :s)", {":s": {"S": "x"}})


def test_failed_update_changes_nothing(ddb, table, put, update):
    put(a={"N": "1"}, s={"S": "text"})
    with aws_error("ValidationException"):
        update("SET a = :two, s = s + :one", {":two": {"N": "2"}, ":one": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key=KEY)["Item"] == {**KEY, "a": {"N": "1"}, "s": {"S": "text"}}
