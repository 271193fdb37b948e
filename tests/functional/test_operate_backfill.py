"""Backfill against moto: each slot claimed once, an interrupted backfill rerun safely.

The invoker runs the real worker runtime in-process (what Lambda would do on an async
Invoke), so the claim, the ledger and the run ids are the production ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler.ledger import DynamoRunStore, RunStatus, scheduled_run_id
from scheduler.operate.backfill import Backfill, DynamoSlotReader, summary
from scheduler.operate.slots import slots_between
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import Stack, StepClock

JOB = "etl"
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
END = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # 0 * * * * -> 6 hourly slots


class StoppedError(Exception):
    """Stands for Ctrl-C in the middle of a backfill."""


class InProcessInvoker:
    """Runs the worker for each started input at once; may stop after ``stop_after``."""

    def __init__(self, stack: Stack, clock: StepClock, ran: list[str], fail: set[str]) -> None:
        self.started: list[dict[str, Any]] = []
        self.stop_after: int | None = None
        self.before_start: Any = None

        def handler(payload: dict[str, Any], ctx: Any) -> str:
            ran.append(ctx.run_id)
            if ctx.run_id in fail:
                raise RuntimeError("partner down")
            return "ok"

        env = stack.env(JOB, "tests.fake:handler")
        self.runtime = build_runtime(
            env,
            clients=stack.clients,
            clock=clock,
            handler_loader=lambda spec: handler,
            metrics=NullMetrics(),
            threaded=False,
        )

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        if self.stop_after is not None and len(self.started) >= self.stop_after:
            raise StoppedError
        if self.before_start is not None:
            self.before_start(worker_input)
        self.started.append(worker_input)
        self.runtime.handle(worker_input, None)


def engine(stack: Stack, clock: StepClock, invoker: InProcessInvoker, **kw: Any) -> Backfill:
    slots = slots_between(JOB, "0 * * * *", "UTC", START, END, limit=None)
    return Backfill(
        job=JOB,
        payload={"day": 1},
        slots=slots,
        reader=DynamoSlotReader(stack.ddb, stack.table),
        invoker=invoker,
        clock=clock,
        max_concurrency=2,
        poll_seconds=1.0,
        **kw,
    )


def test_backfill_skips_a_slot_that_ran_and_runs_the_rest_once(stack: Stack) -> None:
    # GIVEN the 02:00 slot already ran on schedule
    clock = StepClock(datetime(2026, 3, 2, tzinfo=UTC))
    ran: list[str] = []
    invoker = InProcessInvoker(stack, clock, ran, fail={scheduled_run_id(JOB, END.replace(hour=4))})
    invoker.runtime.handle(
        {"job": JOB, "trigger": "schedule", "scheduled_time": "2026-03-01T02:00:00Z"}, None
    )
    # WHEN the six slots of [00:00, 06:00) are backfilled
    results = engine(stack, clock, invoker).run()
    # THEN 02:00 is skipped as already run, 04:00 failed for good, the rest succeeded
    outcomes = {r.slot.iso: r.outcome for r in results}
    assert outcomes == {
        "2026-03-01T00:00:00Z": "succeeded",
        "2026-03-01T01:00:00Z": "succeeded",
        "2026-03-01T02:00:00Z": "skipped",
        "2026-03-01T03:00:00Z": "succeeded",
        "2026-03-01T04:00:00Z": "dead",  # no retries configured: DEAD at once
        "2026-03-01T05:00:00Z": "succeeded",
    }
    assert "already ran (schedule run, SUCCEEDED)" in results[2].detail
    assert summary(results)["succeeded"] == 4
    # AND every slot's handler ran exactly once, under the scheduled run id, trigger backfill
    assert sorted(ran) == sorted(r.slot.run_id for r in results)
    record = DynamoRunStore(stack.ddb, stack.table).get(results[0].slot.run_id)
    assert record is not None and record.trigger == "backfill"
    assert record.status is RunStatus.SUCCEEDED and record.payload == {"day": 1}


def test_interrupted_backfill_rerun_runs_no_slot_twice(stack: Stack) -> None:
    # GIVEN a backfill interrupted after starting three of six slots
    clock = StepClock(datetime(2026, 3, 2, tzinfo=UTC))
    ran: list[str] = []
    first = InProcessInvoker(stack, clock, ran, fail=set())
    first.stop_after = 3
    with pytest.raises(StoppedError):
        engine(stack, clock, first).run()
    assert len(ran) == 3
    # WHEN the same backfill is run again (a new process: a new event id)
    second = InProcessInvoker(stack, clock, ran, fail=set())
    results = engine(stack, clock, second).run()
    # THEN the three started slots are skipped, the other three run, and no slot ran twice
    assert [r.outcome for r in results] == ["skipped"] * 3 + ["succeeded"] * 3
    assert all("backfill run" in r.detail for r in results[:3])
    assert len(second.started) == 3
    assert sorted(ran) == sorted(r.slot.run_id for r in results)


def test_slot_claimed_by_someone_else_after_the_check_is_reported_skipped(stack: Stack) -> None:
    # GIVEN a scheduled delivery of 03:00 that lands between the check and our start
    clock = StepClock(datetime(2026, 3, 2, tzinfo=UTC))
    ran: list[str] = []
    invoker = InProcessInvoker(stack, clock, ran, fail=set())

    def scheduled_fire_first(worker_input: dict[str, Any]) -> None:
        if worker_input["scheduled_time"] == "2026-03-01T03:00:00Z":
            invoker.runtime.handle({**worker_input, "trigger": "schedule", "event_id": "ev"}, None)

    invoker.before_start = scheduled_fire_first
    # WHEN the window is backfilled
    results = engine(stack, clock, invoker).run()
    # THEN 03:00 ran once (the scheduled delivery) and the backfill says it skipped it
    by_slot = {r.slot.iso: r for r in results}
    assert by_slot["2026-03-01T03:00:00Z"].outcome == "skipped"
    assert ran.count(scheduled_run_id(JOB, datetime(2026, 3, 1, 3, tzinfo=UTC))) == 1
    assert len(ran) == 6


def test_a_slot_whose_run_never_appears_is_lost_after_the_timeout(stack: Stack) -> None:
    # GIVEN an invoker whose invocations never reach a worker
    clock = StepClock(datetime(2026, 3, 2, tzinfo=UTC))

    class BlackHole:
        def start(self, job: str, worker_input: dict[str, Any]) -> None:
            return None

    slots = slots_between(JOB, "0 * * * *", "UTC", START, START.replace(hour=1), limit=None)
    # WHEN it is backfilled with a 5 s start timeout
    results = Backfill(
        job=JOB,
        payload={},
        slots=slots,
        reader=DynamoSlotReader(stack.ddb, stack.table),
        invoker=BlackHole(),
        clock=clock,
        start_timeout=5,
    ).run()
    # THEN the slot is reported lost, with where to look
    assert [r.outcome for r in results] == ["lost"]
    assert "cronbridge history etl" in results[0].detail
