"""The in-process ledger's reads: what ``reads`` asks DynamoDB, answered from dicts.

The read half of ``MemoryRunStore`` (``memory``): one run by key, a job's newest scheduled
run (its ``SUMMARY`` item, or the ``LAST_SCHEDULED`` marker older tables hold), whether a
job has runs before a moment, summaries and day rollups by key, and a job's runs newest
first (the ``RUN#`` key range) or the sparse attention index, with the same key bounds and
filters as the Queries in ``reads``; raw items by key or by partition, where the items the
ledger does not write (pauses, alert states) come from the table behind the store. Every
answer is a fresh copy, as a new response from the client would be. No AWS calls of its
own, no writes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z
from scheduler.ledger.codec import to_item
from scheduler.ledger.keys import (
    ATTENTION_PARTITION,
    LAST_SCHEDULED_SK,
    LOCK_SK,
    RUN_HIGH,
    RUN_PREFIX,
    SUMMARY_SK,
    job_pk,
    run_sort_key,
)
from scheduler.ledger.model import RunRecord, RunStatus, split_run_id
from scheduler.ledger.rollup import DAY_PREFIX, DayRollup, day_sk
from scheduler.ledger.summary import JobSummary

Item = dict[str, Any]
_KEY_NAMES = frozenset({C.TABLE_PK, C.TABLE_SK})
JOB_PREFIX = job_pk("")
_LEDGER_SKS = frozenset({LOCK_SK, SUMMARY_SK, LAST_SCHEDULED_SK})


def normal(value: Any) -> Any:
    """``value`` as DynamoDB would hand it back through ``codec`` (``from_attr(to_attr(v))``:
    tuples as lists, enums as their value, keys as text), as a fresh deep copy, in one pass
    (a test pins that both agree)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # a StrEnum's text, as a response would carry
    if isinstance(value, int | float):
        return value
    if isinstance(value, dict):
        return {str(k): normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normal(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # an Enum
        return value.value
    return str(value)


@lru_cache(maxsize=4096)
def run_location(run_id: str) -> tuple[str, str]:
    """(pk, sk) of a run item: claim, finish and every read of one run need it."""
    job, _rest = split_run_id(run_id)
    return job_pk(job), run_sort_key(run_id)


def _fresh(item: Item) -> Item:
    """A fresh copy, as a new response from the client would be."""
    return {k: normal(v) for k, v in item.items()}


def _record(item: Item) -> RunRecord:
    return RunRecord.from_json(_fresh(item))


def _data(item: Item) -> Item:
    return {k: v for k, v in _fresh(item).items() if k not in _KEY_NAMES}


def ledger_key(pk: str, sk: str) -> bool:
    """Whether (pk, sk) is an item the run ledger itself writes (the memory store holds
    those); other items of the runs table (``PAUSE``, the monitor's ``ALERT``) are not."""
    return pk.startswith(JOB_PREFIX) and (
        sk in _LEDGER_SKS or sk.startswith(RUN_PREFIX) or sk.startswith(DAY_PREFIX)
    )


class MemoryReads:
    """Needs ``self._lock``, ``self._partitions`` (pk -> sk -> decoded item) and
    ``self._elsewhere`` (a store over the table, for items the ledger does not write)."""

    _lock: threading.RLock
    _partitions: dict[str, dict[str, Item]]
    _elsewhere: Any

    # --- raw items by key (as ``reads``: low-level attributes, keys included) -------------
    def by_key(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items that exist for ``keys``: the ledger's own from memory, any other
        (pauses, alert states) from the table behind it, when there is one."""
        found: list[dict[str, Any]] = []
        others = []
        with self._lock:
            for key in keys:
                pk, sk = key[C.TABLE_PK]["S"], key[C.TABLE_SK]["S"]
                if not ledger_key(pk, sk):
                    others.append(key)
                elif (item := self._item(pk, sk)) is not None:
                    found.append(to_item(item))
        if others and self._elsewhere is not None:
            found += self._elsewhere.by_key(others)
        return found

    def partition(self, pk: str) -> Iterator[dict[str, Any]]:
        """Every item of one partition in key order, the ledger's and the table's others."""
        with self._lock:
            own = [to_item(item) for _, item in sorted(self._partitions.get(pk, {}).items())]
        other = []
        if self._elsewhere is not None:
            other = [
                item
                for item in self._elsewhere.partition(pk)
                if not ledger_key(pk, item[C.TABLE_SK]["S"])
            ]
        yield from sorted(own + other, key=lambda item: item[C.TABLE_SK]["S"])

    def _item(self, pk: str, sk: str) -> Item | None:
        return self._partitions.get(pk, {}).get(sk)

    def get(self, run_id: str) -> RunRecord | None:
        with self._lock:
            item = self._item(*run_location(run_id))
            return _record(item) if item is not None else None

    def last_scheduled(self, job: str) -> RunRecord | None:
        with self._lock:
            summary = self._item(job_pk(job), SUMMARY_SK)
            newest = summary.get("last_scheduled") if summary else None
            if not newest:
                newest = self._item(job_pk(job), LAST_SCHEDULED_SK)
            run_id = str(newest["run_id"]) if newest else None
        return self.get(run_id) if run_id else None

    def has_runs_before(self, job: str, moment: datetime) -> bool:
        below = RUN_PREFIX + isoformat_z((moment - timedelta(seconds=1)).astimezone(UTC)) + "~"
        with self._lock:
            return any(RUN_PREFIX <= sk <= below for sk in self._partitions.get(job_pk(job), {}))

    def summaries(self, jobs: Sequence[str]) -> dict[str, JobSummary]:
        found: dict[str, JobSummary] = {}
        with self._lock:
            for job in jobs:
                item = self._item(job_pk(job), SUMMARY_SK)
                if item is not None:
                    found[job] = JobSummary.from_data(job, _data(item))
        return found

    def day_rollups(self, wanted: Sequence[tuple[str, date]]) -> dict[str, list[DayRollup]]:
        found: dict[str, list[DayRollup]] = {}
        with self._lock:
            for job, day in wanted:
                item = self._item(job_pk(job), day_sk(day))
                if item is not None:
                    day_of = date.fromisoformat(item[C.TABLE_SK][len(DAY_PREFIX) :])
                    found.setdefault(job, []).append(DayRollup.from_data(day_of, _data(item)))
        return found

    def get_many(self, run_ids: Sequence[str]) -> dict[str, RunRecord]:
        records = (self.get(run_id) for run_id in run_ids)
        return {record.run_id: record for record in records if record is not None}

    def history(
        self,
        job: str,
        *,
        since: datetime | None = None,
        status: RunStatus | None = None,
        page_size: int = 50,
    ) -> Iterator[RunRecord]:
        low = RUN_PREFIX + (isoformat_z(since.astimezone(UTC)) if since else "")
        with self._lock:
            partition = self._partitions.get(job_pk(job), {})
            keys = sorted((sk for sk in partition if low <= sk <= RUN_HIGH), reverse=True)
        # Lazily, as the Query pages are: a reader taking the newest few copies only those.
        for sk in keys:
            with self._lock:
                item = partition.get(sk)
                if item is None or (status is not None and item.get("status") != status.value):
                    continue
                record = _record(item)
            yield record

    def attention(
        self, since: datetime, statuses: frozenset[RunStatus] | None = None
    ) -> Iterator[RunRecord]:
        low = isoformat_z(since.astimezone(UTC))
        wanted = {s.value for s in statuses} if statuses else None
        with self._lock:
            indexed = [
                item
                for partition in self._partitions.values()
                for item in partition.values()
                if item.get(C.ATTENTION_PK) == ATTENTION_PARTITION
                and isinstance(item.get(C.ATTENTION_SK), str)
                and item[C.ATTENTION_SK] >= low
                and (wanted is None or item.get("status") in wanted)
            ]
            indexed.sort(key=lambda item: item[C.ATTENTION_SK], reverse=True)
            found = [_fresh(item) for item in indexed]
        for item in found:
            yield RunRecord.from_json(item)
