"""Time to Live (settings and the background sweeper) and resource tags."""

import time

from nimbus_testing import ACCOUNT, REGION, aws_error, scan_all, unique_name, wait_until

# nimbus's sweeper removes expired items within a few seconds (AWS: typically within days).
SWEEP_TIMEOUT = 20


def test_ttl_disabled_by_default(ddb, table):
    resp = ddb.describe_time_to_live(TableName=table)
    assert resp["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}


def test_enable_and_describe_ttl(ddb, table):
    resp = ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    assert resp["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    desc = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert desc["TimeToLiveStatus"] in ("ENABLING", "ENABLED")
    assert desc["AttributeName"] == "expires"


def test_enable_ttl_twice_is_rejected(ddb, table):
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    with aws_error("ValidationException", contains="TimeToLive is already enabled"):
        ddb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
        )


def test_ttl_on_missing_table(ddb):
    name = unique_name("missing")
    with aws_error("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        ddb.describe_time_to_live(TableName=name)
    with aws_error("ResourceNotFoundException"):
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "x"})


def test_expired_items_are_swept(ddb, table):
    now = int(time.time())
    items = {
        "expired": {"N": str(now - 60)},
        "future": {"N": str(now + 3600)},
        "not-a-number": {"S": str(now - 60)},
        "five-years-old": {"N": str(now - 6 * 365 * 24 * 3600)},  # AWS ignores TTLs > 5 years past
        "milliseconds": {"N": str((now - 60) * 1000)},  # far future when read as seconds
    }
    for pk, ttl in items.items():
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "expires": ttl})
    ddb.put_item(TableName=table, Item={"pk": {"S": "no-ttl-attribute"}})
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})

    def remaining():
        keys = sorted(i["pk"]["S"] for i in scan_all(ddb, table, ConsistentRead=True))
        return keys if "expired" not in keys else None

    left = wait_until(remaining, timeout=SWEEP_TIMEOUT, interval=0.5, what="expired items to be deleted")
    assert left == sorted(["future", "not-a-number", "five-years-old", "milliseconds", "no-ttl-attribute"])


def test_items_written_after_enabling_expire_too(ddb, table):
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    ddb.put_item(TableName=table, Item={"pk": {"S": "soon"}, "ttl": {"N": str(int(time.time()) + 1)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "later"}, "ttl": {"N": str(int(time.time()) + 3600)}})
    wait_until(
        lambda: "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "soon"}}, ConsistentRead=True),
        timeout=SWEEP_TIMEOUT,
        interval=0.5,
        what="the item to expire",
    )
    assert "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "later"}})


def test_without_ttl_nothing_expires(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "old"}, "ttl": {"N": str(int(time.time()) - 60)}})
    time.sleep(3)
    assert "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "old"}}, ConsistentRead=True)


def test_ttl_deletion_stream_record(ddb, streams, make_table):
    table = make_table(stream="NEW_AND_OLD_IMAGES")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "e"}, "ttl": {"N": str(int(time.time()) - 10)}})
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})

    def removal():
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        for shard in shards:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            for _ in range(20):
                resp = streams.get_records(ShardIterator=it)
                for r in resp["Records"]:
                    if r["eventName"] == "REMOVE":
                        return r
                if not resp["Records"] or "NextShardIterator" not in resp:
                    break
                it = resp["NextShardIterator"]
        return None

    record = wait_until(removal, timeout=SWEEP_TIMEOUT, interval=0.5, what="the TTL REMOVE record")
    assert record["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "e"}}
    assert record["dynamodb"]["OldImage"]["pk"] == {"S": "e"}


def test_user_deletes_have_no_user_identity(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "u"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "u"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert all("userIdentity" not in r for r in records)


# --- tags --------------------------------------------------------------------------------------


def table_arn(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["TableArn"]


def test_tag_list_untag(ddb, table):
    arn = table_arn(ddb, table)
    assert arn == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
    tags = ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}]

    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])  # overwrite
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"env": "prod", "team": "a"}

    ddb.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_tags_on_create_table(ddb, make_table):
    table = make_table(Tags=[{"Key": "owner", "Value": "me"}])
    assert ddb.list_tags_of_resource(ResourceArn=table_arn(ddb, table))["Tags"] == [{"Key": "owner", "Value": "me"}]


def test_tags_on_missing_table(ddb):
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{unique_name('missing')}"
    with aws_error("ResourceNotFoundException", contains="Requested resource not found"):
        ddb.list_tags_of_resource(ResourceArn=arn)
    with aws_error("ResourceNotFoundException", contains="Requested resource not found"):
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    with aws_error("ResourceNotFoundException", contains="Requested resource not found"):
        ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])


def test_tags_with_invalid_arn(ddb):
    with aws_error("ValidationException", contains="Invalid TableArn"):
        ddb.list_tags_of_resource(ResourceArn="a:b:c:d:e:f/g")


def test_tags_do_not_survive_table_recreation(ddb):
    name = unique_name("retag")
    spec = dict(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    arn = ddb.create_table(**spec, Tags=[{"Key": "k", "Value": "v"}])["TableDescription"]["TableArn"]
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    ddb.create_table(**spec)
    try:
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    finally:
        ddb.delete_table(TableName=name)
