"""The exact target input text deploy writes for a job's rule or schedule.

One function per backend builds the string the compiler puts on the target (a rule's
InputTransformer ``InputTemplate``, a schedule's ``Input``), and ``validate`` measures the
very same string against the 8,192-character limit, so the check and the deploy cannot
drift. It lives here, outside both ``scheduler.compile`` (which imports the deploy model)
and ``scheduler.catalogue``, so the catalogue's checks import no deploy code. Pure stdlib.

In an InputTemplate, ``<name>`` is placeholder syntax and ``<``/``>`` cannot be escaped
with a backslash, so payload text holding them would be read as (or break) a placeholder.
JSON can spell any character inside a string as ``\\uXXXX``, and ``<``/``>`` only ever
occur inside JSON strings, so the payload is written with ``\\u003c``/``\\u003e``: the
target still receives exactly the payload once its JSON is parsed. See "Common issues
with transforming input" in
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
"""

from __future__ import annotations

import json
from typing import Any

# EventBridge target Input / InputTransformer InputTemplate limit, in characters.
MAX_TARGET_INPUT = 8192

# The InputPathsMap a rule target uses with ``rule_input_template``.
RULE_INPUT_PATHS = {"time": "$.time", "id": "$.id"}
SCHEDULER_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULER_EXECUTION_ID = "<aws.scheduler.execution-id>"


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
