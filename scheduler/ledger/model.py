"""Run records: what one run of one job looked like, as plain data.

``RunRecord`` is the ledger's unit: one scheduled slot (or one manual/redrive trigger) with
every attempt it took. Run ids are *self-locating*: ``<job>.<UTC stamp>[-<hex>]`` carries
the job (the partition) and the sort key, so ``show RUN_ID`` is one GetItem and never a
scan. A scheduled slot's id is derived from (job, scheduled minute) alone, which is what
makes duplicate deliveries collide on one item. Stdlib only, no AWS calls: the worker
imports this at cold start.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from scheduler.clock import isoformat_z, parse_iso


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"
    DEAD = "DEAD"

    @property
    def needs_attention(self) -> bool:
        """Runs in the sparse ``attention`` index: in flight, failed or dead."""
        return self in ATTENTION_STATUSES

    @property
    def is_failure(self) -> bool:
        return self in (RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.DEAD)


ATTENTION_STATUSES = frozenset(
    {RunStatus.RUNNING, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.DEAD}
)

# Trim limits (UTF-8 bytes) keep every item far below DynamoDB's 400 KB even with 21 attempts.
MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_CHARS = 32_000
MAX_RESULT_CHARS = 4_000

_STAMP = "%Y%m%dT%H%M%SZ"


def trim(text: str, limit: int) -> str:
    """Keep the head and the tail (where the raising frame is) of an over-long string.

    ``limit`` counts UTF-8 bytes, as DynamoDB's item limit and SQS's message limit do: a
    traceback of 4-byte characters must not take four times the room it was given.
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    marker = f"\n... [{len(data) - limit} bytes trimmed] ...\n".encode()
    keep = max(0, limit - len(marker))
    head = keep // 3
    # A cut may split a multi-byte character; dropping its fragment keeps valid text.
    start = data[:head].decode("utf-8", errors="ignore")
    end = data[len(data) - (keep - head) :].decode("utf-8", errors="ignore")
    return start + marker.decode() + end


def scheduled_run_id(job: str, scheduled: datetime) -> str:
    """The run id of a scheduled slot: the same for every delivery within that minute."""
    minute = scheduled.astimezone(UTC).replace(second=0, microsecond=0)
    return f"{job}.{minute.strftime(_STAMP)}"


def new_run_id(job: str, moment: datetime) -> str:
    """A fresh run id for a manual or redrive trigger (never collides with a slot)."""
    stamp = moment.astimezone(UTC).replace(microsecond=0).strftime(_STAMP)
    return f"{job}.{stamp}-{secrets.token_hex(4)}"


@lru_cache(maxsize=4096)
def split_run_id(run_id: str) -> tuple[str, str]:
    """(job, stamp part) of a run id; ValueError when it is not one of ours. Remembered
    (a run's id is split several times per write, and parsing its stamp is the cost)."""
    job, sep, rest = run_id.partition(".")
    if not sep or not job or len(rest) < len("20260101T000000Z"):
        raise ValueError(f"not a cronbridge run id: {run_id!r} (expected JOB.YYYYMMDDTHHMMSSZ...)")
    datetime.strptime(rest[:16], _STAMP)  # raises ValueError on garbage
    return job, rest


def stamp_of(moment: datetime) -> str:
    """The compact stamp run ids carry (``20260329T010000Z``); sorts like the run ids."""
    return moment.astimezone(UTC).strftime(_STAMP)


@dataclass
class Attempt:
    """One try of a run: its own outcome, timing and error."""

    attempt: int
    trigger: str
    status: RunStatus
    started_at: str
    finished_at: str | None = None
    duration_ms: int | None = None
    request_id: str | None = None
    error: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "trigger": self.trigger,
            "status": self.status.value,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_ms": self.duration_ms,
            "request_id": self.request_id,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            attempt=int(data["attempt"]),
            trigger=str(data.get("trigger", "")),
            status=RunStatus(data["status"]),
            started_at=str(data.get("started_at", "")),
            finished_at=data.get("finished_at"),
            duration_ms=None if data.get("duration_ms") is None else int(data["duration_ms"]),
            request_id=data.get("request_id"),
            error=data.get("error"),
        )


@dataclass
class RunRecord:
    """One run as stored in the ledger and printed by ``history``/``show --json``."""

    run_id: str
    job: str
    status: RunStatus
    trigger: str
    scheduled_for: str
    attempt: int
    started_at: str
    finished_at: str | None = None
    duration_ms: int | None = None
    error: dict[str, str] | None = None  # {type, message[, traceback]}
    attempts: list[Attempt] = field(default_factory=list)
    request_id: str | None = None
    result: Any = None
    payload: dict[str, Any] = field(default_factory=dict)
    event_id: str | None = None
    redrive_of: str | None = None
    next_attempt_at: str | None = None
    note: str | None = None  # why a run was skipped, or a duplicate's origin

    @property
    def scheduled_dt(self) -> datetime:
        return parse_iso(self.scheduled_for)

    @property
    def started_dt(self) -> datetime:
        return parse_iso(self.started_at)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape (tests pin these keys)."""
        return {
            "run_id": self.run_id,
            "job": self.job,
            "status": self.status.value,
            "trigger": self.trigger,
            "scheduled_for": self.scheduled_for,
            "attempt": self.attempt,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "attempts": [a.to_json() for a in self.attempts],
            "request_id": self.request_id,
            "result": self.result,
            "payload": self.payload,
            "event_id": self.event_id,
            "redrive_of": self.redrive_of,
            "next_attempt_at": self.next_attempt_at,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        return cls(
            run_id=str(data["run_id"]),
            job=str(data["job"]),
            status=RunStatus(data["status"]),
            trigger=str(data.get("trigger", "")),
            scheduled_for=str(data.get("scheduled_for", "")),
            attempt=int(data.get("attempt", 1)),
            started_at=str(data.get("started_at", "")),
            finished_at=data.get("finished_at"),
            duration_ms=None if data.get("duration_ms") is None else int(data["duration_ms"]),
            error=data.get("error"),
            attempts=[Attempt.from_json(a) for a in data.get("attempts") or []],
            request_id=data.get("request_id"),
            result=data.get("result"),
            payload=dict(data.get("payload") or {}),
            event_id=data.get("event_id"),
            redrive_of=data.get("redrive_of"),
            next_attempt_at=data.get("next_attempt_at"),
            note=data.get("note"),
        )


def now_iso(moment: datetime) -> str:
    return isoformat_z(moment)
