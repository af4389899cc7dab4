"""Concurrent clients: no lost updates, exactly one winner for conditional writes, atomic
transactions under contention."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

THREADS = 16


@pytest.fixture(scope="module")
def clients(server):
    """One boto3 client (own session and connection pool) per thread, as separate processes would have."""
    return [server.client() for _ in range(THREADS)]


def run_parallel(fn, n=THREADS):
    """Run fn(i) in n threads that start together; returns the results in order."""
    barrier = threading.Barrier(n)

    def start(i):
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def test_concurrent_increments_lose_nothing(clients, ddb, table):
    per_thread = 25
    key = {"pk": {"S": "counter"}}
    ddb.put_item(TableName=table, Item={**key, "seq": {"N": "0"}})

    def work(i):
        c = clients[i]
        for _ in range(per_thread):
            c.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET seq = seq + :v",
                ExpressionAttributeValues={":v": {"N": "1"}},
            )

    run_parallel(work)
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["seq"] == {"N": str(THREADS * per_thread)}


def test_concurrent_add_and_returned_values_are_unique(clients, ddb, table):
    per_thread = 10
    key = {"pk": {"S": "ticket"}}

    def work(i):
        c = clients[i]
        got = []
        for _ in range(per_thread):
            resp = c.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
                ReturnValues="UPDATED_NEW",
            )
            got.append(int(resp["Attributes"]["n"]["N"]))
        return got

    tickets = [t for got in run_parallel(work) for t in got]
    # every caller saw a distinct value: the updates were serialized
    assert sorted(tickets) == list(range(1, THREADS * per_thread + 1))


def test_concurrent_conditional_puts_have_one_winner(clients, ddb, table):

    def attempt(i):
        try:
            clients[i].put_item(
                TableName=table,
                Item={"pk": {"S": "lock"}, "owner": {"N": str(i)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
            return i
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return None

    results = run_parallel(attempt)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "lock"}}, ConsistentRead=True)["Item"]
    assert item["owner"] == {"N": str(winners[0])}


def test_concurrent_optimistic_locking(clients, ddb, table):
    """Version-checked read-modify-write loops from many threads end with every update applied."""
    key = {"pk": {"S": "doc"}}
    ddb.put_item(TableName=table, Item={**key, "version": {"N": "0"}, "entries": {"L": []}})
    per_thread = 5

    def work(i):
        c = clients[i]
        done = 0
        for _ in range(1000):
            if done == per_thread:
                return done
            cur = c.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            version = cur["version"]["N"]
            try:
                c.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET version = version + :one, entries = list_append(entries, :entry)",
                    ConditionExpression="version = :v",
                    ExpressionAttributeValues={
                        ":one": {"N": "1"},
                        ":v": {"N": version},
                        ":entry": {"L": [{"S": f"{i}"}]},
                    },
                )
                done += 1
            except ClientError as e:
                assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
        return done

    assert run_parallel(work, n=8) == [per_thread] * 8
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["version"] == {"N": str(8 * per_thread)}
    assert len(item["entries"]["L"]) == 8 * per_thread


def test_concurrent_transfers_conserve_the_total(clients, ddb, table):
    accounts = [f"acct{i}" for i in range(4)]
    for a in accounts:
        ddb.put_item(TableName=table, Item={"pk": {"S": a}, "balance": {"N": "100"}})

    def work(i):
        c = clients[i]
        rng = random.Random(i)
        committed = 0
        for _ in range(10):
            src, dst = rng.sample(accounts, 2)
            try:
                c.transact_write_items(
                    TransactItems=[
                        {"Update": {"TableName": table, "Key": {"pk": {"S": src}},
                                    "UpdateExpression": "SET balance = balance - :amt",
                                    "ConditionExpression": "balance >= :amt",
                                    "ExpressionAttributeValues": {":amt": {"N": "7"}}}},
                        {"Update": {"TableName": table, "Key": {"pk": {"S": dst}},
                                    "UpdateExpression": "SET balance = balance + :amt",
                                    "ExpressionAttributeValues": {":amt": {"N": "7"}}}},
                    ]
                )
                committed += 1
            except ClientError as e:
                # conflicts with concurrent transactions and insufficient funds both cancel
                assert e.response["Error"]["Code"] in ("TransactionCanceledException", "TransactionConflictException")
        return committed

    committed = sum(run_parallel(work, n=8))
    balances = {
        a: int(ddb.get_item(TableName=table, Key={"pk": {"S": a}}, ConsistentRead=True)["Item"]["balance"]["N"])
        for a in accounts
    }
    assert sum(balances.values()) == 400
    assert all(b >= 0 for b in balances.values())
    assert committed > 0
