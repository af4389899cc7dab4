"""Fixtures for the Lambda tests (the Lambda client and `make_function` are in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def logs_client(server):
    return server.client("logs")
