"""Fixtures for the nimbus acceptance tests.

- `server`: one `nimbus serve --ephemeral` per test session (per xdist worker); tests use unique
  table names so they never see each other's data.
- `nimbus`: a factory for extra servers (fresh state, `--data-dir`, restarts, kill -9), stopped
  at the end of the test.
- `ddb`, `streams`, `ddb_resource`: boto3 clients for `server` (us-east-1, dummy credentials,
  no retries so every error surfaces).
- `make_table`: creates a table with a unique name (deleted afterwards).
- `aws`: runs the AWS CLI against `server` and returns its parsed JSON output.
- `lam`, `make_function`: a Lambda client, and functions created with unique names (deleted
  afterwards), for the Lambda and the front-door tests.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from dynamodb_testing import build_index, index_spec, key_schema_and_attrs, wait_table_active  # noqa: F401
from lambda_testing import ROLE, function_name, zip_of
from nimbus_testing import (
    AwsCli,
    NimbusServer,
    isolate_aws_environment,
    unique_name,
)

isolate_aws_environment()


@pytest.fixture(scope="session")
def server() -> Iterator[NimbusServer]:
    srv = NimbusServer()
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()
        srv.cleanup()


@pytest.fixture
def nimbus(tmp_path: Path) -> Iterator[Any]:
    """Factory: nimbus(data_dir=None|Path, **kwargs) -> started NimbusServer (stopped at teardown)."""
    started: list[NimbusServer] = []

    def start(data_dir: Path | str | None = None, *, start: bool = True, **kwargs: Any) -> NimbusServer:
        srv = NimbusServer(data_dir, **kwargs)
        started.append(srv)
        if start:
            srv.start()
        return srv

    yield start
    for srv in started:
        srv.stop()
        srv.cleanup()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="nimbus-data-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def endpoint(server: NimbusServer) -> str:
    return server.endpoint


@pytest.fixture(scope="session")
def ddb(server: NimbusServer):
    return server.client("dynamodb")


@pytest.fixture(scope="session")
def streams(server: NimbusServer):
    return server.client("dynamodbstreams")


@pytest.fixture(scope="session")
def ddb_resource(server: NimbusServer):
    return server.resource("dynamodb")


@pytest.fixture(scope="session")
def aws(server: NimbusServer) -> AwsCli:
    return AwsCli(server.endpoint)


@pytest.fixture
def make_table(ddb, request):
    """make_table(hash_key=("pk","S"), range_key=None, *, gsis=(), lsis=(), stream=None,
    billing="PAY_PER_REQUEST", name=None, client=ddb, **extra) -> table name (ACTIVE)."""
    created: list[tuple[Any, str]] = []

    def make(
        hash_key: tuple[str, str] = ("pk", "S"),
        range_key: tuple[str, str] | None = None,
        *,
        gsis: tuple[dict, ...] | list[dict] = (),
        lsis: tuple[dict, ...] | list[dict] = (),
        stream: str | None = None,
        billing: str = "PAY_PER_REQUEST",
        name: str | None = None,
        client=None,
        **extra: Any,
    ) -> str:
        client = client or ddb
        name = name or unique_name(request.node.name[:30])
        schema, attrs = key_schema_and_attrs(hash_key, range_key)
        params: dict[str, Any] = {"TableName": name, "KeySchema": schema}
        if gsis:
            params["GlobalSecondaryIndexes"] = [build_index(g, attrs) for g in gsis]
            if billing == "PROVISIONED":
                for g in params["GlobalSecondaryIndexes"]:
                    g["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        if lsis:
            params["LocalSecondaryIndexes"] = [build_index(i, attrs) for i in lsis]
        params["AttributeDefinitions"] = [
            {"AttributeName": n, "AttributeType": t} for n, t in attrs.items()
        ]
        params["BillingMode"] = billing
        if billing == "PROVISIONED":
            params["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        if stream:
            params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
        params.update(extra)
        client.create_table(**params)
        created.append((client, name))
        wait_table_active(client, name)
        return name

    yield make
    for client, name in created:
        try:
            client.delete_table(TableName=name)
        except ClientError:
            pass
        except Exception:  # the server may already be gone (e.g. a test that stops it)
            pass


@pytest.fixture
def table(make_table) -> str:
    """A table with a string hash key `pk`."""
    return make_table()


@pytest.fixture
def table_hr(make_table) -> str:
    """A table with hash key `pk` (S) and range key `sk` (S)."""
    return make_table(("pk", "S"), ("sk", "S"))


@pytest.fixture(scope="session")
def lam(server):
    return server.client("lambda")


@pytest.fixture
def make_function(lam, request):
    """make_function(code, runtime="python3.11", handler=None, name=None, client=lam, **params)
    -> name. `code` is the source of lambda_function.py (Python), index.js (Node.js), or a
    dict of files. Deleted at teardown."""
    created: list[tuple[Any, str]] = []

    def make(
        code: str | dict[str, str | bytes],
        runtime: str = "python3.11",
        handler: str | None = None,
        name: str | None = None,
        client=None,
        executable: tuple[str, ...] = (),
        **params: Any,
    ) -> str:
        client = client or lam
        name = name or function_name(request.node.name[:30])
        if isinstance(code, str):
            if runtime.startswith("python"):
                code = {"lambda_function.py": code}
                handler = handler or "lambda_function.lambda_handler"
            else:
                code = {"index.js": code}
                handler = handler or "index.handler"
        client.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=ROLE,
            Handler=handler or "lambda_function.lambda_handler",
            Code={"ZipFile": zip_of(code, executable)},
            **params,
        )
        created.append((client, name))
        return name

    yield make
    for client, name in created:
        try:
            client.delete_function(FunctionName=name)
        except ClientError:
            pass
        except Exception:
            pass
