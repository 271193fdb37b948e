"""Alert messages for people: short, with the job, the stage, what happened, the last
error and the command to look closer.

``Alert`` renders an SNS ``Subject`` (ASCII, at most 100 characters, no line breaks, as
SNS requires: https://docs.aws.amazon.com/sns/latest/api/API_Publish.html) and a plain-text
body, and carries message attributes so a subscriber can filter by job or event. Pure and
stdlib-only: the worker renders ``dead`` with it at run time (cold start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUBJECT_MAX = 100
_ERROR_MAX = 300
TITLES = {
    "dead": "run is DEAD",
    "late": "is LATE",
    "failing": "is FAILING",
    "recovered": "recovered",
}


@dataclass(frozen=True)
class Alert:
    event: str  # dead | late | failing | recovered
    job: str
    stage: str
    what: str  # one sentence: what happened
    look: str  # the command to look closer
    at: str  # ISO time of the news
    last_error: str | None = None
    run_id: str | None = None

    @property
    def subject(self) -> str:
        text = f"cronbridge {self.stage}: {self.job} {TITLES.get(self.event, self.event)}"
        text = text.encode("ascii", "replace").decode("ascii")
        return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3] + "..."

    @property
    def body(self) -> str:
        lines = [
            self.subject,
            "",
            f"job:   {self.job}",
            f"stage: {self.stage}",
            f"what:  {self.what}",
        ]
        if self.last_error:
            lines.append(f"error: {self.last_error}")
        lines += [f"when:  {self.at}", f"look:  {self.look}"]
        return "\n".join(lines) + "\n"

    def line(self) -> str:
        """One line for a log file or a terminal."""
        text = f"{self.at}  alert {self.event:<9} {self.job}  {self.what}"
        if self.last_error:
            text += f"  ({self.last_error})"
        return f"{text}  look: {self.look}"

    def attributes(self) -> dict[str, dict[str, str]]:
        """SNS message attributes (subscription filter policies can match them)."""
        out = {"event": self.event, "job": self.job, "stage": self.stage}
        if self.run_id:
            out["run_id"] = self.run_id
        return {k: {"DataType": "String", "StringValue": v} for k, v in out.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "job": self.job,
            "stage": self.stage,
            "what": self.what,
            "last_error": self.last_error,
            "run_id": self.run_id,
            "at": self.at,
            "look": self.look,
        }

    @classmethod
    def from_attributes(cls, attributes: dict[str, Any], body: str) -> Alert:
        """Read an alert back from a delivered SNS message (the local alert log's tap)."""

        def attr(name: str) -> str:
            value = attributes.get(name) or {}
            return str(value.get("Value") or value.get("StringValue") or "")

        fields = {}
        for raw in body.splitlines():
            key, sep, value = raw.partition(":")
            if sep and key.strip() in ("what", "error", "when", "look"):
                fields[key.strip()] = value.strip()
        return cls(
            event=attr("event"),
            job=attr("job"),
            stage=attr("stage"),
            what=fields.get("what", ""),
            look=fields.get("look", ""),
            at=fields.get("when", ""),
            last_error=fields.get("error"),
            run_id=attr("run_id") or None,
        )


def error_text(error: dict[str, Any] | None) -> str | None:
    """``Type: message`` of a run's error, trimmed to one short line."""
    if not error:
        return None
    text = f"{error.get('type', 'Error')}: {error.get('message', '')}".strip().rstrip(":")
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_MAX else text[: _ERROR_MAX - 3] + "..."


def look_command(stage: str, run_id: str | None = None, job: str | None = None) -> str:
    if run_id:
        return f"cronbridge show {run_id} --stage {stage}"
    return f"cronbridge history {job} --stage {stage}"


def dead_alert(
    *, job: str, stage: str, run_id: str, scheduled_time: str, attempts: int,
    error: dict[str, Any] | None, at: str,
) -> Alert:  # fmt: skip
    """What the worker publishes when a run is parked in the dead-letter queue."""
    return Alert(
        event="dead",
        job=job,
        stage=stage,
        what=(
            f"the run of {scheduled_time} failed {attempts} attempt(s) and is parked in the "
            "dead-letter queue"
        ),
        last_error=error_text(error),
        run_id=run_id,
        at=at,
        look=look_command(stage, run_id),
    )


def health_alert(
    event: str, *, job: str, stage: str, row: dict[str, Any], last_error: str | None, at: str
) -> Alert:
    """What the monitor publishes for a health change (``row`` as ``scheduler.health``)."""
    last = row.get("last_run") or {}
    run_id = last.get("run_id")
    if event == "late":
        what = f"no run of the slot due {row.get('missed_fire')} (grace passed)"
        look = f"cronbridge status --stage {stage}"
    elif event == "failing" and row.get("stuck_run"):
        what = f"run {row['stuck_run']} is still RUNNING past its timeout: its worker died"
        run_id = row["stuck_run"]
        look = look_command(stage, run_id)
    elif event == "failing":
        count = row.get("consecutive_failures") or 0
        what = f"the last {count} run(s) failed" if count > 1 else "the last run failed"
        look = look_command(stage, run_id) if run_id else look_command(stage, job=job)
    else:
        what = "healthy again" + (f": run {run_id} {last.get('status')}" if run_id else "")
        look = f"cronbridge history {job} --stage {stage}"
        last_error = None
    return Alert(
        event=event, job=job, stage=stage, what=what, last_error=last_error, run_id=run_id,
        at=at, look=look,
    )  # fmt: skip
