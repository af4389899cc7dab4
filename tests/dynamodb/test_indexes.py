"""Global and local secondary indexes: description, projections, sparse indexes, maintenance on
writes, queries, scans and their errors."""

import pytest

from dynamodb_testing import index_spec
from nimbus_testing import aws_error, query_all, scan_all


@pytest.fixture
def indexed(ddb, make_table):
    """Orders table: pk=customer (S), sk=order_id (S); GSIs by status (ALL), by amount (KEYS_ONLY),
    by city (INCLUDE note); an LSI by created (N)."""
    name = make_table(
        ("customer", "S"),
        ("order_id", "S"),
        gsis=[
            index_spec("by-status", ("status", "S"), ("amount", "N"), "ALL"),
            index_spec("by-amount", ("amount", "N"), None, "KEYS_ONLY"),
            index_spec("by-city", ("city", "S"), None, "INCLUDE", ["note"]),
        ],
        lsis=[index_spec("by-created", ("customer", "S"), ("created", "N"), "KEYS_ONLY")],
    )
    orders = [
        ("alice", "o1", "open", 30, "paris", 300, "n1"),
        ("alice", "o2", "shipped", 10, "paris", 100, "n2"),
        ("alice", "o3", "open", 20, "rome", 200, "n3"),
        ("bob", "o4", "open", 5, "rome", 400, "n4"),
        ("bob", "o5", "shipped", 50, "oslo", 50, "n5"),
    ]
    for customer, oid, status, total, city, created, note in orders:
        ddb.put_item(
            TableName=name,
            Item={
                "customer": {"S": customer},
                "order_id": {"S": oid},
                "status": {"S": status},
                "amount": {"N": str(total)},
                "city": {"S": city},
                "created": {"N": str(created)},
                "note": {"S": note},
                "secret": {"S": "not projected"},
            },
        )
    # sparse: no status / city / created
    ddb.put_item(TableName=name, Item={"customer": {"S": "carol"}, "order_id": {"S": "o6"}, "amount": {"N": "1"}})
    return name


def oids(items):
    return [i["order_id"]["S"] for i in items]


def test_describe_table_shows_indexes(ddb, indexed):
    desc = ddb.describe_table(TableName=indexed)["Table"]
    gsis = {g["IndexName"]: g for g in desc["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"by-status", "by-amount", "by-city"}
    assert gsis["by-status"]["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "amount", "KeyType": "RANGE"},
    ]
    assert gsis["by-status"]["Projection"] == {"ProjectionType": "ALL"}
    assert gsis["by-city"]["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}
    for g in gsis.values():
        assert g["IndexStatus"] == "ACTIVE"
        assert g["IndexArn"] == f"{desc['TableArn']}/index/{g['IndexName']}"
    lsis = {i["IndexName"]: i for i in desc["LocalSecondaryIndexes"]}
    assert set(lsis) == {"by-created"}
    assert lsis["by-created"]["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"},
    ]
    assert lsis["by-created"]["IndexArn"] == f"{desc['TableArn']}/index/by-created"


def test_gsi_query_all_projection_sorted_by_index_range_key(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}},
    )
    assert oids(resp["Items"]) == ["o4", "o3", "o1"]  # amounts 5, 20, 30
    assert resp["Items"][0]["secret"] == {"S": "not projected"}  # ALL projection


def test_gsi_query_range_condition_and_reverse(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-status",
        KeyConditionExpression="#s = :s AND amount >= :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}, ":t": {"N": "20"}},
        ScanIndexForward=False,
    )
    assert oids(resp["Items"]) == ["o1", "o3"]


def test_gsi_keys_only_projection(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-amount",
        KeyConditionExpression="amount = :t",
        ExpressionAttributeValues={":t": {"N": "10"}},
    )
    assert resp["Items"] == [{"customer": {"S": "alice"}, "order_id": {"S": "o2"}, "amount": {"N": "10"}}]


def test_gsi_include_projection(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-city",
        KeyConditionExpression="city = :c",
        ExpressionAttributeValues={":c": {"S": "rome"}},
    )
    assert sorted(oids(resp["Items"])) == ["o3", "o4"]
    for item in resp["Items"]:
        assert set(item) == {"customer", "order_id", "city", "note"}


def test_gsi_is_sparse(ddb, indexed):
    everything = scan_all(ddb, indexed, IndexName="by-status")
    assert sorted(oids(everything)) == ["o1", "o2", "o3", "o4", "o5"]  # carol's o6 has no status
    by_total = scan_all(ddb, indexed, IndexName="by-amount")
    assert sorted(oids(by_total)) == ["o1", "o2", "o3", "o4", "o5", "o6"]


def test_gsi_follows_updates_and_deletes(ddb, indexed):
    def open_orders():
        return oids(
            ddb.query(
                TableName=indexed,
                IndexName="by-status",
                KeyConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":s": {"S": "open"}},
            )["Items"]
        )

    ddb.update_item(
        TableName=indexed,
        Key={"customer": {"S": "alice"}, "order_id": {"S": "o1"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "shipped"}},
    )
    assert open_orders() == ["o4", "o3"]
    ddb.update_item(
        TableName=indexed,
        Key={"customer": {"S": "alice"}, "order_id": {"S": "o3"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    assert open_orders() == ["o4"]
    ddb.delete_item(TableName=indexed, Key={"customer": {"S": "bob"}, "order_id": {"S": "o4"}})
    assert open_orders() == []
    ddb.put_item(
        TableName=indexed,
        Item={"customer": {"S": "dave"}, "order_id": {"S": "o7"}, "status": {"S": "open"}, "amount": {"N": "3"}},
    )
    assert open_orders() == ["o7"]


def test_gsi_pagination(ddb, indexed):
    items, pages = query_all(
        ddb,
        indexed,
        IndexName="by-status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}},
        Limit=1,
    )
    assert oids(items) == ["o4", "o3", "o1"]
    lek = pages[0]["LastEvaluatedKey"]
    # a GSI's LastEvaluatedKey holds the table key and the index key
    assert lek == {
        "customer": {"S": "bob"},
        "order_id": {"S": "o4"},
        "status": {"S": "open"},
        "amount": {"N": "5"},
    }


def test_lsi_query_orders_by_lsi_range_key(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-created",
        KeyConditionExpression="customer = :c AND created > :t",
        ExpressionAttributeValues={":c": {"S": "alice"}, ":t": {"N": "150"}},
    )
    assert oids(resp["Items"]) == ["o3", "o1"]  # created 200, 300
    assert set(resp["Items"][0]) == {"customer", "order_id", "created"}  # KEYS_ONLY


def test_lsi_fetches_unprojected_attributes_when_asked(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-created",
        KeyConditionExpression="customer = :c",
        ExpressionAttributeValues={":c": {"S": "bob"}},
        Select="ALL_ATTRIBUTES",
    )
    assert oids(resp["Items"]) == ["o5", "o4"]
    assert resp["Items"][0]["secret"] == {"S": "not projected"}


def test_lsi_consistent_read_allowed(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-created",
        KeyConditionExpression="customer = :c",
        ExpressionAttributeValues={":c": {"S": "alice"}},
        ConsistentRead=True,
    )
    assert oids(resp["Items"]) == ["o2", "o3", "o1"]


def test_gsi_with_duplicate_index_keys(ddb, indexed):
    resp = ddb.query(
        TableName=indexed,
        IndexName="by-city",
        KeyConditionExpression="city = :c",
        ExpressionAttributeValues={":c": {"S": "paris"}},
        Select="COUNT",
    )
    assert resp["Count"] == 2


# --- errors ------------------------------------------------------------------------------------


def test_gsi_consistent_read_rejected(ddb, indexed):
    with aws_error("ValidationException", "Consistent reads are not supported on global secondary indexes"):
        ddb.query(
            TableName=indexed,
            IndexName="by-amount",
            KeyConditionExpression="amount = :t",
            ExpressionAttributeValues={":t": {"N": "10"}},
            ConsistentRead=True,
        )


def test_unknown_index(ddb, indexed):
    with aws_error("ValidationException", "The table does not have the specified index: nope"):
        ddb.query(
            TableName=indexed,
            IndexName="nope",
            KeyConditionExpression="customer = :c",
            ExpressionAttributeValues={":c": {"S": "alice"}},
        )
    with aws_error("ValidationException", "The table does not have the specified index: nope"):
        ddb.scan(TableName=indexed, IndexName="nope")


def test_select_all_attributes_on_partial_gsi(ddb, indexed):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for "
        "global secondary index by-amount because its projection type is not ALL",
    ):
        ddb.query(
            TableName=indexed,
            IndexName="by-amount",
            KeyConditionExpression="amount = :t",
            ExpressionAttributeValues={":t": {"N": "10"}},
            Select="ALL_ATTRIBUTES",
        )


def test_gsi_key_type_mismatch_on_write(ddb, indexed):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S "
        "Actual: N IndexName: by-status",
    ):
        ddb.put_item(
            TableName=indexed,
            Item={"customer": {"S": "x"}, "order_id": {"S": "y"}, "status": {"N": "1"}, "amount": {"N": "1"}},
        )


def test_gsi_key_empty_string_rejected(ddb, indexed):
    with aws_error(
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index key is "
        "not supported. The AttributeValue for a key attribute cannot contain an empty string value. "
        "IndexName: by-city, IndexKey: city",
    ):
        ddb.put_item(
            TableName=indexed,
            Item={"customer": {"S": "x"}, "order_id": {"S": "y"}, "city": {"S": ""}},
        )


def test_query_gsi_with_table_key(ddb, indexed):
    with aws_error("ValidationException", "Query condition missed key schema element: status"):
        ddb.query(
            TableName=indexed,
            IndexName="by-status",
            KeyConditionExpression="customer = :c",
            ExpressionAttributeValues={":c": {"S": "alice"}},
        )


def test_item_collection_metrics_on_lsi_tables(ddb, indexed, make_table):
    resp = ddb.put_item(
        TableName=indexed,
        Item={"customer": {"S": "carol"}, "order_id": {"S": "o9"}, "created": {"N": "1"}},
        ReturnItemCollectionMetrics="SIZE",
    )
    metrics = resp["ItemCollectionMetrics"]
    assert metrics["ItemCollectionKey"] == {"customer": {"S": "carol"}}
    assert metrics["SizeEstimateRangeGB"][0] <= metrics["SizeEstimateRangeGB"][1]
    # Tables without local secondary indexes have no item collections to report.
    plain = make_table()
    resp = ddb.put_item(TableName=plain, Item={"pk": {"S": "a"}}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in resp
