"""The run ledger in process memory: the DynamoDB store's items and conditions, in dicts.

``MemoryRunStore`` is a ``RunStore`` for `cronbridge local simulate`, where moto's DynamoDB
copies the whole table on every transaction, so a simulated day's cost grew with the
table. It keeps the very items ``DynamoRunStore`` writes - run item, ``LOCK`` lease, the
job's ``SUMMARY`` and ``DAY#<date>`` rollup (applied from the same ``Update`` builders the
DynamoDB writes render, see ``summary`` and ``rollup``), the ``expires_at`` TTL attribute,
the sparse ``attention`` keys - decoded as the low-level client returns them, and makes
each write all or nothing under the same conditions, in the same order of checks, as the
transactions in ``writes`` (run item first, then the lease). A claim or finish therefore
costs O(1) whatever the table holds. Its reads answer as ``reads`` does (``memory_reads``).

Items other stores keep in the runs table (``PAUSE``, ``ALERT``) are not here: their own
stores write them to the table. ``flush`` writes every item changed since the last flush
(or deletes it) into a real table, so the table then holds what the DynamoDB store would
have left. tests/functional/test_ledger_contract.py runs the same operations against both
stores and compares answers and raw items. Not modelled: the 400 KB item limit (the worker
trims far below it), TTL deletion (moto does not delete either), throttling and
transaction conflicts (one lock serialises every write), and index lag (reads see every
write at once, as moto does). No AWS calls except ``flush``'s, on the client it is given.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z, parse_iso
from scheduler.ledger.codec import to_item
from scheduler.ledger.keys import (
    ATTENTION_PARTITION,
    LOCK_SK,
    SECONDS_PER_DAY,
    SUMMARY_SK,
    epoch,
    job_pk,
)
from scheduler.ledger.memory_reads import MemoryReads, normal, run_location
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.ledger.rollup import day_sk, final_outcome, rollup_day, rollup_update
from scheduler.ledger.store import (
    ClaimOutcome,
    ClaimResult,
    Finish,
    LockRequest,
    is_own_claim,
)
from scheduler.ledger.summary import claim_update, finish_update, skip_update
from scheduler.ledger.update import Update

_RETRYABLE_FROM = (RunStatus.FAILED.value, RunStatus.TIMED_OUT.value)
_BATCH_WRITE_MAX = 25  # BatchWriteItem's cap on requests per call

Item = dict[str, Any]
Key = tuple[str, str]


class MemoryRunStore(MemoryReads):
    """``RunStore`` over a dict of partitions; ``table`` names the table it stands for."""

    def __init__(self, table: str = "memory", elsewhere: Any = None) -> None:
        self.table = table
        # The runs table's other items (pauses, alert states) are read here, if given: a
        # ``DynamoRunStore`` on the table their own stores write them to.
        self._elsewhere = elsewhere
        self._lock = threading.RLock()
        self._partitions: dict[str, dict[str, Item]] = {}
        self._changed: set[Key] = set()  # keys written or deleted since the last flush
        self._flushed: set[Key] = set()  # keys a flush put into the table

    # --- raw items (what a Scan of the DynamoDB table would show) -------------------------
    def items(self) -> list[Item]:
        """Every item, decoded as the low-level client would return it, by (pk, sk)."""
        with self._lock:
            return [
                normal(item)
                for pk in sorted(self._partitions)
                for _, item in sorted(self._partitions[pk].items())
            ]

    def delete_run(self, run_id: str) -> None:
        """``DeleteItem`` of one run item by key (the simulator prunes finished runs)."""
        with self._lock:
            self._delete(run_location(run_id))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(partition) for partition in self._partitions.values())

    def flush(self, client: Any, table: str | None = None) -> int:
        """Put every item changed since the last flush into the DynamoDB table, and delete
        the ones an earlier flush put there that are gone now (BatchWriteItem, 25 a call,
        unprocessed items resent); the number of requests. An item made and deleted between
        two flushes (a pruned run) costs nothing. The table's other items (pauses, alert
        states) are left alone."""
        with self._lock:
            changed, self._changed = sorted(self._changed), set()
            requests = []
            for pk, sk in changed:
                item = self._get(pk, sk)
                if item is not None:
                    requests.append({"PutRequest": {"Item": to_item(item)}})
                    self._flushed.add((pk, sk))
                elif (pk, sk) in self._flushed:
                    key = {C.TABLE_PK: {"S": pk}, C.TABLE_SK: {"S": sk}}
                    requests.append({"DeleteRequest": {"Key": key}})
                    self._flushed.discard((pk, sk))
        name = table or self.table
        for start in range(0, len(requests), _BATCH_WRITE_MAX):
            pending: dict[str, Any] = {name: requests[start : start + _BATCH_WRITE_MAX]}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
        return len(requests)

    def _get(self, pk: str, sk: str) -> Item | None:
        return self._partitions.get(pk, {}).get(sk)

    def _put(self, item: Item) -> None:
        pk, sk = item[C.TABLE_PK], item[C.TABLE_SK]
        self._partitions.setdefault(pk, {})[sk] = item
        self._changed.add((pk, sk))

    def _delete(self, key: Key) -> None:
        if self._partitions.get(key[0], {}).pop(key[1], None) is not None:
            self._changed.add(key)

    def _apply(self, key: Key, update: Update) -> None:
        """An unconditional ``UpdateItem``: creates the item when missing, as DynamoDB does."""
        pk, sk = key
        item = self._get(pk, sk)
        if item is None:
            item = {C.TABLE_PK: pk, C.TABLE_SK: sk}
            self._partitions.setdefault(pk, {})[sk] = item
        for action, name, value in update.actions:
            if action == "set":
                item[name] = normal(value)
            elif action == "set_if_absent":
                item.setdefault(name, normal(value))
            elif action == "add":  # a missing number starts at 0
                item[name] = item.get(name, 0) + value
            else:
                item.pop(name, None)
        self._changed.add(key)

    def _run_item(self, run_id: str) -> Item | None:
        return self._get(*run_location(run_id))

    def _summary(self, job: str) -> Key:
        return job_pk(job), SUMMARY_SK

    # --- writes (worker) -----------------------------------------------------------------
    def claim(self, run: RunRecord, lock: LockRequest | None, now: datetime) -> ClaimResult:
        with self._lock:
            # One transaction: the run item's condition, then the lease's; all or nothing.
            existing = self._run_item(run.run_id)
            if not _claim_allowed(run, existing):
                if existing is not None and is_own_claim(existing, run):
                    # A resent transaction whose response was lost: ours.
                    return ClaimResult(ClaimOutcome.CLAIMED, holds_lock=lock is not None)
                return ClaimResult(ClaimOutcome.DUPLICATE, _copy(existing))
            if lock is not None:
                held = self._get(job_pk(run.job), LOCK_SK)
                if not _lock_free(held, run, now):
                    if lock.exclusive:
                        return ClaimResult(ClaimOutcome.OVERLAP, _copy(held))
                    return self.claim(run, None, now)  # never skipped, never stealing it
            self._apply_claim(run, existing)
            if lock is not None:
                self._put(_lock_item(run, lock))
            self._apply(self._summary(run.job), claim_update(run))
            return ClaimResult(ClaimOutcome.CLAIMED, holds_lock=lock is not None)

    def _apply_claim(self, run: RunRecord, existing: Item | None) -> None:
        if run.attempt <= 1:
            self._put(_new_run_item(run, retention_days=None))
            return
        assert existing is not None  # _claim_allowed checked it
        existing.update(
            {
                "status": RunStatus.RUNNING.value,
                "attempt": run.attempt,
                "started_at": run.started_at,
                "request_id": normal(run.request_id),
                "finished_at": None,
                "duration_ms": None,
                "next_attempt_at": None,
            }
        )
        self._changed.add(run_location(run.run_id))

    def record_skipped(self, run: RunRecord, retention_days: int) -> bool:
        with self._lock:
            if self._run_item(run.run_id) is not None:
                return False
            self._put(_new_run_item(run, retention_days=retention_days))
            self._apply(self._summary(run.job), skip_update(run))
            self._rollup(run, "skipped", None, retention_days)
            return True

    def finish(self, run: RunRecord, finish: Finish, release_lock: bool) -> bool:
        with self._lock:
            item = self._run_item(run.run_id)
            running = (
                item is not None
                and item.get("status") == RunStatus.RUNNING.value
                and item.get("attempt") == run.attempt
            )
            if not running:
                # Someone (the watchdog, a zombie) already finished it, or this very write.
                return finish.is_applied_in(_copy(item), run)
            assert item is not None
            _apply_finish(item, finish)
            self._changed.add(run_location(run.run_id))
            if release_lock:
                held = self._get(job_pk(run.job), LOCK_SK)
                # Released only while ours; a lease taken over after it expired is left alone.
                if held is not None and held.get("holder") == run.run_id:
                    self._delete((job_pk(run.job), LOCK_SK))
            self._apply(self._summary(run.job), finish_update(run, finish.status))
            outcome = final_outcome(finish.status, finish.next_attempt_at)
            if outcome is not None:
                self._rollup(run, outcome, finish.duration_ms, finish.retention_days)
            return True

    def _rollup(
        self, run: RunRecord, outcome: str, duration_ms: int | None, retention_days: int
    ) -> None:
        update = rollup_update(run, outcome, duration_ms, retention_days, C.TABLE_TTL_ATTRIBUTE)
        self._apply((job_pk(run.job), day_sk(rollup_day(run))), update)


def _copy(item: Item | None) -> Item | None:
    """A fresh copy, as a new response from the client would be."""
    return normal(item) if item is not None else None


def _claim_allowed(run: RunRecord, existing: Item | None) -> bool:
    if run.attempt <= 1:
        return existing is None  # attribute_not_exists(pk)
    # A retry re-opens the run only from the attempt before it, and only once.
    return (
        existing is not None
        and existing.get("attempt") == run.attempt - 1
        and existing.get("status") in _RETRYABLE_FROM
    )


def _new_run_item(run: RunRecord, retention_days: int | None) -> Item:
    data = run.to_json()
    data[C.TABLE_PK], data[C.TABLE_SK] = run_location(run.run_id)
    # A RUNNING item never finished (the process died) still expires; ``finish`` resets it.
    days = retention_days if retention_days is not None else 90
    data[C.TABLE_TTL_ATTRIBUTE] = epoch(run.started_dt) + days * SECONDS_PER_DAY
    if run.status.needs_attention:
        data[C.ATTENTION_PK] = ATTENTION_PARTITION
        data[C.ATTENTION_SK] = f"{run.started_at}#{run.run_id}"
    return normal(data)


def _lock_item(run: RunRecord, lock: LockRequest) -> Item:
    lease = epoch(lock.lease_until)
    return {
        C.TABLE_PK: job_pk(run.job),
        C.TABLE_SK: LOCK_SK,
        "holder": run.run_id,
        "attempt": run.attempt,
        "lease_until": lease,
        C.TABLE_TTL_ATTRIBUTE: lease + SECONDS_PER_DAY,
    }


def _lock_free(held: Item | None, run: RunRecord, now: datetime) -> bool:
    """``attribute_not_exists(pk) OR lease_until < :now OR holder = :me``."""
    if held is None:
        return True
    lease = held.get("lease_until")
    expired = isinstance(lease, int | float) and lease < epoch(now)
    return expired or held.get("holder") == run.run_id


def _apply_finish(item: Item, finish: Finish) -> None:
    # A run waiting for a retry must outlive the wait (see the DynamoDB store's finish).
    last = finish.finished_at
    if finish.next_attempt_at:
        last = max(last, parse_iso(finish.next_attempt_at))
    item.update(
        {
            "status": finish.status.value,
            "finished_at": isoformat_z(finish.finished_at),
            "duration_ms": finish.duration_ms,
            "error": normal(finish.error),
            "result": normal(finish.result),
            "next_attempt_at": normal(finish.next_attempt_at),
            "attempts": [*(item.get("attempts") or []), normal(finish.attempt.to_json())],
            C.TABLE_TTL_ATTRIBUTE: epoch(last) + finish.retention_days * SECONDS_PER_DAY,
        }
    )
    if not finish.status.needs_attention:
        item.pop(C.ATTENTION_PK, None)
        item.pop(C.ATTENTION_SK, None)
