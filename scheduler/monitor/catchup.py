"""Catch-up after an outage: which missed slots of a job to run now. Pure.

A slot is missed when it is older than the job's ``grace`` (the very rule that makes
``status`` say LATE) and no scheduled run exists for it or for any later slot. With
``catchup: latest`` the newest missed slot runs once; with ``all`` every missed slot runs,
oldest first. Either way only slots inside ``catchup_window`` (counted back from now)
count, and each run is started as that slot's scheduled run, so the worker claims it under
the slot's exactly-once key: a slot that ran meanwhile (a late delivery, an overlapping
monitor round) is not run again. No scheduled run at all means a new job, never an
outage: nothing is caught up (as ``status`` never calls such a job LATE). Nor is a paused
job behind: slots a pause skipped (``cronbridge pause``) are never caught up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# At most this many slots are started per monitor round; the next round (5 minutes later)
# goes on from the newest one started, so a long window is worked off without a burst.
MAX_SLOTS_PER_ROUND = 60


def missed_slots(
    job: Any, last_slot: datetime | None, now: datetime, pause: Any = None
) -> list[datetime]:
    """The slots of ``job`` (``schedule``, ``timezone``, ``grace``, ``catchup``,
    ``catchup_window`` in seconds) to run now, oldest first; ``last_slot`` is the newest
    slot a scheduled run exists for. ``pause`` (``scheduler.operate.pauses.Pause``, active
    or ended): a paused job catches nothing up, and the slots a pause skipped were skipped
    on purpose, not missed, so after a resume only later slots count."""
    from scheduler.schedule import next_fire_times, parse_schedule

    if job.catchup == "none" or last_slot is None or not job.enabled:
        return []
    if pause is not None and pause.active:
        return []
    resumed = pause.resumed_dt if pause is not None else None
    if resumed is not None and resumed > last_slot:
        last_slot = resumed
    window_start = now - timedelta(seconds=job.catchup_window)
    newest_missed = now - timedelta(seconds=job.grace)
    cursor = max(last_slot.replace(second=0, microsecond=0), window_start - timedelta(seconds=1))
    schedule = parse_schedule(job.schedule, allow_at=True)
    found: list[datetime] = []
    while True:
        batch = next_fire_times(schedule, timezone=job.timezone, after=cursor, count=64)
        fresh = [t for t in batch if window_start <= t < newest_missed]
        found += fresh
        if len(batch) < 64 or not batch or batch[-1] >= newest_missed:
            break
        cursor = batch[-1]
        if job.catchup == "all" and len(found) >= MAX_SLOTS_PER_ROUND:
            break
    if job.catchup == "latest":
        return found[-1:]
    return found[:MAX_SLOTS_PER_ROUND]


def catchup_input(job: Any, slot: datetime) -> dict[str, Any]:
    """The worker input of a catch-up run: the slot's own scheduled run (same run key)."""
    from scheduler.clock import isoformat_z

    stamp = isoformat_z(slot)
    return {
        "job": job.name,
        "trigger": "schedule",
        "scheduled_time": stamp,
        "event_id": f"catchup:{stamp}",
        "payload": dict(job.payload),
    }
