"""An overview row from day rollups equals the row from the runs themselves. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.health import job_health
from scheduler.ledger import RunRecord, RunStatus
from scheduler.ledger.rollup import DayRollup, fold
from scheduler.ui.views import overview_row, rollup_row
from tests.unit.test_health import make_job

NOW = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)


def test_rollup_row_matches_the_row_built_from_runs() -> None:
    # GIVEN three days of a 5-minute job: mostly successes, some dead, a skip, one in flight
    job = make_job()
    runs: list[RunRecord] = []
    slot = NOW - timedelta(days=3)
    i = 0
    while slot < NOW - timedelta(minutes=5):
        status = [RunStatus.SUCCEEDED] * 9 + [RunStatus.DEAD, RunStatus.SKIPPED]
        stamp = slot.strftime("%Y-%m-%dT%H:%M:%SZ")
        runs.append(
            RunRecord(
                run_id=f"tick.{slot.strftime('%Y%m%dT%H%M%SZ')}",
                job="tick",
                status=status[i % len(status)],
                trigger="schedule",
                scheduled_for=stamp,
                attempt=1,
                started_at=stamp,
                duration_ms=100 + i % 50,
            )
        )
        slot += timedelta(minutes=5)
        i += 1
    in_flight = RunRecord(
        run_id="tick.20260329T011500Z",
        job="tick",
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:15:00Z",
        attempt=1,
        started_at="2026-03-29T01:15:00Z",
    )
    window = [in_flight, *reversed(runs)]
    status_row = job_health(job, window[:20], NOW)
    rollups = [DayRollup.from_data(day, c) for (_j, day), c in fold(runs).items()]
    # WHEN the row is built both ways
    from_runs = overview_row(job, [], window, NOW, status_row=status_row)
    from_rollups = rollup_row(job, status_row, rollups, {in_flight.run_id: "x"}, NOW)
    # THEN counts, rate and every heatmap cell agree; the median is within a bucket
    assert (from_rollups.runs, from_rollups.failures) == (from_runs.runs, from_runs.failures)
    assert from_rollups.success_rate == from_runs.success_rate
    assert [(c.start, c.outcome, c.counts) for c in from_rollups.heat] == [
        (c.start, c.outcome, c.counts) for c in from_runs.heat
    ]
    assert from_runs.durations.median_ms is not None
    assert from_rollups.durations.median_ms is not None
    assert abs(from_rollups.durations.median_ms - from_runs.durations.median_ms) <= 15
