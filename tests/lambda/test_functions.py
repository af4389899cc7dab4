"""The Lambda control plane for functions: create, read, list, update, delete, and the errors
AWS answers for bad input."""

from __future__ import annotations

import base64
import hashlib
import urllib.request

import pytest

from lambda_testing import ROLE, function_name, invoke, zip_of
from nimbus_testing import ACCOUNT, REGION, aws_error

HELLO = "def lambda_handler(event, context):\n    return 'v1'\n"


def test_create_describes_the_function_as_lambda_does(lam):
    name = function_name("create")
    package = zip_of({"lambda_function.py": HELLO})
    out = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                              Handler="lambda_function.lambda_handler", Code={"ZipFile": package},
                              Description="first", Environment={"Variables": {"STAGE": "dev"}},
                              Tags={"team": "video"})
    try:
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert out["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        assert out["State"] == "Pending" and out["StateReasonCode"] == "Creating"
        assert out["Version"] == "$LATEST"
        assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
        assert out["CodeSize"] == len(package)
        assert (out["Timeout"], out["MemorySize"]) == (3, 128)
        assert out["EphemeralStorage"] == {"Size": 512}
        assert out["PackageType"] == "Zip" and out["Architectures"] == ["x86_64"]
        assert out["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
        assert out["Environment"] == {"Variables": {"STAGE": "dev"}}
        assert out["TracingConfig"] == {"Mode": "PassThrough"}
        assert len(out["RevisionId"]) == 36
        assert out["LastModified"].endswith("+0000")
        # The SDK's waiters pass: every read after creation sees the function Active.
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        got = lam.get_function(FunctionName=name)
        assert got["Configuration"]["State"] == "Active"
        assert got["Configuration"]["LastUpdateStatus"] == "Successful"
        assert got["Tags"] == {"team": "video"}
        assert got["Code"]["RepositoryType"] == "S3"
        with urllib.request.urlopen(got["Code"]["Location"]) as resp:
            assert resp.read() == package
        assert lam.get_function_configuration(FunctionName=name)["Description"] == "first"
        with aws_error("ResourceConflictException", f"Function already exist: {name}", status=409):
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                Handler="lambda_function.lambda_handler", Code={"ZipFile": package})
    finally:
        lam.delete_function(FunctionName=name)
    with aws_error("ResourceNotFoundException",
                   f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}", status=404):
        lam.get_function(FunctionName=name)


def test_function_names_in_every_form(lam, make_function):
    name = make_function(HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    for form in (name, arn, f"{ACCOUNT}:function:{name}"):
        assert lam.get_function_configuration(FunctionName=form)["FunctionName"] == name
    with aws_error("ValidationException", contains="Member must satisfy regular expression pattern"):
        lam.get_function(FunctionName="not a name")


def test_list_functions_paginates(lam, make_function):
    names = sorted(make_function(HELLO, name=function_name("list")) for _ in range(5))
    seen = []
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
    assert [n for n in seen if n in names] == names


@pytest.mark.parametrize("params, code, message", [
    ({"Runtime": "python2.7"}, "InvalidParameterValueException",
     "The runtime parameter of python2.7 is no longer supported for creating or updating AWS Lambda functions. "
     "We recommend you use a supported runtime while creating or updating functions."),
    ({"Runtime": "java21"}, "InvalidParameterValueException", None),
    ({"Runtime": "java17"}, "InvalidParameterValueException", ("is not available on this nimbus host",
                                                                "Available here: python3.8..python3.14",
                                                                "--runtime java17=/path/to/interpreter")),
    ({"MemorySize": 20000}, "ValidationException",
     "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint: "
     "Member must have value less than or equal to 10240"),
    ({"Timeout": 901}, "ValidationException",
     "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
     "Member must have value less than or equal to 900"),
    ({"Role": "not-a-role"}, "ValidationException", None),
    ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException",
     "Lambda was unable to configure your environment variables because the environment variables you have "
     "provided contains reserved keys that are currently not supported for modification. Reserved keys used "
     "in this request: AWS_REGION"),
    ({"Environment": {"Variables": {"BIG": "x" * 5000}}}, "InvalidParameterValueException", None),
    ({"PackageType": "Image", "Code": {"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/x:1"}},
     "InvalidParameterValueException", None),
    ({"Code": {"ZipFile": b"this is not a zip"}}, "InvalidParameterValueException",
     "Could not unzip uploaded file. Please check your file, then try to upload again."),
])
def test_bad_configuration_gets_the_aws_error(lam, params, code, message):
    base = dict(FunctionName=function_name("bad"), Runtime="python3.12", Role=ROLE,
                Handler="lambda_function.lambda_handler", Code={"ZipFile": zip_of({"lambda_function.py": HELLO})})
    base.update(params)
    exact, parts = (message, None) if isinstance(message, str) or message is None else (None, message)
    with aws_error(code, exact, contains=parts):
        lam.create_function(**base)


def test_zip_slip_and_escaping_symlinks_are_refused(lam):
    import io
    import zipfile

    def package(name, target=None):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            info = zipfile.ZipInfo(name)
            if target is not None:
                info.external_attr = (0o120777) << 16  # a symlink
                z.writestr(info, target)
            else:
                z.writestr(info, "x")
        return buf.getvalue()

    for zipped in (package("../../etc/evil.py"), package("/abs/evil.py"), package("link", "../../../etc/passwd")):
        with aws_error("InvalidParameterValueException", contains="Could not unzip uploaded file"):
            lam.create_function(FunctionName=function_name("slip"), Runtime="python3.12", Role=ROLE,
                                Handler="x.y", Code={"ZipFile": zipped})


def test_unzipped_limit_is_enforced(lam):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\0" * (263 * 1024 * 1024))  # a zip bomb: 263 MB of zeros, tiny zipped
    with aws_error("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes"):
        lam.create_function(FunctionName=function_name("bomb"), Runtime="python3.12", Role=ROLE,
                            Handler="x.y", Code={"ZipFile": buf.getvalue()})


def test_update_code_and_configuration_take_effect(lam, make_function):
    name = make_function(HELLO)
    assert invoke(lam, name).json == "v1"
    first = lam.get_function_configuration(FunctionName=name)
    out = lam.update_function_code(FunctionName=name, ZipFile=zip_of({
        "lambda_function.py": "import os\ndef lambda_handler(e, c):\n    return 'v2 ' + os.environ.get('MODE', '-')\n"}))
    assert out["LastUpdateStatus"] == "InProgress"
    assert out["CodeSha256"] != first["CodeSha256"] and out["RevisionId"] != first["RevisionId"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert invoke(lam, name).json == "v2 -"
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "fast"}},
                                      MemorySize=256, Timeout=10, Description="tuned")
    c = lam.get_function_configuration(FunctionName=name)
    assert (c["MemorySize"], c["Timeout"], c["Description"]) == (256, 10, "tuned")
    assert invoke(lam, name).json == "v2 fast"
    with aws_error("PreconditionFailedException", status=412):
        lam.update_function_configuration(FunctionName=name, Description="x", RevisionId=first["RevisionId"])


def test_account_settings(lam, make_function):
    make_function(HELLO)
    s = lam.get_account_settings()
    assert s["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert s["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert s["AccountLimit"]["CodeSizeUnzipped"] == 262144000
    assert s["AccountUsage"]["FunctionCount"] >= 1


def test_permissions_and_tags(lam, make_function):
    name = make_function(HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    with aws_error("ResourceNotFoundException", "The resource you requested does not exist.", status=404):
        lam.get_policy(FunctionName=name)
    out = lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                             Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads",
                             SourceAccount=ACCOUNT)
    import json

    statement = json.loads(out["Statement"])
    assert statement == {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": arn,
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"},
                      "StringEquals": {"AWS:SourceAccount": ACCOUNT}},
    }
    with aws_error("ResourceConflictException", status=409):
        lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert policy["Version"] == "2012-10-17" and [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName=name, StatementId="s3")
    with aws_error("ResourceNotFoundException", "Statement s3 is not found in resource policy.", status=404):
        lam.remove_permission(FunctionName=name, StatementId="s3")

    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}


def test_cli_round_trip(aws, tmp_path):
    package = tmp_path / "function.zip"
    package.write_bytes(zip_of({"lambda_function.py": HELLO}))
    name = function_name("cli")
    out = aws("lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
              "--role", ROLE, "--handler", "lambda_function.lambda_handler",
              "--zip-file", f"fileb://{package}")
    assert out["FunctionName"] == name
    result = tmp_path / "out.json"
    meta = aws("lambda", "invoke", "--function-name", name, str(result))
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert result.read_text() == '"v1"'
    aws("lambda", "delete-function", "--function-name", name)
