#!/usr/bin/env python3
"""Refreshes models/ from a pinned botocore release.

The botocore service models are nimbus's specification. We keep a copy of each model nimbus
implements, with documentation stripped, so the generator runs offline and CI can check that
generated code matches the committed model.

    python3 codegen/update_models.py            # uses BOTOCORE_VERSION below
"""
import gzip
import io
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

BOTOCORE_VERSION = "1.44.5"
MODELS = {
    # file in models/          : path inside the botocore wheel
    "dynamodb-2012-08-10.json": "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
    "dynamodbstreams-2012-08-10.json": "botocore/data/dynamodbstreams/2012-08-10/service-2.json.gz",
    "lambda-2015-03-31.json": "botocore/data/lambda/2015-03-31/service-2.json.gz",
    "logs-2014-03-28.json": "botocore/data/logs/2014-03-28/service-2.json.gz",
    "apigatewayv2-2018-11-29.json": "botocore/data/apigatewayv2/2018-11-29/service-2.json.gz",
    "apigateway-2015-07-09.json": "botocore/data/apigateway/2015-07-09/service-2.json.gz",
    "elbv2-2015-12-01.json": "botocore/data/elbv2/2015-12-01/service-2.json.gz",
}
ROOT = pathlib.Path(__file__).resolve().parent.parent


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                               f"botocore=={BOTOCORE_VERSION}"])
        wheel = next(pathlib.Path(tmp).glob("botocore-*.whl"))
        with zipfile.ZipFile(wheel) as z:
            for out, inner in MODELS.items():
                raw = z.read(inner)
                if inner.endswith(".gz"):
                    raw = gzip.GzipFile(fileobj=io.BytesIO(raw)).read()
                model = strip(json.loads(raw))
                model["metadata"]["botocoreVersion"] = BOTOCORE_VERSION
                (ROOT / "models" / out).write_text(json.dumps(model, indent=1, sort_keys=True) + "\n")
                print(f"wrote models/{out}")


if __name__ == "__main__":
    main()
