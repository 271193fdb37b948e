"""A flexible window moves the start, never the run's key: the nominal slot stays the key.

EventBridge Scheduler fills ``<aws.scheduler.scheduled-time>`` with "the time you
specified for the schedule to invoke its target"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html),
the nominal slot, whenever within the window the invocation happens. The worker keys the
run on that time, so two deliveries of one slot anywhere in its window are one run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.target_input import scheduler_input
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import Stack, StepClock

SLOT = datetime(2026, 3, 30, 5, 30, tzinfo=UTC)


def _delivery(at_minute: int) -> dict[str, Any]:
    import json

    # The schedule's Input as deploy writes it, with Scheduler's context attributes filled.
    text = scheduler_input("digest", {"a": 1})
    text = text.replace("<aws.scheduler.scheduled-time>", "2026-03-30T05:30:00Z")
    text = text.replace("<aws.scheduler.execution-id>", f"exec-{at_minute}")
    text = text.replace("<aws.scheduler.schedule-arn>", "arn:aws:scheduler:::schedule/g/x")
    text = text.replace("<aws.scheduler.attempt-number>", "1")
    return dict(json.loads(text))


def test_deliveries_anywhere_in_the_window_are_one_run_of_the_nominal_slot(stack: Stack) -> None:
    ran: list[datetime] = []

    def handler(payload: dict[str, Any], ctx: Any) -> None:
        ran.append(ctx.scheduled_time)

    def runtime(at: datetime) -> Any:
        return build_runtime(
            stack.env("digest", "x:y"),
            clients=stack.clients,
            clock=StepClock(at),
            handler_loader=lambda spec: handler,
            metrics=NullMetrics(),
            threaded=False,
        )

    # GIVEN a 15-minute window: Scheduler invokes 7 minutes after the slot, and once more
    # (at-least-once delivery) 12 minutes after it
    first = runtime(SLOT + timedelta(minutes=7)).handle(_delivery(7), None)
    second = runtime(SLOT + timedelta(minutes=12)).handle(_delivery(12), None)
    # THEN one run, keyed and timed by the nominal 05:30 slot, not by either start
    assert first["status"] == "SUCCEEDED" and second["status"] == "DUPLICATE"
    assert first["run_id"] == "digest.20260330T053000Z"
    assert ran == [SLOT]
    record = DynamoRunStore(stack.ddb, stack.table).get("digest.20260330T053000Z")
    assert record is not None and record.status is RunStatus.SUCCEEDED
    assert record.scheduled_for == "2026-03-30T05:30:00Z"
    assert record.started_at == "2026-03-30T05:37:00Z"
