"""The worker's input: what a rule, a schedule, a retry or an invocation hands the function.

Parsed and checked before anything is claimed, so garbage raises (Lambda's on-failure
destination keeps it) instead of creating a run. Stdlib only (cold start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import parse_iso


class InvalidInputError(ValueError):
    """The event is not a cronbridge worker input (raised: Lambda's destination keeps it)."""


@dataclass(frozen=True)
class WorkerInput:
    job: str
    trigger: str
    scheduled_time: datetime
    payload: dict[str, Any]
    event_id: str | None = None
    run_id: str | None = None
    attempt: int = 1
    redrive_of: str | None = None

    @classmethod
    def parse(cls, event: Mapping[str, Any], now: datetime) -> WorkerInput:
        if not isinstance(event, Mapping):
            raise InvalidInputError(
                f"worker input must be a JSON object, got {type(event).__name__}"
            )
        trigger = str(event.get("trigger") or "schedule")
        if trigger not in C.TRIGGERS:
            raise InvalidInputError(f"unknown trigger {trigger!r}; expected one of {C.TRIGGERS}")
        payload = event.get("payload") or {}
        if not isinstance(payload, dict):
            raise InvalidInputError("payload must be a JSON object")
        raw_time = event.get("scheduled_time")
        try:
            scheduled = parse_iso(str(raw_time)) if raw_time else now
        except ValueError as exc:
            raise InvalidInputError(f"scheduled_time {raw_time!r} is not ISO-8601") from exc
        attempt = int(event.get("attempt") or 1)
        if trigger == "retry" and (attempt < 2 or not event.get("run_id")):
            raise InvalidInputError("a retry input needs run_id and attempt >= 2")
        return cls(
            job=str(event.get("job") or ""),
            trigger=trigger,
            scheduled_time=scheduled,
            payload=payload,
            event_id=event.get("event_id"),
            run_id=event.get("run_id"),
            attempt=attempt,
            redrive_of=event.get("redrive_of"),
        )
