"""A run's own log lines: from CloudWatch Logs on AWS, from the local log files locally.

``cronbridge logs RUN_ID`` and ``run --wait`` read them through a ``LogSource``: AWS's
(``cloudwatch``) finds each attempt's invocation by its Lambda request id; the local one
(``localfile``) reads the lines the local executor's child tagged with that request id.
``render`` turns the worker's JSON lines into one readable line each. No CLI code here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class LogLine:
    """One line a run wrote: when, under which invocation (request id), and the text."""

    timestamp: str  # ISO-8601 UTC with milliseconds
    request_id: str
    message: str
    attempt: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "request_id": self.request_id,
            "attempt": self.attempt,
            "message": self.message,
        }


class LogSource(Protocol):
    """Where a run's lines live. ``read`` returns only lines not returned before."""

    def read(self, request_ids: dict[str, int]) -> list[LogLine]: ...

    def finished(self, request_id: str) -> bool:
        """Whether the invocation's closing line (``END RequestId``) has been read."""
        ...


def request_ids(run: Any) -> dict[str, int]:
    """Every invocation of a run (request id -> attempt number), oldest first."""
    ids: dict[str, int] = {}
    for attempt in getattr(run, "attempts", []) or []:
        if attempt.request_id:
            ids.setdefault(attempt.request_id, attempt.attempt)
    if getattr(run, "request_id", None):
        ids.setdefault(run.request_id, run.attempt)
    return ids


def start_marker(request_id: str) -> str:
    # Lambda's own lines around each invocation; the local child writes the same ones.
    return f"START RequestId: {request_id}"


def end_marker(request_id: str) -> str:
    return f"END RequestId: {request_id}"
