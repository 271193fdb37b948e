"""Job health, as ``cronbridge status`` and ``cronbridge ui`` both show it: one source.

Health, in order of precedence:
DISABLED (``enabled: false``); STUCK (a run is still RUNNING past its attempt's lease,
start + the job's ``timeout`` + a grace: its worker died without recording an outcome);
LATE (the first fire time after the newest scheduled run passed more than the job's
``grace`` ago with nothing recorded); FAILING (the newest finished runs failed, counted
back to the last success); OK otherwise. A job with no scheduled run yet is OK: without a
deploy time, "never ran" cannot be told from "new".

``job_health`` is pure (a job, its newest runs, an instant); ``recent_runs`` is the read
it needs, through an injected ``RunStore``: one Query per job, plus the job's "last
scheduled run" marker (two GetItems) only when manual runs filled that whole page. No
boto3 and no CLI imports here, so the CLI and the web UI can both build on it.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduler.clock import isoformat_z, parse_iso
from scheduler.contract import ATTEMPT_LEASE_GRACE_SECONDS
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.ledger.query import consecutive_failures

if TYPE_CHECKING:
    from scheduler.ledger.store import RunStore

RECENT_RUNS = 20
"""How many of a job's newest runs health looks at (one Query page)."""

HEALTHS = ("OK", "STUCK", "LATE", "FAILING", "DISABLED", "PAUSED")
UNHEALTHY = frozenset({"STUCK", "LATE", "FAILING"})
"""Healths that make ``status`` exit 1."""


def recent_runs(store: RunStore, job: str) -> list[RunRecord]:
    """The runs ``job_health`` needs for ``job``: its newest, newest first (one Query).

    When the page holds no scheduled run (say 20 manual runs since the scheduler died), the
    job's newest scheduled run is appended from its marker, so LATE still shows.
    """
    runs = list(itertools.islice(store.history(job, page_size=RECENT_RUNS), RECENT_RUNS))
    if len(runs) == RECENT_RUNS and not any(r.trigger == "schedule" for r in runs):
        last = store.last_scheduled(job)
        if last is not None:
            runs.append(last)
    return runs


def job_health(job: Any, runs: list[RunRecord], now: datetime, pause: Any = None) -> dict[str, Any]:
    """The status row of one job (a catalogue ``Job``) from its newest runs. Pure.

    Keys: ``job``, ``enabled``, ``health``, ``last_run`` (``run_id``, ``status``,
    ``started_at``, or None), ``next_fire``, ``consecutive_failures``, ``missed_fire``,
    ``stuck_run`` (the run RUNNING past its lease, or None), ``paused`` (reason, by, until
    of an active pause, or None). ``pause`` is the job's pause record
    (``scheduler.operate.pauses.Pause``), active or ended: a paused job is PAUSED, never
    LATE, and slots its pause skipped do not make it LATE after it resumes.
    """
    from scheduler.schedule import next_fire_times, parse_schedule

    schedule = parse_schedule(job.schedule, allow_at=True)
    upcoming = next_fire_times(schedule, timezone=job.timezone, after=now, count=1)
    failures = consecutive_failures(runs)
    last = runs[0] if runs else None
    last_scheduled = next((r for r in runs if r.trigger == "schedule"), None)
    missed = None
    if last_scheduled is not None:
        after = parse_iso(last_scheduled.scheduled_for).replace(second=0) + timedelta(seconds=1)
        due = next_fire_times(schedule, timezone=job.timezone, after=after, count=1)
        resumed = pause.resumed_dt if pause is not None else None
        if due and resumed is not None and due[0] < resumed:
            due = next_fire_times(schedule, timezone=job.timezone, after=resumed, count=1)
        if due and due[0] + timedelta(seconds=job.grace) < now:
            missed = due[0]
    paused = pause is not None and pause.active
    stuck = next((r for r in runs if _is_stuck(r, job.timeout, now)), None)
    if not job.enabled:
        health = "DISABLED"
    elif stuck is not None:
        health = "STUCK"
    elif paused:
        health = "PAUSED"
    elif missed is not None:
        health = "LATE"
    elif failures:
        health = "FAILING"
    else:
        health = "OK"
    return {
        "job": job.name,
        "enabled": job.enabled,
        "health": health,
        "last_run": None
        if last is None
        else {"run_id": last.run_id, "status": last.status.value, "started_at": last.started_at},
        "next_fire": isoformat_z(upcoming[0]) if upcoming and job.enabled and not paused else None,
        "consecutive_failures": failures,
        "missed_fire": isoformat_z(missed) if missed and not paused else None,
        "stuck_run": stuck.run_id if stuck else None,
        "paused": {"reason": pause.reason, "by": pause.by, "until": pause.until}
        if paused
        else None,
    }


def _is_stuck(run: RunRecord, timeout: int, now: datetime) -> bool:
    if run.status is not RunStatus.RUNNING:
        return False
    try:
        started = parse_iso(run.started_at)
    except ValueError:
        return False
    lease = timedelta(seconds=timeout + ATTEMPT_LEASE_GRACE_SECONDS)
    return started + lease < now
