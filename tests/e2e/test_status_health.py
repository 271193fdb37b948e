"""`cronbridge status` end to end against moto: STUCK runs, and LATE behind manual runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scheduler.ledger import DynamoRunStore, RunRecord, RunStatus
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.e2e.conftest import cli_json, seed_slot
from tests.functional.conftest import Stack


def rows_by_job(data: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["job"]: row for row in data}


def test_manual_runs_do_not_hide_a_dead_scheduler(
    platform: tuple[Stack, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack, root = platform
    # GIVEN tick's last scheduled run at 01:00, then 25 manual runs (the scheduler is dead)
    seed_slot(stack, "tick", "e2ejobs.handlers:ok", "2026-03-29T01:00:00Z")
    runtime = build_runtime(
        stack.env("tick", "e2ejobs.handlers:ok"), clients=stack.clients, metrics=NullMetrics()
    )
    for _ in range(25):
        runtime.handle({"job": "tick", "trigger": "manual", "payload": {}})
    # WHEN status is taken
    code, data = cli_json(capsys, root, "status")
    # THEN tick is LATE (its 01:05 fire never came) and status exits 1
    row = rows_by_job(data)["tick"]
    assert row["health"] == "LATE" and row["missed_fire"] == "2026-03-29T01:05:00Z"
    assert row["last_run"]["status"] == "SUCCEEDED"  # the newest (manual) run
    assert code == 1


def test_a_run_whose_worker_died_makes_the_job_stuck(
    platform: tuple[Stack, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack, root = platform
    # GIVEN tick's 01:00 run claimed at 01:00:02 and never finished (its worker was killed)
    from datetime import UTC, datetime

    run = RunRecord(
        run_id="tick.20260329T010000Z",
        job="tick",
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:00:00Z",
        attempt=1,
        started_at="2026-03-29T01:00:02Z",
        request_id="req-killed",
    )
    DynamoRunStore(stack.ddb, stack.table).claim(
        run, None, datetime(2026, 3, 29, 1, 0, 2, tzinfo=UTC)
    )
    # WHEN status is taken within the run's lease (60 s timeout + 60 s grace)
    code, data = cli_json(capsys, root, "status", "--now", "2026-03-29T01:01:30Z")
    # THEN it is still OK
    assert rows_by_job(data)["tick"]["health"] == "OK" and code == 0
    # WHEN it is taken after the lease
    code, data = cli_json(capsys, root, "status", "--now", "2026-03-29T01:04:00Z")
    # THEN the job is STUCK, naming the run, and status exits 1
    row = rows_by_job(data)["tick"]
    assert row["health"] == "STUCK" and row["stuck_run"] == run.run_id
    assert code == 1
