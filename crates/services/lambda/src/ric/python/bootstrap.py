"""nimbus's runtime interface client for Python functions.

It speaks the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API) like AWS's own client: it imports the
handler named by _HANDLER from LAMBDA_TASK_ROOT, then loops GET /invocation/next -> handler ->
POST /response (or /error), with the context object, error documents and log format of the
AWS Python runtime.

Start-up time is the point of this file: it imports nothing heavy (no `json`, `socket`,
`logging` or `traceback` unless needed), speaking HTTP/1.1 over `_socket` and parsing JSON with
the C scanner behind the `json` module.
"""

import os
import sys
import time

import _socket

try:
    import _json

    class _DecodeContext:
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        memo = {}

        @staticmethod
        def parse_constant(name):
            return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]

    _scan = _json.make_scanner(_DecodeContext)
except Exception:  # an interpreter without the C accelerator
    _json = None
    _scan = None


def _json_loads(text):
    if _scan is None or not text:
        import json

        return json.loads(text)
    i = 0
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    try:
        value, end = _scan(text, i)
    except StopIteration:
        import json

        return json.loads(text)  # raises json's own error with position
    while end < n and text[end] in " \t\r\n":
        end += 1
    if end != n:
        import json

        return json.loads(text)
    return value


def _default(obj):
    import decimal

    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def _json_dumps(obj):
    """json.dumps(obj) with Decimal support, through the C encoder (a fresh one per call: its
    markers dict is how it detects cycles)."""
    if _json is None:
        import json

        return json.dumps(obj, default=_default)
    enc = _json.make_encoder({}, _default, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return "".join(enc(obj, 0))


# ---------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client for the Runtime API (one keep-alive connection).


class _RuntimeApi:
    def __init__(self, address, unix_path=None):
        host, _, port = address.rpartition(":")
        self.addr = (host or "127.0.0.1", int(port))
        self.unix_path = unix_path
        self.sock = None
        self.buf = b""

    def _connect(self):
        if self.unix_path:
            try:
                s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
                s.connect(self.unix_path)
                self.sock = s
                self.buf = b""
                return
            except OSError:
                self.unix_path = None  # fall back to the TCP port
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        s.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        s.connect(self.addr)
        self.sock = s
        self.buf = b""

    def request(self, method, path, body=b"", headers=None):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.addr[0]}:{self.addr[1]}\r\nContent-Length: {len(body)}\r\n"
        if headers:
            for k, v in headers.items():
                head += f"{k}: {v}\r\n"
        data = (head + "\r\n").encode() + body
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                self.sock.sendall(data)
                return self._response()
            except OSError:
                self.sock = None
                if attempt:
                    raise

    def _read_more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise OSError("the Runtime API closed the connection")
        self.buf += chunk

    def _response(self):
        while b"\r\n\r\n" not in self.buf:
            self._read_more()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._read_more()
                size_line, _, self.buf = self.buf.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._read_more()
                body += self.buf[:size]
                self.buf = self.buf[size + 2 :]
                if size == 0:
                    break
        else:
            length = int(headers.get("content-length", "0"))
            while len(self.buf) < length:
                self._read_more()
            body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body


# ---------------------------------------------------------------------------------------------
# Context object


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data):
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, data):
        self.installation_id = data.get("installation_id")
        self.app_title = data.get("app_title")
        self.app_version_name = data.get("app_version_name")
        self.app_version_code = data.get("app_version_code")
        self.app_package_name = data.get("app_package_name")


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, data):
        self.custom = data.get("custom")
        self.env = data.get("env")
        client = data.get("client")
        self.client = Client(client) if client else None


# What the environment says about the function does not change between invocations.
_FUNCTION_NAME = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
_FUNCTION_VERSION = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
_MEMORY_SIZE = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
_LOG_GROUP = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
_LOG_STREAM = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = _FUNCTION_NAME
        self.function_version = _FUNCTION_VERSION
        self.memory_limit_in_mb = _MEMORY_SIZE
        self.log_group_name = _LOG_GROUP
        self.log_stream_name = _LOG_STREAM
        self.identity = CognitoIdentity(identity or {})
        self.client_context = ClientContext(client_context) if client_context else None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity}])"
        )


# ---------------------------------------------------------------------------------------------
# Logging: the AWS runtime's format for the `logging` module, set up when user code imports it.

_current_request_id = ""
_json_logs = os.environ.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"


def _configure_logging(logging):
    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _current_request_id
            return True

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            doc = {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + ".%03dZ" % record.msecs,
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": _current_request_id,
            }
            if record.exc_info:
                doc["errorType"] = record.exc_info[0].__name__
                doc["errorMessage"] = str(record.exc_info[1])
                doc["stackTrace"] = self.formatException(record.exc_info).split("\n")
            return _json_dumps(doc)

    class LambdaHandler(logging.StreamHandler):
        def emit(self, record):
            try:
                text = self.format(record).replace("\n", "\r")
                sys.stdout.write(text + "\n")
                sys.stdout.flush()
            except Exception:
                self.handleError(record)

    handler = LambdaHandler()
    if _json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        fmt = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
        fmt.converter = time.gmtime
        handler.setFormatter(fmt)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())


class _LoggingHook:
    """Configures `logging` right after its first import, so start-up does not pay for it."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec("logging")
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_configure(module):
            exec_module(module)
            _configure_logging(module)

        loader.exec_module = exec_and_configure
        return spec


# ---------------------------------------------------------------------------------------------
# Errors


def _frames(tb):
    import traceback

    frames = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    frames = [f for f in frames if os.path.abspath(f.filename) != here]
    return traceback.format_list(frames)


def _error_doc(exc, request_id, error_type=None):
    stack = _frames(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or exc.__class__.__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }


def _log_error(doc):
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}", "Traceback (most recent call last):"]
    lines += [s.rstrip("\n") for s in doc["stackTrace"]]
    sys.stdout.write("\r".join(lines).replace("\n", "\r") + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# Main loop


def _load_handler(api):
    spec = os.environ.get("_HANDLER", "")
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as e:
        return None, {
            "errorMessage": f"Bad handler '{spec}': {e}",
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        }
    modname = modname.replace("/", ".")
    try:
        __import__(modname)
        module = sys.modules[modname]
    except ImportError as e:
        return None, {
            "errorMessage": f"Unable to import module '{modname}': {e}",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        }
    except SyntaxError as e:
        return None, {
            "errorMessage": f"Syntax error in module '{modname}': {e}",
            "errorType": "Runtime.UserCodeSyntaxError",
            "requestId": "",
            "stackTrace": [f'  File "{e.filename}" Line {e.lineno}\n        {(e.text or "").strip()}\n'],
        }
    except Exception as e:
        return None, _error_doc(e, "")
    handler = getattr(module, fname, None)
    if handler is None:
        return None, {
            "errorMessage": f"Handler '{fname}' missing on module '{modname}'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        }
    return handler, None


def main():
    global _current_request_id
    sys.meta_path.insert(0, _LoggingHook())
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    # nimbus also offers the Runtime API on a Unix socket, which is cheaper than loopback TCP.
    api = _RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"], os.environ.get("NIMBUS_RUNTIME_API_SOCKET"))
    handler, init_error = _load_handler(api)
    if init_error is not None:
        _log_error(init_error)
        api.request(
            "POST",
            "/2018-06-01/runtime/init/error",
            _json_dumps(init_error).encode(),
            {"Lambda-Runtime-Function-Error-Type": init_error["errorType"]},
        )
        sys.exit(1)
    while True:
        status, headers, body = api.request("GET", "/2018-06-01/runtime/invocation/next")
        if status != 200:
            time.sleep(0.01)
            continue
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        _current_request_id = request_id
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        cc = headers.get("lambda-runtime-client-context")
        ci = headers.get("lambda-runtime-cognito-identity")
        try:
            event = _json_loads(body.decode("utf-8"))
            context = LambdaContext(
                request_id,
                int(headers.get("lambda-runtime-deadline-ms", "0")),
                headers.get("lambda-runtime-invoked-function-arn"),
                _json_loads(cc) if cc else None,
                _json_loads(ci) if ci else None,
            )
            result = handler(event, context)
        except Exception as e:
            doc = _error_doc(e, request_id)
            _log_error(doc)
            _post_error(api, request_id, doc)
            continue
        try:
            payload = _json_dumps(result).encode("utf-8")
        except Exception as e:
            doc = {
                "errorMessage": f"Unable to marshal response: {e}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
            _log_error(doc)
            _post_error(api, request_id, doc)
            continue
        api.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", payload)


def _post_error(api, request_id, doc):
    api.request(
        "POST",
        f"/2018-06-01/runtime/invocation/{request_id}/error",
        _json_dumps(doc).encode("utf-8"),
        {"Lambda-Runtime-Function-Error-Type": doc["errorType"]},
    )


if __name__ == "__main__":
    main()
