"""Build a target's input exactly as EventBridge and EventBridge Scheduler would.

Rules: the scheduled event (``{"version", "id", "detail-type": "Scheduled Event", "time",
...}``) goes through the target's InputTransformer, or its constant ``Input``, or is sent
whole. Schedules: the target ``Input`` with Scheduler's context placeholders substituted.
The local ticker and the simulator both use this, so the worker sees locally the bytes it
would see on AWS. Pure: no AWS calls, no clock. The InputTransformer renderer itself is
``scheduler.target_input.render_input_transformer`` (re-exported here).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from scheduler.clock import isoformat_z

# The InputTransformer renderer is shared with `dlq redrive`, which rebuilds the input a
# rule would have delivered; it lives with the template builder it inverts.
from scheduler.target_input import json_path, render_input_transformer

__all__ = ["json_path", "render_input_transformer"]

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")

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
