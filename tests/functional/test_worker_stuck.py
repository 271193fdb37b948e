"""Attempts whose worker died, the watchdog's margin, and retry times AWS can honour."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from scheduler.ledger import LockRequest, RunRecord, RunStatus
from scheduler.worker import entry
from tests.functional.conftest import Stack, StepClock, function_arn
from tests.functional.test_worker_runtime import JOB, event, runtime, store

RETRY_ONCE = '{"retries":1,"delay":30,"backoff":2.0,"max_delay":900}'


def crashed_run(stack: Stack, clock: StepClock) -> RunRecord:
    """The 01:00 slot claimed by request ``req-dead``, whose worker then died (SIGKILL)."""
    now = clock.now()
    run = RunRecord(
        run_id="nightly-report.20260329T010000Z",
        job=JOB,
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:00:00Z",
        attempt=1,
        started_at="2026-03-29T01:00:05Z",
        request_id="req-dead",
        payload={"region": "eu"},
    )
    store(stack).claim(run, LockRequest(now.replace(minute=1), exclusive=True), now)
    return run


def ctx(request_id: str) -> Any:
    return SimpleNamespace(aws_request_id=request_id, get_remaining_time_in_millis=lambda: 60_000)


def test_a_redelivery_after_the_lease_concludes_the_dead_attempt(stack: Stack) -> None:
    # GIVEN a 60 s job (1 retry) whose first attempt's worker died at 01:00:05
    clock = StepClock()
    crashed_run(stack, clock)
    rt = runtime(stack, lambda p, c: "ok", clock, CRONBRIDGE_RETRY=RETRY_ONCE)
    # WHEN the slot is redelivered inside the attempt's lease THEN it is a duplicate
    assert rt.handle(event("schedule_rule.json"), ctx("req-2"))["status"] == "DUPLICATE"
    # WHEN it is redelivered after the lease (start + timeout + grace)
    clock.advance(200)
    summary = rt.handle(event("schedule_rule.json"), ctx("req-3"))
    # THEN the dead attempt is concluded TIMED_OUT and its retry armed, not dropped
    assert summary["status"] == "RECONCILED"
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None and run.status is RunStatus.TIMED_OUT
    assert run.attempts[0].request_id == "req-dead"
    assert run.attempts[0].error is not None and run.attempts[0].error["type"] == "WorkerDied"
    (schedule,) = stack.retry_schedules()
    assert json.loads(schedule["Target"]["Input"])["attempt"] == 2
    # AND the retry then runs the job
    clock.advance(60)
    retry = rt.handle(event("retry_input.json"), ctx("req-4"))
    assert retry["status"] == "SUCCEEDED"


def test_a_retry_claims_a_run_whose_attempt_lease_expired(stack: Stack) -> None:
    # GIVEN attempt 1 RUNNING with its worker dead (its outcome was never written), and the
    # retry it armed before dying arriving long after the lease
    clock = StepClock()
    crashed_run(stack, clock)
    clock.advance(600)
    rt = runtime(stack, lambda p, c: "ok", clock, CRONBRIDGE_RETRY=RETRY_ONCE)
    # WHEN the retry delivery arrives
    summary = rt.handle(event("retry_input.json"), ctx("req-retry"))
    # THEN it concludes attempt 1 and runs attempt 2 itself
    assert summary["status"] == "SUCCEEDED"
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None and run.status is RunStatus.SUCCEEDED
    assert [a.status for a in run.attempts] == [RunStatus.TIMED_OUT, RunStatus.SUCCEEDED]


def test_a_dead_attempt_without_retries_left_is_dead_lettered_once(stack: Stack) -> None:
    # GIVEN no retries and attempt 1's worker dead
    clock = StepClock()
    crashed_run(stack, clock)
    clock.advance(600)
    rt = runtime(stack, lambda p, c: "ok", clock)
    # WHEN the slot is redelivered twice after the lease
    first = rt.handle(event("schedule_rule.json"), ctx("req-2"))
    second = rt.handle(event("schedule_rule.json"), ctx("req-3"))
    # THEN the run is DEAD with exactly one dead letter
    assert first["status"] == "RECONCILED" and second["status"] == "DUPLICATE"
    run = store(stack).get("nightly-report.20260329T010000Z")
    assert run is not None and run.status is RunStatus.DEAD
    assert len(stack.dlq_messages()) == 1


def test_the_watchdog_keeps_seconds_for_its_own_calls_on_short_jobs(stack: Stack) -> None:
    # GIVEN a 6 s job whose handler overruns (virtual time)
    clock = StepClock()
    seen: list[float] = []

    def slow(payload: dict[str, Any], c: Any) -> None:
        seen.append(c.remaining_time())
        c.sleep(100)

    rt = runtime(stack, slow, clock, CRONBRIDGE_TIMEOUT="6")
    # WHEN it runs with 6 s left
    summary = rt.handle(
        event("schedule_rule.json"),
        SimpleNamespace(aws_request_id="r", get_remaining_time_in_millis=lambda: 6_000),
    )
    # THEN the watchdog concluded it at least 3 s before the deadline (not 0.6 s)
    assert summary["status"] == "DEAD"
    run = store(stack).get(summary["run_id"])
    assert run is not None and run.duration_ms is not None
    assert run.duration_ms <= 3_000
    assert seen and seen[0] <= 3.0


def test_retry_times_are_whole_minutes_on_aws(stack: Stack) -> None:
    # GIVEN a failing job retried after 30 s, failing at 01:00:05 (StepClock's start)
    clock = StepClock()

    def boom(payload: dict[str, Any], c: Any) -> None:
        raise RuntimeError("down")

    rt = runtime(stack, boom, clock, CRONBRIDGE_RETRY=RETRY_ONCE)
    # WHEN it fails
    summary = rt.handle(event("schedule_rule.json"), ctx("req-1"))
    # THEN the retry is an at() on the next whole minute, and the run records that time
    assert summary["status"] == "FAILED"
    (schedule,) = stack.retry_schedules()
    assert schedule["ScheduleExpression"] == "at(2026-03-29T01:01:00)"
    run = store(stack).get(summary["run_id"])
    assert run is not None and run.next_attempt_at == "2026-03-29T01:01:00Z"


def test_local_mode_keeps_retry_seconds(stack: Stack) -> None:
    # GIVEN the same job under local mode's second-precision ticker
    clock = StepClock()

    def boom(payload: dict[str, Any], c: Any) -> None:
        raise RuntimeError("down")

    rt = runtime(
        stack, boom, clock, CRONBRIDGE_RETRY=RETRY_ONCE, CRONBRIDGE_RETRY_PRECISION="second"
    )
    # WHEN it fails THEN the retry keeps its 30 s
    rt.handle(event("schedule_rule.json"), ctx("req-1"))
    (schedule,) = stack.retry_schedules()
    assert schedule["ScheduleExpression"] == "at(2026-03-29T01:00:35)"


def test_the_entry_builds_fast_failing_clients_on_its_first_invocation(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deployed function's environment and a fresh container
    (tmp_path / "quickjob.py").write_text("def run(payload, ctx):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for key, value in stack.env(JOB, "quickjob:run").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(entry, "_runtime", None)
    context = SimpleNamespace(
        aws_request_id="req-1",
        invoked_function_arn=function_arn(JOB),
        get_remaining_time_in_millis=lambda: 30_000,
    )
    # WHEN Lambda calls the handler
    assert entry.handler(event("schedule_rule.json"), context)["status"] == "SUCCEEDED"
    # THEN every client the watchdog needs exists already, with short timeouts and 2 attempts
    runtime_ = entry._runtime
    assert runtime_ is not None
    outcomes = runtime_.outcomes
    clients = [
        outcomes.ledger._client,  # type: ignore[attr-defined]
        outcomes.dlq_sender._client,  # type: ignore[attr-defined]
        outcomes.retry_scheduler._client,  # type: ignore[attr-defined]
    ]
    for client in clients:
        config = client.meta.config
        assert config.read_timeout <= 2 and config.connect_timeout <= 1
        assert config.retries["total_max_attempts"] == 2
