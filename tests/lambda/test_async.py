"""Asynchronous invocation: queued durably before the 202, retried as Lambda retries, results
sent to destinations, and not lost when nimbus is killed."""

from __future__ import annotations

import json
import time

import pytest

from lambda_testing import ROLE, function_name, zip_of
from nimbus_testing import ACCOUNT, REGION, aws_error, wait_until

RECORDER = '''
import json
def lambda_handler(event, context):
    print("RECORD " + json.dumps(event))
    return "recorded"
'''


def create(client, source: str, **params) -> str:
    name = function_name("async")
    client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                           Handler="lambda_function.lambda_handler",
                           Code={"ZipFile": zip_of({"lambda_function.py": source})}, **params)
    return name


def logged(logs, name: str, pattern: str) -> list[str]:
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern=pattern)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [e["message"] for e in events]


def records(logs, name: str) -> list[dict]:
    return [json.loads(m[len("RECORD "):]) for m in logged(logs, name, "RECORD")]


@pytest.fixture
def fast_retries(nimbus):
    """A server whose async retries come after 200 ms instead of Lambda's minute."""
    return nimbus(extra_args=("--lambda-retry-delays-ms", "200,200"))


def test_event_invocation_runs_after_202(lam, logs_client):
    name = create(lam, RECORDER)
    out = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"order": 7}))
    assert out["StatusCode"] == 202
    assert "FunctionError" not in out and out["Payload"].read() == b""
    got = wait_until(lambda: records(logs_client, name), timeout=10, what="the event to run")
    assert got == [{"order": 7}]
    legacy = lam.invoke_async(FunctionName=name, InvokeArgs=json.dumps({"order": 8}))
    assert legacy["Status"] == 202
    wait_until(lambda: len(records(logs_client, name)) == 2, timeout=10, what="InvokeAsync's event")
    with aws_error("RequestTooLargeException", status=413):
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps("x" * (1024 * 1024 + 1)))
    lam.delete_function(FunctionName=name)


def test_retries_then_failure_destination(fast_retries):
    lam, logs = fast_retries.client("lambda"), fast_retries.client("logs")
    failing = create(lam, "def lambda_handler(e, c):\n    print('ATTEMPT')\n    raise ValueError('always ' + e['why'])\n")
    sink = create(lam, RECORDER)
    sink_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{sink}"
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=2,
                                         DestinationConfig={"OnFailure": {"Destination": sink_arn}})
    conf = lam.get_function_event_invoke_config(FunctionName=failing)
    assert conf["MaximumRetryAttempts"] == 2
    assert conf["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{failing}:$LATEST"
    out = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"why": "broken"}))
    request_id = out["ResponseMetadata"]["RequestId"]
    got = wait_until(lambda: records(logs, sink), timeout=15, what="the failure record")
    assert len(logged(logs, failing, "ATTEMPT")) == 3  # the first try and two retries
    record = got[0]
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{failing}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"why": "broken"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "always broken"
    assert record["responsePayload"]["errorType"] == "ValueError"


def test_success_destination_and_no_retries(fast_retries):
    lam, logs = fast_retries.client("lambda"), fast_retries.client("logs")
    ok = create(lam, "def lambda_handler(e, c):\n    return {'doubled': e['n'] * 2}\n")
    sink = create(lam, RECORDER)
    lam.put_function_event_invoke_config(FunctionName=ok, DestinationConfig={
        "OnSuccess": {"Destination": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{sink}"}})
    lam.invoke(FunctionName=ok, InvocationType="Event", Payload=json.dumps({"n": 21}))
    record = wait_until(lambda: records(logs, sink), timeout=10, what="the success record")[0]
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}

    once = create(lam, "def lambda_handler(e, c):\n    print('ATTEMPT')\n    raise RuntimeError('x')\n")
    lam.put_function_event_invoke_config(FunctionName=once, MaximumRetryAttempts=0)
    lam.invoke(FunctionName=once, InvocationType="Event", Payload=b"{}")
    wait_until(lambda: logged(logs, once, "ATTEMPT"), timeout=10, what="the single attempt")
    time.sleep(1.0)
    assert len(logged(logs, once, "ATTEMPT")) == 1


def test_event_invoke_config_validation(lam):
    name = create(lam, RECORDER)
    with aws_error("InvalidParameterValueException", contains="The destination ARN"):
        lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnFailure": {"Destination": "nope"}})
    with aws_error("ResourceNotFoundException", status=404):
        lam.get_function_event_invoke_config(FunctionName=name)
    lam.delete_function(FunctionName=name)


def test_acknowledged_events_survive_kill_9(nimbus, data_dir):
    srv = nimbus(data_dir, extra_args=("--lambda-retry-delays-ms", "200,200"))
    lam = srv.client("lambda")
    name = create(lam, RECORDER)
    # With no concurrency the events are throttled: they wait in the queue.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for i in range(5):
        assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"i": i}))["StatusCode"] == 202
    srv.kill()
    srv.start()
    lam, logs = srv.client("lambda"), srv.client("logs")
    lam.delete_function_concurrency(FunctionName=name)
    got = wait_until(lambda: (r := records(logs, name)) and len(r) == 5 and r, timeout=20,
                     what="the five acknowledged events to run after the restart")
    assert sorted(r["i"] for r in got) == [0, 1, 2, 3, 4]
