"""Functions call AWS through nimbus with the SDK their runtime provides, unchanged: boto3 in
Python, @aws-sdk/* v3 in Node.js. AWS_ENDPOINT_URL and the role's credentials do the rest."""

from __future__ import annotations

from lambda_testing import invoke
from nimbus_testing import ACCOUNT


def test_python_function_uses_boto3_against_nimbus(lam, make_function, ddb, make_table):
    table = make_table()
    name = make_function(f'''
import boto3
ddb = boto3.resource("dynamodb")
table = ddb.Table("{table}")
def lambda_handler(event, context):
    table.put_item(Item={{"pk": event["id"], "by": context.function_name}})
    sts = boto3.client("sts")
    return {{"item": table.get_item(Key={{"pk": event["id"]}})["Item"], "region": ddb.meta.client.meta.region_name}}
''', Timeout=60)
    r = invoke(lam, name, {"id": "from-lambda"})
    assert r.error is None, r.body
    assert r.json == {"item": {"pk": "from-lambda", "by": name}, "region": "us-east-1"}
    # The write happened in the function's account, visible to the test's own client.
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "from-lambda"}})["Item"]["by"] == {"S": name}
    assert ACCOUNT == "000000000000"


def test_node_function_uses_sdk_v3_against_nimbus(lam, make_function, ddb, make_table):
    table = make_table()
    name = make_function({"index.mjs": f'''
import {{ DynamoDBClient, PutItemCommand, GetItemCommand }} from "@aws-sdk/client-dynamodb";
const client = new DynamoDBClient({{}});
export const handler = async (event) => {{
  await client.send(new PutItemCommand({{ TableName: "{table}", Item: {{ pk: {{ S: event.id }} }} }}));
  const got = await client.send(new GetItemCommand({{ TableName: "{table}", Key: {{ pk: {{ S: event.id }} }} }}));
  return got.Item;
}};
'''}, runtime="nodejs20.x", handler="index.handler", Timeout=60)
    r = invoke(lam, name, {"id": "from-node"})
    assert r.error is None, r.body
    assert r.json == {"pk": {"S": "from-node"}}
