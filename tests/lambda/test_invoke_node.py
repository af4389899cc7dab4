"""Invoking Node.js functions: CommonJS and ES modules, async, callback and context styles,
error documents, init errors and the console's log format."""

from __future__ import annotations

import json
import re

import pytest

from lambda_testing import invoke


def test_commonjs_callback_handler(lam, make_function):
    name = make_function(
        "exports.handler = (event, context, callback) => callback(null, "
        "{hello: event.name, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0});",
        runtime="nodejs20.x")
    r = invoke(lam, name, {"name": "nimbus"})
    assert (r.status, r.error) == (200, None)
    assert r.json == {"hello": "nimbus", "fn": name, "left": True}


def test_es_module_async_handler_and_console_format(lam, make_function):
    name = make_function({"index.mjs": '''
let calls = 0;
export const handler = async (event, context) => {
  calls += 1;
  console.log("event", JSON.stringify(event));
  console.error("something odd");
  return { calls, requestId: context.awsRequestId, env: process.env.AWS_EXECUTION_ENV };
};
'''}, runtime="nodejs22.x", handler="index.handler")
    r = invoke(lam, name, {"a": 1}, LogType="Tail")
    request_id = r.raw["ResponseMetadata"]["RequestId"]
    assert r.json == {"calls": 1, "requestId": request_id, "env": "AWS_Lambda_nodejs22.x"}
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + request_id + r'\tINFO\tevent {"a":1}', r.log), r.log
    assert re.search(request_id + r"\tERROR\tsomething odd", r.log), r.log
    assert invoke(lam, name).json["calls"] == 2  # warm


def test_package_type_module_and_nested_handler(lam, make_function):
    name = make_function({
        "package.json": '{"type": "module"}',
        "src/app.js": "export async function main(e) { return 'esm:' + e.x; }",
    }, runtime="nodejs20.x", handler="src/app.main")
    assert invoke(lam, name, {"x": 5}).json == "esm:5"


def test_context_succeed_and_sync_return(lam, make_function):
    name = make_function("exports.handler = function (event, context) { context.succeed({ok: true}); };",
                         runtime="nodejs18.x")
    assert invoke(lam, name).json == {"ok": True}


def test_errors_carry_type_message_and_trace(lam, make_function):
    name = make_function('''
exports.handler = async (event) => {
  if (event.kind === "reject") { throw new TypeError("bad input"); }
  if (event.kind === "callback") { return new Promise((_, reject) => reject(new Error("nope"))); }
  return "fine";
};
''', runtime="nodejs20.x")
    r = invoke(lam, name, {"kind": "reject"}, LogType="Tail")
    assert r.error == "Unhandled"
    doc = r.json
    assert doc["errorType"] == "TypeError" and doc["errorMessage"] == "bad input"
    assert doc["trace"][0] == "TypeError: bad input"
    assert any("/var/task/index.js" in line for line in doc["trace"])
    assert "\tERROR\t" in r.log
    assert invoke(lam, name, {"kind": "ok"}).json == "fine"


@pytest.mark.parametrize("files, handler, error_type", [
    ({"other.js": "exports.x = 1"}, "index.handler", "Runtime.ImportModuleError"),
    ({"index.js": "exports.other = () => 1"}, "index.handler", "Runtime.HandlerNotFound"),
    ({"index.js": "exports.handler = () => {"}, "index.handler", "Runtime.UserCodeSyntaxError"),
    ({"index.js": "require('no-such-package')"}, "index.handler", "Runtime.ImportModuleError"),
])
def test_node_init_errors(lam, make_function, files, handler, error_type):
    name = make_function(files, runtime="nodejs20.x", handler=handler)
    r = invoke(lam, name)
    assert r.error == "Unhandled"
    assert r.json["errorType"] == error_type, r.json


def test_process_exit_is_runtime_exit_error(lam, make_function):
    name = make_function("exports.handler = async () => { process.exit(2); };", runtime="nodejs20.x")
    r = invoke(lam, name)
    assert r.json["errorType"] == "Runtime.ExitError"
    assert r.json["errorMessage"].endswith("Error: Runtime exited with error: exit status 2")


def test_json_log_format(lam, make_function):
    name = make_function(
        'exports.handler = async () => { console.warn("careful", 1); return "ok"; };',
        runtime="nodejs20.x", LoggingConfig={"LogFormat": "JSON"})
    r = invoke(lam, name, LogType="Tail")
    request_id = r.raw["ResponseMetadata"]["RequestId"]
    records = [json.loads(line) for line in r.log.strip().splitlines()]
    assert records[0]["type"] == "platform.start"
    app = [rec for rec in records if rec.get("level") == "WARN"][0]
    assert app["message"] == "careful 1" and app["requestId"] == request_id
    assert [rec["type"] for rec in records if "type" in rec][-1] == "platform.report"
