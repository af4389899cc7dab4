"""Published versions, aliases (with weighted routing), qualifiers on Invoke, layers,
provisioned concurrency."""

from __future__ import annotations

import collections

from lambda_testing import ROLE, function_name, invoke, zip_of
from nimbus_testing import ACCOUNT, REGION, aws_error, wait_until


def code(tag: str) -> bytes:
    return zip_of({"lambda_function.py": f"def lambda_handler(e, c):\n    return '{tag}'\n"})


def test_versions_snapshot_code_and_configuration(lam, make_function):
    name = make_function("def lambda_handler(e, c):\n    return 'one'\n")
    v1 = lam.publish_version(FunctionName=name, Description="first")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(f":{name}:1") and v1["Description"] == "first"
    # Publishing an unchanged $LATEST answers the same version.
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.update_function_code(FunctionName=name, ZipFile=code("two"))
    v2 = lam.publish_version(FunctionName=name)
    assert v2["Version"] == "2"
    assert invoke(lam, name, Qualifier="1").json == "one"
    assert invoke(lam, name, Qualifier="2").version == "2"
    assert invoke(lam, f"{name}:1").version == "1"
    assert invoke(lam, name).json == "two"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    with aws_error("ResourceNotFoundException", status=404,
                   message=f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:9"):
        lam.invoke(FunctionName=name, Qualifier="9")
    with aws_error("InvalidParameterValueException", contains="CodeSHA256"):
        lam.publish_version(FunctionName=name, CodeSha256="nope")
    lam.delete_function(FunctionName=name, Qualifier="1")
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "2"]


def test_create_with_publish(lam, make_function):
    name = function_name("pub")
    out = lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                              Handler="lambda_function.lambda_handler", Code={"ZipFile": code("p")}, Publish=True)
    try:
        assert out["Version"] == "1"
        assert invoke(lam, name, Qualifier="1").json == "p"
    finally:
        lam.delete_function(FunctionName=name)


def test_aliases_and_weighted_routing(lam, make_function):
    name = make_function("def lambda_handler(e, c):\n    return 'blue'\n")
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=code("green"))
    lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
    assert alias["AliasArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:live"
    with aws_error("ResourceConflictException", status=409):
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    with aws_error("ValidationException"):
        lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    r = invoke(lam, name, Qualifier="live")
    assert (r.json, r.version) == ("blue", "1")
    lam.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    counts = collections.Counter(invoke(lam, f"{name}:live").version for _ in range(60))
    assert set(counts) == {"1", "2"} and min(counts.values()) >= 10, counts
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {}})
    assert invoke(lam, name, Qualifier="live").json == "green"
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    with aws_error("InvalidParameterValueException"):
        lam.update_alias(FunctionName=name, Name="live", FunctionVersion="$LATEST",
                         RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    with aws_error("ResourceConflictException", status=409):
        lam.delete_function(FunctionName=name, Qualifier="2")  # the alias points at it
    lam.delete_alias(FunctionName=name, Name="live")
    with aws_error("ResourceNotFoundException", status=404,
                   message=f"Cannot find alias arn: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:live"):
        lam.get_alias(FunctionName=name, Name="live")
    # Invocations resolve aliases from a cache: deleting one must reach it.
    with aws_error("ResourceNotFoundException", status=404,
                   message=f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:live"):
        lam.invoke(FunctionName=name, Qualifier="live")


def test_layers_are_merged_at_opt(lam, make_function):
    layer = function_name("shared")
    lv1 = lam.publish_layer_version(LayerName=layer, CompatibleRuntimes=["python3.11"], Content={
        "ZipFile": zip_of({"python/greeting.py": "WORD = 'hello'\n", "python/extra.py": "X = 1\n"})})
    lv2 = lam.publish_layer_version(LayerName=layer, Content={
        "ZipFile": zip_of({"python/greeting.py": "WORD = 'bonjour'\n"})})
    assert (lv1["Version"], lv2["Version"]) == (1, 2)
    assert lv1["LayerVersionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{layer}:1"
    name = make_function("import greeting, extra\ndef lambda_handler(e, c):\n    return greeting.WORD\n",
                         Layers=[lv1["LayerVersionArn"]])
    assert invoke(lam, name).json == "hello"
    lam.update_function_configuration(FunctionName=name, Layers=[lv1["LayerVersionArn"], lv2["LayerVersionArn"]])
    assert invoke(lam, name).json == "bonjour"  # later layers win
    conf = lam.get_function_configuration(FunctionName=name)
    assert [l["Arn"] for l in conf["Layers"]] == [lv1["LayerVersionArn"], lv2["LayerVersionArn"]]
    versions = lam.list_layer_versions(LayerName=layer)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert any(l["LayerName"] == layer for l in lam.list_layers()["Layers"])
    assert lam.get_layer_version_by_arn(Arn=lv2["LayerVersionArn"])["Version"] == 2
    with aws_error("InvalidParameterValueException", contains="does not exist"):
        lam.update_function_configuration(FunctionName=name, Layers=[lv1["LayerVersionArn"][:-1] + "9"])
    lam.delete_layer_version(LayerName=layer, VersionNumber=1)
    with aws_error("ResourceNotFoundException", status=404):
        lam.get_layer_version(LayerName=layer, VersionNumber=1)
    assert lam.publish_layer_version(LayerName=layer, Content={"ZipFile": zip_of({"a": "b"})})["Version"] == 3


def test_provisioned_concurrency_prestarts_environments(lam, make_function):
    name = make_function("import os\nSTARTED = os.getpid()\ndef lambda_handler(e, c):\n    return STARTED\n")
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    with aws_error("InvalidParameterValueException"):
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="prod",
                                                 ProvisionedConcurrentExecutions=2)
    assert out["Status"] == "IN_PROGRESS" and out["RequestedProvisionedConcurrentExecutions"] == 2
    ready = wait_until(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="prod")
                       if lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="prod")["Status"] == "READY"
                       else None, timeout=15, what="provisioned environments")
    assert ready["AllocatedProvisionedConcurrentExecutions"] == 2
    r = invoke(lam, name, Qualifier="prod", LogType="Tail")
    assert "Init Duration" not in r.log  # served by an environment started ahead of time
    configs = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"].split(":")[-1] for c in configs] == ["prod"]
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="prod")
    with aws_error("ProvisionedConcurrencyConfigNotFoundException", status=404):
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="prod")
