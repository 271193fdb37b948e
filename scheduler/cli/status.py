"""``cronbridge status``: one health row per job; exit 1 if any job is STUCK, LATE or FAILING.

The health rules and their read live in ``scheduler.health`` (shared with ``cronbridge
ui``): each job's summary item by key (BatchGetItem, 100 jobs a request), a newest-runs
Query only for jobs without one. This verb renders the rows and sets the exit code.
``--now`` evaluates at another instant (tests, post-mortems) instead of the wall clock.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from scheduler.cli import common
from scheduler.cli.history import age, guard, open_ledger
from scheduler.cli.output import Result, paint_health, table
from scheduler.cli.watch import add_interval_arg, watch
from scheduler.clock import SystemClock, parse_iso
from scheduler.errors import UsageError
from scheduler.health import UNHEALTHY, paused_text, read_health


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", help="evaluate as of this ISO time instead of now")
    parser.add_argument(
        "--watch", action="store_true", help="refresh in place until Ctrl-C (exit 0)"
    )
    add_interval_arg(parser)
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace) -> Result:
    if getattr(args, "watch", False):
        return _watch(args)
    return _once(args)


def _watch(args: argparse.Namespace) -> Result:
    import json

    once = argparse.Namespace(**{**vars(args), "watch": False})

    def lines(redraw: bool) -> list[str]:
        result = _once(once)
        if redraw:
            return result.render_text().splitlines()
        if getattr(args, "json", False):
            return [json.dumps(row, sort_keys=True, default=str) for row in result.data]
        return [_row_line(row) for row in result.data]

    return watch(lines, title="cronbridge status", interval=args.interval, as_json=bool(args.json))


def _row_line(row: dict[str, Any]) -> str:
    """One job's state with absolute times, so the line changes only when the job does."""
    last = row["last_run"]
    ran = f"last {last['status']} {last['run_id']}" if last else "never ran"
    return f"{row['job']}  {_health_text(row)}  {ran}  next {row['next_fire'] or '-'}"


def _once(args: argparse.Namespace) -> Result:
    try:
        now = parse_iso(args.now) if args.now else SystemClock().now()
    except ValueError as exc:
        raise UsageError(
            f"--now {args.now!r} is not an ISO time", hint="e.g. --now 2026-03-29T06:00:00Z"
        ) from exc
    ledger = open_ledger(args, require_catalogue=True)
    jobs = list(ledger.catalogue.jobs.values())
    # Summaries and pause records (scheduler.health.read_pauses), as the web page reads them.
    by_job = guard(
        "dynamodb:BatchGetItem", ledger.store.table, lambda: read_health(ledger.store, jobs, now)
    )
    rows = [by_job[job.name] for job in jobs]
    unhealthy = any(r["health"] in UNHEALTHY for r in rows)
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
            paint_health(_health_text(r)),
        ]
        for r in rows
    ]
    headers = ["JOB", "ENABLED", "LAST RUN", "LAST STATUS", "NEXT FIRE", "FAILURES", "HEALTH"]
    return table(headers, body)


def _health_text(row: dict[str, Any]) -> str:
    if row["health"] == "PAUSED" and row.get("paused"):
        return f"PAUSED ({paused_text(row['paused'])})"
    if row.get("stuck_run"):
        return f"{row['health']} ({row['stuck_run']} RUNNING past its timeout)"
    if row["missed_fire"]:
        return f"{row['health']} (missed {row['missed_fire']})"
    return str(row["health"])
