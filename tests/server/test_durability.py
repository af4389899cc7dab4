"""Durability and process lifecycle: acknowledged writes survive kill -9, SIGTERM/SIGINT drain and
exit 0, state survives restarts, --ephemeral and the default data dir."""

import signal
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from dynamodb_testing import wait_table_active
from nimbus_testing import scan_all, wait_until


def create_table(client, name="durable", **extra):
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    wait_table_active(client, name)
    return name


class Writers:
    """Threads that PutItem as fast as they can and remember which puts were acknowledged."""

    def __init__(self, server, table, threads=4):
        self.server = server
        self.table = table
        self.acked: set[str] = set()
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, n):
        client = self.server.client(connect_timeout=2, read_timeout=10)
        i = 0
        while not self.stop.is_set():
            key = f"w{n}-{i}"
            try:
                client.put_item(TableName=self.table, Item={"pk": {"S": key}, "payload": {"S": "x" * 200}})
            except (BotoCoreError, ClientError, OSError) as e:
                self.errors.append(e)
                return  # the server went away
            with self.lock:
                self.acked.add(key)
            i += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def count(self):
        with self.lock:
            return len(self.acked)

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def test_acknowledged_writes_survive_kill_9(nimbus, data_dir):
    srv = nimbus(data_dir)
    table = create_table(srv.client())
    writers = Writers(srv, table).start()
    wait_until(lambda: writers.count() >= 1000, timeout=60, interval=0.01, what="1000 acknowledged puts")
    srv.kill()  # SIGKILL mid-load: no chance to flush anything
    writers.join()
    acked = set(writers.acked)
    assert len(acked) >= 1000

    srv.start()  # same data dir
    client = srv.client()
    stored = {i["pk"]["S"] for i in scan_all(client, table, ConsistentRead=True)}
    missing = acked - stored
    assert not missing, f"{len(missing)} acknowledged puts lost after kill -9, e.g. {sorted(missing)[:5]}"


def test_sigterm_drains_load_and_exits_zero(nimbus, data_dir):
    srv = nimbus(data_dir)
    table = create_table(srv.client())
    writers = Writers(srv, table).start()
    wait_until(lambda: writers.count() >= 100, timeout=30, interval=0.01, what="100 acknowledged puts")
    code = srv.stop(signal.SIGTERM, timeout=15)
    writers.join()
    assert code == 0, f"nimbus exited with {code} on SIGTERM\n{srv.output()}"
    srv.start()
    stored = {i["pk"]["S"] for i in scan_all(srv.client(), table, ConsistentRead=True)}
    assert writers.acked <= stored


def test_sigint_exits_zero(nimbus, data_dir):
    srv = nimbus(data_dir)
    create_table(srv.client())
    code = srv.stop(signal.SIGINT, timeout=15)
    assert code == 0, f"nimbus exited with {code} on SIGINT\n{srv.output()}"


def test_sigterm_on_idle_ephemeral_server_exits_zero(nimbus):
    srv = nimbus()
    start = time.monotonic()
    code = srv.stop(signal.SIGTERM, timeout=15)
    assert code == 0, srv.output()
    assert time.monotonic() - start < 5


def test_everything_survives_a_restart(nimbus, data_dir):
    srv = nimbus(data_dir)
    client = srv.client()
    client.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "env", "Value": "test"}],
    )
    wait_table_active(client, "orders")
    client.update_time_to_live(TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    for i in range(10):
        client.put_item(TableName="orders", Item={"pk": {"S": f"o{i}"}, "status": {"S": "open" if i % 2 else "done"}})
    before = client.describe_table(TableName="orders")["Table"]
    assert srv.stop() == 0, srv.output()

    srv.start()
    client = srv.client()
    after = client.describe_table(TableName="orders")["Table"]
    for field in ("TableArn", "TableId", "KeySchema", "LatestStreamArn", "StreamSpecification", "CreationDateTime"):
        assert after[field] == before[field], field
    assert [g["IndexName"] for g in after["GlobalSecondaryIndexes"]] == ["by-status"]
    assert len(scan_all(client, "orders")) == 10
    open_orders = client.query(
        TableName="orders",
        IndexName="by-status",
        KeyConditionExpression="#s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "open"}},
    )
    assert open_orders["Count"] == 5
    ttl = client.describe_time_to_live(TableName="orders")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "exp"
    arn = after["TableArn"]
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "test"}]

    streams = srv.client("dynamodbstreams")
    stream_arn = after["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    it = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert len(records) == 10
    # sequence numbers keep increasing across restarts
    client.put_item(TableName="orders", Item={"pk": {"S": "after-restart"}})
    it = streams.get_shard_iterator(
        StreamArn=stream_arn,
        ShardId=shard["ShardId"],
        ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        SequenceNumber=records[-1]["dynamodb"]["SequenceNumber"],
    )
    newer = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in newer] == ["after-restart"]
    assert int(newer[0]["dynamodb"]["SequenceNumber"]) > int(records[-1]["dynamodb"]["SequenceNumber"])


def test_deleted_table_stays_deleted_after_restart(nimbus, data_dir):
    srv = nimbus(data_dir)
    client = srv.client()
    create_table(client, "gone")
    client.put_item(TableName="gone", Item={"pk": {"S": "a"}})
    client.delete_table(TableName="gone")
    client.get_waiter("table_not_exists").wait(TableName="gone", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    srv.kill()
    srv.start()
    client = srv.client()
    assert "gone" not in client.list_tables()["TableNames"]
    create_table(client, "gone")
    assert scan_all(client, "gone") == []


def test_startup_line_names_endpoint_and_data_dir(nimbus, data_dir):
    srv = nimbus(data_dir)

    def announced():
        out = srv.output()
        return f"127.0.0.1:{srv.port}" in out and str(data_dir) in out

    wait_until(announced, timeout=5, what="the startup line")


def test_ephemeral_writes_nothing_to_disk(nimbus, tmp_path):
    srv = nimbus(cwd=tmp_path)  # --ephemeral
    create_table(srv.client(), "temp")
    srv.client().put_item(TableName="temp", Item={"pk": {"S": "a"}})
    assert srv.stop() == 0
    assert list(tmp_path.iterdir()) == []
    srv.start()
    assert "temp" not in srv.client().list_tables()["TableNames"]


def test_default_data_dir_is_dot_nimbus(nimbus, tmp_path):
    srv = nimbus(ephemeral=False, cwd=tmp_path)  # neither --data-dir nor --ephemeral
    create_table(srv.client(), "kept")
    assert srv.stop() == 0
    assert (tmp_path / ".nimbus").is_dir()
    assert any((tmp_path / ".nimbus").iterdir())
    srv.start()
    assert "kept" in srv.client().list_tables()["TableNames"]
