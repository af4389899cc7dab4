#!/usr/bin/env python3
"""A do-nothing AWS endpoint: answers each call with a minimal valid canned response.

It does no work per request beyond HTTP parsing, so a client's throughput against it is the
client's own ceiling (boto3 tops out near 2,000 calls/s on one core). Standard library only.

    python3 bench/noop_server.py --port PORT [--host 127.0.0.1] [--service dynamodb]

Every GET (e.g. /_nimbus/health) answers 200 `{"status":"running"}`. A service is a function
(method, path, headers, body) -> (status, content type, body); add one to SERVICES for the S3,
SQS, ... benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

JSON_10 = b"application/x-amz-json-1.0"

# ---------------------------------------------------------------------------------------------
# DynamoDB: the same item shape as bench/dynamodb.py writes (~100 bytes), so that the client
# parses as much as it does against a real target.


def _item(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": "x" * 64}, "n": {"N": "1"}}


def _table_description(name: str) -> dict:
    return {
        "TableName": name,
        "TableStatus": "ACTIVE",
        "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}",
        "TableId": "00000000-0000-0000-0000-000000000000",
        "CreationDateTime": time.time(),
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0,
                                  "NumberOfDecreasesToday": 0},
        "ItemCount": 0,
        "TableSizeBytes": 0,
    }


_QUERY_ITEMS = [_item("query", f"item#{i:02d}") for i in range(40)]
_DYNAMODB_CANNED = {
    "PutItem": b"{}",
    "DeleteItem": b"{}",
    "UpdateItem": b"{}",
    "GetItem": json.dumps({"Item": _item("get#0", "0")}).encode(),
    "Query": json.dumps({"Items": _QUERY_ITEMS, "Count": 40, "ScannedCount": 40}).encode(),
    "Scan": json.dumps({"Items": _QUERY_ITEMS, "Count": 40, "ScannedCount": 40}).encode(),
    "ListTables": b'{"TableNames":[]}',
    "BatchWriteItem": b'{"UnprocessedItems":{}}',
}
_DYNAMODB_TABLE_OPS = {"CreateTable": "TableDescription", "DescribeTable": "Table",
                       "DeleteTable": "TableDescription"}


def dynamodb(method: bytes, path: bytes, headers: dict, body: bytes) -> tuple[int, bytes, bytes]:
    operation = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
    canned = _DYNAMODB_CANNED.get(operation)
    if canned is not None:
        return 200, JSON_10, canned
    if operation in _DYNAMODB_TABLE_OPS:
        name = json.loads(body or b"{}").get("TableName", "table")
        return 200, JSON_10, json.dumps({_DYNAMODB_TABLE_OPS[operation]: _table_description(name)}).encode()
    return 200, JSON_10, b"{}"


# ---------------------------------------------------------------------------------------------
# Lambda: Invoke answers a small JSON result, as a trivial warm function would; the control-plane
# calls a benchmark makes answer minimal valid documents.

JSON = b"application/json"
_INVOKE_RESULT = b'{"ok": true}'


def lambda_(method: bytes, path: bytes, headers: dict, body: bytes) -> tuple:
    if path.endswith(b"/invocations"):
        return 200, JSON, _INVOKE_RESULT, ((b"X-Amz-Executed-Version", b"$LATEST"),)
    if method == b"POST" and path.rstrip(b"/").endswith(b"/functions"):
        name = json.loads(body or b"{}").get("FunctionName", "f")
        return 201, JSON, json.dumps({"FunctionName": name, "State": "Active", "Version": "$LATEST"}).encode()
    return 200, JSON, b"{}"


SERVICES = {"dynamodb": dynamodb, "lambda": lambda_}

# ---------------------------------------------------------------------------------------------
# HTTP/1.1 with keep-alive; requests carry a Content-Length (no chunked bodies).

_HEALTH = (200, b"application/json", b'{"status":"running"}')


async def serve_connection(service, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head[:-4].split(b"\r\n")
            method, path, _ = request_line.split(b" ", 2)
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = await reader.readexactly(length) if length else b""
            answer = _HEALTH if method == b"GET" and b"/functions" not in path else service(method, path, headers, body)
            status, content_type, payload = answer[:3]
            extra = b"".join(b"%s: %s\r\n" % kv for kv in (answer[3] if len(answer) > 3 else ()))
            writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                         b"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n%s\r\n%s"
                         % (status, b"OK" if status < 300 else b"Error", content_type, len(payload), extra, payload))
            if headers.get(b"connection", b"").lower() == b"close":
                break
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service", choices=sorted(SERVICES), default="dynamodb")
    args = parser.parse_args()
    service = SERVICES[args.service]
    server = await asyncio.start_server(lambda r, w: serve_connection(service, r, w),
                                        args.host, args.port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
