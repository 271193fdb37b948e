"""The local ticker: fire what is deployed in the emulator, at its scheduled time.

moto stores rules and schedules but never fires them. The ticker reads the *deployed* set
back (rules by name prefix with their targets; schedules in the stage's group and its
retries group), computes due times with our schedule evaluator, builds each target's input
as AWS would (targets.py) and hands a ``Firing`` to a callback. Disabled rules and schedules
do not fire; one-time ``at()`` schedules fire once and are deleted when their
ActionAfterCompletion is DELETE. The deployed set is re-read every ``rescan`` seconds, so a
redeploy takes effect within a minute; the retries group is re-read more often, because
retries and `run --local` must start within seconds. Time comes from an injected Clock;
the caller decides how to wait (real time in `local up`, virtual time in `simulate`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from scheduler import names
from scheduler.clock import Clock
from scheduler.local import targets
from scheduler.schedule import Schedule, ScheduleError, next_fire_times, parse_schedule

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_RESCAN = timedelta(seconds=15)
DEFAULT_RETRY_RESCAN = timedelta(seconds=2)


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
            target = full.get("Target") or {}
            out.append(
                Trigger(
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
            )
    return out


FireCallback = Callable[[Firing], None]


class Ticker:
    """Computes and delivers due firings of the deployed set; call ``tick`` repeatedly."""

    def __init__(
        self,
        clients: Any,
        *,
        prefix: str,
        stage: str,
        clock: Clock,
        fire: FireCallback,
        start: datetime | None = None,
        rescan: timedelta = DEFAULT_RESCAN,
        retry_rescan: timedelta = DEFAULT_RETRY_RESCAN,
        recurring_before: datetime | None = None,
    ) -> None:
        # Recurring fires at or after this instant are ignored (a simulation's end); one-time
        # schedules (retries) still fire, so every run in the window completes its story.
        self._recurring_before = recurring_before
        self._clients = clients
        self.prefix = prefix
        self.stage = stage
        self._clock = clock
        self._fire = fire
        self._rescan = rescan
        self._retry_rescan = retry_rescan
        self.cursor = start or clock.now()  # everything at or before this has been handled
        self._recurring: list[tuple[Trigger, Schedule]] = []
        self._one_time: dict[str, tuple[Trigger, Schedule]] = {}
        self._fired_one_time: set[str] = set()
        self._last_scan: datetime | None = None
        self._last_retry_scan: datetime | None = None
        self._account = ""
        self._region = ""

    @property
    def retry_group(self) -> str:
        return names.retry_schedule_group(self.prefix, self.stage)

    @property
    def schedule_group(self) -> str:
        return names.schedule_group(self.prefix, self.stage)

    @property
    def last_full_scan(self) -> datetime | None:
        return self._last_scan

    def triggers(self) -> list[Trigger]:
        return [t for t, _ in self._recurring] + [t for t, _ in self._one_time.values()]

    # --- scanning --------------------------------------------------------------------------
    def refresh(self, *, full: bool = True) -> None:
        """Re-read the deployed set (``full``) or just the retries group."""
        now = self._clock.now()
        if not self._account:
            self._region = self._clients.region_name
            self._account = self._clients.account_id()
        scheduler = self._clients.client("scheduler")
        known = {t.key: t for t in self.triggers()}
        if full:
            found = read_rules(self._clients.client("events"), self.prefix, self.stage)
            found += read_schedules(scheduler, self.schedule_group, known)
            self._set_triggers(found, retries_only=False)
            self._last_scan = now
        retries = read_schedules(scheduler, self.retry_group, known)
        self._set_triggers(retries, retries_only=True)
        self._last_retry_scan = now

    def _set_triggers(self, found: Iterable[Trigger], *, retries_only: bool) -> None:
        recurring: list[tuple[Trigger, Schedule]] = []
        one_time: dict[str, tuple[Trigger, Schedule]] = {}
        for trigger in found:
            schedule = parse_trigger_schedule(trigger)
            if schedule is None:
                continue
            if schedule.kind == "at":
                one_time[trigger.key] = (trigger, schedule)
            else:
                recurring.append((trigger, schedule))
        if retries_only:
            # Keep one-time schedules of the main group; replace those of the retries group.
            kept = {k: v for k, v in self._one_time.items() if v[0].group != self.retry_group}
            self._one_time = kept | one_time
            self._recurring = [
                r for r in self._recurring if r[0].group != self.retry_group
            ] + recurring
        else:
            kept = {k: v for k, v in self._one_time.items() if v[0].group == self.retry_group}
            self._one_time = one_time | kept
            self._recurring = recurring + [
                r for r in self._recurring if r[0].group == self.retry_group
            ]
        # Forget fired one-time schedules that no longer exist, so the set stays small.
        self._fired_one_time &= set(self._one_time)

    def maybe_refresh(self) -> None:
        now = self._clock.now()
        if self._last_scan is None or now - self._last_scan >= self._rescan:
            self.refresh(full=True)
        elif self._last_retry_scan is None or now - self._last_retry_scan >= self._retry_rescan:
            self.refresh(full=False)

    # --- firing ---------------------------------------------------------------------------
    def due(self, until: datetime) -> list[Firing]:
        """Every firing in (cursor, until] (one-time: any unfired at or before ``until``)."""
        found: list[Firing] = []
        for trigger, schedule in self._recurring:
            if not trigger.enabled or trigger.function_name is None:
                continue
            for when in due_times(trigger, schedule, self.cursor, until):
                if self._recurring_before is not None and when >= self._recurring_before:
                    break
                found.append(self._firing(trigger, when))
        for key, (trigger, schedule) in self._one_time.items():
            if key in self._fired_one_time or not trigger.enabled:
                continue
            instant = one_time_instant(trigger, schedule)
            if instant is not None and instant <= until and trigger.function_name is not None:
                found.append(self._firing(trigger, instant))
        found.sort(key=lambda f: (f.scheduled_time, f.trigger.key))
        return found

    def next_due_time(self) -> datetime | None:
        """The earliest firing after the cursor (for a simulation to jump to)."""
        best: datetime | None = None
        for trigger, schedule in self._recurring:
            if not trigger.enabled or trigger.function_name is None:
                continue
            upcoming = next_fire_times(
                schedule, timezone=trigger.timezone, after=self.cursor, count=1
            )
            if upcoming and self._recurring_before is not None:
                upcoming = [t for t in upcoming if t < self._recurring_before]
            if upcoming and (best is None or upcoming[0] < best):
                best = upcoming[0]
        for key, (trigger, schedule) in self._one_time.items():
            if key in self._fired_one_time or not trigger.enabled:
                continue
            when = one_time_instant(trigger, schedule)
            if when is not None:
                when = max(when, self.cursor)
                best = when if best is None or when < best else best
        return best

    def fire_due(self, until: datetime | None = None) -> list[Firing]:
        """Deliver everything due up to ``until`` (default: now) and advance the cursor."""
        until = until or self._clock.now()
        firings = self.due(until)
        for firing in firings:
            if firing.trigger.key in self._one_time:
                self._fired_one_time.add(firing.trigger.key)
                if firing.trigger.delete_after_completion:
                    self._delete_schedule(firing.trigger)
            self._fire(firing)
        self.cursor = max(self.cursor, until)
        return firings

    def tick(self) -> list[Firing]:
        """One cycle of `local up`: rescan when due, then fire what is due now."""
        self.maybe_refresh()
        return self.fire_due()

    def _firing(self, trigger: Trigger, when: datetime) -> Firing:
        assert trigger.function_name is not None
        text = build_input(trigger, when, account=self._account, region=self._region)
        return Firing(
            trigger=trigger,
            scheduled_time=when,
            function_name=trigger.function_name,
            input_text=text,
        )

    def _delete_schedule(self, trigger: Trigger) -> None:
        try:
            self._clients.client("scheduler").delete_schedule(
                GroupName=trigger.group, Name=trigger.name
            )
        except Exception as exc:  # already gone: same outcome
            log.debug("delete_schedule %s/%s: %s", trigger.group, trigger.name, exc)
