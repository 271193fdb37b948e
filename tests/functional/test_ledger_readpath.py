"""The fast read path against moto: the summary and rollup items the worker's own writes
keep agree with its runs, and reading by key gives what reading the runs gives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.health import job_health, read_health, recent_runs
from scheduler.ledger import DynamoRunStore, RunRecord
from scheduler.ledger.query import history_across
from scheduler.ledger.rollup import DayRollup, fold
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import Stack
from tests.unit.test_health import make_job

JOB = "nightly-report"


def handle(stack: Stack, fn: Callable[[dict[str, Any], Any], Any], worker_input: dict[str, Any]):
    runtime = build_runtime(
        stack.env(JOB, "tests.fake:handler"),
        clients=stack.clients,
        handler_loader=lambda spec: fn,
        metrics=NullMetrics(),
    )
    return runtime.handle({"job": JOB, "payload": {}, **worker_input})


def ok(payload: dict[str, Any], ctx: Any) -> dict[str, bool]:
    return {"ok": True}


def boom(payload: dict[str, Any], ctx: Any) -> None:
    raise RuntimeError("partner down")


def slot(when: str) -> dict[str, Any]:
    return {"trigger": "schedule", "scheduled_time": when}


def all_runs(store: DynamoRunStore) -> list[RunRecord]:
    return list(store.history(JOB, page_size=100))


def count_calls(client: Any) -> list[str]:
    calls: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name), unique_id="rp"
    )
    return calls


def test_rollups_written_by_the_worker_equal_the_runs_folded(stack: Stack) -> None:
    # GIVEN successes and failures (no retries: DEAD) on two days, and a manual run
    handle(stack, ok, slot("2026-03-28T23:55:00Z"))
    handle(stack, boom, slot("2026-03-29T00:00:00Z"))
    handle(stack, ok, slot("2026-03-29T00:05:00Z"))
    handle(stack, ok, {"trigger": "manual"})
    store = DynamoRunStore(stack.ddb, stack.table)
    runs = all_runs(store)
    days = sorted({d for (_job, d) in fold(runs)})
    # WHEN the day rollups are read by key
    rollups = store.day_rollups([(JOB, day) for day in days])[JOB]
    # THEN they hold exactly what folding the runs gives (hours, outcomes, histogram)
    expected = {day: DayRollup.from_data(day, c) for (_job, day), c in fold(runs).items()}
    assert {r.day: r for r in rollups} == expected
    assert sum(n for r in rollups for h in r.hours.values() for n in h.values()) == 4


def test_health_by_key_equals_health_from_the_runs(stack: Stack) -> None:
    # GIVEN a success, then two failed slots, then a failed manual run
    handle(stack, ok, slot("2026-03-29T01:00:00Z"))
    handle(stack, boom, slot("2026-03-29T01:05:00Z"))
    handle(stack, boom, slot("2026-03-29T01:10:00Z"))
    handle(stack, boom, {"trigger": "manual"})
    store = DynamoRunStore(stack.ddb, stack.table)
    job = make_job(name=JOB, schedule="*/5 * * * *")
    now = datetime.now(UTC) + timedelta(minutes=1)
    # WHEN health is read by key (as status reads it) and from the newest runs
    calls = count_calls(stack.ddb)
    by_key = read_health(store, [job], now)[JOB]
    read_calls = list(calls)
    from_runs = job_health(job, recent_runs(store, JOB), now)
    # THEN both give the same row (LATE: the 01:15 fire never came; 3 failures in a row)
    assert by_key == from_runs
    assert by_key["health"] == "LATE" and by_key["consecutive_failures"] == 3
    # AND the read by key was two BatchGetItem (the summary, the pause record), no Query
    assert read_calls == ["BatchGetItem", "BatchGetItem"]


def test_a_job_without_a_summary_falls_back_to_its_runs(stack: Stack) -> None:
    # GIVEN a run item written directly (as before summaries existed)
    handle(stack, ok, slot("2026-03-29T01:00:00Z"))
    stack.ddb.delete_item(
        TableName=stack.table, Key={"pk": {"S": f"JOB#{JOB}"}, "sk": {"S": "SUMMARY"}}
    )
    store = DynamoRunStore(stack.ddb, stack.table)
    job = make_job(name=JOB, schedule="0 1 * * *")
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    calls = count_calls(stack.ddb)
    # WHEN health is read
    row = read_health(store, [job], now)[JOB]
    # THEN it came from the newest-runs Query, with the same answer
    assert "Query" in calls
    assert row == job_health(job, recent_runs(store, JOB), now) and row["health"] == "OK"


def test_history_across_jobs_queries_only_the_newest_jobs(stack: Stack) -> None:
    # GIVEN 6 jobs with one run each, a minute apart
    jobs = [f"job-{i}" for i in range(6)]
    for i, name in enumerate(jobs):
        runtime = build_runtime(
            stack.env(name, "tests.fake:handler"),
            clients=stack.clients,
            handler_loader=lambda spec: ok,
            metrics=NullMetrics(),
        )
        runtime.handle(
            {"job": name, "trigger": "schedule", "scheduled_time": f"2026-03-29T01:0{i}:00Z"}
        )
    store = DynamoRunStore(stack.ddb, stack.table)
    summaries = store.summaries(jobs)
    newest = {job: s.newest_run_id() or "" for job, s in summaries.items()}
    calls = count_calls(stack.ddb)
    # WHEN the newest 2 runs across the jobs are listed
    got = history_across(store, jobs, limit=2, newest=newest)
    # THEN they are job-5's and job-4's, and only those two jobs were read (2 Queries, not 6)
    assert [r.job for r in got] == ["job-5", "job-4"]
    assert calls == ["Query", "Query"]
    # AND without summaries the answer is the same
    assert [r.run_id for r in history_across(store, jobs, limit=2)] == [r.run_id for r in got]
