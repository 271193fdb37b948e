"""The pure pieces of the fast read path: update builder, summary and rollup items, the
lazy cross-job merge, health facts from a summary. No moto."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from scheduler.health import facts_from_runs, facts_from_summary, health_row
from scheduler.ledger import RunRecord, RunStatus
from scheduler.ledger.codec import from_attr
from scheduler.ledger.query import history_across
from scheduler.ledger.rollup import (
    DayRollup,
    bucket_value,
    duration_bucket,
    final_outcome,
    fold,
    histogram_stats,
    rollup_update,
)
from scheduler.ledger.summary import JobSummary, claim_update, finish_update, skip_update
from scheduler.ledger.update import Update
from tests.unit.test_health import make_job

NOW = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)


def run(job: str, minute: str, status: RunStatus, **fields: Any) -> RunRecord:
    stamp = f"2026-03-29T{minute}:00Z"
    base: dict[str, Any] = {
        "run_id": f"{job}.20260329T{minute.replace(':', '')}00Z",
        "job": job,
        "status": status,
        "trigger": "schedule",
        "scheduled_for": stamp,
        "attempt": 1,
        "started_at": stamp,
    }
    base.update(fields)
    return RunRecord(**base)


def apply(data: dict[str, Any], update: Update) -> dict[str, Any]:
    """Evaluate the builder's expression text as DynamoDB would (SET, if_not_exists, ADD,
    REMOVE), so these tests pin the expression, not the builder's internals."""
    out = dict(data)
    names = update.names
    values = {k: from_attr(v) for k, v in update.values.items()}
    sections = re.split(r"\b(SET|ADD|REMOVE) ", update.expression)[1:]
    for verb, body in zip(sections[::2], sections[1::2], strict=True):
        if verb == "SET":
            for ref, absent, value in re.findall(
                r"(#a\d+) = (?:(if_not_exists)\(#a\d+, )?(:v\d+)", body
            ):
                if absent and names[ref] in out:
                    continue
                out[names[ref]] = values[value]
        elif verb == "ADD":
            for ref, value in re.findall(r"(#a\d+) (:v\d+)", body):
                out[names[ref]] = out.get(names[ref], 0) + values[value]
        else:
            for ref in re.findall(r"#a\d+", body):
                out.pop(names[ref], None)
    return out


def test_update_builder_escapes_names_and_numbers_placeholders() -> None:
    # GIVEN a run stamp with a '-' (not allowed in a bare attribute name)
    update = Update().set("last_run", {"a": 1}).add("f_20260329T010000Z-ab12", 1).remove("x")
    # THEN every name is a placeholder, and the clauses come in SET, ADD, REMOVE order
    assert update.expression == "SET #a0 = :v0 ADD #a1 :v1 REMOVE #a2"
    assert update.names == {"#a0": "last_run", "#a1": "f_20260329T010000Z-ab12", "#a2": "x"}
    assert update.values[":v1"] == {"N": "1"}


def test_the_summary_follows_a_failing_then_retried_run() -> None:
    # GIVEN a slot claimed, failing (retry pending), claimed again and succeeding
    first = run("tick", "01:15", RunStatus.RUNNING)
    data = apply({}, claim_update(first))
    data = apply(data, finish_update(first, RunStatus.FAILED))
    failing = JobSummary.from_data("tick", data)
    retry = run("tick", "01:15", RunStatus.RUNNING, attempt=2, started_at="2026-03-29T01:16:00Z")
    data = apply(data, claim_update(retry))
    running = JobSummary.from_data("tick", data)
    data = apply(data, finish_update(retry, RunStatus.SUCCEEDED))
    done = JobSummary.from_data("tick", data)
    # THEN the failure counted once, was in flight only between claim and finish, and the
    # success reset the streak; the newest run's state is known without reading it
    assert failing.streak == 1 and failing.in_flight == {}
    assert failing.last_run_state() == ("FAILED", "2026-03-29T01:15:00Z")
    assert running.in_flight == {"tick.20260329T011500Z": "2026-03-29T01:16:00Z"}
    assert running.last_run_state() == ("RUNNING", "2026-03-29T01:16:00Z")
    assert done.streak == 0 and done.last_run_state() == ("SUCCEEDED", "2026-03-29T01:16:00Z")
    assert done.since == "2026-03-29T01:15:00Z"
    assert done.last_scheduled is not None
    assert done.last_scheduled["scheduled_for"] == "2026-03-29T01:15:00Z"


def test_a_manual_run_moves_the_newest_run_but_not_the_newest_slot() -> None:
    slot = run("tick", "01:10", RunStatus.RUNNING)
    manual = run("tick", "01:12", RunStatus.RUNNING, trigger="manual")
    data = apply(apply({}, claim_update(slot)), claim_update(manual))
    summary = JobSummary.from_data("tick", data)
    assert summary.last_run is not None and summary.last_run["run_id"] == manual.run_id
    assert summary.last_scheduled is not None
    assert summary.last_scheduled["run_id"] == slot.run_id
    assert summary.newest_run_id() == manual.run_id


def test_an_older_outcome_written_last_leaves_the_newest_state_unknown() -> None:
    # GIVEN run B claimed and finished, then an older run A's outcome written after it
    a, b = run("tick", "01:05", RunStatus.RUNNING), run("tick", "01:10", RunStatus.RUNNING)
    data = apply(apply({}, claim_update(a)), claim_update(b))
    data = apply(data, finish_update(b, RunStatus.SUCCEEDED))
    data = apply(data, finish_update(a, RunStatus.DEAD))
    # THEN the summary says it cannot tell B's state (the reader fetches B by key)
    assert JobSummary.from_data("tick", data).last_run_state() is None


def test_a_skip_is_the_newest_run_and_a_skipped_outcome() -> None:
    skipped = run("tick", "01:15", RunStatus.SKIPPED)
    summary = JobSummary.from_data("tick", apply({}, skip_update(skipped)))
    assert summary.last_run_state() == ("SKIPPED", "2026-03-29T01:15:00Z")
    assert final_outcome(RunStatus.SKIPPED, None) == "skipped"


def test_rollups_count_final_outcomes_by_slot_hour() -> None:
    # GIVEN a success, a failure waiting for its retry, a dead run and a skip
    runs = [
        run("tick", "01:05", RunStatus.SUCCEEDED, duration_ms=200),
        run("tick", "01:10", RunStatus.FAILED, duration_ms=50, next_attempt_at="x"),
        run("tick", "01:15", RunStatus.DEAD, duration_ms=90),
        run("tick", "02:00", RunStatus.SKIPPED),
    ]
    # WHEN folded as the worker's writes would leave them
    (key, counters), *_ = fold(runs).items()
    rollup = DayRollup.from_data(date(2026, 3, 29), counters)
    # THEN the pending failure is not counted yet, durations only for concluded attempts
    assert key == ("tick", date(2026, 3, 29))
    assert rollup.hours == {1: {"succeeded": 1, "failed": 1}, 2: {"skipped": 1}}
    assert rollup.histogram == {duration_bucket(200): 1, duration_bucket(90): 1}
    # AND the counters are packed: hours 0-5 of an outcome in one number, 6 digits each
    assert counters["c_succeeded_0"] == 10**6 and counters["c_skipped_0"] == 10**12


def test_packed_counters_count_past_one_and_across_blocks() -> None:
    # GIVEN 61 successes at 23:xx and 3 at 00:xx (hour 23 is the last counter of block 3)
    runs = [run("tick", "23:00", RunStatus.SUCCEEDED, duration_ms=5)] * 61
    runs += [run("tick", "00:00", RunStatus.SUCCEEDED, duration_ms=5)] * 3
    (counters,) = fold(runs).values()
    rollup = DayRollup.from_data(date(2026, 3, 29), counters)
    assert rollup.hours == {23: {"succeeded": 61}, 0: {"succeeded": 3}}
    assert rollup.histogram == {duration_bucket(5): 64}


def test_the_worker_update_adds_what_fold_counts() -> None:
    done = run("tick", "01:05", RunStatus.SUCCEEDED, duration_ms=200)
    data = apply({}, rollup_update(done, "succeeded", 200, 30, "expires_at"))
    expected = fold([done])[("tick", date(2026, 3, 29))]
    assert {k: v for k, v in data.items() if k != "expires_at"} == expected
    assert len(expected) == 2  # one packed hour counter, one packed histogram bucket
    # the item outlives its day by the job's retention (TTL, epoch seconds)
    assert data["expires_at"] == int(datetime(2026, 3, 30, tzinfo=UTC).timestamp()) + 30 * 86400


def test_histogram_buckets_keep_a_duration_within_about_twelve_percent() -> None:
    for ms in (1, 7, 100, 999, 12_345, 900_000):
        middle = bucket_value(duration_bucket(ms))
        assert abs(middle - ms) <= max(1, 0.13 * ms), ms
    assert duration_bucket(0) == 0
    histogram = {duration_bucket(100): 3, duration_bucket(1000): 1}
    count, median, p95, top = histogram_stats(histogram)
    assert count == 4 and median == bucket_value(duration_bucket(100))
    assert p95 == top == bucket_value(duration_bucket(1000))
    assert histogram_stats({}) == (0, None, None, None)


def test_health_from_a_summary_matches_health_from_the_runs() -> None:
    # GIVEN a job whose runs went: success, failure, failure (one still in flight, stuck)
    job = make_job(timeout=60)
    ok, bad = run("tick", "01:00", RunStatus.RUNNING), run("tick", "01:05", RunStatus.RUNNING)
    stuck = run("tick", "01:10", RunStatus.RUNNING)
    data: dict[str, Any] = {}
    for r, status in ((ok, RunStatus.SUCCEEDED), (bad, RunStatus.DEAD)):
        data = apply(apply(data, claim_update(r)), finish_update(r, status))
    data = apply(data, claim_update(stuck))
    runs = [stuck, RunRecord(**{**bad.__dict__, "status": RunStatus.DEAD}), ok]
    runs[2] = RunRecord(**{**ok.__dict__, "status": RunStatus.SUCCEEDED})
    # WHEN health is taken from each
    from_summary = health_row(
        job, facts_from_summary(job, JobSummary.from_data("tick", data), NOW, {}), NOW
    )
    from_runs = health_row(job, facts_from_runs(job, runs, NOW), NOW)
    # THEN both say STUCK on the same run, with the same failures and last run
    assert from_summary == from_runs
    assert from_summary["health"] == "STUCK" and from_summary["consecutive_failures"] == 1


class FakeStore:
    """Per-job newest-first runs; records which jobs were queried."""

    def __init__(self, runs: dict[str, list[RunRecord]]) -> None:
        self.runs = runs
        self.queried: list[str] = []

    def history(self, job: str, **_: Any) -> Iterator[RunRecord]:
        self.queried.append(job)
        yield from self.runs[job]


def test_history_across_reads_only_the_jobs_whose_newest_run_is_reached() -> None:
    # GIVEN 50 jobs, each with two runs, job-049 the newest, and summaries for 49 of them
    def at(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    runs = {
        f"job-{i:03d}": [
            run(f"job-{i:03d}", at(2 * i + 1), RunStatus.SUCCEEDED),
            run(f"job-{i:03d}", at(2 * i), RunStatus.SUCCEEDED),
        ]
        for i in range(50)
    }
    store = FakeStore(runs)
    newest = {job: r[0].run_id for job, r in runs.items() if job != "job-000"}
    # WHEN the newest 3 runs across all jobs are asked for, one job Query at a time
    got = history_across(store, list(runs), limit=3, newest=newest, workers=1)  # type: ignore[arg-type]
    # THEN they are the right three, in order, and only the job without a summary and the
    # two jobs whose runs are in the answer were read
    assert [r.run_id for r in got] == [
        "job-049.20260329T013900Z",
        "job-049.20260329T013800Z",
        "job-048.20260329T013700Z",
    ]
    assert sorted(store.queried) == ["job-000", "job-048", "job-049"]
    # AND without summaries (every job queried) the answer is the same
    assert history_across(store, list(runs), limit=3) == got  # type: ignore[arg-type]
    # WHEN up to 4 Queries may be in flight THEN the answer is the same, and the jobs the
    # merge reached one after another were read together: no more than the 3 runs wanted
    store.queried.clear()
    assert history_across(store, list(runs), limit=3, newest=newest) == got  # type: ignore[arg-type]
    assert sorted(store.queried) == ["job-000", "job-047", "job-048", "job-049"]


def test_history_across_in_waves_merges_exactly_as_one_job_at_a_time() -> None:
    # GIVEN 30 jobs with uneven histories (1 to 40 runs in 10 hours, many sharing a
    # minute with another job's), and summaries for most of them
    import random

    rng = random.Random(5)
    runs: dict[str, list[RunRecord]] = {}
    for i in range(30):
        job = f"job-{i:02d}"
        minutes = sorted(rng.sample(range(0, 600), rng.choice((1, 3, 12, 40))), reverse=True)
        runs[job] = [run(job, f"{m // 60:02d}:{m % 60:02d}", RunStatus.SUCCEEDED) for m in minutes]
    newest = {job: r[0].run_id for job, r in runs.items() if job[-1] != "7"}
    for limit in (1, 5, 20, 200):
        # WHEN the merge reads in waves of 4 and one job at a time
        waves = history_across(FakeStore(runs), list(runs), limit=limit, newest=newest)  # type: ignore[arg-type]
        single = history_across(FakeStore(runs), list(runs), limit=limit, newest=newest, workers=1)  # type: ignore[arg-type]
        # THEN both give the newest runs of all jobs, in the table's order
        every = sorted(
            (r for rs in runs.values() for r in rs),
            key=lambda r: (r.run_id.partition(".")[2], r.run_id),
            reverse=True,
        )
        assert waves == single == every[:limit], limit
