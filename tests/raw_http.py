"""Raw HTTP, only for input no SDK can produce: malformed JSON, unknown operations, oversized or
truncated requests, garbage on the socket. Requests are still SigV4-signed (by botocore) so they
look like real clients' requests in every other respect."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus_testing import ACCESS_KEY, REGION, SECRET_KEY

JSON_10 = "application/x-amz-json-1.0"


def signed_headers(endpoint: str, target: str | None, body: bytes, content_type: str = JSON_10) -> dict:
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    req = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "dynamodb", REGION).add_auth(req)
    return dict(req.headers.items())


def raw_dynamodb_request(
    endpoint: str,
    operation: str | None,
    body: bytes,
    *,
    prefix: str = "DynamoDB_20120810",
    content_type: str = JSON_10,
    timeout: float = 30,
) -> tuple[int, dict, bytes]:
    """POST `body` as DynamoDB operation `operation` (None: no X-Amz-Target header)."""
    target = f"{prefix}.{operation}" if operation is not None else None
    headers = signed_headers(endpoint, target, body, content_type)
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def open_socket(endpoint: str, timeout: float = 10) -> socket.socket:
    url = urlparse(endpoint)
    return socket.create_connection((url.hostname, url.port), timeout=timeout)


def request_head(endpoint: str, target: str, content_length: int, body_for_signing: bytes = b"") -> bytes:
    """The request line and headers of a signed POST claiming `content_length` bytes of body."""
    url = urlparse(endpoint)
    headers = signed_headers(endpoint, target, body_for_signing)
    headers["Content-Length"] = str(content_length)
    headers["Host"] = f"{url.hostname}:{url.port}"
    lines = ["POST / HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket, timeout: float = 10) -> tuple[int | None, bytes]:
    """Read whatever HTTP response arrives; (status or None if the connection closed first, raw)."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(data.split(b"\r\n\r\n", 1)[1]) >= length:
                break
    if not data.startswith(b"HTTP/"):
        return None, data
    return int(data.split(b" ", 2)[1]), data
