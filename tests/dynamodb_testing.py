"""DynamoDB helpers shared by the tests and the fixtures: key schemas, index specs, waiting
for a table to be ACTIVE."""

from __future__ import annotations

import time
from typing import Any


def key_schema_and_attrs(hash_key: tuple[str, str], range_key: tuple[str, str] | None):
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    attrs = {hash_key[0]: hash_key[1]}
    if range_key:
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        attrs[range_key[0]] = range_key[1]
    return schema, attrs


def index_spec(
    name: str,
    hash_key: tuple[str, str],
    range_key: tuple[str, str] | None = None,
    projection: str = "ALL",
    non_key: list[str] | None = None,
) -> dict:
    """Describe a GSI/LSI for make_table(gsis=[...], lsis=[...])."""
    return {"name": name, "hash": hash_key, "range": range_key, "projection": projection, "non_key": non_key}


def build_index(spec: dict, attrs: dict[str, str]) -> dict:
    schema, index_attrs = key_schema_and_attrs(spec["hash"], spec["range"])
    attrs.update(index_attrs)
    projection: dict[str, Any] = {"ProjectionType": spec["projection"]}
    if spec["non_key"]:
        projection["NonKeyAttributes"] = spec["non_key"]
    return {"IndexName": spec["name"], "KeySchema": schema, "Projection": projection}


def wait_table_active(client, name: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        desc = client.describe_table(TableName=name)["Table"]
        indexes_ready = all(
            g.get("IndexStatus") == "ACTIVE" for g in desc.get("GlobalSecondaryIndexes", [])
        )
        if desc["TableStatus"] == "ACTIVE" and indexes_ready:
            return desc
        if time.monotonic() > deadline:
            raise AssertionError(f"table {name} not ACTIVE after {timeout}s: {desc}")
        time.sleep(0.05)
