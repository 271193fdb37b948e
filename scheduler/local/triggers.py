"""What the local ticker fires: deployed rules and schedules read back, and their fire times.

moto stores rules and schedules but never fires them. These functions read the *deployed*
set back from the emulator (rules by name prefix with their targets; schedules in a group,
skipping a ``get_schedule`` for unchanged ones), turn each into a ``Trigger``, compute its
fire times with our schedule evaluator (the half-open window after a cursor, one-time
``at()`` instants), and build the input AWS would deliver to the target (targets.py). The
ticker (ticker.py) decides when to call them and delivers the ``Firing``s. Only the two
``read_*`` functions call AWS, through the client they are handed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from scheduler import names
from scheduler.local import targets
from scheduler.schedule import Schedule, ScheduleError, next_fire_times, parse_schedule

log = logging.getLogger("scheduler.local.ticker")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Trigger:
    """One deployed rule target or schedule, as read back from the emulator."""

    kind: Literal["rule", "schedule"]
    name: str  # rule name, or schedule name
    arn: str  # rule or schedule ARN
    expression: str
    timezone: str
    enabled: bool
    target_arn: str
    group: str | None = None  # schedules only
    delete_after_completion: bool = False
    # rules: InputTransformer (template + paths), or constant Input, or neither (whole event)
    input_template: str | None = None
    input_paths: dict[str, str] = field(default_factory=dict)
    constant_input: str | None = None
    modified: str = ""  # schedules: LastModificationDate, to skip re-reading unchanged ones

    @property
    def function_name(self) -> str | None:
        return targets.function_name_from_arn(self.target_arn)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.group or ''}:{self.name}"


@dataclass(frozen=True)
class Firing:
    """One delivery of one trigger: invoke ``function_name`` with ``input_text``."""

    trigger: Trigger
    scheduled_time: datetime
    function_name: str
    input_text: str


def parse_trigger_schedule(trigger: Trigger) -> Schedule | None:
    try:
        return parse_schedule(trigger.expression, allow_at=trigger.kind == "schedule")
    except ScheduleError as exc:
        log.warning("ignoring %s %s: %s", trigger.kind, trigger.name, exc.message)
        return None


def due_times(
    trigger: Trigger, schedule: Schedule, after: datetime, until: datetime
) -> list[datetime]:
    """Fire times of a recurring trigger in (after, until], ascending."""
    out: list[datetime] = []
    cursor = after
    while True:
        batch = next_fire_times(schedule, timezone=trigger.timezone, after=cursor, count=64)
        for moment in batch:
            if moment > until:
                return out
            out.append(moment)
        if len(batch) < 64:
            return out
        cursor = batch[-1]


def one_time_instant(trigger: Trigger, schedule: Schedule) -> datetime | None:
    found = next_fire_times(schedule, timezone=trigger.timezone, after=_EPOCH, count=1)
    return found[0] if found else None


def build_input(trigger: Trigger, when: datetime, *, account: str, region: str) -> str:
    """The text AWS would deliver to the target for a fire at ``when``."""
    if trigger.kind == "schedule":
        execution_id = targets.stable_id(trigger.arn, when.isoformat())
        return targets.render_scheduler_input(
            trigger.constant_input or "{}",
            scheduled_time=when,
            execution_id=execution_id,
            schedule_arn=trigger.arn,
        )
    event = targets.scheduled_event(
        rule_arn=trigger.arn,
        when=when,
        event_id=targets.stable_id(trigger.arn, when.isoformat()),
        account=account,
        region=region,
    )
    if trigger.input_template is not None:
        return targets.render_input_transformer(
            trigger.input_template, trigger.input_paths, event, rule_name=trigger.name
        )
    if trigger.constant_input is not None:
        return trigger.constant_input
    import json

    return json.dumps(event)


# --- reading the deployed set back from the emulator ------------------------------------------
def read_rules(events: Any, prefix: str, stage: str) -> list[Trigger]:
    out: list[Trigger] = []
    name_prefix = names.base(prefix, stage) + "-"
    for page in events.get_paginator("list_rules").paginate(NamePrefix=name_prefix):
        for rule in page.get("Rules", []):
            expression = rule.get("ScheduleExpression")
            if not expression:
                continue  # an event-pattern rule: nothing to tick
            listed = events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", [])
            for target in listed:
                transformer = target.get("InputTransformer") or {}
                out.append(
                    Trigger(
                        kind="rule",
                        name=rule["Name"],
                        arn=rule["Arn"],
                        expression=expression,
                        timezone="UTC",  # EventBridge rules are UTC-only
                        enabled=rule.get("State", "ENABLED") == "ENABLED",
                        target_arn=target["Arn"],
                        input_template=transformer.get("InputTemplate"),
                        input_paths=dict(transformer.get("InputPathsMap") or {}),
                        constant_input=target.get("Input"),
                    )
                )
    return out


def read_schedules(
    scheduler: Any, group: str, known: dict[str, Trigger] | None = None
) -> list[Trigger]:
    """Schedules in ``group``; ``known`` (by key) avoids a get_schedule per unchanged one."""
    out: list[Trigger] = []
    try:
        pages = list(scheduler.get_paginator("list_schedules").paginate(GroupName=group))
    except Exception as exc:  # the group does not exist (yet): nothing to fire
        if "ResourceNotFound" in type(exc).__name__ or "NotFound" in str(exc):
            return out
        raise
    for page in pages:
        for summary in page.get("Schedules", []):
            key = f"schedule:{group}:{summary['Name']}"
            cached = (known or {}).get(key)
            modified = str(summary.get("LastModificationDate", ""))
            if cached is not None and modified and cached.modified == modified:
                out.append(cached)
                continue
            try:
                full = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
            except Exception:  # deleted between list and get
                continue
            out.append(_schedule_trigger(full, group, modified))
    return out


def read_named_schedules(scheduler: Any, group: str, names: Iterable[str]) -> list[Trigger]:
    """These schedules of ``group`` (one GetSchedule each, no listing); gone ones are left
    out. For a caller that saw each schedule being created (the simulator's retries)."""
    out: list[Trigger] = []
    for name in dict.fromkeys(names):
        try:
            full = scheduler.get_schedule(GroupName=group, Name=name)
        except Exception:  # deleted (fired, or a pause ended) since it was created
            continue
        out.append(_schedule_trigger(full, group, ""))
    return out


def _schedule_trigger(full: dict[str, Any], group: str, modified: str) -> Trigger:
    target = full.get("Target") or {}
    return Trigger(
        kind="schedule",
        name=full["Name"],
        arn=full["Arn"],
        group=group,
        expression=full["ScheduleExpression"],
        timezone=full.get("ScheduleExpressionTimezone") or "UTC",
        enabled=full.get("State", "ENABLED") == "ENABLED",
        target_arn=target.get("Arn", ""),
        constant_input=target.get("Input"),
        delete_after_completion=full.get("ActionAfterCompletion") == "DELETE",
        modified=str(full.get("LastModificationDate", modified)),
    )
