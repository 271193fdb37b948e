"""Run events of the local platform: one line per started, succeeded, failed, retrying,
timed out, dead, skipped or duplicate delivery, derived from the run ledger.

The executor (real time) and the simulator (virtual time) both report through this, after
reading the run's record, so what they print is what ``history`` shows. Pure: no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.clock import isoformat_z, parse_iso
from scheduler.contract import SLOT_TRIGGERS
from scheduler.ledger import RunRecord, RunStatus, scheduled_run_id
from scheduler.local.ticker import Firing

KINDS = (
    "started",
    "succeeded",
    "failed",
    "timed out",
    "retrying",
    "dead",
    "skipped",
    "duplicate",
    "killed",
    "error",
    "alert",
)


@dataclass(frozen=True)
class RunEvent:
    kind: str
    job: str
    run_id: str | None
    trigger: str
    scheduled_for: str
    attempt: int
    at: datetime
    detail: str = ""
    request_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "job": self.job,
            "run_id": self.run_id,
            "trigger": self.trigger,
            "scheduled_for": self.scheduled_for,
            "attempt": self.attempt,
            "at": isoformat_z(self.at),
            "detail": self.detail,
        }

    def line(self) -> str:
        if self.kind == "alert":  # trigger holds the alert event (dead, late, ...)
            return (
                f"{isoformat_z(self.at)}  {self.kind:<10} {self.job}  {self.trigger}: {self.detail}"
            )
        slot = self.scheduled_for[11:16] + "Z" if len(self.scheduled_for) >= 16 else "-"
        text = (
            f"{isoformat_z(self.at)}  {self.kind:<10} {self.job}  "
            f"[{self.trigger} {slot}, attempt {self.attempt}]"
        )
        return f"{text}  {self.detail}" if self.detail else text

    def but(self, kind: str, at: datetime, detail: str = "") -> RunEvent:
        return RunEvent(
            kind=kind,
            job=self.job,
            run_id=self.run_id,
            trigger=self.trigger,
            scheduled_for=self.scheduled_for,
            attempt=self.attempt,
            at=at,
            detail=detail,
            request_id=self.request_id,
        )

    @classmethod
    def started(
        cls, firing: Firing, event: Any, at: datetime, request_id: str | None = None
    ) -> RunEvent:
        """What the worker is about to do, read from its input (rule, schedule or retry)."""
        data = event if isinstance(event, dict) else {}
        job = str(data.get("job") or firing.function_name)
        trigger = str(data.get("trigger") or "schedule")
        scheduled = str(data.get("scheduled_time") or isoformat_z(firing.scheduled_time))
        run_id = data.get("run_id")
        if not run_id and trigger in SLOT_TRIGGERS:
            try:
                run_id = scheduled_run_id(job, parse_iso(scheduled))
            except ValueError:
                run_id = None
            if str(data.get("event_id") or "").startswith("catchup:"):
                trigger = "catchup"  # shown as such; the run is the slot's scheduled run
        return cls(
            kind="started",
            job=job,
            run_id=str(run_id) if run_id else None,
            trigger=trigger,
            scheduled_for=scheduled,
            attempt=int(data.get("attempt") or 1),
            at=at,
            request_id=request_id,
        )

    @classmethod
    def alert(cls, alert: Any, at: datetime) -> RunEvent:
        """An alert the local platform received (``scheduler.local.alerts``)."""
        detail = alert.what + (f" ({alert.last_error})" if alert.last_error else "")
        return cls(
            kind="alert",
            job=alert.job,
            run_id=alert.run_id,
            trigger=alert.event,
            scheduled_for="",
            attempt=0,
            at=at,
            detail=f"{detail}; look: {alert.look}",
        )

    @classmethod
    def platform_error(cls, firing: Firing, at: datetime, exc: Exception) -> RunEvent:
        return cls(
            kind="error",
            job=firing.function_name,
            run_id=None,
            trigger=firing.trigger.kind,
            scheduled_for=isoformat_z(firing.scheduled_time),
            attempt=0,
            at=at,
            detail=f"the local executor failed: {type(exc).__name__}: {exc}",
        )


def _error_text(error: dict[str, Any] | None) -> str:
    if not error:
        return ""
    return f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()


def events_from_record(
    started: RunEvent,
    record: RunRecord | None,
    *,
    outcome: dict[str, Any] | None,
    killed: bool,
    now: datetime,
) -> list[RunEvent]:
    """The events after ``started``: this attempt's outcome and what happens next."""
    if record is None:
        if killed:
            return [started.but("killed", now, "at the function's deadline; nothing recorded")]
        if outcome is not None and not outcome.get("ok", True):
            return [
                started.but("error", now, "worker crashed: " + _error_text(outcome.get("error")))
            ]
        return []  # nothing recorded for this delivery (e.g. an input the worker rejected)
    if record.status is RunStatus.SKIPPED:
        return [started.but("skipped", now, record.note or "previous run still running")]
    mine = next((a for a in record.attempts if a.attempt == started.attempt), None)
    if (
        mine is not None
        and started.request_id
        and mine.request_id not in (None, started.request_id)
    ):
        return [started.but("duplicate", now, f"attempt already handled ({mine.status.value})")]
    if mine is None and record.attempt == started.attempt and record.status is RunStatus.RUNNING:
        kind = "killed" if killed else "error"
        return [started.but(kind, now, "the attempt ended without recording an outcome")]
    if mine is None:
        return [started.but("duplicate", now, f"run is {record.status.value}")]
    out: list[RunEvent] = []
    if mine.status is RunStatus.SUCCEEDED:
        out.append(started.but("succeeded", now, f"{mine.duration_ms or 0} ms"))
    elif mine.status is RunStatus.TIMED_OUT:
        out.append(started.but("timed out", now, _error_text(mine.error)))
    elif mine.status in (RunStatus.FAILED, RunStatus.DEAD):
        out.append(started.but("failed", now, _error_text(mine.error)))
    elif mine.status is RunStatus.RUNNING:
        kind = "killed" if killed else "error"
        out.append(started.but(kind, now, "the attempt ended without recording an outcome"))
        return out
    if record.status is RunStatus.DEAD and record.attempt == started.attempt:
        out.append(started.but("dead", now, f"after {started.attempt} attempt(s); sent to the DLQ"))
    elif record.next_attempt_at and record.attempt == started.attempt and mine.status.is_failure:
        out.append(
            started.but(
                "retrying", now, f"attempt {started.attempt + 1} at {record.next_attempt_at}"
            )
        )
    return out
