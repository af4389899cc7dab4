"""DynamoDB Streams data side: StreamSpecification, records for every write in each view type, and
the dynamodbstreams API (ListStreams, DescribeStream, GetShardIterator, GetRecords)."""

import datetime

import pytest

from dynamodb_testing import wait_table_active
from nimbus_testing import REGION, aws_error, wait_until

VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


def stream_arn(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


def all_shards(streams, arn):
    shards = []
    kwargs = {}
    for _ in range(100):
        desc = streams.describe_stream(StreamArn=arn, **kwargs)["StreamDescription"]
        shards.extend(desc["Shards"])
        if "LastEvaluatedShardId" not in desc:
            return shards
        kwargs["ExclusiveStartShardId"] = desc["LastEvaluatedShardId"]
    raise AssertionError("DescribeStream never stopped paginating")


def drain(streams, iterator, max_calls=50):
    """GetRecords until a call returns no records; returns (records, next_iterator)."""
    records = []
    for _ in range(max_calls):
        resp = streams.get_records(ShardIterator=iterator)
        assert "Records" in resp
        records.extend(resp["Records"])
        iterator = resp.get("NextShardIterator")
        if not resp["Records"] or iterator is None:
            return records, iterator
    raise AssertionError("GetRecords kept returning records")


def read_all(streams, arn):
    """Every record in the stream, from TRIM_HORIZON of every shard."""
    records = []
    for shard in all_shards(streams, arn):
        it = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        got, _ = drain(streams, it)
        records.extend(got)
    return records


def wait_records(streams, arn, count, timeout=10):
    """Poll until the stream holds at least `count` records (streams are asynchronous on AWS)."""
    return wait_until(lambda: (lambda r: r if len(r) >= count else None)(read_all(streams, arn)),
                      timeout=timeout, interval=0.1, what=f"{count} stream records")


def test_stream_specification_on_create(ddb, streams, make_table):
    table = make_table(stream="NEW_AND_OLD_IMAGES")
    desc = ddb.describe_table(TableName=table)["Table"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    arn = desc["LatestStreamArn"]
    label = desc["LatestStreamLabel"]
    assert arn == f"{desc['TableArn']}/stream/{label}"

    listed = streams.list_streams(TableName=table)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": table, "StreamLabel": label}]

    sd = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert sd["StreamArn"] == arn
    assert sd["StreamLabel"] == label
    assert sd["StreamStatus"] == "ENABLED"
    assert sd["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert sd["TableName"] == table
    assert sd["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert isinstance(sd["CreationRequestDateTime"], datetime.datetime)
    assert sd["Shards"], "an enabled stream has at least one shard"
    for shard in sd["Shards"]:
        assert shard["ShardId"] and len(shard["ShardId"]) <= 65
        assert shard["SequenceNumberRange"]["StartingSequenceNumber"].isdecimal()


def test_table_without_stream(ddb, streams, table):
    assert "LatestStreamArn" not in ddb.describe_table(TableName=table)["Table"]
    assert streams.list_streams(TableName=table)["Streams"] == []


@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_insert_modify_remove_records(ddb, streams, make_table, view_type):
    table = make_table(("pk", "S"), ("sk", "N"), stream=view_type)
    arn = stream_arn(ddb, table)
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    v1 = {**key, "v": {"S": "one"}, "keep": {"N": "7"}}
    v2 = {**key, "v": {"S": "two"}, "keep": {"N": "7"}}
    ddb.put_item(TableName=table, Item=v1)
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "two"}})
    ddb.delete_item(TableName=table, Key=key)

    records = wait_records(streams, arn, 3)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    seqs = []
    for r in records:
        assert r["eventSource"] == "aws:dynamodb"
        assert r["awsRegion"] == REGION
        assert r["eventVersion"] in ("1.0", "1.1")
        assert r["eventID"]
        d = r["dynamodb"]
        assert d["Keys"] == key
        assert d["StreamViewType"] == view_type
        assert d["SequenceNumber"].isdecimal()
        assert d["SizeBytes"] > 0
        assert isinstance(d["ApproximateCreationDateTime"], datetime.datetime)
        seqs.append(int(d["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert len({r["eventID"] for r in records}) == 3

    new_images = [r["dynamodb"].get("NewImage") for r in records]
    old_images = [r["dynamodb"].get("OldImage") for r in records]
    if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        assert new_images == [v1, v2, None]
    else:
        assert new_images == [None, None, None]
    if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        assert old_images == [None, v1, v2]
    else:
        assert old_images == [None, None, None]


def test_put_over_existing_item_is_modify(ddb, streams, make_table):
    table = make_table(stream="NEW_AND_OLD_IMAGES")
    arn = stream_arn(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "a": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "b": {"N": "2"}})
    records = wait_records(streams, arn, 2)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"] == {"pk": {"S": "k"}, "a": {"N": "1"}}
    assert records[1]["dynamodb"]["NewImage"] == {"pk": {"S": "k"}, "b": {"N": "2"}}


def test_writes_that_change_nothing_leave_no_record(ddb, streams, make_table):
    table = make_table(stream="NEW_AND_OLD_IMAGES")
    arn = stream_arn(ddb, table)
    item = {"pk": {"S": "same"}, "a": {"N": "1"}}
    ddb.put_item(TableName=table, Item=item)
    ddb.put_item(TableName=table, Item=item)  # identical put
    ddb.update_item(TableName=table, Key={"pk": {"S": "same"}}, UpdateExpression="SET a = :a",
                    ExpressionAttributeValues={":a": {"N": "1"}})  # no change
    ddb.delete_item(TableName=table, Key={"pk": {"S": "never-existed"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=table, Item={"pk": {"S": "same"}, "a": {"N": "2"}},
                     ConditionExpression="attribute_not_exists(pk)")
    ddb.put_item(TableName=table, Item={"pk": {"S": "marker"}})
    records = wait_records(streams, arn, 2)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "same"),
        ("INSERT", "marker"),
    ]


def test_batch_and_transaction_writes_are_recorded(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(3)]})
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t1"}}}},
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "b0"}}}},
        ]
    )
    records = wait_records(streams, arn, 5)
    events = sorted((r["dynamodb"]["Keys"]["pk"]["S"], r["eventName"]) for r in records)
    assert events == [("b0", "INSERT"), ("b0", "REMOVE"), ("b1", "INSERT"), ("b2", "INSERT"), ("t1", "INSERT")]


def test_failed_transaction_leaves_no_record(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "x"}}}},
                {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "y"}},
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
    ddb.put_item(TableName=table, Item={"pk": {"S": "marker"}})
    records = wait_records(streams, arn, 1)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["marker"]


def test_iterator_types(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    records = wait_records(streams, arn, 3)
    shard_id = next(
        s["ShardId"] for s in all_shards(streams, arn)
    )  # nimbus and small AWS tables: one open shard holds these records
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]

    def first_key(iterator_type, **kw):
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=iterator_type, **kw)
        got, _ = drain(streams, it["ShardIterator"])
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in got]

    assert first_key("TRIM_HORIZON") == ["k0", "k1", "k2"]
    assert first_key("AT_SEQUENCE_NUMBER", SequenceNumber=seqs[1]) == ["k1", "k2"]
    assert first_key("AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[1]) == ["k2"]
    assert first_key("AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[2]) == []

    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]
    empty = streams.get_records(ShardIterator=latest)
    assert empty["Records"] == []
    assert "NextShardIterator" in empty
    ddb.put_item(TableName=table, Item={"pk": {"S": "after-latest"}})

    def new_records():
        resp = streams.get_records(ShardIterator=latest)
        return resp["Records"]

    got = wait_until(new_records, timeout=10, what="a record after LATEST")
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got] == ["after-latest"]


def test_get_records_limit_and_next_iterator(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    for i in range(5):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    wait_records(streams, arn, 5)
    shard_id = all_shards(streams, arn)[0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    seen = []
    for _ in range(5):
        resp = streams.get_records(ShardIterator=it, Limit=2)
        assert len(resp["Records"]) <= 2
        seen.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in resp["Records"])
        it = resp["NextShardIterator"]
        if len(seen) == 5:
            break
    assert seen == [f"k{i}" for i in range(5)]
    assert streams.get_records(ShardIterator=it)["Records"] == []


def test_stream_enabled_by_update_table(ddb, streams, make_table):
    table = make_table()
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    wait_table_active(ddb, table)
    arn = stream_arn(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    records = wait_records(streams, arn, 1)
    assert [r["dynamodb"]["NewImage"] for r in records] == [{"pk": {"S": "after"}}]


def test_disable_stream(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    ddb.put_item(TableName=table, Item={"pk": {"S": "while-enabled"}})
    wait_records(streams, arn, 1)
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    wait_until(
        lambda: streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED",
        timeout=10,
        what="stream to be DISABLED",
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "while-disabled"}})
    records = read_all(streams, arn)  # the old records stay readable
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["while-enabled"]


def test_enable_stream_twice_is_rejected(ddb, make_table):
    table = make_table(stream="KEYS_ONLY")
    with aws_error("ValidationException", contains="already"):
        ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})


def test_list_streams_pagination(ddb, streams, make_table):
    tables = {make_table(stream="KEYS_ONLY"), make_table(stream="NEW_IMAGE")}
    first = streams.list_streams(Limit=1)
    assert len(first["Streams"]) == 1
    assert "LastEvaluatedStreamArn" in first
    seen = [s["TableName"] for s in first["Streams"]]
    resp = first
    for _ in range(1000):
        if "LastEvaluatedStreamArn" not in resp:
            break
        resp = streams.list_streams(Limit=1, ExclusiveStartStreamArn=resp["LastEvaluatedStreamArn"])
        seen.extend(s["TableName"] for s in resp["Streams"])
    for t in tables:
        assert seen.count(t) == 1


# --- errors ------------------------------------------------------------------------------------


def test_unknown_shard(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    with aws_error("ResourceNotFoundException"):
        streams.get_shard_iterator(
            StreamArn=stream_arn(ddb, table),
            ShardId="shardId-00000000000000000000-00000000",
            ShardIteratorType="LATEST",
        )


def test_sequence_number_required_for_at_and_after(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    shard_id = all_shards(streams, arn)[0]["ShardId"]
    for iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        with aws_error("ValidationException"):
            streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType=iterator_type)


def test_malformed_stream_arn(streams):
    with aws_error("ValidationException"):
        streams.describe_stream(StreamArn="not-an-arn-at-all-not-an-arn-at-all-xyz")


def test_missing_stream(ddb, streams, make_table):
    table = make_table(stream="KEYS_ONLY")
    arn = stream_arn(ddb, table)
    missing = arn.replace(f"table/{table}/", f"table/{table}-gone/")
    with aws_error("ResourceNotFoundException"):
        streams.describe_stream(StreamArn=missing)


def test_invalid_shard_iterator(streams):
    with aws_error("ValidationException"):
        streams.get_records(ShardIterator="x" * 64)
