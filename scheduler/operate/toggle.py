"""Switch a job's EventBridge rules or Scheduler schedules off and on, and end a pause.

Rules: ``DisableRule`` / ``EnableRule`` (nothing else about the rule changes). Schedules:
Scheduler has no enable call, and ``UpdateSchedule`` *replaces* the whole schedule: every
optional field left out is reset to its default ("Before calling this operation, we
recommend that you call the GetSchedule API operation and make a note of all optional
parameters", https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html).
So a schedule is read with ``GetSchedule`` and sent back with every field it has, only
``State`` changed.

``end_pause`` is what both ``cronbridge resume`` and the worker (trigger ``resume``, fired
by the pause's one-time schedule at its expiry) do. Stdlib only, clients injected: the
worker imports this lazily, only when it ends a pause.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.clock import isoformat_z
from scheduler.operate.pauses import Pause, PauseStore

# Every field UpdateSchedule takes besides Name/GroupName; GetSchedule returns the same names.
_SCHEDULE_FIELDS = (
    "ActionAfterCompletion",
    "Description",
    "EndDate",
    "FlexibleTimeWindow",
    "KmsKeyArn",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "StartDate",
    "Target",
)


def set_rule(events: Any, name: str, *, enabled: bool) -> None:
    if enabled:
        events.enable_rule(Name=name)
    else:
        events.disable_rule(Name=name)


def set_schedule(scheduler: Any, group: str, name: str, *, enabled: bool) -> bool:
    """Set one schedule's State, keeping every other field; False when it is gone."""
    try:
        current = scheduler.get_schedule(GroupName=group, Name=name)
    except Exception as exc:
        if _gone(exc):
            return False
        raise
    state = "ENABLED" if enabled else "DISABLED"
    if current.get("State") == state:
        return True
    update = {key: current[key] for key in _SCHEDULE_FIELDS if current.get(key) is not None}
    scheduler.update_schedule(Name=name, GroupName=group, State=state, **update)
    return True


def _gone(exc: Exception) -> bool:
    return "ResourceNotFound" in str(getattr(exc, "response", {}).get("Error", {}).get("Code"))


def restore(events: Any, scheduler: Any, pause: Pause) -> None:
    """Turn back on what ``pause`` turned off (a rule deleted since is skipped)."""
    for name in pause.rules:
        try:
            set_rule(events, name, enabled=True)
        except Exception as exc:
            if not _gone(exc):
                raise
    for name in pause.schedules:
        set_schedule(scheduler, pause.group, name, enabled=True)


def delete_resume_schedule(scheduler: Any, retry_group: str, pause: Pause) -> None:
    if not pause.resume_schedule:
        return
    try:
        scheduler.delete_schedule(GroupName=retry_group, Name=pause.resume_schedule)
    except Exception as exc:
        if not _gone(exc):
            raise


def end_expired_pause(
    clients: Any, table: str, job: str, pause_id: str, now: datetime
) -> dict[str, Any]:
    """The worker's ``resume`` trigger: end pause ``pause_id`` of ``job`` if it expired.

    A pause resumed by hand, or replaced by a newer pause, is left alone (its id differs).
    """
    store = PauseStore(clients.client("dynamodb"), table)
    pause = store.get(job)
    if pause is None or pause.pause_id != pause_id or not pause.active:
        return {"job": job, "status": "NOT_PAUSED", "pause_id": pause_id}
    if not pause.expired(now):
        # At the minute precision of at(): a fire a few seconds early still ends the pause.
        until = pause.until_dt
        if until is None or (until - now).total_seconds() > 90:
            return {"job": job, "status": "STILL_PAUSED", "until": pause.until}
    restore(clients.client("events"), clients.client("scheduler"), pause)
    store.mark_resumed(job, pause_id, isoformat_z(now), "expiry")
    return {"job": job, "status": "RESUMED", "pause_id": pause_id}
