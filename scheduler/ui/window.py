"""Each job's recent runs, kept between page loads and topped up with one small Query.

The overview refreshes every few seconds, and a job's last days of runs hardly change
between two loads: what changes is the newest few runs, plus runs still in flight or
waiting for a retry. So the first load reads each job's window (one Query, paged), and
every later load reads only from the oldest run that may still change, or the newest
run minus a lookback for late deliveries, whichever is older (one Query returning a few
items). The window is re-read whole every ``FULL_EVERY``, so nothing stays stale long.
Reads go through the injected ``RunStore``; no boto3 here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.health import RECENT_RUNS
from scheduler.ledger import RunRecord, RunStatus

WINDOW_PAGE = 1000  # Query page size (DynamoDB caps a page at 1 MB)
LOOKBACK = timedelta(minutes=15)  # a slot delivered late lands this far behind the newest
FULL_EVERY = timedelta(minutes=10)


def slot_stamp(run: RunRecord) -> str:
    """The run id's stamp: runs sort by it exactly as the table's sort key sorts them."""
    return run.run_id.partition(".")[2]


def stamp_of(moment: datetime) -> str:
    """``moment`` in the run id's stamp format, comparable with ``slot_stamp``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _may_change(run: RunRecord) -> bool:
    return run.status is RunStatus.RUNNING or bool(run.next_attempt_at)


@dataclass
class _Entry:
    runs: list[RunRecord]  # newest first
    complete: bool  # no older run exists
    read_at: datetime


class RunWindows:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def runs(
        self, store: Any, job: str, since: datetime, now: datetime
    ) -> tuple[list[RunRecord], bool]:
        """The job's runs since ``since`` and at least its ``RECENT_RUNS`` newest (newest
        first), and whether they are all of its runs."""
        with self._lock:
            entry = self._entries.get(job)
        if entry is None or not entry.runs or now - entry.read_at > FULL_EVERY:
            runs, complete = _read_all(store, job, since)
            read_at = now
        else:
            runs, complete = _top_up(store, job, entry, since)
            read_at = entry.read_at
        with self._lock:
            self._entries[job] = _Entry(runs, complete, read_at)
        return runs, complete


def _read_all(store: Any, job: str, since: datetime) -> tuple[list[RunRecord], bool]:
    fetched: list[RunRecord] = []
    floor = stamp_of(since)
    for run in store.history(job, page_size=WINDOW_PAGE):
        if slot_stamp(run) < floor and len(fetched) >= RECENT_RUNS:
            return fetched, False
        fetched.append(run)
    return fetched, True


def _top_up(store: Any, job: str, entry: _Entry, since: datetime) -> tuple[list[RunRecord], bool]:
    newest = datetime.strptime(slot_stamp(entry.runs[0])[:16], "%Y%m%dT%H%M%SZ")
    start = newest.replace(tzinfo=UTC) - LOOKBACK
    changing = [r for r in entry.runs if _may_change(r)]
    if changing:
        oldest = datetime.strptime(slot_stamp(changing[-1])[:16], "%Y%m%dT%H%M%SZ")
        start = min(start, oldest.replace(tzinfo=UTC))
    floor = stamp_of(start)
    fresh = list(store.history(job, since=start, page_size=WINDOW_PAGE))
    kept = [r for r in entry.runs if slot_stamp(r) < floor]
    runs = fresh + kept
    # Drop what fell out of the window, keeping the newest RECENT_RUNS for health.
    cut = stamp_of(since)
    trimmed = [r for i, r in enumerate(runs) if i < RECENT_RUNS or slot_stamp(r) >= cut]
    return trimmed, entry.complete and len(trimmed) == len(runs)
