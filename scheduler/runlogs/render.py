"""One readable line per log line: the worker's JSON lines shortened, metrics hidden.

The worker logs powertools JSON (level, message, and the run's keys, which ``logs`` needs
not repeat) and EMF metric blobs (for CloudWatch Metrics, not for people). ``readable``
gives ``LEVEL message key=value`` for the first, None for the second (unless raw), and any
other line (the handler's ``print``, a traceback, Lambda's START/END) as it is. Pure.
"""

from __future__ import annotations

import json
from typing import Any

from scheduler.runlogs import LogLine

# Keys every worker line carries: who and where, already said by `logs RUN_ID` itself.
_CONTEXT_KEYS = frozenset(
    {
        "level",
        "message",
        "timestamp",
        "location",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "sampling_rate",
        "job",
        "run_id",
        "attempt",
        "trigger",
    }
)


def readable(message: str, *, raw: bool = False) -> str | None:
    """The text to show for one line; None to leave it out (a metrics blob)."""
    if raw:
        return message
    text = message.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return message
    try:
        data = json.loads(text)
    except ValueError:
        return message
    if not isinstance(data, dict):
        return message
    if "_aws" in data and "CloudWatchMetrics" in (data.get("_aws") or {}):
        return None
    if "level" not in data or "message" not in data:
        return message
    extras = " ".join(f"{k}={_short(v)}" for k, v in data.items() if k not in _CONTEXT_KEYS)
    line = f"{data['level']:<7} {data['message']}"
    return f"{line}  {extras}" if extras else line


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:199] + "…"


def format_lines(lines: list[LogLine], *, raw: bool, last_attempt: list[int | None]) -> list[str]:
    """Text lines for ``lines``, with a header whenever the attempt changes.

    ``last_attempt`` is a one-item list kept by the caller across calls (``--follow``).
    """
    out: list[str] = []
    for line in lines:
        if line.attempt != last_attempt[0]:
            last_attempt[0] = line.attempt
            out.append(f"--- attempt {line.attempt} (request {line.request_id}) ---")
        text = readable(line.message, raw=raw)
        if text is not None:
            out.append(f"{line.timestamp}  {text}")
    return out
