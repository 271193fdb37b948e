"""Job health rules (``scheduler.health``), shared by ``status`` and ``ui``. Pure, no moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler.catalogue import Job, RetryPolicy
from scheduler.health import RECENT_RUNS, UNHEALTHY, job_health, recent_runs
from scheduler.ledger import RunRecord, RunStatus

NOW = datetime(2026, 3, 29, 1, 20, tzinfo=UTC)


def make_job(**fields: Any) -> Job:
    base: dict[str, Any] = {
        "name": "tick",
        "description": "",
        "schedule": "*/5 * * * *",
        "timezone": "UTC",
        "handler": "jobs.x:run",
        "payload": {},
        "enabled": True,
        "timeout": 60,
        "memory": 256,
        "retries": RetryPolicy(),
        "overlap": "skip",
        "env": {},
        "tags": {},
        "backend": "rules",
        "reserved_concurrency": None,
        "retention_days": 30,
        "grace": 300,
    }
    base.update(fields)
    return Job(**base)


def run(minute: str, status: RunStatus, trigger: str = "schedule") -> RunRecord:
    stamp = f"2026-03-29T{minute}:00Z"
    return RunRecord(
        run_id=f"tick.{stamp}",
        job="tick",
        status=status,
        trigger=trigger,
        scheduled_for=stamp,
        attempt=1,
        started_at=stamp,
    )


def test_a_job_with_no_runs_is_ok_and_shows_its_next_fire() -> None:
    # GIVEN a job that never ran WHEN its health is taken
    row = job_health(make_job(), [], NOW)
    # THEN it is OK (new cannot be told from never-ran) with the next 5-minute fire
    assert row["health"] == "OK"
    assert row["last_run"] is None
    assert row["next_fire"] == "2026-03-29T01:25:00Z"
    assert row["consecutive_failures"] == 0 and row["missed_fire"] is None


def test_a_fire_past_its_grace_with_no_run_is_late() -> None:
    # GIVEN the newest scheduled run was 01:05 WHEN taken at 01:20 (01:10 + 300 s < 01:20)
    row = job_health(make_job(), [run("01:05", RunStatus.SUCCEEDED)], NOW)
    # THEN the job is LATE, naming the missed fire
    assert row["health"] == "LATE" and row["missed_fire"] == "2026-03-29T01:10:00Z"


def test_a_fire_within_its_grace_is_not_late() -> None:
    # GIVEN the newest scheduled run was 01:15 WHEN taken at 01:20 (01:20 not past grace)
    row = job_health(make_job(), [run("01:15", RunStatus.SUCCEEDED)], NOW)
    assert row["health"] == "OK"
    assert row["last_run"] == {
        "run_id": "tick.2026-03-29T01:15:00Z",
        "status": "SUCCEEDED",
        "started_at": "2026-03-29T01:15:00Z",
    }


def test_failures_since_the_last_success_make_a_job_failing() -> None:
    # GIVEN two failures (a dead and a timed out) after a success, and a skip in between
    runs = [
        run("01:15", RunStatus.DEAD),
        run("01:12", RunStatus.SKIPPED),
        run("01:10", RunStatus.TIMED_OUT),
        run("01:05", RunStatus.SUCCEEDED),
        run("01:00", RunStatus.FAILED),
    ]
    row = job_health(make_job(), runs, NOW)
    # THEN it is FAILING with the two failures counted back to the success
    assert row["health"] == "FAILING" and row["consecutive_failures"] == 2


def test_late_wins_over_failing_and_disabled_wins_over_both() -> None:
    runs = [run("01:05", RunStatus.FAILED)]
    assert job_health(make_job(), runs, NOW)["health"] == "LATE"
    disabled = job_health(make_job(enabled=False), runs, NOW)
    assert disabled["health"] == "DISABLED" and disabled["next_fire"] is None


def test_manual_runs_do_not_count_as_the_last_scheduled_fire() -> None:
    # GIVEN a manual run at 01:18 after the last scheduled run at 01:05
    runs = [run("01:18", RunStatus.SUCCEEDED, trigger="manual"), run("01:05", RunStatus.SUCCEEDED)]
    # THEN the 01:10 slot is still missed
    assert job_health(make_job(), runs, NOW)["health"] == "LATE"


@pytest.mark.parametrize(
    ("health", "unhealthy"), [("OK", False), ("LATE", True), ("FAILING", True), ("DISABLED", False)]
)
def test_only_late_and_failing_are_unhealthy(health: str, unhealthy: bool) -> None:
    assert (health in UNHEALTHY) is unhealthy


class CountingStore:
    """A RunStore stand-in recording how ``recent_runs`` reads."""

    def __init__(self, runs: list[RunRecord]) -> None:
        self.runs = runs
        self.calls: list[tuple[str, int]] = []

    def history(self, job: str, *, page_size: int = 50, **_: Any) -> Iterator[RunRecord]:
        self.calls.append((job, page_size))
        yield from self.runs


def test_recent_runs_reads_one_page_of_the_newest_runs() -> None:
    # GIVEN a job with more runs than health looks at
    store = CountingStore([run("01:05", RunStatus.SUCCEEDED)] * (RECENT_RUNS + 5))
    # WHEN its recent runs are read
    runs = recent_runs(store, "tick")  # type: ignore[arg-type]
    # THEN one page of RECENT_RUNS is asked for and no more are taken
    assert store.calls == [("tick", RECENT_RUNS)] and len(runs) == RECENT_RUNS


def test_a_run_running_past_its_timeout_and_grace_is_stuck() -> None:
    # GIVEN a 60 s job whose 01:15 run is still RUNNING at 01:20 (its worker died)
    runs = [run("01:15", RunStatus.RUNNING), run("01:10", RunStatus.SUCCEEDED)]
    row = job_health(make_job(), runs, NOW)
    # THEN the job is STUCK (unhealthy), naming the run
    assert row["health"] == "STUCK" and row["stuck_run"] == "tick.2026-03-29T01:15:00Z"
    assert "STUCK" in UNHEALTHY


def test_a_run_within_its_lease_is_not_stuck() -> None:
    # GIVEN a 600 s job whose 01:15 run is RUNNING at 01:20: inside timeout + grace
    runs = [run("01:15", RunStatus.RUNNING)]
    row = job_health(make_job(timeout=600), runs, NOW)
    # THEN it is OK
    assert row["health"] == "OK" and row["stuck_run"] is None


class MarkerStore(CountingStore):
    """A page of manual runs only, and a "last scheduled run" marker behind it."""

    def __init__(self, runs: list[RunRecord], last: RunRecord | None) -> None:
        super().__init__(runs)
        self.last = last
        self.marker_reads = 0

    def last_scheduled(self, job: str) -> RunRecord | None:
        self.marker_reads += 1
        return self.last


def test_recent_runs_reaches_the_last_scheduled_run_behind_manual_ones() -> None:
    # GIVEN a page full of manual runs after the last scheduled run (00:30)
    manual = [run("01:05", RunStatus.SUCCEEDED, trigger="manual")] * RECENT_RUNS
    store = MarkerStore(manual, run("00:30", RunStatus.SUCCEEDED))
    # WHEN the recent runs are read
    runs = recent_runs(store, "tick")  # type: ignore[arg-type]
    # THEN the scheduled run is appended and the job is LATE (00:35 was missed)
    assert store.marker_reads == 1 and runs[-1].scheduled_for == "2026-03-29T00:30:00Z"
    row = job_health(make_job(), runs, NOW)
    assert row["health"] == "LATE" and row["missed_fire"] == "2026-03-29T00:35:00Z"


def test_recent_runs_skips_the_marker_when_the_page_has_a_scheduled_run() -> None:
    # GIVEN a page with a scheduled run in it WHEN read THEN the marker is not read
    page = [run("01:05", RunStatus.SUCCEEDED)] * RECENT_RUNS
    store = MarkerStore(page, None)
    recent_runs(store, "tick")  # type: ignore[arg-type]
    assert store.marker_reads == 0


def _pause(**kw: object) -> object:
    from scheduler.operate.pauses import Pause

    fields: dict = {
        "job": "j",
        "pause_id": "p1",
        "reason": "partner down",
        "by": "arn:aws:iam::1:user/ana",
        "paused_at": "2026-03-01T00:00:00Z",
        "until": "2026-03-02T00:00:00Z",
    }
    fields.update(kw)
    return Pause(**fields)  # type: ignore[arg-type]


def test_a_paused_job_is_paused_not_late() -> None:
    from datetime import UTC, datetime

    from scheduler.catalogue.models import Job, RetryPolicy
    from scheduler.ledger import RunRecord, RunStatus

    job = Job(
        name="j", description="", schedule="0 * * * *", timezone="UTC", handler="m:f",
        payload={}, enabled=True, timeout=60, memory=128, retries=RetryPolicy(),
        overlap="skip", env={}, tags={}, backend="rules", reserved_concurrency=None,
        retention_days=30, grace=300,
    )  # fmt: skip
    last = RunRecord(
        run_id="j.20260301T000000Z", job="j", status=RunStatus.SUCCEEDED, trigger="schedule",
        scheduled_for="2026-03-01T00:00:00Z", attempt=1, started_at="2026-03-01T00:00:00Z",
    )  # fmt: skip
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    # GIVEN no run since midnight WHEN the job is not paused THEN it is LATE
    assert job_health(job, [last], now)["health"] == "LATE"
    # WHEN it is paused THEN it is PAUSED with reason, by and until, and no missed fire
    row = job_health(job, [last], now, _pause())
    assert row["health"] == "PAUSED" and row["missed_fire"] is None and row["next_fire"] is None
    assert row["paused"] == {
        "reason": "partner down",
        "by": "arn:aws:iam::1:user/ana",
        "until": "2026-03-02T00:00:00Z",
    }
    # WHEN the pause ended at 11:30 THEN the slots it skipped are not LATE, 12:00 is due
    ended = _pause(resumed_at="2026-03-01T11:30:00Z")
    assert job_health(job, [last], now, ended)["health"] == "OK"
    later = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)
    assert job_health(job, [last], later, ended)["health"] == "LATE"
    assert job_health(job, [last], later, ended)["missed_fire"] == "2026-03-01T12:00:00Z"
