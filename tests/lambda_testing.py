"""Helpers for the Lambda tests: zips built in memory, unique function names, invoke results."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from typing import Any

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def function_name(prefix: str = "fn") -> str:
    clean = "".join(c if c.isalnum() or c in "-_" else "-" for c in prefix)[:40]
    return f"{clean}-{uuid.uuid4().hex[:10]}"


def zip_of(files: dict[str, str | bytes], executable: tuple[str, ...] = ()) -> bytes:
    """A deployment package holding `files` (path -> content); `executable` ones get mode 755."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in files.items():
            info = zipfile.ZipInfo(path)
            mode = 0o755 if path in executable else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


class Invoked:
    def __init__(self, resp: dict):
        self.raw = resp
        self.status = resp["StatusCode"]
        self.error = resp.get("FunctionError")
        self.version = resp.get("ExecutedVersion")
        self.body = resp["Payload"].read() if "Payload" in resp else b""
        self.log = None
        if "LogResult" in resp:
            self.log = base64.b64decode(resp["LogResult"]).decode()

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def invoke(client, name: str, payload: Any = None, **kwargs: Any) -> Invoked:
    if payload is not None and not isinstance(payload, (bytes, str)):
        payload = json.dumps(payload)
    params: dict[str, Any] = {"FunctionName": name, **kwargs}
    if payload is not None:
        params["Payload"] = payload
    return Invoked(client.invoke(**params))
