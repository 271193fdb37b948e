"""Hostile handlers through the Lambda entry: outcomes are recorded whatever they return."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.worker import entry
from tests.functional.conftest import Stack, function_arn

EVENTS = Path(__file__).resolve().parents[1] / "events"
JOB = "nightly-report"

HOSTILE = """
class Unprintable:
    def __str__(self):
        raise RuntimeError("no str for you")
    __repr__ = __str__


class HostileError(Exception):
    def __str__(self):
        raise RuntimeError("no str for you either")


def returns_unprintable(payload, ctx):
    return Unprintable()


def returns_nested_unprintable(payload, ctx):
    return {"rows": 3, "odd": Unprintable()}


def raises_unprintable(payload, ctx):
    raise HostileError("boom")
"""


def invoke_entry(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handler: str, **env: str
) -> dict[str, Any]:
    """Call ``entry.handler`` as Lambda does, in a fresh container, with the rule's event."""
    (tmp_path / "hostile_jobs.py").write_text(HOSTILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    for key, value in stack.env(JOB, f"hostile_jobs:{handler}", **env).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(entry, "_runtime", None)
    context = SimpleNamespace(
        aws_request_id="req-1",
        invoked_function_arn=function_arn(JOB),
        get_remaining_time_in_millis=lambda: 8_000,
    )
    event = json.loads((EVENTS / "schedule_rule.json").read_text())
    out: dict[str, Any] = entry.handler(event, context)
    return out


@pytest.mark.parametrize("handler", ["returns_unprintable", "returns_nested_unprintable"])
def test_a_result_whose_str_raises_is_still_a_success(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handler: str
) -> None:
    # GIVEN a handler that returns an object whose __str__ and __repr__ raise
    # WHEN the rule's event reaches the Lambda entry
    out = invoke_entry(stack, tmp_path, monkeypatch, handler, CRONBRIDGE_TIMEOUT="8")
    # THEN the run SUCCEEDED at once (not TIMED_OUT by the watchdog), with no retry armed
    assert out["status"] == "SUCCEEDED"
    run = DynamoRunStore(stack.ddb, stack.table).get(out["run_id"])
    assert run is not None and run.status is RunStatus.SUCCEEDED
    assert [a.status for a in run.attempts] == [RunStatus.SUCCEEDED]
    assert "Unprintable" in json.dumps(run.result)
    assert stack.retry_schedules() == []


def test_an_exception_whose_str_raises_is_a_failure(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a handler raising an exception whose __str__ raises, and one retry allowed
    retry = '{"retries":1,"delay":60,"backoff":2.0,"max_delay":900}'
    # WHEN the rule's event reaches the Lambda entry
    out = invoke_entry(
        stack,
        tmp_path,
        monkeypatch,
        "raises_unprintable",
        CRONBRIDGE_TIMEOUT="8",
        CRONBRIDGE_RETRY=retry,
    )
    # THEN the attempt is FAILED (its real outcome) with the exception's type, not TIMED_OUT
    assert out["status"] == "FAILED"
    run = DynamoRunStore(stack.ddb, stack.table).get(out["run_id"])
    assert run is not None and run.error is not None
    assert run.error["type"] == "HostileError"
    assert "HostileError" in run.error["message"]
    assert "raise HostileError" in run.error.get("traceback", "")
    assert [a.status for a in run.attempts] == [RunStatus.FAILED]
