"""BatchWriteItem and BatchGetItem: shapes, limits (25 writes / 100 keys) and their errors."""

from nimbus_testing import aws_error, scan_all, unique_name


def put_request(pk, **attrs):
    return {"PutRequest": {"Item": {"pk": {"S": pk}, **attrs}}}


def test_batch_write_puts_and_deletes_across_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    ddb.put_item(TableName=b, Item={"pk": {"S": "doomed"}})
    resp = ddb.batch_write_item(
        RequestItems={
            a: [put_request(f"a{i}", n={"N": str(i)}) for i in range(20)],
            b: [put_request("b1"), put_request("b2"), {"DeleteRequest": {"Key": {"pk": {"S": "doomed"}}}}],
        }
    )
    assert resp["UnprocessedItems"] == {}
    assert sorted(i["pk"]["S"] for i in scan_all(ddb, a)) == sorted(f"a{i}" for i in range(20))
    assert sorted(i["pk"]["S"] for i in scan_all(ddb, b)) == ["b1", "b2"]


def test_batch_write_25_is_the_limit(ddb, table):
    ok = ddb.batch_write_item(RequestItems={table: [put_request(f"k{i}") for i in range(25)]})
    assert ok["UnprocessedItems"] == {}
    with aws_error("ValidationException", contains="Member must have length less than or equal to 25"):
        ddb.batch_write_item(RequestItems={table: [put_request(f"x{i}") for i in range(26)]})
    assert not any(i["pk"]["S"].startswith("x") for i in scan_all(ddb, table))


def test_batch_write_25_total_across_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    # each list is within the model's 25, but a batch holds at most 25 requests in total
    with aws_error("ValidationException"):
        ddb.batch_write_item(
            RequestItems={
                a: [put_request(f"a{i}") for i in range(13)],
                b: [put_request(f"b{i}") for i in range(13)],
            }
        )
    assert scan_all(ddb, a) == [] and scan_all(ddb, b) == []


def test_batch_write_duplicate_keys(ddb, table):
    with aws_error("ValidationException", "Provided list of item keys contains duplicates"):
        ddb.batch_write_item(RequestItems={table: [put_request("same"), put_request("same")]})
    with aws_error("ValidationException", "Provided list of item keys contains duplicates"):
        ddb.batch_write_item(
            RequestItems={table: [put_request("same"), {"DeleteRequest": {"Key": {"pk": {"S": "same"}}}}]}
        )


def test_batch_write_missing_table(ddb, table):
    missing = unique_name("missing")
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.batch_write_item(RequestItems={table: [put_request("a")], missing: [put_request("b")]})
    assert scan_all(ddb, table) == []  # nothing was written


def test_batch_write_validates_items(ddb, table):
    with aws_error("ValidationException", "The provided key element does not match the schema"):
        ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": {"wrong": {"S": "a"}}}}]})
    with aws_error(
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    ):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": {"N": "1"}}}}]})


def test_batch_get_across_tables(ddb, make_table):
    a = make_table()
    b = make_table(("id", "N"))
    for i in range(5):
        ddb.put_item(TableName=a, Item={"pk": {"S": f"a{i}"}, "v": {"N": str(i)}, "extra": {"S": "e"}})
        ddb.put_item(TableName=b, Item={"id": {"N": str(i)}})
    resp = ddb.batch_get_item(
        RequestItems={
            a: {
                "Keys": [{"pk": {"S": "a1"}}, {"pk": {"S": "a3"}}, {"pk": {"S": "absent"}}],
                "ProjectionExpression": "pk, #v",
                "ExpressionAttributeNames": {"#v": "v"},
            },
            b: {"Keys": [{"id": {"N": "4"}}], "ConsistentRead": True},
        }
    )
    assert resp["UnprocessedKeys"] == {}
    got_a = sorted(resp["Responses"][a], key=lambda i: i["pk"]["S"])
    assert got_a == [{"pk": {"S": "a1"}, "v": {"N": "1"}}, {"pk": {"S": "a3"}, "v": {"N": "3"}}]
    assert resp["Responses"][b] == [{"id": {"N": "4"}}]


def test_batch_get_table_with_no_matches_still_listed(ddb, table):
    resp = ddb.batch_get_item(RequestItems={table: {"Keys": [{"pk": {"S": "none"}}]}})
    assert resp["Responses"] == {table: []}
    assert resp["UnprocessedKeys"] == {}


def test_batch_get_100_is_the_limit(ddb, table):
    ddb.batch_write_item(RequestItems={table: [put_request(f"k{i}") for i in range(25)]})
    keys = [{"pk": {"S": f"k{i}"}} for i in range(100)]
    resp = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert len(resp["Responses"][table]) == 25
    assert resp["UnprocessedKeys"] == {}
    with aws_error("ValidationException", "Too many items requested for the BatchGetItem call"):
        ddb.batch_get_item(RequestItems={table: {"Keys": keys + [{"pk": {"S": "k100"}}]}})


def test_batch_get_100_total_across_tables(ddb, make_table):
    a = make_table()
    b = make_table()
    with aws_error("ValidationException", "Too many items requested for the BatchGetItem call"):
        ddb.batch_get_item(
            RequestItems={
                a: {"Keys": [{"pk": {"S": f"a{i}"}} for i in range(60)]},
                b: {"Keys": [{"pk": {"S": f"b{i}"}} for i in range(41)]},
            }
        )


def test_batch_get_duplicate_keys(ddb, table):
    with aws_error("ValidationException", "Provided list of item keys contains duplicates"):
        ddb.batch_get_item(RequestItems={table: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}})


def test_batch_get_missing_table(ddb):
    with aws_error("ResourceNotFoundException", "Requested resource not found"):
        ddb.batch_get_item(RequestItems={unique_name("missing"): {"Keys": [{"pk": {"S": "a"}}]}})


def test_batch_get_unused_name(ddb, table):
    with aws_error(
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
    ):
        ddb.batch_get_item(
            RequestItems={
                table: {
                    "Keys": [{"pk": {"S": "a"}}],
                    "ProjectionExpression": "pk",
                    "ExpressionAttributeNames": {"#count": "count"},
                }
            }
        )


def test_resource_batch_writer_and_batch_get(ddb_resource, table):
    t = ddb_resource.Table(table)
    with t.batch_writer() as writer:  # boto3 splits these into several BatchWriteItem calls
        for i in range(60):
            writer.put_item(Item={"pk": f"w{i}", "i": i})
        writer.delete_item(Key={"pk": "w0"})
    resp = ddb_resource.batch_get_item(RequestItems={table: {"Keys": [{"pk": f"w{i}"} for i in range(0, 60, 10)]}})
    assert sorted(int(i["i"]) for i in resp["Responses"][table]) == [10, 20, 30, 40, 50]
    assert t.scan(Select="COUNT")["Count"] == 59
