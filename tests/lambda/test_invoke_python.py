"""Invoking Python functions: the event and context, warm reuse, every kind of failure, logs."""

from __future__ import annotations

import base64
import json
import re
import threading
import time

import pytest

from lambda_testing import invoke
from nimbus_testing import ACCOUNT, REGION, aws_error, wait_until

CONTEXT = '''
import os
def lambda_handler(event, context):
    env = {k: os.environ.get(k) for k in (
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
        "_HANDLER", "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
        "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_RUNTIME_API", "STAGE")}
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "client_context": context.client_context and context.client_context.custom,
        "env": env,
        "cwd": os.getcwd(),
    }
'''


def test_event_context_and_environment(lam, make_function):
    name = make_function(CONTEXT, runtime="python3.11", MemorySize=256, Timeout=7,
                         Environment={"Variables": {"STAGE": "dev"}})
    client_context = base64.b64encode(json.dumps({"custom": {"tenant": "t1"}}).encode()).decode()
    r = invoke(lam, name, {"x": 10, "y": [1, 2]}, ClientContext=client_context)
    assert (r.status, r.error, r.version) == (200, None, "$LATEST")
    request_id = r.raw["ResponseMetadata"]["RequestId"]
    out = r.json
    assert out["event"] == {"x": 10, "y": [1, 2]}
    assert out["function_name"] == name and out["function_version"] == "$LATEST"
    assert out["invoked_function_arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert out["memory_limit_in_mb"] == "256"
    assert out["aws_request_id"] == request_id  # the Invoke response's request id is the function's
    assert 5000 < out["remaining"] <= 7000
    assert out["client_context"] == {"tenant": "t1"}
    assert out["log_group_name"] == f"/aws/lambda/{name}"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", out["log_stream_name"])
    env = out["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == REGION
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["TZ"] == ":UTC" and env["STAGE"] == "dev"
    assert env["AWS_ACCESS_KEY_ID"] == ACCOUNT  # calls from the function stay in its account
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["LAMBDA_TASK_ROOT"] == out["cwd"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])


def test_warm_environment_keeps_module_state_and_tmp(lam, make_function):
    name = make_function('''
import os
COUNT = 0
def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    path = "/tmp/nimbus-warm-" + context.function_name
    seen = os.path.exists(path)
    open(path, "w").write("x")
    return [COUNT, seen]
''')
    assert invoke(lam, name).json == [1, False]
    assert invoke(lam, name).json == [2, True]
    assert invoke(lam, name).json == [3, True]


def test_function_error_document_and_tail(lam, make_function):
    name = make_function('''
def lambda_handler(event, context):
    print("about to divide")
    return {"result": event["x"] / event["y"]}
''')
    ok = invoke(lam, name, {"x": 10, "y": 2}, LogType="Tail")
    assert ok.json == {"result": 5.0}
    assert "START RequestId:" in ok.log and "about to divide" in ok.log and "END RequestId:" in ok.log
    assert re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\t"
                     r"Max Memory Used: \d+ MB\tInit Duration: [\d.]+ ms", ok.log), ok.log
    bad = invoke(lam, name, {"x": 1, "y": 0}, LogType="Tail")
    assert bad.status == 200 and bad.error == "Unhandled"
    doc = bad.json
    assert doc["errorMessage"] == "division by zero" and doc["errorType"] == "ZeroDivisionError"
    assert doc["requestId"] == bad.raw["ResponseMetadata"]["RequestId"]
    assert 'File "/var/task/lambda_function.py", line 4, in lambda_handler' in doc["stackTrace"][0] \
        or "lambda_function.py\", line 4, in lambda_handler" in doc["stackTrace"][0]
    assert "[ERROR] ZeroDivisionError: division by zero" in bad.log
    assert "Init Duration" not in bad.log  # the environment was warm


@pytest.mark.parametrize("files, handler, error_type, message", [
    ({"other.py": "x = 1"}, "lambda_function.lambda_handler", "Runtime.ImportModuleError",
     "Unable to import module 'lambda_function': No module named 'lambda_function'"),
    ({"lambda_function.py": "def other(e, c): pass"}, "lambda_function.lambda_handler", "Runtime.HandlerNotFound",
     "Handler 'lambda_handler' missing on module 'lambda_function'"),
    ({"lambda_function.py": "def lambda_handler(e, c)\n    return 1"}, "lambda_function.lambda_handler",
     "Runtime.UserCodeSyntaxError", None),
    ({"lambda_function.py": "import not_a_module_anywhere"}, "lambda_function.lambda_handler",
     "Runtime.ImportModuleError",
     "Unable to import module 'lambda_function': No module named 'not_a_module_anywhere'"),
    ({"lambda_function.py": "x = 1"}, "lambda_handler", "Runtime.MalformedHandlerName", None),
])
def test_init_errors(lam, make_function, files, handler, error_type, message):
    name = make_function(files, handler=handler)
    for _ in range(2):  # a failed init is not kept: the next call fails the same way
        r = invoke(lam, name, LogType="Tail")
        assert r.error == "Unhandled"
        assert r.json["errorType"] == error_type
        if message:
            assert r.json["errorMessage"] == message


def test_nested_handler_path(lam, make_function):
    name = make_function({"src/app/main.py": "def handle(e, c):\n    return 'nested'\n"}, handler="src/app/main.handle")
    assert invoke(lam, name).json == "nested"


def test_timeout_kills_the_whole_tree(lam, make_function):
    marker = f"nimbus-timeout-{time.time_ns()}"
    name = make_function(f'''
import subprocess, time
def lambda_handler(event, context):
    if event.get("hang"):
        subprocess.Popen(["/bin/sh", "-c", "sleep 300; : {marker}"])
        time.sleep(30)
    return "quick"
''', Timeout=1)
    r = invoke(lam, name, {"hang": True}, LogType="Tail")
    assert r.error == "Unhandled"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ Task timed out after 1\.00 seconds",
                        r.json["errorMessage"]), r.json
    assert "Task timed out after 1.00 seconds" in r.log

    def strays():
        import os
        count = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if marker.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                    count += 1
            except OSError:
                pass
        return count

    wait_until(lambda: strays() == 0, timeout=5, what="the timed-out function's children to be gone")
    assert invoke(lam, name).json == "quick"  # a fresh environment serves the next call


def test_exit_and_out_of_memory(lam, make_function):
    name = make_function('''
import os
def lambda_handler(event, context):
    if event["do"] == "exit":
        os._exit(3)
    data = bytearray(400 * 1024 * 1024)
    for i in range(0, len(data), 4096):
        data[i] = 1
    return len(data)
''', MemorySize=128)
    r = invoke(lam, name, {"do": "exit"})
    assert r.error == "Unhandled"
    assert r.json["errorType"] == "Runtime.ExitError"
    assert r.json["errorMessage"] == f"RequestId: {r.raw['ResponseMetadata']['RequestId']} Error: Runtime exited with error: exit status 3"
    r = invoke(lam, name, {"do": "memory"})
    assert r.error == "Unhandled"
    assert r.json["errorType"] == "Runtime.OutOfMemory", r.json
    assert r.json["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")


def test_response_size_limit(lam, make_function):
    name = make_function("def lambda_handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n")
    r = invoke(lam, name)
    assert r.error == "Unhandled"
    assert r.json["errorType"] == "Function.ResponseSizeTooLarge"


def test_request_checks(lam, make_function):
    name = make_function("def lambda_handler(e, c):\n    return e\n")
    with aws_error("InvalidRequestContentException", contains="Could not parse request body into json"):
        lam.invoke(FunctionName=name, Payload=b"not json")
    with aws_error("RequestTooLargeException", status=413,
                   message="Request must be smaller than 6291456 bytes for the InvokeFunction operation"):
        lam.invoke(FunctionName=name, Payload=json.dumps("x" * (6 * 1024 * 1024 + 10)))
    dry = lam.invoke(FunctionName=name, InvocationType="DryRun")
    assert dry["StatusCode"] == 204
    assert invoke(lam, name).json == {}  # no payload: the event is {}
    with aws_error("ResourceNotFoundException", status=404,
                   message=f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}-missing"):
        lam.invoke(FunctionName=name + "-missing")


def test_logging_module_and_cloudwatch_logs(lam, logs_client, make_function):
    name = make_function('''
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def lambda_handler(event, context):
    logger.info("processing %s", event["id"])
    print("plain print")
    return "ok"
''')
    r = invoke(lam, name, {"id": 42}, LogType="Tail")
    request_id = r.raw["ResponseMetadata"]["RequestId"]
    assert re.search(r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + request_id + r"\tprocessing 42", r.log), r.log
    group = f"/aws/lambda/{name}"

    def stored():
        try:
            streams = logs_client.describe_log_streams(logGroupName=group)["logStreams"]
        except logs_client.exceptions.ResourceNotFoundException:
            return None  # Lambda delivers logs asynchronously, a moment after the invocation
        if not streams:
            return None
        events = logs_client.get_log_events(logGroupName=group, logStreamName=streams[0]["logStreamName"],
                                            startFromHead=True)["events"]
        msgs = [e["message"] for e in events]
        return msgs if any(m.startswith("REPORT") for m in msgs) else None

    msgs = wait_until(stored, timeout=5, what="the function's logs in CloudWatch Logs")
    assert msgs[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert "plain print" in msgs
    assert msgs[-2] == f"END RequestId: {request_id}"
    found = logs_client.filter_log_events(logGroupName=group, filterPattern='"plain print"')["events"]
    assert len(found) == 1


def test_reserved_concurrency_throttles(lam, make_function):
    name = make_function("import time\ndef lambda_handler(e, c):\n    time.sleep(1.5)\n    return 'done'\n", Timeout=5)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    results = []

    def call():
        try:
            results.append(invoke(lam, name).json)
        except Exception as e:  # noqa: BLE001
            results.append(e)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join()
    throttled = [r for r in results if not isinstance(r, str)]
    assert [r for r in results if isinstance(r, str)] == ["done"]
    assert len(throttled) == 1
    err = throttled[0].response
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 429
    lam.delete_function_concurrency(FunctionName=name)
    with aws_error("InvalidParameterValueException", contains="below its minimum value of [100]"):
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=950)


def test_code_is_read_only(lam, make_function):
    name = make_function('''
def lambda_handler(event, context):
    try:
        open("/var/task/new.txt", "w").write("x")
        return "wrote"
    except OSError as e:
        return type(e).__name__
''')
    assert invoke(lam, name).json in ("OSError", "PermissionError")


def test_json_log_format(lam, make_function):
    name = make_function('''
import logging
logger = logging.getLogger()
def lambda_handler(event, context):
    logger.warning("careful %s", 1)
    return "ok"
''', LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    conf = lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
    assert conf == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                    "LogGroup": f"/aws/lambda/{name}"}
    r = invoke(lam, name, LogType="Tail")
    request_id = r.raw["ResponseMetadata"]["RequestId"]
    records = [json.loads(line) for line in r.log.strip().splitlines()]
    assert records[0]["type"] == "platform.start"
    assert records[0]["record"] == {"requestId": request_id, "version": "$LATEST"}
    app = [rec for rec in records if rec.get("level") == "WARNING"][0]
    assert app["message"] == "careful 1" and app["requestId"] == request_id and app["logger"] == "root"
    report = [rec for rec in records if rec.get("type") == "platform.report"][0]
    assert report["record"]["status"] == "success"
    assert report["record"]["metrics"]["memorySizeMB"] == 128 and "initDurationMs" in report["record"]["metrics"]


def test_tmp_is_capped_at_ephemeral_storage(lam, make_function, server):
    name = make_function('''
import errno
def lambda_handler(event, context):
    chunk = b"x" * (1024 * 1024)
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for _ in range(700):
                f.write(chunk)
                written += 1
        return {"mb": written, "full": False}
    except OSError as e:
        return {"mb": written, "full": e.errno == errno.ENOSPC}
''', Timeout=30, MemorySize=1024)
    if "bubblewrap is not usable" in server.output():
        pytest.skip("plain processes share the host's /tmp (no bubblewrap here)")
    out = invoke(lam, name).json
    assert out["full"] is True and 500 <= out["mb"] <= 512, out
