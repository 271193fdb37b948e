"""The run ledgers of `cronbridge local simulate`: in process memory, or moto's table.

``SimLedgers`` hands the worker, the report and the monitor one ``RunStore`` per runs
table. ``memory`` (the default) is a ``MemoryRunStore``: moto's DynamoDB copies the whole
table on every transaction, so with it a simulated day's cost grew with the table. It
reads the table's other items (pauses, the monitor's alert states, which their own stores
write to the emulator) through a ``DynamoRunStore`` on that table, and ``flush`` writes
its items into the table, which then holds what the DynamoDB ledger would have left.
``dynamodb`` keeps the records in the table throughout (the old path; the benchmark's
baseline). Finished runs are pruned the same way in both (``prune``), so both leave the
same items behind. The only AWS calls are on the emulator's DynamoDB client.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from scheduler.ledger.dynamodb import DynamoRunStore, run_key
from scheduler.ledger.memory import MemoryRunStore
from scheduler.ledger.store import RunStore

LedgerKind = Literal["memory", "dynamodb"]
# Finished runs are deleted once no duplicate of their slot can arrive any more (the
# ticker delivers a slot only at its own instant); their rows were already taken. moto
# deep-copies the whole table on every TransactWriteItems, so with ``dynamodb`` this keeps
# transactions cheap; the memory ledger prunes the same runs, so both end alike.
PRUNE_AFTER = timedelta(minutes=1)
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "SKIPPED", "DEAD"})
PRUNE_BATCH = 4


class SimLedgers:
    """One ``RunStore`` per runs table, of one ``kind``, over the emulator's DynamoDB."""

    def __init__(self, kind: LedgerKind, dynamodb: Callable[[], Any]) -> None:
        self.kind = kind
        self._dynamodb = dynamodb  # the emulator's client, made when first needed
        self._stores: dict[str, RunStore] = {}
        self._finished: deque[tuple[datetime, str, str]] = deque()  # (when, table, run_id)

    def store(self, table: str) -> RunStore:
        """The run ledger of ``table``."""
        if table not in self._stores:
            in_table = DynamoRunStore(self._dynamodb(), table)
            if self.kind == "memory":
                self._stores[table] = MemoryRunStore(table, elsewhere=in_table)
            else:
                self._stores[table] = in_table
        return self._stores[table]

    def flush(self) -> None:
        """Write the in-process ledgers' changes into the emulator's tables."""
        for table, store in self._stores.items():
            if isinstance(store, MemoryRunStore):
                store.flush(self._dynamodb(), table)

    def finished(self, when: datetime, table: str, run_id: str) -> None:
        """``run_id`` reached its final status at ``when``: prune it after ``PRUNE_AFTER``."""
        self._finished.append((when, table, run_id))

    def prune(self, now: datetime, *, idle: bool) -> None:
        """Delete the runs finished before ``now - PRUNE_AFTER``; ``idle``: nothing else is
        pending in the simulation (a short batch is deleted anyway)."""
        before = now - PRUNE_AFTER
        finished = self._finished
        if self.kind == "memory":
            while finished and finished[0][0] < before:
                _, table, run_id = finished.popleft()
                store = self.store(table)
                assert isinstance(store, MemoryRunStore)
                store.delete_run(run_id)
            return
        due = 0
        while due < len(finished) and finished[due][0] < before:
            due += 1
        if due < PRUNE_BATCH and not (due and idle):
            return  # a few deletes per call; a small table keeps transactions cheap
        entries = [finished.popleft() for _ in range(due)]
        for start in range(0, len(entries), 25):
            by_table: dict[str, list[dict[str, Any]]] = {}
            for _, table, run_id in entries[start : start + 25]:
                by_table.setdefault(table, []).append({"DeleteRequest": {"Key": run_key(run_id)}})
            self._dynamodb().batch_write_item(RequestItems=by_table)
