"""AWS's own runtime clients work against nimbus's Runtime API unchanged: awslambdaric (the
official Python client, run from a provided.al2023 bootstrap), a Rust function built with the
`lambda_runtime` crate, and the shell-script bootstrap of AWS's custom-runtime tutorial."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lambda_testing import invoke

ROOT = Path(__file__).resolve().parents[2]
RUST_FUNCTION = Path(os.environ.get("NIMBUS_RUST_FUNCTION") or ROOT / "target/fixtures/release/bootstrap")
AWSLAMBDARIC = "awslambdaric==4.2.2"


def package_dir(files: dict[str, str]) -> dict[str, bytes]:
    return {k: v.encode() for k, v in files.items()}


def tree_files(root: Path) -> dict[str, bytes]:
    out = {}
    for path in root.rglob("*"):
        if path.is_file():
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


def test_awslambdaric_as_a_custom_runtime(lam, make_function):
    python = "/usr/bin/python3"
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", tmp, "--python-version", version, "--only-binary=:all:", AWSLAMBDARIC],
                       check=True)
        files = tree_files(Path(tmp))
    files["lambda_function.py"] = (
        b"def handler(event, context):\n"
        b"    if event.get('fail'):\n"
        b"        raise KeyError('missing thing')\n"
        b"    return {'via': 'awslambdaric', 'request_id': context.aws_request_id, 'event': event}\n")
    files["bootstrap"] = f'#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\nexec {python} -m awslambdaric "$_HANDLER"\n'.encode()
    name = make_function(files, runtime="provided.al2023", handler="lambda_function.handler",
                         executable=("bootstrap",), Timeout=15)
    r = invoke(lam, name, {"n": 1})
    assert r.error is None, r.body
    assert r.json == {"via": "awslambdaric", "request_id": r.raw["ResponseMetadata"]["RequestId"], "event": {"n": 1}}
    bad = invoke(lam, name, {"fail": True})
    assert bad.error == "Unhandled"
    assert bad.json["errorType"] == "KeyError" and "missing thing" in bad.json["errorMessage"]
    assert invoke(lam, name, {"n": 2}).json["event"] == {"n": 2}  # warm after an error


def test_rust_lambda_runtime_function(lam, make_function):
    if not RUST_FUNCTION.exists():
        pytest.fail(f"{RUST_FUNCTION} is missing; scripts/test builds it "
                    "(cargo build --release --manifest-path tests/fixtures/rust-function/Cargo.toml "
                    "--target-dir target/fixtures)", pytrace=False)
    name = make_function({"bootstrap": RUST_FUNCTION.read_bytes()}, runtime="provided.al2023",
                         handler="bootstrap", executable=("bootstrap",), MemorySize=256)
    r = invoke(lam, name, {"hello": "rust"})
    assert r.error is None, r.body
    out = r.json
    assert out["echo"] == {"hello": "rust"}
    assert out["request_id"] == r.raw["ResponseMetadata"]["RequestId"]
    assert out["invoked_function_arn"].endswith(f":function:{name}")
    assert out["deadline_in_future"] is True
    assert (out["function_name"], out["memory"]) == (name, 256)
    bad = invoke(lam, name, {"fail": 1})
    assert bad.error == "Unhandled"
    assert bad.json["errorMessage"] == "asked to fail"


def test_shell_bootstrap_from_the_custom_runtime_tutorial(lam, make_function):
    bootstrap = r'''#!/bin/bash
set -euo pipefail
. "$LAMBDA_TASK_ROOT/$(echo $_HANDLER | cut -d. -f1).sh"
while true; do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
  curl -sS "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "$RESPONSE" >/dev/null
done
'''
    function = 'handler () {\n  EVENT_DATA=$1\n  echo "$EVENT_DATA" 1>&2;\n  echo "{\\"shell\\": $EVENT_DATA}"\n}\n'
    name = make_function({"bootstrap": bootstrap, "function.sh": function}, runtime="provided",
                         handler="function.handler", executable=("bootstrap",))
    r = invoke(lam, name, {"k": "v"}, LogType="Tail")
    assert r.error is None, r.body
    assert r.json == {"shell": {"k": "v"}}
    assert '{"k": "v"}' in r.log or '{"k":"v"}' in r.log
