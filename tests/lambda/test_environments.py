"""Execution environments under pressure and over time: idle reaping, the account's concurrency
limit, and functions that misbehave (fork bombs, log floods, runtimes that never ask for work)
without taking nimbus or other functions down."""

from __future__ import annotations

import json
import threading
import time

from lambda_testing import ROLE, function_name, invoke, zip_of


def create(lam, source, **params):
    name = function_name("env")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="lambda_function.lambda_handler",
                        Code={"ZipFile": zip_of({"lambda_function.py": source})}, **params)
    return name


def test_idle_environments_are_reaped(nimbus):
    srv = nimbus(extra_args=("--lambda-idle-seconds", "1"))
    lam = srv.client("lambda")
    name = create(lam, "def lambda_handler(e, c):\n    return 1\n")
    assert "Init Duration" in invoke(lam, name, LogType="Tail").log
    assert "Init Duration" not in invoke(lam, name, LogType="Tail").log  # warm
    time.sleep(2.5)
    assert "Init Duration" in invoke(lam, name, LogType="Tail").log  # reaped, started again


def test_account_concurrency_limit(nimbus):
    srv = nimbus(extra_args=("--lambda-concurrency", "1"))
    lam = srv.client("lambda")
    name = create(lam, "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return 'ok'\n")
    errors = []

    def call():
        try:
            invoke(lam, name)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.4)
    call()
    t.join()
    assert len(errors) == 1
    assert errors[0].response["Error"]["Code"] == "TooManyRequestsException"
    assert errors[0].response["Reason"] == "ConcurrentInvocationLimitExceeded"


def test_fork_bomb_and_log_flood_do_not_hurt_others(lam, make_function):
    bomb = make_function('''
import os, time
def lambda_handler(event, context):
    children = 0
    try:
        while True:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            children += 1
    except OSError:
        return {"stopped_at": children}
''', Timeout=10)
    flood = make_function('''
import sys
def lambda_handler(event, context):
    line = "x" * 1000 + "\\n"
    for _ in range(20000):
        sys.stdout.write(line)
    return "flooded"
''', Timeout=60)
    calm = make_function("def lambda_handler(e, c):\n    return 'calm'\n")
    r = invoke(lam, bomb)
    if r.error is None:
        assert r.json["stopped_at"] < 2000  # the pid limit stopped it
    assert invoke(lam, calm).json == "calm"
    assert invoke(lam, flood).json == "flooded"  # 20 MB of output: slowed by the pipe, not lost
    assert invoke(lam, calm).json == "calm"


def test_runtime_that_never_asks_for_work_times_out(lam, make_function):
    name = make_function({"bootstrap": "#!/bin/sh\nsleep 600\n"}, runtime="provided.al2023", handler="x",
                         executable=("bootstrap",), Timeout=1)
    started = time.monotonic()
    r = invoke(lam, name, LogType="Tail")
    assert r.error == "Unhandled"
    assert r.json["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert time.monotonic() - started < 30


def test_big_packages_are_refused(lam):
    import io
    import os
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("lambda_function.py", "def lambda_handler(e, c): pass")
        z.writestr("blob.bin", os.urandom(51 * 1024 * 1024))
    from nimbus_testing import aws_error

    with aws_error("RequestEntityTooLargeException", status=413,
                   message="Request must be smaller than 69905067 bytes for the CreateFunction operation"):
        lam.create_function(FunctionName=function_name("big"), Runtime="python3.11", Role=ROLE,
                            Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()})


def test_cli_tools(server, make_function, tmp_path):
    import subprocess

    from nimbus_testing import BINARY

    name = make_function("def lambda_handler(e, c):\n    print('cli saw', e)\n    return {'got': e}\n")
    env = {"PATH": "/usr/bin:/bin", "AWS_ENDPOINT_URL": server.endpoint}
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"k": 1}))
    out = subprocess.run([str(BINARY), "invoke", name, "--payload", f"@{payload}"], capture_output=True, text=True,
                         env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"got": {"k": 1}}
    assert "cli saw {'k': 1}" in out.stderr and "REPORT RequestId" in out.stderr
    listed = subprocess.run([str(BINARY), "functions"], capture_output=True, text=True, env=env, timeout=30)
    assert name in listed.stdout and "python3.11" in listed.stdout

    def logs():
        r = subprocess.run([str(BINARY), "logs", name], capture_output=True, text=True, env=env, timeout=30)
        return r.stdout if "cli saw" in r.stdout else None

    from nimbus_testing import wait_until

    assert "START RequestId" in wait_until(logs, timeout=10, what="nimbus logs to show the invocation")
    missing = subprocess.run([str(BINARY), "invoke", name + "-nope"], capture_output=True, text=True, env=env, timeout=30)
    assert missing.returncode == 1 and "ResourceNotFoundException: Function not found" in missing.stderr


def test_caller_that_goes_away_does_not_cut_the_invocation(server, lam, make_function, logs_client):
    from nimbus_testing import make_client, wait_until

    name = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    print('finished')\n    return 1\n",
                         Timeout=5)
    assert "Init Duration" in invoke(lam, name, LogType="Tail").log
    impatient = make_client("lambda", server.endpoint, read_timeout=0.3)
    try:
        impatient.invoke(FunctionName=name)
        raise AssertionError("the call should have timed out on the client side")
    except Exception as e:  # noqa: BLE001 - botocore's ReadTimeoutError
        assert "timeout" in type(e).__name__.lower() or "timed out" in str(e).lower()

    def finished_twice():
        try:
            events = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="finished")
        except logs_client.exceptions.ResourceNotFoundException:
            return False
        return len(events["events"]) >= 2

    wait_until(finished_twice, timeout=10, what="the abandoned invocation to run to its end")
    assert "Init Duration" not in invoke(lam, name, LogType="Tail").log  # its environment is still warm
