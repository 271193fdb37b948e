"""What `cronbridge local simulate` reports: one row per delivery, and the run's summary.

``AttemptRow`` is the unit of output (a text line, or one JSON object under ``--json``);
``SimulationResult`` gathers the rows, the dead letters and the alerts of one simulation and
sums them up. Pure data: the virtual-clock driver in ``simulate.py`` fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduler.clock import isoformat_z


@dataclass(frozen=True)
class AttemptRow:
    """One delivery's outcome: the unit of `local simulate` output."""

    job: str
    scheduled_for: str
    attempt: int
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, SKIPPED, DUPLICATE, ERROR
    at: datetime  # virtual time the attempt started
    finished_at: datetime
    trigger: str
    run_id: str | None
    run_status: str | None = None  # DEAD on the last failed attempt; RETRYING when armed
    next_attempt_at: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "scheduled_for": self.scheduled_for,
            "attempt": self.attempt,
            "status": self.status,
            "at": isoformat_z(self.at),
            "finished_at": isoformat_z(self.finished_at),
            "trigger": self.trigger,
            "run_id": self.run_id,
            "run_status": self.run_status,
            "next_attempt_at": self.next_attempt_at,
            "detail": self.detail,
        }

    def line(self) -> str:
        text = (
            f"{isoformat_z(self.at)}  {self.job:<20} slot {self.scheduled_for}  "
            f"attempt {self.attempt}  {self.status}"
        )
        if self.run_status == "DEAD":
            text += "  -> DEAD (dead-letter queue)"
        elif self.next_attempt_at:
            text += f"  -> retry at {self.next_attempt_at}"
        if self.detail and self.status not in ("SUCCEEDED",):
            text += f"  ({self.detail})"
        return text


@dataclass
class SimulationResult:
    start: datetime
    end: datetime
    stage: str
    rows: list[AttemptRow] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)  # scheduler.alerts.message.Alert
    lost: int = 0  # deliveries dropped by a simulated outage
    finished_at: datetime | None = None
    wall_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for row in self.rows:
            by_status[row.status] = by_status.get(row.status, 0) + 1
        runs = {row.run_id for row in self.rows if row.run_id}
        return {
            "summary": True,
            "from": isoformat_z(self.start),
            "to": isoformat_z(self.end),
            "stage": self.stage,
            "attempts": len(self.rows),
            "runs": len(runs),
            "by_status": dict(sorted(by_status.items())),
            "dead_runs": sum(1 for row in self.rows if row.run_status == "DEAD"),
            "dead_letters": len(self.dead_letters),
            "virtual_end": isoformat_z(self.finished_at or self.end),
            "wall_seconds": round(self.wall_seconds, 3),
        }

    def summary_line(self) -> str:
        s = self.summary()
        parts = ", ".join(f"{count} {status.lower()}" for status, count in s["by_status"].items())
        return (
            f"simulated {s['from']} .. {s['to']}: {s['attempts']} attempt(s) in {s['runs']} "
            f"run(s) ({parts or 'nothing fired'}); {s['dead_runs']} dead, "
            f"{s['dead_letters']} dead-letter message(s); {s['wall_seconds']} s real time"
        )
