"""Helpers shared by the acceptance tests: starting the real nimbus binary, building boto3
clients the way an application would, running the AWS CLI, and asserting AWS errors.

Tests drive nimbus only through real clients (boto3, the AWS CLI); raw HTTP is used only for
input that no SDK can produce (see tests/server/test_bad_input.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import botocore.config
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("NIMBUS_BINARY") or ROOT / "target" / "debug" / "nimbus")

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
ACCOUNT = "000000000000"  # nimbus's account for any access key that is not a 12-digit number

START_TIMEOUT = float(os.environ.get("NIMBUS_START_TIMEOUT", "20"))


def isolate_aws_environment() -> None:
    """Make boto3 and the CLI ignore the developer's ~/.aws and AWS_* variables."""
    for var in list(os.environ):
        if var.startswith("AWS_"):
            del os.environ[var]
    os.environ.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )


# ------------------------------------------------------------------------------------------------
# The server under test
# ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 2.0) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


class NimbusServer:
    """One `nimbus serve` process on a free port.

    data_dir=None -> `--ephemeral` (unless ephemeral=False, which passes neither flag and so uses
    the default data dir `./.nimbus` relative to cwd).
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        ephemeral: bool = True,
        cwd: Path | str | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ):
        if not BINARY.exists():
            pytest.fail(
                f"{BINARY} does not exist. Build it with `cargo build -p nimbus` "
                "(scripts/test does this for you).",
                pytrace=False,
            )
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.ephemeral = ephemeral and data_dir is None
        self.cwd = Path(cwd) if cwd is not None else None
        self.extra_args = tuple(extra_args)
        self.extra_env = dict(env or {})
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._logdir = Path(tempfile.mkdtemp(prefix="nimbus-test-log-"))
        self._starts = 0

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def args(self) -> list[str]:
        args = [str(BINARY), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        elif self.ephemeral:
            args += ["--ephemeral"]
        return args + list(self.extra_args)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout_path(self) -> Path:
        return self._logdir / f"stdout.{self._starts}.log"

    @property
    def stderr_path(self) -> Path:
        return self._logdir / f"stderr.{self._starts}.log"

    def output(self) -> str:
        """Everything the current (or last) process wrote, for failure messages."""
        parts = []
        for name, path in (("stdout", self.stdout_path), ("stderr", self.stderr_path)):
            try:
                text = path.read_text(errors="replace")
            except FileNotFoundError:
                text = ""
            parts.append(f"--- nimbus {name} ---\n{text[-20000:]}")
        return "\n".join(parts)

    def start(self, timeout: float = START_TIMEOUT, keep_port: bool = False) -> "NimbusServer":
        last_error = ""
        for _attempt in range(3):
            if not (keep_port and self.port):
                self.port = free_port()
            self._starts += 1
            # The developer's NIMBUS_* settings (port, data dir, ...) must not leak into tests.
            env = {k: v for k, v in os.environ.items() if not k.startswith("NIMBUS_")}
            env.setdefault("RUST_BACKTRACE", "1")
            env.update(self.extra_env)
            with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
                self.proc = subprocess.Popen(
                    self.args,
                    stdout=out,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    cwd=str(self.cwd) if self.cwd else None,
                    env=env,
                )
            try:
                self.wait_healthy(timeout)
                return self
            except _ServerDied as e:
                last_error = str(e)
                text = self.output().lower()
                if "address" in text and "in use" in text and not keep_port:
                    continue  # lost the free-port race; try another port
                break
        pytest.fail(f"nimbus did not start: {last_error}", pytrace=False)

    def wait_healthy(self, timeout: float) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise _ServerDied(
                    f"`{' '.join(self.args)}` exited with code {code} before becoming healthy\n"
                    + self.output()
                )
            try:
                status, _, body = http_get(self.endpoint + "/_nimbus/health", timeout=1.0)
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.02)
        self.kill()
        raise _ServerDied(
            f"`{' '.join(self.args)}` was not healthy (GET /_nimbus/health -> 200) within "
            f"{timeout}s; last: {last}\n" + self.output()
        )

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Send `sig` and wait for exit; returns the exit code (kills after timeout -> None)."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None

    def kill(self) -> None:
        """kill -9."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, timeout: float = START_TIMEOUT) -> "NimbusServer":
        self.stop()
        return self.start(timeout)

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self._logdir, ignore_errors=True)

    # -- clients ---------------------------------------------------------------------------------

    def client(self, service: str = "dynamodb", **kwargs: Any):
        return make_client(service, self.endpoint, **kwargs)

    def resource(self, service: str = "dynamodb", **kwargs: Any):
        return make_resource(service, self.endpoint, **kwargs)


class _ServerDied(Exception):
    pass


def client_config(**overrides: Any) -> botocore.config.Config:
    # Legacy retry mode with max_attempts=0 means exactly one attempt, so every error surfaces,
    # and botocore's DynamoDB crc32 check raises instead of silently retrying.
    opts: dict[str, Any] = dict(
        retries={"mode": "legacy", "max_attempts": 0},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=50,
    )
    opts.update(overrides)
    return botocore.config.Config(**opts)


_session_lock = threading.Lock()
_session: boto3.session.Session | None = None


def shared_session() -> boto3.session.Session:
    """One botocore session (its loaded service models are cached) for every client the tests
    create; each client still has its own connection pool. Creation is serialized because
    sessions are not thread-safe."""
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


def make_client(
    service: str,
    endpoint: str,
    *,
    region: str = REGION,
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    **config: Any,
):
    with _session_lock:
        return shared_session().client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=client_config(**config),
        )


def make_resource(service: str, endpoint: str, *, region: str = REGION, **config: Any):
    with _session_lock:
        return shared_session().resource(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=client_config(**config),
        )


# ------------------------------------------------------------------------------------------------
# The AWS CLI
# ------------------------------------------------------------------------------------------------


class AwsCliError(AssertionError):
    def __init__(self, cmd: list[str], returncode: int, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(f"`{' '.join(cmd)}` exited {returncode}\nstdout: {stdout}\nstderr: {stderr}")


def aws_cli_path() -> str:
    candidate = Path(sys.executable).parent / "aws"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aws")
    if not found:
        pytest.fail("the AWS CLI is not installed; run scripts/test to create .venv/", pytrace=False)
    return found


class AwsCli:
    """Runs `aws --endpoint-url <nimbus> ...` and parses its JSON output."""

    def __init__(self, endpoint: str, region: str = REGION):
        self.endpoint = endpoint
        self.region = region
        self.exe = aws_cli_path()

    def __call__(self, *args: str, timeout: float = 60) -> Any:
        cmd = [
            self.exe,
            "--endpoint-url",
            self.endpoint,
            "--region",
            self.region,
            "--output",
            "json",
            *args,
        ]
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=self.region,
            AWS_MAX_ATTEMPTS="1",
            AWS_RETRY_MODE="standard",
            AWS_PAGER="",
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0:
            raise AwsCliError(cmd, proc.returncode, proc.stdout, proc.stderr)
        out = proc.stdout.strip()
        return json.loads(out) if out else None


# ------------------------------------------------------------------------------------------------
# Assertions and small utilities
# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def aws_error(
    code: str,
    message: str | None = None,
    *,
    contains: str | tuple[str, ...] | None = None,
    endswith: str | None = None,
    status: int = 400,
) -> Iterator[pytest.ExceptionInfo]:
    """Expect the block to raise a ClientError with AWS error `code` (and exact `message`, or a
    message containing `contains` / ending with `endswith`) and HTTP `status`."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    err = excinfo.value.response.get("Error", {})
    meta = excinfo.value.response.get("ResponseMetadata", {})
    assert err.get("Code") == code, f"expected error code {code}, got {err} ({meta.get('HTTPStatusCode')})"
    actual = err.get("Message")
    if message is not None:
        assert actual == message, f"message mismatch:\n  expected: {message!r}\n  actual:   {actual!r}"
    if contains is not None:
        for part in (contains,) if isinstance(contains, str) else contains:
            assert actual is not None and part in actual, f"{part!r} not in message {actual!r}"
    if endswith is not None:
        assert actual is not None and actual.endswith(endswith), f"{actual!r} does not end with {endswith!r}"
    assert meta.get("HTTPStatusCode") == status, f"expected HTTP {status}, got {meta.get('HTTPStatusCode')}"


def wait_until(
    predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1, what: str = "condition"
) -> Any:
    """Poll `predicate` until it returns a truthy value (returned) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def unique_name(prefix: str = "t") -> str:
    clean = "".join(c if c.isalnum() or c in "-_." else "-" for c in prefix)[:40]
    return f"{clean}-{uuid.uuid4().hex[:10]}"


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def ddb(value: Any) -> dict:
    """Python value -> DynamoDB AttributeValue (boto3's own serializer)."""
    return _serializer.serialize(value)


def ddb_item(d: dict) -> dict:
    return {k: _serializer.serialize(v) for k, v in d.items()}


def py_item(item: dict) -> dict:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def crc32(body: bytes) -> int:
    return zlib.crc32(body) & 0xFFFFFFFF


class CapturedHttp:
    """Records the raw HTTP responses a boto3 client receives (via botocore's event hooks)."""

    def __init__(self, client):
        self.responses: list[tuple[int, dict, bytes]] = []
        client.meta.events.register("after-call", self._after_call)

    def _after_call(self, http_response=None, **_kwargs):
        if http_response is not None:
            headers = {k.lower(): v for k, v in http_response.headers.items()}
            self.responses.append((http_response.status_code, headers, http_response.content))


def scan_all(client, table: str, **kwargs: Any) -> list[dict]:
    items: list[dict] = []
    for _ in range(10_000):
        resp = client.scan(TableName=table, **kwargs)
        items.extend(resp.get("Items", []))
        lek = resp.get("LastEvaluatedKey")
        if not lek:
            return items
        kwargs["ExclusiveStartKey"] = lek
    raise AssertionError("scan never ended (LastEvaluatedKey on every page)")


def query_all(client, table: str, **kwargs: Any) -> tuple[list[dict], list[dict]]:
    """All items of a paginated Query, and the raw pages."""
    items: list[dict] = []
    pages: list[dict] = []
    for _ in range(10_000):
        resp = client.query(TableName=table, **kwargs)
        pages.append(resp)
        items.extend(resp.get("Items", []))
        lek = resp.get("LastEvaluatedKey")
        if not lek:
            return items, pages
        kwargs["ExclusiveStartKey"] = lek
    raise AssertionError("query never ended (LastEvaluatedKey on every page)")
