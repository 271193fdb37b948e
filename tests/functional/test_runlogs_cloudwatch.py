"""``CloudWatchLogSource`` on moto's CloudWatch Logs: one invocation's lines, read as they
arrive (``--follow``), and the log group's retention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scheduler.runlogs.cloudwatch import CloudWatchLogSource

GROUP = "/aws/lambda/cronbridge-test-tick"
RID = "11111111-2222-4333-8444-555555555555"
STREAM = "2026/12/03/[$LATEST]abc"


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        yield client


def _put(logs: Any, messages: list[str], at_ms: int) -> None:
    events = [{"timestamp": at_ms + i, "message": m} for i, m in enumerate(messages)]
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)


def test_follow_reads_each_line_once_until_end(logs: Any) -> None:
    now = int(time.time() * 1000)
    source = CloudWatchLogSource(logs, GROUP, since_ms=now - 60_000)
    # GIVEN nothing ingested yet THEN nothing, and not finished
    assert source.read({RID: 1}) == [] and not source.finished(RID)
    # WHEN the invocation's first lines arrive
    _put(logs, [f"START RequestId: {RID} Version: $LATEST", "step 1"], now)
    first = source.read({RID: 1})
    assert [line.message for line in first] == [
        f"START RequestId: {RID} Version: $LATEST",
        "step 1",
    ]
    assert all(line.attempt == 1 and line.request_id == RID for line in first)
    # AND then the rest, with the next invocation right behind in the same stream
    _put(
        logs,
        ["step 2", f"END RequestId: {RID}", f"REPORT RequestId: {RID}\tDuration: 5 ms",
         "START RequestId: another Version: $LATEST", "not ours"],
        now + 10,
    )  # fmt: skip
    second = [line.message for line in source.read({RID: 1})]
    # THEN only the new lines of this invocation, through its REPORT line
    assert second == ["step 2", f"END RequestId: {RID}", f"REPORT RequestId: {RID}\tDuration: 5 ms"]
    assert source.finished(RID) and source.read({RID: 1}) == []


def test_retention_days(logs: Any) -> None:
    source = CloudWatchLogSource(logs, GROUP, since_ms=0)
    assert source.retention_days() is None  # kept for ever
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=7)
    assert source.retention_days() == 7
    with pytest.raises(LookupError):
        CloudWatchLogSource(logs, GROUP + "-gone", since_ms=0).retention_days()
