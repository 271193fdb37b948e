"""Job health, as ``cronbridge status`` and ``cronbridge ui`` both show it: one source.

Health, in order of precedence:
DISABLED (``enabled: false``); STUCK (a run is still RUNNING past its attempt's lease,
start + the job's ``timeout`` + a grace: its worker died without recording an outcome);
LATE (the first fire time after the newest scheduled run passed more than the job's
``grace`` ago with nothing recorded); FAILING (the newest finished runs failed, counted
back to the last success); OK otherwise. A job with no scheduled run yet is OK: without a
deploy time, "never ran" cannot be told from "new".

The rules (``health_row``) read ``HealthFacts``, which come either from a job's newest
runs (``facts_from_runs``: one Query per job, plus the "last scheduled run" when manual
runs filled that whole page) or from the job's summary item (``facts_from_summary``: one
item by key, kept by the worker's writes). ``read_health`` picks per job: the summary
when there is one, the Query otherwise, so ``status`` and ``cronbridge ui`` share one
read and one rule set. No boto3 and no CLI imports here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from scheduler.clock import isoformat_z, parse_iso
from scheduler.contract import ATTEMPT_LEASE_GRACE_SECONDS
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.ledger.query import consecutive_failures

if TYPE_CHECKING:
    from scheduler.ledger.store import RunStore
    from scheduler.ledger.summary import JobSummary
    from scheduler.operate.pauses import Pause

RECENT_RUNS = 20
"""How many of a job's newest runs health looks at (one Query page)."""

FALLBACK_WORKERS = 8
"""Newest-runs Queries in flight at once for jobs without a summary item."""

PAUSES_BY_KEY_MAX = 100
"""Up to this many jobs, pause records are read by key; past it, one Query of them all."""

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


@dataclass(frozen=True)
class HealthFacts:
    """What the health rules look at, from a job's newest runs or from its summary item."""

    last_run: dict[str, str] | None  # run_id, status, started_at of the newest run
    last_scheduled_for: str | None  # the slot of the newest scheduled run
    failures: int  # failed runs since the newest success
    stuck_run: str | None  # a run RUNNING past its attempt's lease


def facts_from_runs(job: Any, runs: list[RunRecord], now: datetime) -> HealthFacts:
    """Facts from the job's newest runs, newest first (``recent_runs``)."""
    last = runs[0] if runs else None
    last_scheduled = next((r for r in runs if r.trigger == "schedule"), None)
    stuck = next((r for r in runs if _is_stuck(r.status, r.started_at, job.timeout, now)), None)
    return HealthFacts(
        last_run=None
        if last is None
        else {"run_id": last.run_id, "status": last.status.value, "started_at": last.started_at},
        last_scheduled_for=last_scheduled.scheduled_for if last_scheduled else None,
        failures=consecutive_failures(runs),
        stuck_run=stuck.run_id if stuck else None,
    )


def facts_from_summary(
    job: Any, summary: JobSummary, now: datetime, fetched: dict[str, RunRecord]
) -> HealthFacts:
    """Facts from the job's summary item; ``fetched`` holds newest runs read by id when
    the summary could not tell their state (see ``JobSummary.last_run_state``)."""
    last = None
    if summary.last_run is not None:
        run_id = str(summary.last_run["run_id"])
        state = summary.last_run_state()
        if state is None and run_id in fetched:
            state = (fetched[run_id].status.value, fetched[run_id].started_at)
        if state is None:  # gone (TTL) since: what the summary last knew
            state = (str(summary.last_run["status"]), str(summary.last_run["started_at"]))
        last = {"run_id": run_id, "status": state[0], "started_at": state[1]}
    stuck = next(
        (
            run_id
            for run_id, started in sorted(summary.in_flight.items(), reverse=True)
            if _is_stuck(RunStatus.RUNNING, started, job.timeout, now)
        ),
        None,
    )
    scheduled = summary.last_scheduled
    return HealthFacts(
        last_run=last,
        last_scheduled_for=str(scheduled["scheduled_for"]) if scheduled else None,
        failures=summary.streak,
        stuck_run=stuck,
    )


def job_health(job: Any, runs: list[RunRecord], now: datetime, pause: Any = None) -> dict[str, Any]:
    """The status row of one job (a catalogue ``Job``) from its newest runs. Pure."""
    return health_row(job, facts_from_runs(job, runs, now), now, pause)


def health_row(job: Any, facts: HealthFacts, now: datetime, pause: Any = None) -> dict[str, Any]:
    """The status row of one job from its facts. Pure.

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
    missed = None
    if facts.last_scheduled_for:
        after = parse_iso(facts.last_scheduled_for).replace(second=0) + timedelta(seconds=1)
        due = next_fire_times(schedule, timezone=job.timezone, after=after, count=1)
        resumed = pause.resumed_dt if pause is not None else None
        if due and resumed is not None and due[0] < resumed:
            due = next_fire_times(schedule, timezone=job.timezone, after=resumed, count=1)
        if due and due[0] + timedelta(seconds=job.grace) < now:
            missed = due[0]
    paused = pause is not None and pause.active
    if not job.enabled:
        health = "DISABLED"
    elif facts.stuck_run is not None:
        health = "STUCK"
    elif paused:
        health = "PAUSED"
    elif missed is not None:
        health = "LATE"
    elif facts.failures:
        health = "FAILING"
    else:
        health = "OK"
    return {
        "job": job.name,
        "enabled": job.enabled,
        "health": health,
        "last_run": facts.last_run,
        "next_fire": isoformat_z(upcoming[0]) if upcoming and job.enabled and not paused else None,
        "consecutive_failures": facts.failures,
        "missed_fire": isoformat_z(missed) if missed and not paused else None,
        "stuck_run": facts.stuck_run,
        "paused": {"reason": pause.reason, "by": pause.by, "until": pause.until}
        if paused
        else None,
    }


def paused_text(paused: dict[str, Any]) -> str:
    """A row's ``paused`` as one phrase, as ``status`` and the web page show it:
    ``until 2026-12-24T00:00:00Z: partner down, by arn:...`` (or ``until resumed``)."""
    until = f"until {paused['until']}" if paused.get("until") else "until resumed"
    return f"{until}: {paused['reason']}, by {paused['by']}"


def read_pauses(store: Any, names: Sequence[str]) -> dict[str, Pause]:
    """Each named job's pause record, active or ended (``scheduler.operate.pauses``).

    Up to ``PAUSES_BY_KEY_MAX`` jobs, by key (BatchGetItem of ``pk=PAUSE sk=JOB#<job>``;
    most of those items do not exist, and a missing item costs the least a read can);
    more jobs, one Query of the ``PAUSE`` partition, one request for any number of jobs.
    Both give the same records for these jobs. By key keeps the web page off Query: the
    local emulator (moto) answers every Query by sorting the whole table, seconds on a
    month of runs, where a key lookup stays cheap.
    """
    from scheduler.ledger.codec import from_item
    from scheduler.operate.pauses import PAUSE_PARTITION, Pause, pause_key

    if not names:
        return {}
    if len(names) <= PAUSES_BY_KEY_MAX:
        items: Any = store.by_key([pause_key(name) for name in names])
    else:
        items = store.partition(PAUSE_PARTITION)
    wanted = set(names)
    found = (Pause.from_json(from_item(item)) for item in items)
    return {pause.job: pause for pause in found if pause.job in wanted}


def usable_summary(summary: JobSummary) -> bool:
    """A summary health can rest on: it has seen a scheduled run. (A job that only ran by
    hand, or whose summary a manual run started after an upgrade, reads its runs.)"""
    return summary.last_scheduled is not None


def read_health(
    store: Any,
    jobs: Sequence[Any],
    now: datetime,
    *,
    summaries: dict[str, JobSummary] | None = None,
    recent: dict[str, list[RunRecord]] | None = None,
    pauses: dict[str, Pause] | None = None,
    workers: int = FALLBACK_WORKERS,
) -> dict[str, dict[str, Any]]:
    """Every job's status row, by job name, read with as few requests as the table allows.

    Summary items by key (BatchGetItem, 100 a request), the jobs' pause records
    (``read_pauses``, at the same time), plus the few newest runs whose state the summary
    cannot tell (BatchGetItem). A job without a usable summary (runs written before
    summaries existed, or never a scheduled run yet) falls back to its newest-runs Query,
    run ``workers`` at a time: boto3's low-level clients are thread safe
    (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html).
    ``summaries``, ``recent`` (newest runs by job) and ``pauses`` (pause records by job)
    are reads the caller already made. ``cronbridge status`` and the web page both call
    this, so a job is PAUSED, LATE or FAILING on both by one read and one rule set.
    """
    names = [job.name for job in jobs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        asked_summaries = pool.submit(store.summaries, names) if summaries is None else None
        asked_pauses = pool.submit(read_pauses, store, names) if pauses is None else None
        if asked_summaries is not None:
            summaries = asked_summaries.result()
        if asked_pauses is not None:
            pauses = asked_pauses.result()
    summaries, pauses = summaries or {}, pauses or {}
    usable = {name: s for name, s in summaries.items() if usable_summary(s)}
    unknown = [
        str(s.last_run["run_id"])
        for s in usable.values()
        if s.last_run is not None and s.last_run_state() is None
    ]
    fetched = store.get_many(unknown) if unknown else {}
    recent = dict(recent or {})
    missing = [job for job in jobs if job.name not in usable and job.name not in recent]
    if missing:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing)))) as pool:
            runs = pool.map(lambda job: recent_runs(store, job.name), missing)
            recent.update({job.name: r for job, r in zip(missing, runs, strict=True)})
    rows = {}
    for job in jobs:
        if job.name in usable:
            facts = facts_from_summary(job, usable[job.name], now, fetched)
        else:
            facts = facts_from_runs(job, recent[job.name], now)
        rows[job.name] = health_row(job, facts, now, pauses.get(job.name))
    return rows


def _is_stuck(status: RunStatus, started_at: str, timeout: int, now: datetime) -> bool:
    if status is not RunStatus.RUNNING:
        return False
    try:
        started = parse_iso(started_at)
    except ValueError:
        return False
    lease = timedelta(seconds=timeout + ATTEMPT_LEASE_GRACE_SECONDS)
    return started + lease < now
