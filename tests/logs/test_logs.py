"""CloudWatch Logs: groups, streams, events, tokens, filter patterns, retention, tags."""

from __future__ import annotations

import time

import pytest

from nimbus_testing import ACCOUNT, REGION, aws_error, unique_name, wait_until


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


@pytest.fixture
def group(logs, request):
    name = "/test/" + unique_name(request.node.name[:20])
    logs.create_log_group(logGroupName=name)
    yield name
    try:
        logs.delete_log_group(logGroupName=name)
    except Exception:
        pass


def now_ms() -> int:
    return int(time.time() * 1000)


def test_group_lifecycle(logs):
    name = "/aws/lambda/" + unique_name("g")
    logs.create_log_group(logGroupName=name, tags={"team": "video"})
    with aws_error("ResourceAlreadyExistsException", "The specified log group already exists"):
        logs.create_log_group(logGroupName=name)
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [name]
    g = groups[0]
    assert g["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"
    assert g["logGroupArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"
    assert "retentionInDays" not in g
    assert abs(g["creationTime"] - now_ms()) < 60_000
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"team": "video"}
    logs.delete_log_group(logGroupName=name)
    with aws_error("ResourceNotFoundException", "The specified log group does not exist."):
        logs.delete_log_group(logGroupName=name)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_describe_groups_paginates(logs):
    prefix = "/page/" + unique_name("p")
    names = [f"{prefix}/{i:02d}" for i in range(7)]
    for n in names:
        logs.create_log_group(logGroupName=n)
    seen = []
    for page in logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=prefix, PaginationConfig={"PageSize": 3}
    ):
        assert len(page["logGroups"]) <= 3
        seen += [g["logGroupName"] for g in page["logGroups"]]
    assert seen == names
    pattern = logs.describe_log_groups(logGroupNamePattern=prefix.split("/")[-1].upper())["logGroups"]
    assert len(pattern) == 7  # a pattern matches anywhere, case-insensitively
    for n in names:
        logs.delete_log_group(logGroupName=n)


def test_invalid_group_name_is_refused(logs):
    with aws_error("ValidationException", contains="failed to satisfy constraint: Member must satisfy regular expression pattern"):
        logs.create_log_group(logGroupName="bad name with spaces")


def test_streams_and_events_round_trip(logs, group):
    with aws_error("ResourceNotFoundException", "The specified log stream does not exist."):
        logs.put_log_events(logGroupName=group, logStreamName="s1",
                            logEvents=[{"timestamp": now_ms(), "message": "x"}])
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    with aws_error("ResourceAlreadyExistsException", "The specified log stream already exists"):
        logs.create_log_stream(logGroupName=group, logStreamName="s1")
    t = now_ms()
    events = [{"timestamp": t + i, "message": f"line {i}"} for i in range(5)]
    out = logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=events)
    assert "rejectedLogEventsInfo" not in out
    assert len(out["nextSequenceToken"]) == 56

    got = logs.get_log_events(logGroupName=group, logStreamName="s1", startFromHead=True)
    assert [e["message"] for e in got["events"]] == [f"line {i}" for i in range(5)]
    assert [e["timestamp"] for e in got["events"]] == [t + i for i in range(5)]
    assert all(e["ingestionTime"] >= t - 1000 for e in got["events"])
    assert got["nextForwardToken"].startswith("f/") and got["nextBackwardToken"].startswith("b/")

    # Following the forward token: nothing new, and the token repeats (how clients stop).
    again = logs.get_log_events(logGroupName=group, logStreamName="s1", nextToken=got["nextForwardToken"])
    assert again["events"] == []
    assert again["nextForwardToken"] == got["nextForwardToken"]
    logs.put_log_events(logGroupName=group, logStreamName="s1",
                        logEvents=[{"timestamp": t + 10, "message": "later"}])
    newer = logs.get_log_events(logGroupName=group, logStreamName="s1", nextToken=got["nextForwardToken"])
    assert [e["message"] for e in newer["events"]] == ["later"]

    stream = logs.describe_log_streams(logGroupName=group)["logStreams"][0]
    assert stream["logStreamName"] == "s1"
    assert stream["firstEventTimestamp"] == t and stream["lastEventTimestamp"] == t + 10
    assert stream["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:s1"


def test_get_events_pages_and_windows(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms() - 100_000
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": t + i * 1000, "message": f"m{i}"} for i in range(20)])
    # Without startFromHead the newest events come back (still oldest first).
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3)
    assert [e["message"] for e in tail["events"]] == ["m17", "m18", "m19"]
    back = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3,
                               nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["m14", "m15", "m16"]
    # startTime inclusive, endTime exclusive.
    window = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True,
                                 startTime=t + 5000, endTime=t + 8000)
    assert [e["message"] for e in window["events"]] == ["m5", "m6", "m7"]
    # Paging forward from the head reads everything once.
    seen, token = [], None
    while True:
        kw = {"nextToken": token} if token else {"startFromHead": True}
        page = logs.get_log_events(logGroupName=group, logStreamName="s", limit=6, **kw)
        if not page["events"]:
            break
        seen += [e["message"] for e in page["events"]]
        token = page["nextForwardToken"]
    assert seen == [f"m{i}" for i in range(20)]
    with aws_error("InvalidParameterException", "The specified nextToken is invalid."):
        logs.get_log_events(logGroupName=group, logStreamName="s", nextToken="garbage")


def test_rejected_events_are_reported(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    out = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": t - 15 * 86_400_000, "message": "too old"},
        {"timestamp": t - 15 * 86_400_000 + 1, "message": "also too old"},
    ])
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    out = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": t, "message": "fine"},
        {"timestamp": t + 3 * 3_600_000, "message": "too new"},
    ])
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["fine"]
    with aws_error("InvalidParameterException",
                   "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."):
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": t - 2 * 86_400_000, "message": "a"}, {"timestamp": t, "message": "b"}])
    with aws_error("InvalidParameterException",
                   "Log events in a single PutLogEvents request must be in chronological order."):
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": t + 5, "message": "b"}, {"timestamp": t, "message": "a"}])


def test_filter_log_events(logs, group):
    t = now_ms()
    for stream, lines in {
        "app/1": ["INFO start", "ERROR disk full", '{"level":"error","ms":120}'],
        "app/2": ["WARN slow", "INFO done", '{"level":"info","ms":5}'],
        "other": ["ERROR elsewhere"],
    }.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": t + i, "message": m} for i, m in enumerate(lines)])

    def messages(**kw):
        return [e["message"] for e in logs.filter_log_events(logGroupName=group, **kw)["events"]]

    assert sorted(messages(filterPattern="ERROR")) == ["ERROR disk full", "ERROR elsewhere"]
    assert messages(filterPattern="ERROR", logStreamNamePrefix="app/") == ["ERROR disk full"]
    assert sorted(messages(filterPattern="?WARN ?ERROR", logStreamNames=["app/1", "app/2"])) == [
        "ERROR disk full", "WARN slow"]
    assert messages(filterPattern='"disk full"') == ["ERROR disk full"]
    assert messages(filterPattern='{ $.level = "error" && $.ms > 100 }') == ['{"level":"error","ms":120}']
    assert len(messages()) == 7
    events = logs.filter_log_events(logGroupName=group, limit=2)
    assert len(events["events"]) == 2 and "nextToken" in events
    assert {e["logStreamName"] for e in events["events"]} <= {"app/1", "app/2", "other"}
    rest = logs.filter_log_events(logGroupName=group, nextToken=events["nextToken"])
    assert len(rest["events"]) == 5
    with aws_error("InvalidParameterException", contains="Invalid filter pattern"):
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.level = ")


def test_retention_policy_is_enforced(logs, group):
    with aws_error("InvalidParameterException", contains="Member must satisfy enum value set: [1, 3, 5, 7, 14"):
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": t - 3 * 86_400_000, "message": "three days old"}])
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[{"timestamp": t, "message": "new"}])
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 1

    def remaining():
        got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
        msgs = [e["message"] for e in got["events"]]
        return msgs if msgs == ["new"] else None

    assert wait_until(remaining, timeout=10, what="the expired event to be swept") == ["new"]
    out = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": t - 2 * 86_400_000, "message": "expired on arrival"}])
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]


def test_tags_by_arn(logs, group):
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    logs.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    with aws_error("ResourceNotFoundException"):
        logs.list_tags_for_resource(resourceArn=arn + "-missing")


def test_cli_tail_style_read(aws, logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="cli")
    logs.put_log_events(logGroupName=group, logStreamName="cli",
                        logEvents=[{"timestamp": now_ms(), "message": "hello from the CLI"}])
    out = aws("logs", "filter-log-events", "--log-group-name", group)
    assert [e["message"] for e in out["events"]] == ["hello from the CLI"]
    streams = aws("logs", "describe-log-streams", "--log-group-name", group)
    assert streams["logStreams"][0]["logStreamName"] == "cli"
