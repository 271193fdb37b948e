"""``cronbridge status``: one health row per job; exit 1 if any job is LATE or FAILING.

Health, in order of precedence:
DISABLED (``enabled: false``); LATE (the first fire time after the newest scheduled run
passed more than the job's ``grace`` ago with nothing recorded); FAILING (the newest
finished runs failed, counted back to the last success); OK otherwise. A job with no
scheduled run yet is OK: without a deploy time, "never ran" cannot be told from "new".
One Query per job (its 20 newest runs). ``--now`` evaluates at another instant (tests,
post-mortems) instead of the wall clock.
"""

from __future__ import annotations

import argparse
import itertools
from datetime import datetime, timedelta
from typing import Any

from scheduler.cli import common
from scheduler.cli.history import age, guard, open_ledger
from scheduler.cli.output import Result, table
from scheduler.clock import SystemClock, isoformat_z, parse_iso
from scheduler.errors import UsageError
from scheduler.ledger import RunRecord
from scheduler.ledger.query import consecutive_failures

NAME = "status"
HELP = "health of every job (OK, LATE, FAILING, DISABLED); exit 1 if any is LATE/FAILING"

RECENT_RUNS = 20


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", help="evaluate as of this ISO time instead of now")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def job_health(job: Any, runs: list[RunRecord], now: datetime) -> dict[str, Any]:
    """The status row of one job from its newest runs (newest first). Pure."""
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
        if due and due[0] + timedelta(seconds=job.grace) < now:
            missed = due[0]
    if not job.enabled:
        health = "DISABLED"
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
        "next_fire": isoformat_z(upcoming[0]) if upcoming and job.enabled else None,
        "consecutive_failures": failures,
        "missed_fire": isoformat_z(missed) if missed else None,
    }


def run(args: argparse.Namespace) -> Result:
    try:
        now = parse_iso(args.now) if args.now else SystemClock().now()
    except ValueError as exc:
        raise UsageError(
            f"--now {args.now!r} is not an ISO time", hint="e.g. --now 2026-03-29T06:00:00Z"
        ) from exc
    ledger = open_ledger(args, require_catalogue=True)
    rows = []
    for job in ledger.catalogue.jobs.values():
        runs = guard(
            "dynamodb:Query",
            ledger.store.table,
            lambda job=job: list(
                itertools.islice(ledger.store.history(job.name, page_size=RECENT_RUNS), RECENT_RUNS)
            ),
        )
        rows.append(job_health(job, runs, now))
    unhealthy = any(r["health"] in ("LATE", "FAILING") for r in rows)
    return Result(data=rows, text=lambda: render(rows, now), exit_code=1 if unhealthy else 0)


def render(rows: list[dict[str, Any]], now: datetime) -> str:
    if not rows:
        return "no jobs in the catalogue"
    body = [
        [
            r["job"],
            "yes" if r["enabled"] else "no",
            age(r["last_run"]["started_at"], now) if r["last_run"] else "never",
            r["last_run"]["status"] if r["last_run"] else "-",
            r["next_fire"] or "-",
            r["consecutive_failures"],
            r["health"] + (f" (missed {r['missed_fire']})" if r["missed_fire"] else ""),
        ]
        for r in rows
    ]
    headers = ["JOB", "ENABLED", "LAST RUN", "LAST STATUS", "NEXT FIRE", "FAILURES", "HEALTH"]
    return table(headers, body)
