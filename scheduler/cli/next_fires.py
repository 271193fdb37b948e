"""``cronbridge next``: upcoming fire times of jobs, or of any expression. No AWS.

Times are printed in UTC (``2026-03-29T01:00:00Z``), strictly after ``--after``; a job's
time zone and EventBridge Scheduler's DST rules are applied. A disabled job has none.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from scheduler.catalogue import load_catalogue
from scheduler.catalogue.checks import SCHEDULE_FORMS_HINT
from scheduler.cli import common
from scheduler.cli.output import Result
from scheduler.clock import isoformat_z, parse_iso
from scheduler.errors import UsageError
from scheduler.schedule import ScheduleError, is_valid_timezone, next_fire_times, parse_schedule

MAX_COUNT = 1000


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    parser.add_argument("jobs", nargs="*", metavar="JOB", help="jobs to show (default: all)")
    parser.add_argument("-n", "--count", type=int, default=5, help="how many times (default 5)")
    parser.add_argument("--after", default=None, help="ISO-8601 start (default: now)")
    parser.add_argument("--schedule", default=None, metavar="EXPR", help="an ad-hoc expression")
    parser.add_argument("--timezone", default="UTC", help="zone for --schedule (default UTC)")


def _after(args: argparse.Namespace) -> datetime:
    if args.after is None:
        return datetime.now(UTC)
    try:
        return parse_iso(args.after)
    except ValueError:
        raise UsageError(
            f"--after {args.after!r} is not an ISO-8601 time", hint="e.g. 2026-03-29T00:00:00Z"
        ) from None


def _count(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= MAX_COUNT:
        raise UsageError(f"-n {args.count}: must be 1..{MAX_COUNT}", hint="e.g. -n 10")
    return int(args.count)


def run(args: argparse.Namespace) -> Result:
    after, count = _after(args), _count(args)
    if args.schedule is not None:
        return _for_expression(args.schedule, args.timezone, after, count, bool(args.jobs))
    catalogue = load_catalogue(common.catalogue_path(args))
    unknown = [name for name in args.jobs if name not in catalogue.jobs]
    if unknown:
        raise UsageError(
            f"no job named {unknown[0]!r} in {catalogue.path}",
            hint="jobs: " + ", ".join(catalogue.jobs),
        )
    chosen = args.jobs or list(catalogue.jobs)
    data: dict[str, list[str]] = {}
    for name in chosen:
        job = catalogue.jobs[name]
        times = (
            next_fire_times(
                parse_schedule(job.schedule), timezone=job.timezone, after=after, count=count
            )
            if job.enabled
            else []
        )
        data[name] = [isoformat_z(t) for t in times]

    def text() -> str:
        lines = []
        for name, times in data.items():
            shown = ", ".join(times) if times else "(disabled)"
            lines.append(f"{name}: {shown}")
        return "\n".join(lines)

    return Result(data, text)


def _for_expression(expr: str, zone: str, after: datetime, count: int, has_jobs: bool) -> Result:
    if has_jobs:
        raise UsageError("give either JOB names or --schedule, not both")
    if not is_valid_timezone(zone):
        raise UsageError(f"--timezone {zone!r}: unknown time zone", hint="e.g. Europe/Berlin")
    try:
        schedule = parse_schedule(expr)
    except ScheduleError as exc:
        raise UsageError(
            f"--schedule {expr!r}: {exc.message}", hint=exc.hint or SCHEDULE_FORMS_HINT
        ) from None
    times = [
        isoformat_z(t) for t in next_fire_times(schedule, timezone=zone, after=after, count=count)
    ]
    return Result(times, "\n".join(times))
