"""The worker end to end against moto: claim, dedupe, overlap, retries, DEAD, timeouts."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics, WorkerRuntime
from tests.functional.conftest import Stack, StepClock

EVENTS = Path(__file__).resolve().parents[1] / "events"
JOB = "nightly-report"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def runtime(
    stack: Stack,
    fn: Callable[[dict[str, Any], Any], Any],
    clock: Any = None,
    **env: str,
) -> WorkerRuntime:
    return build_runtime(
        stack.env(JOB, "tests.fake:handler", **env),
        clients=stack.clients,
        clock=clock,
        handler_loader=lambda spec: fn,
        metrics=NullMetrics(),
    )


def store(stack: Stack) -> DynamoRunStore:
    return DynamoRunStore(stack.ddb, stack.table)


def count_calls(client: Any) -> list[str]:
    """Record every API operation ``client`` makes (botocore's event hooks)."""
    calls: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_success_is_two_writes_and_no_reads(stack: Stack) -> None:
    # GIVEN a job whose handler returns a small result
    calls = count_calls(stack.ddb)
    rt = runtime(stack, lambda payload, ctx: {"rows": 3, "region": payload["region"]})
    # WHEN the rule delivers its event
    summary = rt.handle(event("schedule_rule.json"))
    worker_calls = list(calls)
    # THEN the run is SUCCEEDED with one attempt, its result and timings
    assert summary["status"] == "SUCCEEDED"
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED
    assert run.result == {"rows": 3, "region": "eu"}
    assert [a.status for a in run.attempts] == [RunStatus.SUCCEEDED]
    assert run.error is None and run.finished_at and run.duration_ms is not None
    # AND it cost exactly 2 write requests and no reads
    assert worker_calls == ["TransactWriteItems", "TransactWriteItems"]
    # AND the overlap lock is released and the run left the attention index
    lock = stack.ddb.get_item(
        TableName=stack.table, Key={"pk": {"S": f"JOB#{JOB}"}, "sk": {"S": "LOCK"}}
    )
    assert "Item" not in lock
    item = stack.ddb.get_item(
        TableName=stack.table,
        Key={"pk": {"S": f"JOB#{JOB}"}, "sk": {"S": "RUN#2026-03-29T01:00:00Z"}},
    )["Item"]
    assert "att_pk" not in item and int(item["expires_at"]["N"]) > 0


def serialize_requests(client: Any) -> None:
    """Let only one request at a time reach moto, as DynamoDB applies each atomically.

    moto's TransactWriteItems snapshots the table and restores that snapshot when a
    condition fails, so a concurrent losing claim can roll back the winner's later write
    (a moto race, not DynamoDB behaviour). The threads still race request by request, so
    a claim that were not conditional would still run the handler twice.
    """
    lock = threading.Lock()

    def acquire(**_: Any) -> None:  # must return None: a before-call value replaces the call
        lock.acquire()

    def release(**_: Any) -> None:
        lock.release()

    client.meta.events.register("before-call.dynamodb.*", acquire)
    client.meta.events.register("after-call.dynamodb.*", release)


def test_fifty_concurrent_deliveries_run_once(stack: Stack) -> None:
    # GIVEN one scheduled event delivered by 50 threads at once
    executions: list[int] = []
    guard = threading.Lock()
    serialize_requests(stack.clients.client("dynamodb"))

    def handler(payload: dict[str, Any], ctx: Any) -> None:
        with guard:
            executions.append(1)

    rt = runtime(stack, handler)
    barrier = threading.Barrier(50)
    summaries: list[dict[str, Any]] = []

    def deliver() -> None:
        barrier.wait()
        result = rt.handle(event("schedule_rule.json"))
        with guard:
            summaries.append(result)

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN the handler ran once, there is one record, and 49 deliveries were duplicates
    assert len(executions) == 1
    runs = list(store(stack).history(JOB))
    assert len(runs) == 1 and runs[0].status is RunStatus.SUCCEEDED
    assert sorted(s["status"] for s in summaries).count("DUPLICATE") == 49


def test_same_minute_different_seconds_is_a_duplicate(stack: Stack) -> None:
    # GIVEN a slot already run (e.g. by the first of two rules hitting the same minute)
    count: list[int] = []
    rt = runtime(stack, lambda p, c: count.append(1))
    rt.handle(event("schedule_rule.json"))
    # WHEN the same minute arrives again seconds later
    late = {**event("schedule_rule.json"), "scheduled_time": "2026-03-29T01:00:42Z"}
    summary = rt.handle(late)
    # THEN it is ignored as a duplicate
    assert summary["status"] == "DUPLICATE" and len(count) == 1


def test_failure_retries_then_dead_with_one_dlq_message(stack: Stack) -> None:
    # GIVEN a job with 2 retries whose handler always raises
    def boom(payload: dict[str, Any], ctx: Any) -> None:
        raise RuntimeError(f"db down on attempt {ctx.attempt}")

    retry = '{"retries":2,"delay":30,"backoff":2.0,"max_delay":900}'
    rt = runtime(stack, boom, CRONBRIDGE_RETRY=retry)
    # WHEN the first attempt fails
    first = rt.handle(event("schedule_rule.json"))
    # THEN the run is FAILED and a one-time retry schedule is armed 30 s later
    assert first["status"] == "FAILED"
    schedules = stack.retry_schedules()
    assert len(schedules) == 1
    sched = schedules[0]
    assert sched["ScheduleExpression"].startswith("at(")
    assert sched["ActionAfterCompletion"] == "DELETE"
    assert sched["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert sched["Target"]["Arn"].endswith(f"function:cronbridge-test-{JOB}")
    retry_input = json.loads(sched["Target"]["Input"])
    assert retry_input["trigger"] == "retry" and retry_input["attempt"] == 2
    # WHEN the scheduler delivers each retry (twice for the first: at-least-once)
    assert rt.handle(retry_input)["status"] == "FAILED"
    assert rt.handle(retry_input)["status"] == "DUPLICATE"
    third = next(
        json.loads(s["Target"]["Input"])
        for s in stack.retry_schedules()
        if json.loads(s["Target"]["Input"])["attempt"] == 3
    )
    assert rt.handle(third)["status"] == "DEAD"
    # THEN the run is DEAD with all three attempts kept, the last error, and
    run = store(stack).get(retry_input["run_id"])
    assert run is not None and run.status is RunStatus.DEAD
    assert [a.attempt for a in run.attempts] == [1, 2, 3]
    assert all(a.status is RunStatus.FAILED for a in run.attempts)
    assert run.error is not None and run.error["type"] == "RuntimeError"
    assert "attempt 3" in run.error["message"] and "Traceback" in run.error["traceback"]
    # AND exactly one dead-letter message carries job, slot, payload, attempts, last error
    messages = stack.dlq_messages()
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["kind"] == "dead-run" and body["job"] == JOB
    assert body["scheduled_time"] == "2026-03-29T01:00:00Z"
    assert body["payload"] == {"region": "eu"}
    assert len(body["attempts"]) == 3 and body["last_error"]["type"] == "RuntimeError"


def test_a_run_waiting_for_a_long_retry_outlives_its_retention(stack: Stack) -> None:
    # GIVEN 1-day retention and a first retry 2 days away
    def boom(payload: dict[str, Any], ctx: Any) -> None:
        raise RuntimeError("down")

    retry = '{"retries":1,"delay":172800,"backoff":2.0,"max_delay":172800}'
    rt = runtime(stack, boom, CRONBRIDGE_RETRY=retry, CRONBRIDGE_RETENTION_DAYS="1")
    # WHEN the first attempt fails
    assert rt.handle(event("schedule_rule.json"))["status"] == "FAILED"
    # THEN the item expires a day after the retry is due, not a day after the failure
    item = stack.ddb.get_item(
        TableName=stack.table,
        Key={"pk": {"S": f"JOB#{JOB}"}, "sk": {"S": "RUN#2026-03-29T01:00:00Z"}},
    )["Item"]
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None and run.next_attempt_at is not None
    retry_at = datetime.fromisoformat(run.next_attempt_at.replace("Z", "+00:00"))
    assert int(item["expires_at"]["N"]) >= int(retry_at.timestamp()) + 86400


def test_timeout_is_recorded_by_the_watchdog(stack: Stack) -> None:
    # GIVEN a 10 s job (1 retry) whose handler sleeps far past its deadline in virtual time
    clock = StepClock()

    def slow(payload: dict[str, Any], ctx: Any) -> str:
        ctx.sleep(100)
        return "too late"

    rt = runtime(
        stack,
        slow,
        clock,
        CRONBRIDGE_TIMEOUT="10",
        CRONBRIDGE_RETRY='{"retries":1,"delay":5,"backoff":2.0,"max_delay":900}',
    )
    # WHEN it runs
    summary = rt.handle(event("schedule_rule.json"))
    # THEN the watchdog marked it TIMED_OUT before the deadline and armed the retry
    assert summary["status"] == "TIMED_OUT"
    run = store(stack).get(summary["run_id"])
    assert run is not None and run.status is RunStatus.TIMED_OUT
    assert run.attempts[0].status is RunStatus.TIMED_OUT
    assert run.error is not None and run.error["type"] == "TimeoutError"
    assert run.duration_ms is not None and run.duration_ms < 10_000
    assert run.next_attempt_at is not None
    assert len(stack.retry_schedules()) == 1
    # AND the late handler result did not overwrite the outcome
    assert run.result is None


def test_timeout_without_retries_is_dead(stack: Stack) -> None:
    # GIVEN no retries and a handler that overruns
    clock = StepClock()
    rt = runtime(stack, lambda p, c: c.sleep(100), clock, CRONBRIDGE_TIMEOUT="5")
    # WHEN it runs THEN the run dies with one DLQ message naming the timeout
    assert rt.handle(event("schedule_rule.json"))["status"] == "DEAD"
    (message,) = stack.dlq_messages()
    assert json.loads(message["Body"])["attempts"][0]["status"] == "TIMED_OUT"


@contextlib.contextmanager
def scheduled_run_in_progress(stack: Stack) -> Iterator[None]:
    """The 01:00 scheduled run, blocked inside its handler until the block exits."""
    release = threading.Event()
    started = threading.Event()

    def blocking(payload: dict[str, Any], ctx: Any) -> None:
        started.set()
        release.wait(10)

    first = threading.Thread(
        target=runtime(stack, blocking).handle, args=(event("schedule_rule.json"),)
    )
    first.start()
    try:
        assert started.wait(10)
        yield
    finally:
        release.set()
        first.join()


def test_overlap_skip_and_lease_expiry(stack: Stack) -> None:
    # GIVEN the 01:00 run still running (blocked in its handler)
    with scheduled_run_in_progress(stack):
        # WHEN the 01:01 slot fires
        nxt = {**event("schedule_rule.json"), "scheduled_time": "2026-03-29T01:01:00Z"}
        summary = runtime(stack, lambda p, c: None).handle(nxt)
        # THEN it is recorded SKIPPED, naming the run that holds the lock
        assert summary["status"] == "SKIPPED"
        skipped = store(stack).get("nightly-report.20260329T010100Z")
        assert skipped is not None and skipped.status is RunStatus.SKIPPED
        assert skipped.note is not None and "nightly-report.20260329T010000Z" in skipped.note
    # AND once the first run finished, the next slot runs normally
    nxt2 = {**event("schedule_rule.json"), "scheduled_time": "2026-03-29T01:02:00Z"}
    assert runtime(stack, lambda p, c: None).handle(nxt2)["status"] == "SUCCEEDED"


def test_crashed_run_blocks_only_until_its_lease_expires(stack: Stack) -> None:
    # GIVEN a run that claimed the lock and then died without finishing (Lambda killed it)
    from scheduler.ledger import LockRequest, RunRecord

    clock = StepClock()
    now = clock.now()
    crashed = RunRecord(
        run_id="nightly-report.20260329T010000Z",
        job=JOB,
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:00:00Z",
        attempt=1,
        started_at="2026-03-29T01:00:05Z",
    )
    store(stack).claim(crashed, LockRequest(now.replace(minute=1), exclusive=True), now)
    rt = runtime(stack, lambda p, c: "ok", clock, CRONBRIDGE_TIMEOUT="60")
    # WHEN the next slot fires inside the lease THEN it is skipped
    slot = {**event("schedule_rule.json"), "scheduled_time": "2026-03-29T01:01:00Z"}
    assert rt.handle(slot)["status"] == "SKIPPED"
    # WHEN a later slot fires after the lease (start + timeout) expired THEN it runs
    clock.advance(120)
    later = {**slot, "scheduled_time": "2026-03-29T01:02:00Z"}
    assert rt.handle(later)["status"] == "SUCCEEDED"


def test_manual_runs_get_their_own_id_and_are_never_skipped(stack: Stack) -> None:
    # GIVEN a manual trigger with a CLI-generated run id
    seen: list[Any] = []
    rt = runtime(stack, lambda p, c: seen.append((c.trigger, c.run_id, p)))
    # WHEN it runs THEN the record uses that id and trigger
    summary = rt.handle(event("manual_run.json"))
    assert summary == {
        "job": JOB,
        "run_id": "nightly-report.20260329T101500Z-0a1b2c3d",
        "attempt": 1,
        "status": "SUCCEEDED",
    }
    assert seen == [("manual", summary["run_id"], {"region": "us"})]


def test_manual_run_during_a_scheduled_run_does_not_steal_its_lease(stack: Stack) -> None:
    # GIVEN the 01:00 scheduled run still running (it holds the overlap lease)
    with scheduled_run_in_progress(stack):
        # WHEN a manual run starts and finishes meanwhile
        manual = runtime(stack, lambda p, c: None).handle(event("manual_run.json"))
        # THEN it ran (manual runs are never skipped) ...
        assert manual["status"] == "SUCCEEDED"
        # ... AND the next slot is still skipped: the scheduled run's lease survived
        nxt = {**event("schedule_rule.json"), "scheduled_time": "2026-03-29T01:01:00Z"}
        assert runtime(stack, lambda p, c: None).handle(nxt)["status"] == "SKIPPED"


def test_ctx_exposes_identity_and_virtual_time(stack: Stack) -> None:
    # GIVEN a virtual clock and a 60 s job
    clock = StepClock()
    seen: dict[str, Any] = {}

    def probe(payload: dict[str, Any], ctx: Any) -> None:
        before = ctx.remaining_time()
        ctx.sleep(20)
        seen.update(
            job=ctx.job,
            attempt=ctx.attempt,
            trigger=ctx.trigger,
            before=before,
            after=ctx.remaining_time(),
            now=ctx.now(),
            scheduled=ctx.scheduled_time,
        )

    runtime(stack, probe, clock).handle(event("schedule_rule.json"))
    # THEN remaining time is in seconds, shrinks with virtual sleeps, ends before the deadline
    assert seen["job"] == JOB and seen["attempt"] == 1 and seen["trigger"] == "schedule"
    assert 50 <= seen["before"] < 60 and seen["before"] - seen["after"] == pytest.approx(20)
    assert seen["scheduled"].isoformat() == "2026-03-29T01:00:00+00:00"


def test_huge_error_is_trimmed_to_fit_the_item(stack: Stack) -> None:
    # GIVEN a handler raising a 1 MB message
    def huge(payload: dict[str, Any], ctx: Any) -> None:
        raise ValueError("x" * 1_000_000)

    # WHEN it runs THEN the DEAD record is stored with a trimmed message
    assert runtime(stack, huge).handle(event("schedule_rule.json"))["status"] == "DEAD"
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None and run.error is not None
    assert len(run.error["message"]) <= 2_000 and "trimmed" in run.error["message"]


def test_wrong_job_input_is_rejected(stack: Stack) -> None:
    # GIVEN an input for another job THEN the worker refuses it (Lambda's destination keeps it)
    from scheduler.worker.runtime import InvalidInputError

    with pytest.raises(InvalidInputError):
        runtime(stack, lambda p, c: None).handle({**event("schedule_rule.json"), "job": "other"})


def test_a_resent_claim_of_the_same_invocation_is_still_ours(stack: Stack) -> None:
    # GIVEN a claim whose write landed but whose response was lost, so botocore resends it
    from scheduler.ledger import RunRecord
    from scheduler.ledger.store import ClaimOutcome

    run = RunRecord(
        run_id="nightly-report.20260329T010000Z",
        job=JOB,
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:00:00Z",
        attempt=1,
        started_at="2026-03-29T01:00:01Z",
        request_id="req-1",
    )
    now = datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC)
    assert store(stack).claim(run, None, now).outcome is ClaimOutcome.CLAIMED
    # WHEN the same invocation's write arrives again THEN it is still claimed (not a duplicate)
    assert store(stack).claim(run, None, now).outcome is ClaimOutcome.CLAIMED
    # AND another delivery of the slot (another request id) is a duplicate
    other = replace(run, request_id="req-2")
    assert store(stack).claim(other, None, now).outcome is ClaimOutcome.DUPLICATE
