"""The per-job summary item: what ``status`` and the overview need, kept by the writes.

``pk=JOB#<job> sk=SUMMARY`` holds the job's newest run (``last_run``: set by every first
claim and every skip), its newest scheduled slot (``last_scheduled``, which replaces the
old ``LAST_SCHEDULED`` marker item), the outcome of the last attempt that finished
(``last_outcome``), the failure streak (``streak``: +1 on a run's first failed attempt,
0 on a success) and one ``f_<run stamp>`` attribute per attempt in flight (set by the
claim, removed by the final write). The worker adds this update to the transactions it
already makes, unconditionally, so it never changes a claim's or a finish's outcome and
costs no extra request (but transactional writes cost 2 WCU per item:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling).
The item stays small (a handful of attributes plus the attempts in flight).

Trade-off: the fields are last-writer-wins in claim/finish order, not in slot order. They
differ only when a slot is first delivered after a later slot was claimed, or a retry of
an older run concludes after a newer run: then ``last_run``/``streak`` describe the write
that came last until the job's next run. Pure (builders and a decoder); no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scheduler.clock import isoformat_z
from scheduler.ledger.model import RunRecord, RunStatus, split_run_id
from scheduler.ledger.update import Update

IN_FLIGHT_PREFIX = "f_"


def in_flight_name(run_id: str) -> str:
    """``f_<stamp>``: the attribute marking one run's attempt as in flight."""
    _job, stamp = split_run_id(run_id)
    return IN_FLIGHT_PREFIX + stamp


def _first_seen(update: Update, run: RunRecord, status: RunStatus) -> Update:
    # Only what health reads: every value returned costs read units (and emulator time).
    update.set(
        "last_run", {"run_id": run.run_id, "status": status.value, "started_at": run.started_at}
    )
    if run.trigger == "schedule":
        update.set("last_scheduled", {"run_id": run.run_id, "scheduled_for": run.scheduled_for})
    # ``since``: the first run's place in the table (its run id's time), so a reader can
    # ask whether any run sorts before it (written before this summary existed).
    _job, stamp = split_run_id(run.run_id)
    moment = datetime.strptime(stamp[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return update.set_if_absent("since", isoformat_z(moment))


def claim_update(run: RunRecord) -> Update:
    """What a successful claim of ``run``'s attempt records in the summary."""
    update = Update()
    if run.attempt <= 1:
        _first_seen(update, run, RunStatus.RUNNING)
    return update.set(in_flight_name(run.run_id), run.started_at)


def skip_update(run: RunRecord) -> Update:
    """A skipped slot is the job's newest run (and newest scheduled one) too."""
    return _first_seen(Update(), run, RunStatus.SKIPPED)


def finish_update(run: RunRecord, status: RunStatus) -> Update:
    """The final write of one attempt: no longer in flight, its outcome, the streak."""
    update = Update().remove(in_flight_name(run.run_id))
    update.set(
        "last_outcome",
        {"run_id": run.run_id, "status": status.value, "started_at": run.started_at},
    )
    if status is RunStatus.SUCCEEDED:
        update.set("streak", 0)
    elif status.is_failure and run.attempt <= 1:
        # A run counts once however many attempts fail (as history shows one row).
        update.add("streak", 1)
    return update


@dataclass(frozen=True)
class JobSummary:
    """A decoded summary item (``from_item`` of the low-level attributes)."""

    job: str
    last_run: dict[str, Any] | None
    last_scheduled: dict[str, Any] | None
    last_outcome: dict[str, Any] | None
    streak: int
    since: str | None
    in_flight: dict[str, str] = field(default_factory=dict)  # run id -> attempt start

    @classmethod
    def from_data(cls, job: str, data: dict[str, Any]) -> JobSummary:
        in_flight = {
            f"{job}.{name[len(IN_FLIGHT_PREFIX) :]}": str(value)
            for name, value in data.items()
            if name.startswith(IN_FLIGHT_PREFIX)
        }
        return cls(
            job=job,
            last_run=data.get("last_run"),
            last_scheduled=data.get("last_scheduled"),
            last_outcome=data.get("last_outcome"),
            streak=max(0, int(data.get("streak") or 0)),
            since=data.get("since"),
            in_flight=in_flight,
        )

    def newest_run_id(self) -> str | None:
        """The id of the job's newest run as far as the summary knows (runs sort by the
        id's stamp exactly as the table's sort key does; ``ledger.query.history_across``)."""
        ids = [str(b["run_id"]) for b in (self.last_run, self.last_scheduled) if b]
        ids += list(self.in_flight)
        return max(ids, key=lambda run_id: (run_id.partition(".")[2], run_id), default=None)

    def last_run_state(self) -> tuple[str, str] | None:
        """(status, started_at) of ``last_run`` as it is now, or None if the summary cannot
        tell (an older run's outcome was written after it): then read the run item."""
        last = self.last_run
        if last is None:
            return None
        run_id = str(last["run_id"])
        if run_id in self.in_flight:
            return RunStatus.RUNNING.value, self.in_flight[run_id]
        outcome = self.last_outcome
        if outcome and outcome.get("run_id") == run_id:
            return str(outcome["status"]), str(outcome.get("started_at") or last["started_at"])
        if last.get("status") == RunStatus.SKIPPED.value:
            return RunStatus.SKIPPED.value, str(last["started_at"])
        return None
