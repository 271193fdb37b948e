"""Read-side helpers for the CLI: ``--since`` parsing, cross-job history, health rules.

Pure functions over ``RunStore`` reads and ``RunRecord`` values; no boto3 here. The job
list for cross-job history comes from the caller (the catalogue): a run table has no
"list partitions" query short of a Scan, which the ledger never does.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

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


class _Head:
    """A job's next run in a max-heap (newest first), or the job itself while unread:
    ``run`` None and ``key`` its newest run's (from its summary)."""

    __slots__ = ("job", "key", "run", "stream")

    def __init__(
        self,
        key: tuple[str, str],
        job: str,
        run: RunRecord | None = None,
        stream: Iterator[RunRecord] | None = None,
    ) -> None:
        self.key, self.job, self.run, self.stream = key, job, run, stream

    def __lt__(self, other: _Head) -> bool:
        return self.key > other.key


QUERY_WORKERS = 4
"""Job Queries in flight at once in ``history_across`` (boto3's low-level clients are
thread safe: https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)."""


def history_across(
    store: RunStore,
    jobs: Sequence[str],
    *,
    since: datetime | None = None,
    status: RunStatus | None = None,
    limit: int = 20,
    newest: Mapping[str, str] | None = None,
    workers: int = QUERY_WORKERS,
) -> list[RunRecord]:
    """Newest ``limit`` runs over ``jobs``.

    Failed/timed-out/running/dead across jobs is one Query on the attention index; other
    statuses merge each job's newest-first Query lazily (at most ``limit`` items per job).
    ``newest`` maps a job to its newest run id (from its summary item): the job's Query is
    made only once the merge reaches that run, so with 1,000 jobs and ``--limit 20`` about
    as many jobs are read as have a run in the answer, not 1,000. A job without an entry
    is read at once. Jobs the merge reaches one after another, with no run read between
    them, are read together, up to ``workers`` at a time (and no more than runs are still
    wanted): on AWS their round trips overlap instead of adding up.
    """
    if status is not None and status in ATTENTION_STATUSES and since is not None:
        return list(itertools.islice(store.attention(since, frozenset({status})), limit))
    page = max(1, min(limit, 100))
    floor = since.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if since else ""
    known = newest or {}
    heap: list[_Head] = []

    def first(job: str) -> tuple[str, Iterator[RunRecord], RunRecord | None]:
        stream = iter(store.history(job, since=since, status=status, page_size=page))
        return job, stream, next(stream, None)

    def read(wave: list[str]) -> None:
        if len(wave) == 1:
            heads = [first(wave[0])]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wave)))) as pool:
                heads = list(pool.map(first, wave))
        for job, stream, run in heads:
            if run is not None:
                heapq.heappush(heap, _Head(_sort_key(run), job, run, stream))

    unknown = []
    for job in jobs:
        run_id = known.get(job)
        if run_id is None:
            unknown.append(job)
        elif run_id.partition(".")[2] >= floor:  # else: no run since ``since``
            heapq.heappush(heap, _Head((run_id.partition(".")[2], run_id), job))
    if unknown:
        read(unknown)
    runs: list[RunRecord] = []
    while heap and len(runs) < limit:
        head = heapq.heappop(heap)
        if head.run is None or head.stream is None:
            # The merge reached this job's newest run: read it now, with the jobs it would
            # reach next anyway (unread ones at the top of the heap).
            wave = [head.job]
            room = max(1, min(workers, limit - len(runs)))
            while heap and heap[0].run is None and len(wave) < room:
                wave.append(heapq.heappop(heap).job)
            read(wave)
            continue
        runs.append(head.run)
        following = next(head.stream, None)
        if following is not None:
            heapq.heappush(heap, _Head(_sort_key(following), head.job, following, head.stream))
    return runs


def consecutive_failures(runs: Iterable[RunRecord]) -> int:
    """Failed runs since the newest success (newest-first input; skips/in-flight ignored)."""
    count = 0
    for run in runs:
        if run.status is RunStatus.SUCCEEDED:
            break
        if run.status.is_failure:
            count += 1
    return count
