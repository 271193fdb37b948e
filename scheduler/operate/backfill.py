"""Backfill: run past slots of a job, each at most once, with bounded concurrency.

Each slot is started through the injected ``Invoker`` (Lambda ``Invoke``, or the local
ticker) with trigger ``backfill`` and the slot's time; the worker claims it under the very
run id a scheduled fire of that minute would have used (``scheduled_run_id``), with the
same conditional write. So a slot the schedule (or an earlier backfill) already ran is
never run again:

* before starting anything, one ranged Query reads the runs already recorded in the window
  (``SlotReader.existing``): those slots are reported ``skipped`` up front;
* a slot claimed by someone else between that read and our start (a scheduled fire, a
  second backfill) is recognised by the ``event_id`` this backfill put in its inputs: the
  run item that won carries another one, so the slot is reported ``skipped`` too.

An interrupted backfill, run again, therefore skips every slot it had started (whatever
state their runs are in) and runs only the rest. A slot's outcome is read back from the
ledger (one Query over the range of slots in flight per poll, not one read per slot). A
slot is done when its first attempt ends: ``succeeded``, ``failed`` (no retry left),
``retrying`` (the worker armed a retry, which goes on without us), ``dead``, or
``skipped``; ``lost`` when no run was recorded within ``start_timeout`` seconds.
No boto3 import: clients, invoker and clock are handed in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scheduler.clock import Clock, isoformat_z
from scheduler.invoke import Invoker
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.operate.slots import Slot

FINAL_OUTCOMES = ("succeeded", "failed", "retrying", "dead", "skipped", "lost")
FAILED_OUTCOMES = frozenset({"failed", "dead", "lost"})


class SlotReader(Protocol):
    def existing(self, job: str, first: datetime, last: datetime) -> Iterable[RunRecord]:
        """Every run of ``job`` whose run id's time lies in ``[first, last]``."""
        ...


class DynamoSlotReader:
    """``SlotReader`` over the runs table: one paged Query on the job's RUN# key range."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table
        self.calls = 0

    def existing(self, job: str, first: datetime, last: datetime) -> Iterator[RunRecord]:
        from scheduler import contract as C  # noqa: N812 - short, as in the ledger
        from scheduler.ledger.codec import from_item
        from scheduler.ledger.dynamodb import job_pk

        # A slot's sort key is RUN#<ISO minute>; manual runs of that second carry a -hex
        # suffix, so the high bound is the last minute followed by '~' (sorts after any).
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#pk": C.TABLE_PK, "#sk": C.TABLE_SK},
            "ExpressionAttributeValues": {
                ":pk": {"S": job_pk(job)},
                ":low": {"S": f"RUN#{isoformat_z(first)}"},
                ":high": {"S": f"RUN#{isoformat_z(last)}~"},
            },
        }
        while True:
            self.calls += 1
            response = self._client.query(**params)
            for item in response.get("Items", []):
                yield RunRecord.from_json(from_item(item))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return
            params = {**params, "ExclusiveStartKey": last_key}


@dataclass
class SlotResult:
    """One slot's story, the unit of ``backfill --json``."""

    slot: Slot
    outcome: str = "pending"  # pending, running, or one of FINAL_OUTCOMES
    run_status: str | None = None
    detail: str = ""
    started_at: datetime | None = None  # when this backfill started it (None: never)

    @property
    def final(self) -> bool:
        return self.outcome in FINAL_OUTCOMES

    def to_json(self) -> dict[str, Any]:
        return {
            "scheduled_for": self.slot.iso,
            "run_id": self.slot.run_id,
            "outcome": self.outcome,
            "run_status": self.run_status,
            "detail": self.detail,
        }


@dataclass
class Progress:
    total: int
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        c = self.counts
        done = sum(c.get(k, 0) for k in FINAL_OUTCOMES)
        return (
            f"backfill: {done}/{self.total} done, {c.get('running', 0)} running, "
            f"{c.get('skipped', 0)} skipped, {c.get('failed', 0) + c.get('dead', 0)} failed"
            + (f", {c['retrying']} retrying" if c.get("retrying") else "")
            + (f", {c['lost']} lost" if c.get("lost") else "")
        )


def classify(record: RunRecord, ours: str) -> tuple[str, str]:
    """(outcome, detail) of a slot whose run item is ``record``; ``ours`` = our event id."""
    if record.event_id != ours:
        origin = record.trigger or "another"
        return "skipped", f"already ran ({origin} run, {record.status.value})"
    status = record.status
    if status is RunStatus.RUNNING:
        return "running", ""
    if status is RunStatus.SUCCEEDED:
        return "succeeded", ""
    if status is RunStatus.SKIPPED:
        return "skipped", record.note or "skipped by the worker"
    error = record.error or {}
    text = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    if status is RunStatus.DEAD:
        return "dead", text
    if record.next_attempt_at:
        return "retrying", f"{text}; attempt {record.attempt + 1} at {record.next_attempt_at}"
    return "failed", text


class Backfill:
    """Runs ``slots`` of ``job``; ``run()`` returns one ``SlotResult`` per slot, in order."""

    def __init__(
        self,
        *,
        job: str,
        payload: dict[str, Any],
        slots: list[Slot],
        reader: SlotReader,
        invoker: Invoker,
        clock: Clock,
        max_concurrency: int = 4,
        poll_seconds: float = 1.0,
        start_timeout: float = 900.0,
        on_progress: Callable[[Progress], None] | None = None,
        event_id: str | None = None,
    ) -> None:
        self.job = job
        self.payload = payload
        self.results = [SlotResult(slot) for slot in slots]
        self.reader = reader
        self.invoker = invoker
        self.clock = clock
        self.max_concurrency = max(1, max_concurrency)
        self.poll_seconds = poll_seconds
        self.start_timeout = start_timeout
        self.on_progress = on_progress
        # Marks our runs: an item with another event id was claimed by someone else.
        self.event_id = event_id or f"backfill-{secrets.token_hex(6)}"

    # --- planning -------------------------------------------------------------------------
    def mark_already_ran(self) -> None:
        """Skip every slot whose run item exists (one ranged Query over the window)."""
        if not self.results:
            return
        by_id = {r.slot.run_id: r for r in self.results}
        first, last = self.results[0].slot.scheduled, self.results[-1].slot.scheduled
        for record in self.reader.existing(self.job, first, last):
            result = by_id.get(record.run_id)
            if result is not None:
                result.outcome = "skipped"
                result.run_status = record.status.value
                result.detail = f"already ran ({record.trigger} run, {record.status.value})"

    # --- running --------------------------------------------------------------------------
    def run(self) -> list[SlotResult]:
        self.mark_already_ran()
        queue = [r for r in self.results if not r.final]
        in_flight: list[SlotResult] = []
        self._report()
        while queue or in_flight:
            while queue and len(in_flight) < self.max_concurrency:
                result = queue.pop(0)
                self._start(result)
                in_flight.append(result)
            self._report()
            self._poll(in_flight)
            still = [r for r in in_flight if not r.final]
            if len(still) == len(in_flight):  # nothing ended: wait before reading again
                self.clock.sleep(self.poll_seconds)
            in_flight = still
        self._report()
        return self.results

    def _start(self, result: SlotResult) -> None:
        self.invoker.start(
            self.job,
            {
                "job": self.job,
                "trigger": "backfill",
                "scheduled_time": result.slot.iso,
                "event_id": self.event_id,
                "payload": self.payload,
            },
        )
        result.outcome = "running"
        result.started_at = self.clock.now()

    def _poll(self, in_flight: list[SlotResult]) -> None:
        if not in_flight:
            return
        first = min(r.slot.scheduled for r in in_flight)
        last = max(r.slot.scheduled for r in in_flight)
        by_id = {r.slot.run_id: r for r in in_flight}
        seen: set[str] = set()
        for record in self.reader.existing(self.job, first, last):
            result = by_id.get(record.run_id)
            if result is None:
                continue
            seen.add(record.run_id)
            result.outcome, result.detail = classify(record, self.event_id)
            result.run_status = record.status.value
        now = self.clock.now()
        for run_id, result in by_id.items():
            if run_id in seen or result.started_at is None:
                continue
            if (now - result.started_at).total_seconds() > self.start_timeout:
                result.outcome = "lost"
                result.detail = (
                    f"no run recorded {self.start_timeout:g}s after it was started "
                    f"(look for it with `cronbridge history {self.job}`)"
                )

    def progress(self) -> Progress:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return Progress(total=len(self.results), counts=counts)

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress())


def summary(results: list[SlotResult]) -> dict[str, Any]:
    counts = {name: 0 for name in ("slots", *FINAL_OUTCOMES)}
    counts["slots"] = len(results)
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return {"summary": True, **counts}
