"""Catch-up against moto: on AWS the stage's monitor function detects missed slots and
starts them with ``lambda.invoke``; each slot runs once, under its exactly-once key."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler import names
from scheduler.alerts.notified import NotifiedStore
from scheduler.alerts.sns import SnsPublisher
from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.monitor.entry import monitor_round
from scheduler.monitor.jobs import MonitoredJob
from scheduler.monitor.run import Monitor
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import PREFIX, STAGE, MotoClients, Stack, StepClock, create_stack

JOB = "sync"
WATCHED = MonitoredJob(
    name=JOB, schedule="*/15 * * * *", timezone="UTC", grace=300, timeout=60, enabled=True,
    catchup="all", catchup_window=6 * 3600, payload={"region": "eu"},
)  # fmt: skip


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield create_stack(MotoClients())


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 3, hour, minute, tzinfo=UTC)


class InProcessInvoker:
    """Runs the worker in this process at once (an ``Invoker``): what Lambda would do."""

    def __init__(self, stack: Stack, clock: StepClock) -> None:
        self.stack, self.clock, self.started = stack, clock, []  # type: ignore[var-annotated]

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        self.started.append(worker_input["scheduled_time"])
        runtime = build_runtime(
            self.stack.env(job, "tests.fake:handler"), clients=self.stack.clients,
            clock=self.clock, handler_loader=lambda spec: lambda payload, ctx: payload,
            metrics=NullMetrics(), threaded=False,
        )  # fmt: skip
        runtime.handle(worker_input)


def scheduled(stack: Stack, when: datetime) -> str:
    """The rule's own delivery of a slot (before or after an outage)."""
    clock = StepClock(when)
    invoker = InProcessInvoker(stack, clock)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    invoker.start(JOB, {"job": JOB, "trigger": "schedule", "scheduled_time": stamp, "payload": {}})
    return stamp


def monitor(stack: Stack, invoker: Any) -> Monitor:
    return Monitor(
        store=DynamoRunStore(stack.ddb, stack.table),
        notified=NotifiedStore(stack.ddb, stack.table),
        publisher=SnsPublisher(lambda: stack.clients.client("sns")),
        invoker=invoker, stage=STAGE, default_topic=None,
    )  # fmt: skip


def runs_of(stack: Stack) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for run in DynamoRunStore(stack.ddb, stack.table).history(JOB, page_size=100):
        out.setdefault(run.scheduled_for, []).append(run.status.value)
    return out


def test_all_runs_each_missed_slot_once_and_never_twice(stack: Stack) -> None:
    # GIVEN the 01:00 slot ran, then two hours of nothing (an outage)
    scheduled(stack, at(1, 0))
    clock = StepClock(at(3, 7))
    invoker = InProcessInvoker(stack, clock)
    mon = monitor(stack, invoker)
    # WHEN the monitor looks at 03:07
    (report,) = mon.round([WATCHED], clock.now())
    # THEN it starts every missed slot (01:15 .. 03:00), oldest first
    expected = [f"2026-12-03T0{h}:{m:02d}:00Z" for h in (1, 2) for m in (0, 15, 30, 45)][1:]
    expected.append("2026-12-03T03:00:00Z")
    assert report["catchup"] == expected
    # WHEN the rule's own late delivery of 02:30 arrives, and the monitor looks again
    scheduled(stack, at(2, 30))
    again = mon.round([WATCHED], at(3, 12))
    # THEN nothing more is started, and every slot has exactly one run, which succeeded
    assert again[0]["catchup"] == []
    runs = runs_of(stack)
    assert sorted(runs) == ["2026-12-03T01:00:00Z", *expected]
    assert all(statuses == ["SUCCEEDED"] for statuses in runs.values())
    # AND a catch-up run is the slot's scheduled run (the same key a rule delivery claims)
    run = DynamoRunStore(stack.ddb, stack.table).get(f"{JOB}.20261203T020000Z")
    assert run is not None and run.trigger == "schedule" and run.status is RunStatus.SUCCEEDED
    assert run.event_id == "catchup:2026-12-03T02:00:00Z" and run.payload == {"region": "eu"}


def test_latest_runs_only_the_newest_missed_slot(stack: Stack) -> None:
    scheduled(stack, at(1, 0))
    clock = StepClock(at(3, 7))
    invoker = InProcessInvoker(stack, clock)
    latest = MonitoredJob(**{**WATCHED.__dict__, "catchup": "latest"})
    # WHEN two monitor rounds look after the outage
    first = monitor(stack, invoker).round([latest], at(3, 7))
    second = monitor(stack, invoker).round([latest], at(3, 12))
    # THEN only 03:00 ran, once; the older missed slots stay missed
    assert first[0]["catchup"] == ["2026-12-03T03:00:00Z"] and second[0]["catchup"] == []
    assert sorted(runs_of(stack)) == ["2026-12-03T01:00:00Z", "2026-12-03T03:00:00Z"]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.py", "")
    return buf.getvalue()


def test_on_aws_the_monitor_function_detects_missed_slots_and_invokes_the_worker(
    stack: Stack,
) -> None:
    # GIVEN the job's function as deploy leaves it: its monitor view in its environment
    lam = stack.clients.client("lambda")
    role = stack.role_arn
    function = names.function_name(PREFIX, STAGE, JOB)
    watched = MonitoredJob(**{**WATCHED.__dict__, "catchup": "latest"})
    lam.create_function(
        FunctionName=function, Runtime="python3.12", Role=role, Handler="x.h",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {C.ENV_JOB: JOB, C.ENV_MONITOR: watched.to_env()}},
    )  # fmt: skip
    # AND another stage's function with the same job, which this monitor must not touch
    lam.create_function(
        FunctionName=names.function_name(PREFIX, "other", JOB), Runtime="python3.12",
        Role=role, Handler="x.h", Code={"ZipFile": _zip()},
        Environment={"Variables": {C.ENV_MONITOR: watched.to_env()}},
    )  # fmt: skip
    scheduled(stack, at(1, 0))
    invoked: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        invoked.append(params)

    lam.meta.events.register("provide-client-params.lambda.Invoke", record)
    env = {C.ENV_PREFIX: PREFIX, C.ENV_STAGE: STAGE, C.ENV_TABLE: stack.table}
    # WHEN the monitor function's round runs at 03:07 (its rule fires every 5 minutes)
    out = monitor_round(env, stack.clients, StepClock(at(3, 7)))
    # THEN it read the job from the deployed function and invoked the worker for 03:00
    assert [r["job"] for r in out["jobs"]] == [JOB]
    (call,) = invoked
    assert call["FunctionName"] == function and call["InvocationType"] == "Event"
    assert json.loads(call["Payload"]) == {
        "job": JOB, "trigger": "schedule", "scheduled_time": "2026-12-03T03:00:00Z",
        "event_id": "catchup:2026-12-03T03:00:00Z", "payload": {"region": "eu"},
    }  # fmt: skip


def test_a_pause_is_neither_late_nor_caught_up(stack: Stack) -> None:
    from scheduler.operate.pauses import Pause, PauseStore

    # GIVEN the 01:00 slot ran, then the job was paused by a person at 01:05
    scheduled(stack, at(1, 0))
    pauses = PauseStore(stack.ddb, stack.table)
    pause = Pause(job=JOB, pause_id="p1", reason="partner down", by="arn:aws:iam::1:user/me",
                  paused_at="2026-12-03T01:05:00Z")  # fmt: skip
    pauses.put(pause)
    invoker = InProcessInvoker(stack, StepClock(at(3, 7)))
    mon = monitor(stack, invoker)
    mon.pause_store = pauses
    # WHEN the monitor looks while it is paused THEN it is PAUSED: nothing missed, nothing run
    (row,) = mon.round([WATCHED], at(3, 7))
    assert (row["health"], row["catchup"]) == ("PAUSED", [])
    # WHEN it was resumed at 03:20 and the monitor looks at 03:52
    pauses.put(Pause(**{**pause.__dict__, "resumed_at": "2026-12-03T03:20:00Z"}))
    (row,) = mon.round([WATCHED], at(3, 52))
    # THEN only the slots after the resume are caught up, never those the pause skipped
    assert row["catchup"] == ["2026-12-03T03:30:00Z", "2026-12-03T03:45:00Z"]
    assert sorted(runs_of(stack)) == [
        "2026-12-03T01:00:00Z", "2026-12-03T03:30:00Z", "2026-12-03T03:45:00Z",
    ]  # fmt: skip
