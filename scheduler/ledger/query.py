"""Read-side helpers for the CLI: ``--since`` parsing, cross-job history, health rules.

Pure functions over ``RunStore`` reads and ``RunRecord`` values; no boto3 here. The job
list for cross-job history comes from the caller (the catalogue): a run table has no
"list partitions" query short of a Scan, which the ledger never does.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from scheduler.clock import parse_iso
from scheduler.ledger.model import ATTENTION_STATUSES, RunRecord, RunStatus
from scheduler.ledger.store import RunStore

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: datetime) -> datetime:
    """``2h``/``30m``/``7d`` (ago) or an ISO timestamp; ValueError otherwise."""
    match = _DURATION.match(text)
    if match:
        return now - timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    try:
        return parse_iso(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is neither a duration like 2h/30m/7d nor an ISO time") from exc


def _sort_key(run: RunRecord) -> tuple[str, str]:
    # Same order as the table's sort key: slot/trigger time, then run id.
    return (run.run_id.partition(".")[2], run.run_id)


def history_across(
    store: RunStore,
    jobs: Sequence[str],
    *,
    since: datetime | None = None,
    status: RunStatus | None = None,
    limit: int = 20,
) -> list[RunRecord]:
    """Newest ``limit`` runs over ``jobs``.

    Failed/timed-out/running/dead across jobs is one Query on the attention index; other
    statuses merge each job's newest-first Query lazily (at most ``limit`` items per job).
    """
    if status is not None and status in ATTENTION_STATUSES and since is not None:
        return list(itertools.islice(store.attention(since, frozenset({status})), limit))
    page = max(1, min(limit, 100))
    streams: list[Iterator[RunRecord]] = [
        store.history(job, since=since, status=status, page_size=page) for job in jobs
    ]
    merged = heapq.merge(*streams, key=_sort_key, reverse=True)
    return list(itertools.islice(merged, limit))


def consecutive_failures(runs: Iterable[RunRecord]) -> int:
    """Failed runs since the newest success (newest-first input; skips/in-flight ignored)."""
    count = 0
    for run in runs:
        if run.status is RunStatus.SUCCEEDED:
            break
        if run.status.is_failure:
            count += 1
    return count
