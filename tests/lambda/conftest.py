"""Fixtures for the Lambda tests: a Lambda client, and functions created with unique names
(deleted afterwards)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambda_testing import ROLE, function_name, zip_of


@pytest.fixture(scope="session")
def lam(server):
    return server.client("lambda")


@pytest.fixture(scope="session")
def logs_client(server):
    return server.client("logs")


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
