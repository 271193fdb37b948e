"""The overview's per-job run windows, topped up between loads (``scheduler.ui.window``).

A small in-memory RunStore stands in for DynamoDB here (the ledger's Protocol, injected);
the real table is exercised by tests/functional/test_ui_routes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.ledger import RunRecord, RunStatus
from scheduler.ui.window import FULL_EVERY, RunWindows, slot_stamp, stamp_of
from tests.unit.test_ui_views import run

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)


class MemoryStore:
    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.queries: list[datetime | None] = []

    def put(self, record: RunRecord) -> None:
        self.runs[record.run_id] = record

    def history(self, job: str, *, since: datetime | None = None, **_: Any) -> Iterator[RunRecord]:
        self.queries.append(since)
        floor = stamp_of(since) if since else ""
        ordered = sorted(self.runs.values(), key=slot_stamp, reverse=True)
        yield from (r for r in ordered if r.job == job and slot_stamp(r) >= floor)


def test_later_loads_read_only_the_runs_that_may_have_changed() -> None:
    # GIVEN a job with a finished run, a run still RUNNING, and an old run
    store = MemoryStore()
    store.put(run(NOW - timedelta(hours=3), RunStatus.RUNNING))
    store.put(run(NOW - timedelta(hours=1), RunStatus.SUCCEEDED))
    store.put(run(NOW - timedelta(days=9), RunStatus.SUCCEEDED))
    windows = RunWindows()
    first, complete = windows.runs(store, "tick", SINCE, NOW)
    assert len(first) == 3 and complete and store.queries == [None]
    # WHEN the running run finishes and a new run arrives, and the page loads again
    store.put(run(NOW - timedelta(hours=3), RunStatus.FAILED))
    store.put(run(NOW - timedelta(minutes=5), RunStatus.SUCCEEDED))
    second, _ = windows.runs(store, "tick", SINCE, NOW + timedelta(minutes=1))
    # THEN one Query from the oldest run that could change brought both changes
    assert store.queries[1] == NOW - timedelta(hours=3)
    assert [r.status for r in second] == [
        RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED,
        RunStatus.FAILED,
        RunStatus.SUCCEEDED,
    ]
    # WHEN nothing may change any more THEN the top-up starts at the newest run - lookback
    windows.runs(store, "tick", SINCE, NOW + timedelta(minutes=2))
    assert store.queries[2] == NOW - timedelta(minutes=5) - timedelta(minutes=15)
    # AND after FULL_EVERY the window is read whole again
    windows.runs(store, "tick", SINCE, NOW + FULL_EVERY + timedelta(minutes=2))
    assert store.queries[3] is None
