"""Table lifecycle: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, waiters."""

import datetime
import re

import pytest

from dynamodb_testing import wait_table_active
from nimbus_testing import ACCOUNT, REGION, aws_error, unique_name, wait_until

WAITER_FAST = {"Delay": 1, "MaxAttempts": 15}


def test_create_table_returns_full_description(ddb):
    name = unique_name("create")
    resp = ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        desc = resp["TableDescription"]
        assert desc["TableName"] == name
        assert desc["TableStatus"] in ("CREATING", "ACTIVE")
        assert desc["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ]
        assert desc["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", desc["TableId"])
        assert isinstance(desc["CreationDateTime"], datetime.datetime)
        age = datetime.datetime.now(datetime.timezone.utc) - desc["CreationDateTime"]
        assert abs(age.total_seconds()) < 60
        assert desc["ItemCount"] == 0
        assert desc["TableSizeBytes"] == 0
        assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
        assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 0

        described = wait_table_active(ddb, name)
        assert described["TableStatus"] == "ACTIVE"
        assert described["TableArn"] == desc["TableArn"]
        assert described["TableId"] == desc["TableId"]
    finally:
        ddb.delete_table(TableName=name)


def test_create_provisioned_table_reports_throughput(ddb, make_table):
    name = make_table(billing="PROVISIONED")
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 5
    # a table created as PROVISIONED reports no PAY_PER_REQUEST summary
    assert desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"


def test_create_duplicate_table_is_resource_in_use(ddb, table):
    with aws_error("ResourceInUseException", f"Table already exists: {table}"):
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def test_create_table_key_attribute_without_definition(ddb):
    with aws_error(
        "ValidationException",
        contains="Some index key attributes are not defined in AttributeDefinitions",
    ):
        ddb.create_table(
            TableName=unique_name("nodef"),
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def test_create_provisioned_table_without_throughput(ddb):
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED",
    ):
        ddb.create_table(
            TableName=unique_name("nothroughput"),
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PROVISIONED",
        )


def test_create_table_with_invalid_name(ddb):
    with aws_error("ValidationException"):
        ddb.create_table(
            TableName="bad name!",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def test_describe_missing_table(ddb):
    name = unique_name("missing")
    with aws_error("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        ddb.describe_table(TableName=name)


def test_item_operations_on_missing_table(ddb):
    name = unique_name("missing")
    key = {"pk": {"S": "a"}}
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.get_item(TableName=name, Key=key)
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.put_item(TableName=name, Item=key)
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.update_item(TableName=name, Key=key, UpdateExpression="SET a = :a",
                        ExpressionAttributeValues={":a": {"S": "x"}})
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.delete_item(TableName=name, Key=key)
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "a"}})
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.scan(TableName=name)


def test_delete_table(ddb):
    name = unique_name("delete")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_table_active(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] in ("DELETING", "ACTIVE")

    def gone():
        try:
            ddb.describe_table(TableName=name)
            return False
        except ddb.exceptions.ResourceNotFoundException:
            return True

    wait_until(gone, timeout=10, what="table to disappear")
    assert name not in ddb.list_tables(ExclusiveStartTableName=name[:-1], Limit=100)["TableNames"]
    with aws_error("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        ddb.delete_table(TableName=name)


def test_recreated_table_is_empty(ddb):
    name = unique_name("recreate")
    spec = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.create_table(**spec)
    waiter_exists = ddb.get_waiter("table_exists")
    waiter_exists.wait(TableName=name, WaiterConfig=WAITER_FAST)
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAITER_FAST)
    ddb.create_table(**spec)
    waiter_exists.wait(TableName=name, WaiterConfig=WAITER_FAST)
    try:
        assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "old"}})
        assert ddb.scan(TableName=name)["Count"] == 0
    finally:
        ddb.delete_table(TableName=name)


def test_waiters_table_exists_and_not_exists(ddb):
    name = unique_name("waiter")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig=WAITER_FAST)
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig=WAITER_FAST)
    with aws_error("ResourceNotFoundException"):
        ddb.describe_table(TableName=name)


def test_resource_api_create_and_wait(ddb_resource):
    name = unique_name("resource")
    table = ddb_resource.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        table.wait_until_exists(WaiterConfig=WAITER_FAST)
        table.reload()
        assert table.table_status == "ACTIVE"
        assert table.key_schema == [{"AttributeName": "pk", "KeyType": "HASH"}]
        table.put_item(Item={"pk": "a", "n": 1})
        assert table.get_item(Key={"pk": "a"})["Item"] == {"pk": "a", "n": 1}
    finally:
        table.delete()


def test_list_tables_paginates_in_name_order(nimbus):
    srv = nimbus()  # a fresh server: ListTables sees only this test's tables
    client = srv.client()
    names = [f"list-{c}-{unique_name('x')}" for c in "ecadb"]
    for n in names:
        client.create_table(
            TableName=n,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    expected = sorted(names)

    everything = client.list_tables()
    assert everything["TableNames"] == expected
    assert "LastEvaluatedTableName" not in everything

    page1 = client.list_tables(Limit=2)
    assert page1["TableNames"] == expected[:2]
    assert page1["LastEvaluatedTableName"] == expected[1]
    page2 = client.list_tables(Limit=2, ExclusiveStartTableName=page1["LastEvaluatedTableName"])
    assert page2["TableNames"] == expected[2:4]
    assert page2["LastEvaluatedTableName"] == expected[3]
    page3 = client.list_tables(Limit=2, ExclusiveStartTableName=page2["LastEvaluatedTableName"])
    assert page3["TableNames"] == expected[4:]
    assert "LastEvaluatedTableName" not in page3

    # ExclusiveStartTableName need not be an existing table
    after = client.list_tables(ExclusiveStartTableName="list-c")
    assert after["TableNames"] == [n for n in expected if n > "list-c"]

    paginated = []
    for page in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        paginated.extend(page["TableNames"])
    assert paginated == expected


def test_list_tables_limit_above_100_rejected(ddb):
    with aws_error(
        "ValidationException",
        contains="Member must have value less than or equal to 100",
    ):
        ddb.list_tables(Limit=101)


def test_update_table_billing_mode(ddb, make_table):
    name = make_table(billing="PROVISIONED")
    desc = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert desc["TableName"] == name
    desc = wait_table_active(ddb, name)
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    ddb.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
    )
    desc = wait_table_active(ddb, name)
    assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 3


def test_update_table_add_and_delete_gsi(ddb, make_table):
    name = make_table()
    for i in range(6):
        item = {"pk": {"S": f"p{i}"}, "color": {"S": "red" if i % 2 else "blue"}, "n": {"N": str(i)}}
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "no-color"}})

    ddb.update_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "color", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-color",
                    "KeySchema": [
                        {"AttributeName": "color", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )
    desc = wait_table_active(ddb, name)
    gsis = {g["IndexName"]: g for g in desc["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"by-color"}
    assert gsis["by-color"]["IndexArn"] == f"{desc['TableArn']}/index/by-color"

    # the new index is backfilled with the existing items
    red = ddb.query(
        TableName=name,
        IndexName="by-color",
        KeyConditionExpression="color = :c",
        ExpressionAttributeValues={":c": {"S": "red"}},
    )
    assert [i["n"]["N"] for i in red["Items"]] == ["1", "3", "5"]

    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-color"}}])

    def index_gone():
        return not ddb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes")

    wait_until(index_gone, timeout=10, what="GSI deletion")
    with aws_error("ValidationException", "The table does not have the specified index: by-color"):
        ddb.query(
            TableName=name,
            IndexName="by-color",
            KeyConditionExpression="color = :c",
            ExpressionAttributeValues={":c": {"S": "red"}},
        )


def test_update_table_stream_specification(ddb, make_table):
    name = make_table()
    desc = ddb.describe_table(TableName=name)["Table"]
    assert "LatestStreamArn" not in desc
    ddb.update_table(
        TableName=name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    desc = wait_table_active(ddb, name)
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert desc["LatestStreamArn"].startswith(f"{desc['TableArn']}/stream/")
    assert desc["LatestStreamArn"].endswith(desc["LatestStreamLabel"])


def test_update_missing_table(ddb):
    name = unique_name("missing")
    with aws_error("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")


@pytest.mark.parametrize("bad", [[{"AttributeName": "pk", "KeyType": "RANGE"}]])
def test_create_table_first_key_must_be_hash(ddb, bad):
    with aws_error("ValidationException", contains="The first KeySchemaElement is not a HASH key type"):
        ddb.create_table(
            TableName=unique_name("badkey"),
            KeySchema=bad,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def test_describe_limits(ddb):
    limits = ddb.describe_limits()
    assert limits["AccountMaxReadCapacityUnits"] == 80000
    assert limits["TableMaxWriteCapacityUnits"] == 40000


def test_point_in_time_recovery_setting_round_trips(ddb, make_table):
    name = make_table()
    desc = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert desc["ContinuousBackupsStatus"] == "ENABLED"
    assert desc["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    ddb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    desc = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert desc["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    with aws_error("TableNotFoundException", f"Table not found: {name}-missing"):
        ddb.describe_continuous_backups(TableName=f"{name}-missing")


def test_deletion_protection(ddb, make_table):
    name = make_table(DeletionProtectionEnabled=True)
    assert ddb.describe_table(TableName=name)["Table"]["DeletionProtectionEnabled"] is True
    with aws_error(
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first.",
    ):
        ddb.delete_table(TableName=name)
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=name)
    with aws_error("ResourceNotFoundException"):
        ddb.describe_table(TableName=name)
