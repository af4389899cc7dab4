"""Scan: full scans, filters, Limit/pagination, 1 MB pages, Select COUNT, parallel segments."""

import pytest

from dynamodb_testing import wait_table_active
from nimbus_testing import aws_error, scan_all, unique_name

N_ITEMS = 60


@pytest.fixture(scope="module")
def scan_table(ddb):
    name = unique_name("scan")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_table_active(ddb, name)
    for i in range(N_ITEMS):
        ddb.put_item(
            TableName=name,
            Item={
                "pk": {"S": f"p{i % 7}"},
                "sk": {"N": str(i)},
                "mod3": {"N": str(i % 3)},
                "label": {"S": f"item-{i}"},
            },
        )
    yield name
    ddb.delete_table(TableName=name)


def ids(items):
    return sorted(int(i["sk"]["N"]) for i in items)


def test_scan_returns_everything(ddb, scan_table):
    resp = ddb.scan(TableName=scan_table)
    assert ids(resp["Items"]) == list(range(N_ITEMS))
    assert resp["Count"] == N_ITEMS
    assert resp["ScannedCount"] == N_ITEMS
    assert "LastEvaluatedKey" not in resp


def test_scan_filter(ddb, scan_table):
    resp = ddb.scan(
        TableName=scan_table,
        FilterExpression="mod3 = :z AND begins_with(label, :pre)",
        ExpressionAttributeValues={":z": {"N": "0"}, ":pre": {"S": "item-1"}},
    )
    expected = [i for i in range(N_ITEMS) if i % 3 == 0 and str(i).startswith("1")]
    assert ids(resp["Items"]) == expected
    assert resp["Count"] == len(expected)
    assert resp["ScannedCount"] == N_ITEMS


def test_scan_filter_may_use_key_attributes(ddb, scan_table):
    resp = ddb.scan(
        TableName=scan_table,
        FilterExpression="pk = :p AND sk < :n",
        ExpressionAttributeValues={":p": {"S": "p0"}, ":n": {"N": "20"}},
    )
    assert ids(resp["Items"]) == [0, 7, 14]


def test_scan_pagination_visits_every_item_once(ddb, scan_table):
    pages = 0
    items = []
    kwargs = {"Limit": 7}
    while True:
        resp = ddb.scan(TableName=scan_table, **kwargs)
        pages += 1
        assert resp["Count"] <= 7
        assert resp["ScannedCount"] <= 7
        items.extend(resp["Items"])
        if "LastEvaluatedKey" not in resp:
            break
        assert set(resp["LastEvaluatedKey"]) == {"pk", "sk"}
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        assert pages < 100
    assert ids(items) == list(range(N_ITEMS))
    assert pages >= N_ITEMS // 7


def test_scan_paginator(ddb, scan_table):
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=scan_table, PaginationConfig={"PageSize": 11}):
        items.extend(page["Items"])
    assert ids(items) == list(range(N_ITEMS))


def test_scan_select_count(ddb, scan_table):
    resp = ddb.scan(
        TableName=scan_table,
        Select="COUNT",
        FilterExpression="mod3 = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert "Items" not in resp
    assert resp["Count"] == len([i for i in range(N_ITEMS) if i % 3 == 1])
    assert resp["ScannedCount"] == N_ITEMS


def test_scan_projection(ddb, scan_table):
    resp = ddb.scan(TableName=scan_table, ProjectionExpression="#l", ExpressionAttributeNames={"#l": "label"})
    assert len(resp["Items"]) == N_ITEMS
    assert all(set(i) == {"label"} for i in resp["Items"])


@pytest.mark.parametrize("total", [1, 3, 4, 16])
def test_parallel_scan_covers_every_item_exactly_once(ddb, scan_table, total):
    seen = []
    for segment in range(total):
        seen.extend(scan_all(ddb, scan_table, Segment=segment, TotalSegments=total, Limit=5))
    assert ids(seen) == list(range(N_ITEMS))  # sorted list: duplicates would show


def test_parallel_scan_segments_are_disjoint(ddb, scan_table):
    a = ids(scan_all(ddb, scan_table, Segment=0, TotalSegments=2))
    b = ids(scan_all(ddb, scan_table, Segment=1, TotalSegments=2))
    assert not set(a) & set(b)
    assert sorted(a + b) == list(range(N_ITEMS))


def test_segment_must_be_less_than_total(ddb, scan_table):
    with aws_error(
        "ValidationException",
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 4 is not less than TotalSegments: 4",
    ):
        ddb.scan(TableName=scan_table, Segment=4, TotalSegments=4)


def test_segment_requires_total_segments(ddb, scan_table):
    with aws_error(
        "ValidationException",
        "The TotalSegments parameter is required but was not present in the request when Segment "
        "parameter is present",
    ):
        ddb.scan(TableName=scan_table, Segment=0)
    with aws_error(
        "ValidationException",
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present",
    ):
        ddb.scan(TableName=scan_table, TotalSegments=2)


def test_scan_unused_name(ddb, scan_table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
    ):
        ddb.scan(
            TableName=scan_table,
            FilterExpression="#h = :h",
            ExpressionAttributeNames={"#h": "pk", "#count": "count"},
            ExpressionAttributeValues={":h": {"S": "p0"}},
        )


def test_scan_empty_filter_expression(ddb, scan_table):
    with aws_error("ValidationException", "Invalid FilterExpression: The expression can not be empty;"):
        ddb.scan(TableName=scan_table, FilterExpression="")


def test_scan_one_megabyte_pages(ddb, make_table):
    name = make_table()
    blob = "y" * (100 * 1024)
    for i in range(16):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i:02d}"}, "blob": {"S": blob}})
    first = ddb.scan(TableName=name)
    assert "LastEvaluatedKey" in first
    assert 9 <= first["Count"] <= 11, first["Count"]
    everything = scan_all(ddb, name)
    assert sorted(i["pk"]["S"] for i in everything) == [f"k{i:02d}" for i in range(16)]


def test_scan_empty_table(ddb, table):
    resp = ddb.scan(TableName=table)
    assert resp["Items"] == []
    assert resp["Count"] == 0
    assert resp["ScannedCount"] == 0
