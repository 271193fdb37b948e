"""``cronbridge logs RUN_ID`` against moto's CloudWatch Logs: a run's own lines only.

The run is recorded by the real worker runtime with a Lambda-like context, so its request
id is the one the ledger really keeps; the log events are what Lambda writes for such an
invocation (START, the handler's print, the worker's JSON and EMF lines, END, REPORT),
interleaved with another invocation's in the same group.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler import names
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.e2e.conftest import cli
from tests.functional.conftest import PREFIX, STAGE, Stack, StepClock

REQUEST = "8f507cfc-0001-4697-b07a-ac58fc914c95"
OTHER = "8f507cfc-0002-4697-b07a-ac58fc914c95"


@dataclass
class LambdaContext:
    aws_request_id: str
    function_name: str = "fn"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _record_run(stack: Stack, request_id: str) -> dict[str, Any]:
    runtime = build_runtime(
        stack.env("tick", "e2ejobs.handlers:ok"), clients=stack.clients, metrics=NullMetrics()
    )
    event = {"job": "tick", "trigger": "schedule", "scheduled_time": _now_slot(), "payload": {}}
    return runtime.handle(event, LambdaContext(request_id))


def _now_slot() -> str:
    return datetime.now(UTC).replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _lambda_lines(request_id: str) -> list[str]:
    worker = {"level": "INFO", "message": "run succeeded", "run_id": "x", "rows": 3}
    metrics = {"_aws": {"CloudWatchMetrics": [{"Namespace": "cronbridge"}]}, "Duration": 1}
    return [
        f"START RequestId: {request_id} Version: $LATEST",
        f"hello from {request_id[:13]}",
        json.dumps(worker),
        json.dumps(metrics),
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: 12.3 ms",
    ]


def _put(logs: Any, group: str, stream: str, lines: list[str], start_ms: int) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events = [{"timestamp": start_ms + i, "message": line} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


@pytest.fixture
def logged(platform: tuple[Stack, Path]) -> tuple[Path, str, Any, str]:
    stack, root = platform
    run = _record_run(stack, REQUEST)
    logs = stack.clients.client("logs")
    group = names.log_group(PREFIX, STAGE, "tick")
    logs.create_log_group(logGroupName=group)
    now_ms = int(time.time() * 1000)
    # GIVEN the run's invocation, then another one, in the same environment's stream
    both = _lambda_lines(REQUEST) + _lambda_lines(OTHER)
    _put(logs, group, "2026/12/03/[$LATEST]aaa", both, now_ms)
    # AND an invocation of another environment running at the same time
    _put(logs, group, "2026/12/03/[$LATEST]bbb", ["lonely line"], now_ms + 2)
    return root, run["run_id"], logs, group


def test_logs_prints_only_that_runs_lines(logged, capsys) -> None:
    root, run_id, _logs, _group = logged
    # WHEN the user asks for the run's logs
    assert cli(root, "logs", run_id) == 0
    out = capsys.readouterr().out
    # THEN its START..REPORT lines are there, readable, and nothing of the other invocation
    assert f"--- attempt 1 (request {REQUEST}) ---" in out
    assert f"START RequestId: {REQUEST}" in out and f"REPORT RequestId: {REQUEST}" in out
    assert "hello from 8f507cfc-0001" in out
    assert "INFO    run succeeded  rows=3" in out
    assert "CloudWatchMetrics" not in out  # metric blobs are hidden
    assert OTHER not in out and "0002" not in out and "lonely line" not in out


def test_logs_json_and_raw(logged, capsys) -> None:
    root, run_id, _logs, _group = logged
    capsys.readouterr()
    assert cli(root, "logs", run_id, "--json", "--raw") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["request_id"] for line in lines] == [REQUEST] * 6
    assert any("CloudWatchMetrics" in line["message"] for line in lines)


def test_logs_of_a_run_older_than_retention_says_so(platform, capsys) -> None:
    stack, root = platform
    # GIVEN a run recorded 3 days ago, and a log group that keeps 1 day
    old = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    runtime = build_runtime(
        stack.env("tick", "e2ejobs.handlers:ok"),
        stack.clients,
        StepClock(old),
        metrics=NullMetrics(),
    )
    run = runtime.handle(
        {
            "job": "tick",
            "trigger": "schedule",
            "scheduled_time": old.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "payload": {},
        },
        LambdaContext(REQUEST),
    )
    logs = stack.clients.client("logs")
    group = names.log_group(PREFIX, STAGE, "tick")
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    # WHEN its logs are asked for
    assert cli(root, "logs", run["run_id"]) == 1
    err = capsys.readouterr().err
    # THEN the error says they are gone and why, and the hint names `show` with the flags
    assert f"error: the logs of {run['run_id']} are gone" in err
    assert f"log group {group} keeps 1 days" in err
    assert f"`cronbridge show {run['run_id']} -f" in err and "--stage" in err


def test_logs_of_an_unknown_run(platform, capsys) -> None:
    _stack, root = platform
    assert cli(root, "logs", "tick.20260101T000000Z") == 1
    err = capsys.readouterr().err
    assert "no run tick.20260101T000000Z" in err and "`cronbridge history tick -f" in err
