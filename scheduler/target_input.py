"""The exact target input text deploy writes for a job's rule or schedule.

One function per backend builds the string the compiler puts on the target (a rule's
InputTransformer ``InputTemplate``, a schedule's ``Input``), and ``validate`` measures the
very same string against the 8,192-character limit, so the check and the deploy cannot
drift. It lives here, outside both ``scheduler.compile`` (which imports the resource model)
and ``scheduler.catalogue``, so the catalogue's checks import no deploy code. Pure stdlib.

In an InputTemplate, ``<name>`` is placeholder syntax and ``<``/``>`` cannot be escaped
with a backslash, so payload text holding them would be read as (or break) a placeholder.
JSON can spell any character inside a string as ``\\uXXXX``, and ``<``/``>`` only ever
occur inside JSON strings, so the payload is written with ``\\u003c``/``\\u003e``: the
target still receives exactly the payload once its JSON is parsed. See "Common issues
with transforming input" in
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html

``render_input_transformer`` is the inverse: the text EventBridge sends the target for an
event. EventBridge semantics kept there (same page): a placeholder *outside* quotes in a
JSON template is replaced by the JSON value (a string gets its quotes), one *inside* a
quoted string by the raw text (escaped so the string stays valid); a path that matches
nothing gives ``null`` / empty text. The local ticker renders every rule with it, and
``dlq redrive`` rebuilds the input of an undelivered scheduled event with it.
"""

from __future__ import annotations

import json
import re
from typing import Any

# EventBridge target Input / InputTransformer InputTemplate limit, in characters.
MAX_TARGET_INPUT = 8192

# The InputPathsMap a rule target uses with ``rule_input_template``.
RULE_INPUT_PATHS = {"time": "$.time", "id": "$.id"}
SCHEDULER_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULER_EXECUTION_ID = "<aws.scheduler.execution-id>"
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


def template_json(value: Any) -> str:
    """``value`` as JSON text safe to embed in a template: sorted keys, ASCII only, and
    ``<``/``>`` as ``\\u003c``/``\\u003e``. Raises TypeError/ValueError if not plain JSON."""
    text = json.dumps(value, sort_keys=True, separators=(", ", ": "))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def rule_input_template(job: str, payload: dict[str, Any]) -> str:
    """A rule target's InputTemplate. EventBridge substitutes ``<time>``/``<id>`` (from
    ``RULE_INPUT_PATHS``) outside quotes with their JSON values, quotes included."""
    return (
        f'{{"job": {template_json(job)}, "trigger": "schedule", "scheduled_time": <time>, '
        f'"event_id": <id>, "payload": {template_json(payload)}}}'
    )


def scheduler_input(job: str, payload: dict[str, Any]) -> str:
    """A Scheduler target's Input; Scheduler substitutes its context attributes in place."""
    # Built by hand rather than dumped whole: the placeholders must keep their < and >.
    return (
        f'{{"event_id": "{SCHEDULER_EXECUTION_ID}", "job": {template_json(job)}, '
        f'"payload": {template_json(payload)}, "scheduled_time": "{SCHEDULER_TIME}", '
        f'"trigger": "schedule"}}'
    )


def target_input(backend: str, job: str, payload: dict[str, Any]) -> str:
    """The string deploy writes on the target of ``job`` for ``backend``."""
    if backend == "scheduler":
        return scheduler_input(job, payload)
    return rule_input_template(job, payload)


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
