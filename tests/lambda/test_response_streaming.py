"""Response streaming through function URLs in InvokeMode RESPONSE_STREAM: the client reads
each chunk while the function is still writing the next. Node.js handlers use
`awslambda.streamifyResponse`; a Rust function streams through the official `lambda_runtime`
crate's streaming response. Read with http.client, which shows a chunked body chunk by chunk
and tells a body that broke off (IncompleteRead) from one that ended."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lambda_testing import invoke
from nimbus_testing import REGION, wait_until
from test_function_urls import call
from test_official_clients import RUST_FUNCTION


class Gate:
    """An HTTP endpoint on loopback that a function calls and that answers only once the test
    opens it: a function that waits on it cannot finish before the test has seen its first
    chunk, so buffering the stream would deadlock the test (and fail it) instead of passing."""

    def __init__(self):
        self.opened = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                gate.opened.wait(20)
                body = b"open" if gate.opened.is_set() else b"never opened"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self):
        self.opened.set()
        self.server.shutdown()


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.close()


@pytest.fixture
def stream_url(lam, make_function):
    def make(code: str, runtime: str = "nodejs20.x", **params):
        name = make_function(code, runtime=runtime, **params)
        url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
        return name, url["FunctionUrl"]
    return make


def open_stream(server, url: str, path: str = "/", timeout: float = 15) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    uid = url.split("://", 1)[1].split(".", 1)[0]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    conn.request("GET", path, headers={"Host": f"{uid}.lambda-url.{REGION}.localhost:{server.port}"})
    return conn, conn.getresponse()


def read_until(resp: http.client.HTTPResponse, marker: bytes) -> bytes:
    got = b""
    while marker not in got:
        chunk = resp.read1(65536)
        assert chunk, f"the stream ended before {marker!r}; got {got!r}"
        got += chunk
    return got


GATED = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200, headers: {"content-type": "text/plain", "x-mode": "streamed"}});
  responseStream.write("first\\n");
  const gate = await fetch(event.queryStringParameters.gate);
  responseStream.write("then " + (await gate.text()) + "\\n");
  responseStream.end();
});
"""


def test_the_client_reads_each_chunk_while_the_function_still_writes(stream_url, server, gate):
    _, url = stream_url(GATED)
    conn, resp = open_stream(server, url, f"/?gate={gate.url}")
    assert resp.status == 200
    assert (resp.getheader("content-type"), resp.getheader("x-mode")) == ("text/plain", "streamed")
    assert resp.getheader("transfer-encoding") == "chunked"
    assert read_until(resp, b"first\n") == b"first\n"
    gate.opened.set()
    assert resp.read() == b"then open\n"
    conn.close()


STREAMING_NODE = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.rawPath === "/raw") {
    responseStream.write("raw ");
    responseStream.end("bytes");
    return;
  }
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: {"content-type": "text/plain", "x-streamed": "yes"}, cookies: ["s=1"]});
  stream.write("hello ");
  await new Promise((r) => setTimeout(r, 10));
  stream.write(context.functionName ? "streamed " : "");
  stream.end("world");
});
"""


def test_the_prelude_sets_status_headers_and_cookies(lam, stream_url, server):
    name, url = stream_url(STREAMING_NODE)
    r = call(server, url, "/")
    assert (r.status, r.data) == (201, b"hello streamed world")
    assert (r.headers["content-type"], r.headers["x-streamed"], r.headers["set-cookie"]) == ("text/plain", "yes", "s=1")
    r = call(server, url, "/raw")
    assert (r.status, r.headers["content-type"], r.data) == (200, "application/octet-stream", b"raw bytes")
    assert lam.get_function_url_config(FunctionName=name)["InvokeMode"] == "RESPONSE_STREAM"


FAILING = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  if (event.rawPath === "/early") throw new Error("before any byte");
  responseStream.setContentType("text/plain");
  responseStream.write("partial");
  await new Promise((r) => setTimeout(r, 50));
  if (event.rawPath === "/hang") await new Promise(() => {});
  throw new Error("mid-stream");
});
"""


def test_an_error_or_timeout_mid_stream_breaks_the_body_off(stream_url, server, lam):
    name, url = stream_url(FAILING, Timeout=2)
    for path in ("/", "/hang"):
        conn, resp = open_stream(server, url, path)
        assert (resp.status, resp.getheader("content-type")) == (200, "text/plain")
        with pytest.raises(http.client.IncompleteRead) as broken:
            resp.read()
        assert broken.value.partial == b"partial"
        conn.close()
    # Before the first byte there is no stream yet: the URL answers 502 as a buffered one does.
    conn, resp = open_stream(server, url, "/early")
    assert (resp.status, resp.read()) == (502, b"Internal Server Error")
    # The environment survived its errors: Invoke reaches it and sees the function's error.
    r = invoke(lam, name, {"rawPath": "/"})
    assert r.error == "Unhandled" and r.json["errorMessage"] == "mid-stream"


BIG = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const chunk = Buffer.alloc(64 * 1024, "x");
  for (let i = 0; i < 160; i++) {
    if (!responseStream.write(chunk)) await new Promise((r) => responseStream.once("drain", r));
  }
  console.log("wrote everything for", event.rawPath);
  responseStream.end();
});
"""


def test_streams_pass_the_buffered_limit_and_survive_a_client_hanging_up(stream_url, server, logs_client):
    name, url = stream_url(BIG)
    conn, resp = open_stream(server, url, "/all")
    body = resp.read()
    assert len(body) == 160 * 64 * 1024  # 10 MB: over Invoke's 6 MB
    conn.close()
    conn, resp = open_stream(server, url, "/hangup")
    read_until(resp, b"x")
    conn.close()  # the function goes on writing into a stream nobody reads, and finishes
    def finished():
        try:
            return logs_client.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                                 filterPattern='"for /hangup"')["events"]
        except logs_client.exceptions.ResourceNotFoundException:  # no log line written yet
            return None
    wait_until(finished, what="the function to finish after the client hung up")
    conn, resp = open_stream(server, url, "/again")
    assert len(resp.read()) == 160 * 64 * 1024


def test_a_rust_function_streams_through_lambda_runtime(lam, make_function, server):
    if not RUST_FUNCTION.exists():
        pytest.fail(f"{RUST_FUNCTION} is missing; scripts/test builds it", pytrace=False)
    name = make_function({"bootstrap": RUST_FUNCTION.read_bytes()}, runtime="provided.al2023",
                         handler="stream", executable=("bootstrap",))
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    conn, resp = open_stream(server, url["FunctionUrl"], "/p")
    assert resp.status == 202
    assert (resp.getheader("content-type"), resp.getheader("x-runtime")) == ("text/plain", "lambda_runtime")
    assert resp.read() == b"rust /p streamed"
    conn.close()


def test_invoke_collects_what_a_streaming_function_writes(lam, make_function):
    name = make_function("""
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write(JSON.stringify({got: event}));
  responseStream.end();
});
""", runtime="nodejs20.x")
    r = invoke(lam, name, {"a": 1})
    assert r.error is None and json.loads(r.body) == {"got": {"a": 1}}


STREAM_FOR_INVOKE = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write("first\\n");
  if (event.fail) throw new Error("mid-stream");
  const gate = await fetch(event.gate);
  responseStream.end("then " + (await gate.text()) + "\\n");
});
"""


def payload_until(events, wanted: bytes) -> bytes:
    got = b""
    while len(got) < len(wanted):
        got += next(events)["PayloadChunk"]["Payload"]
    return got


def test_invoke_with_response_stream_delivers_chunks_as_they_are_written(lam, make_function, gate):
    name = make_function(STREAM_FOR_INVOKE, runtime="nodejs20.x")
    resp = lam.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"gate": gate.url}), LogType="Tail")
    assert (resp["StatusCode"], resp["ExecutedVersion"]) == (200, "$LATEST")
    assert resp["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    events = iter(resp["EventStream"])
    assert payload_until(events, b"first\n") == b"first\n"  # read before the gate opens
    gate.opened.set()
    assert payload_until(events, b"then open\n") == b"then open\n"
    complete = next(events)["InvokeComplete"]
    assert "ErrorCode" not in complete
    assert "END RequestId" in base64.b64decode(complete["LogResult"]).decode()
    assert list(events) == []


def test_invoke_with_response_stream_reports_errors_and_buffered_answers(lam, make_function):
    name = make_function(STREAM_FOR_INVOKE, runtime="nodejs20.x")
    events = list(lam.invoke_with_response_stream(FunctionName=name, Payload=b'{"fail": true}')["EventStream"])
    assert events[0] == {"PayloadChunk": {"Payload": b"first\n"}}
    assert events[-1] == {"InvokeComplete": {"ErrorCode": "Error", "ErrorDetails": "mid-stream"}}
    # A function that does not stream answers with its whole response as one chunk.
    plain = make_function("def lambda_handler(event, context):\n    return {'echo': event}\n")
    events = list(lam.invoke_with_response_stream(FunctionName=plain, Payload=b'{"a": 1}')["EventStream"])
    assert [json.loads(events[0]["PayloadChunk"]["Payload"]), events[1]] == [{"echo": {"a": 1}}, {"InvokeComplete": {}}]
    assert lam.invoke_with_response_stream(FunctionName=plain, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke_with_response_stream(FunctionName="no-such-function")


REST_STREAM = """
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200, headers: {"content-type": "text/plain"}, multiValueHeaders: {"x-m": ["a", "b"]}});
  responseStream.write("path " + event.path + "\\n");
  const gate = await fetch(event.queryStringParameters.gate);
  responseStream.end("then " + (await gate.text()) + "\\n");
});
"""


def test_rest_api_streams_a_lambda_proxy_response(server, make_function, gate):
    """responseTransferMode STREAM: API Gateway invokes the function as InvokeWithResponseStream
    does and sends its body on as it is written, after the prelude's status and headers."""
    apigw = server.client("apigateway")
    name = make_function(REST_STREAM, runtime="nodejs20.x")
    function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:{name}"
    api = apigw.create_rest_api(name="streamed")
    try:
        root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
        resource = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="chat")["id"]
        apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="GET", authorizationType="NONE")
        integration = apigw.put_integration(
            restApiId=api["id"], resourceId=resource, httpMethod="GET", type="AWS_PROXY",
            integrationHttpMethod="POST", responseTransferMode="STREAM", timeoutInMillis=60000,
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2021-11-15/functions/{function_arn}/response-streaming-invocations")
        assert (integration["responseTransferMode"], integration["timeoutInMillis"]) == ("STREAM", 60000)
        with pytest.raises(apigw.exceptions.BadRequestException):
            apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK",
                                  responseTransferMode="STREAM")
        apigw.create_deployment(restApiId=api["id"], stageName="prod")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        conn.request("GET", f"/prod/chat?gate={gate.url}",
                     headers={"Host": f"{api['id']}.execute-api.localhost:{server.port}"})
        resp = conn.getresponse()
        assert (resp.status, resp.getheader("content-type")) == (200, "text/plain")
        assert resp.headers.get_all("x-m") == ["a", "b"]
        assert read_until(resp, b"path /chat\n") == b"path /chat\n"
        gate.opened.set()
        assert resp.read() == b"then open\n"
        conn.close()
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_rest_api_streams_an_http_proxy_response(server, gate):
    """responseTransferMode STREAM on HTTP_PROXY: the upstream's body is passed on as it comes."""
    from http.server import BaseHTTPRequestHandler

    class Upstream(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes
            self.wfile.write(b"data: first\n\n")
            self.wfile.flush()
            gate.opened.wait(20)
            self.wfile.write(b"data: second\n\n")

        def log_message(self, *args):
            pass

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    apigw = server.client("apigateway")
    api = apigw.create_rest_api(name="streamed-proxy")
    try:
        root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", responseTransferMode="STREAM",
                              uri=f"http://127.0.0.1:{upstream.server_address[1]}/events")
        apigw.create_deployment(restApiId=api["id"], stageName="prod")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
        conn.request("GET", "/prod/", headers={"Host": f"{api['id']}.execute-api.localhost:{server.port}"})
        resp = conn.getresponse()
        assert (resp.status, resp.getheader("content-type")) == (200, "text/event-stream")
        assert read_until(resp, b"data: first\n\n") == b"data: first\n\n"
        gate.opened.set()
        assert resp.read() == b"data: second\n\n"
        conn.close()
    finally:
        apigw.delete_rest_api(restApiId=api["id"])
        upstream.shutdown()
