"""Build a target's input exactly as EventBridge and EventBridge Scheduler would.

Rules: the scheduled event (``{"version", "id", "detail-type": "Scheduled Event", "time",
...}``) goes through the target's InputTransformer, or its constant ``Input``, or is sent
whole. Schedules: the target ``Input`` with Scheduler's context placeholders substituted.
The local ticker and the simulator both use this, so the worker sees locally the bytes it
would see on AWS. Pure: no AWS calls, no clock.

EventBridge semantics kept here (https://docs.aws.amazon.com/eventbridge/latest/userguide/
eb-transform-target-input.html): a placeholder *outside* quotes in a JSON template is
replaced by the JSON value (a string gets its quotes), one *inside* a quoted string is
replaced by the raw text (escaped so the string stays valid); a path that matches nothing
gives ``null`` / empty text.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from scheduler.clock import isoformat_z

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()

SCHEDULER_TIME = "aws.scheduler.scheduled-time"
SCHEDULER_EXECUTION_ID = "aws.scheduler.execution-id"
SCHEDULER_SCHEDULE_ARN = "aws.scheduler.schedule-arn"
SCHEDULER_ATTEMPT = "aws.scheduler.attempt-number"


def scheduled_event(
    *, rule_arn: str, when: datetime, event_id: str, account: str, region: str
) -> dict[str, Any]:
    """The event EventBridge emits for a schedule rule at ``when``."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": isoformat_z(when),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def stable_id(*parts: str) -> str:
    """A UUID derived from its inputs: repeatable ids make simulations deterministic."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "cronbridge-local:" + "|".join(parts)))


def json_path(document: Any, path: str) -> Any:
    """Resolve EventBridge's dot-notation JSON path (``$``, ``$.a.b``, ``$.a[0]``)."""
    if path == "$":
        return document
    if not path.startswith("$."):
        return _MISSING
    current = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path[2:]):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(current, list) or index >= len(current):
                return _MISSING
            current = current[index]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return _MISSING
    return current


def _quoted_spans(template: str) -> list[tuple[int, int]]:
    """[start, end) offsets of the JSON string literals in a template (placeholders included)."""
    spans: list[tuple[int, int]] = []
    start = -1
    escaped = False
    for index, char in enumerate(template):
        if start >= 0:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                spans.append((start, index + 1))
                start = -1
        elif char == '"':
            start = index
    return spans


def render_input_transformer(
    template: str, paths_map: dict[str, str], event: dict[str, Any], *, rule_name: str = ""
) -> str:
    """Apply an InputTransformer to ``event``, returning the text sent to the target."""
    values: dict[str, Any] = {name: json_path(event, path) for name, path in paths_map.items()}
    rule_arn = (event.get("resources") or [""])[0]
    values.setdefault("aws.events.rule-arn", rule_arn)
    values.setdefault("aws.events.rule-name", rule_name or rule_arn.rsplit("/", 1)[-1])
    values.setdefault("aws.events.event.ingestion-time", event.get("time", ""))
    values.setdefault("aws.events.event", {k: v for k, v in event.items() if k != "detail"})
    values.setdefault("aws.events.event.json", event)
    is_json = template.lstrip().startswith(("{", "["))
    spans = _quoted_spans(template) if is_json else []

    def inside_string(offset: int) -> bool:
        return any(start < offset < end for start, end in spans)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)  # not a variable: EventBridge leaves the text alone
        value = values[name]
        if not is_json or inside_string(match.start()):
            if value is _MISSING or value is None:
                return ""
            text = value if isinstance(value, str) else json.dumps(value)
            # Keep the surrounding JSON string valid: escape as JSON, drop the outer quotes.
            return json.dumps(text)[1:-1] if is_json else text
        return "null" if value is _MISSING else json.dumps(value)

    return _PLACEHOLDER.sub(substitute, template)


def render_scheduler_input(
    text: str,
    *,
    scheduled_time: datetime,
    execution_id: str,
    schedule_arn: str,
    attempt: int = 1,
) -> str:
    """Substitute Scheduler's context attributes in a target's ``Input``."""
    values = {
        SCHEDULER_TIME: isoformat_z(scheduled_time),
        SCHEDULER_EXECUTION_ID: execution_id,
        SCHEDULER_SCHEDULE_ARN: schedule_arn,
        SCHEDULER_ATTEMPT: str(attempt),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def function_name_from_arn(arn: str) -> str | None:
    """``arn:aws:lambda:r:acct:function:NAME[:qualifier]`` -> NAME; None if not a function."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return parts[6]
    return None
