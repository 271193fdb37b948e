"""``cronbridge pause JOB --reason TEXT [--for 2h | --until T]``: stop a job firing, for now.

The job's deployed rules or schedules are turned off without editing ``jobs.yaml``; who
(STS caller identity), why and until when are recorded in the stage's runs table, and an
expiry arms a one-time schedule that resumes the job by itself (``scheduler.operate``).
``status`` then shows PAUSED; ``plan``/``deploy`` leave it paused unless
``deploy --resume-paused``. Every check runs before anything is changed.
"""

from __future__ import annotations

import argparse
from typing import Any

from scheduler import names
from scheduler.cli import common
from scheduler.cli.history import load_catalogue_if_present
from scheduler.cli.output import Result
from scheduler.clock import Clock, SystemClock, isoformat_z, parse_iso
from scheduler.errors import UsageError
from scheduler.operate.pause import PauseRequest, check_until, parse_for, pause_job


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", metavar="JOB", help="the deployed job to pause")
    parser.add_argument("--reason", required=True, help="why (shown by status and list)")
    expiry = parser.add_mutually_exclusive_group()
    expiry.add_argument("--for", dest="duration", help="resume by itself after 30m, 2h, 1d...")
    expiry.add_argument("--until", help="resume by itself at this ISO time")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def prefix_of(args: argparse.Namespace) -> str:
    """The catalogue's prefix (names are ``<prefix>-<stage>-<job>``), default without one."""
    catalogue = load_catalogue_if_present(args, required=False)
    return catalogue.prefix if catalogue is not None else names.DEFAULT_PREFIX


def run(args: argparse.Namespace, clock: Clock | None = None) -> Result:
    now = (clock or SystemClock()).now()
    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason is empty", hint='say why, e.g. --reason "partner API down"')
    until = None
    if args.duration is not None:
        until = now + parse_for(args.duration)
    elif args.until is not None:
        try:
            until = parse_iso(args.until)
        except ValueError:
            raise UsageError(
                f"--until {args.until!r} is not an ISO-8601 time",
                hint="e.g. --until 2026-12-24T00:00:00Z",
            ) from None
        check_until(until, now)
    stage = common.resolve_stage(args)
    clients = common.aws_clients(args)
    pause = pause_job(clients, prefix_of(args), stage, PauseRequest(args.job, reason, until, now))
    data: dict[str, Any] = {**pause.to_json(), "stage": stage, "status": "PAUSED"}
    off = [*pause.rules, *pause.schedules]
    text = (
        f"paused {args.job} on stage {stage}"
        + (f" until {isoformat_z(until)} (resumes by itself)" if until else " until resumed")
        + f"\n  reason: {reason}\n  by:     {pause.by}"
        + f"\n  off:    {', '.join(off) or '(none were on)'}"
        + f"\nresume it with: cronbridge resume {args.job} --stage {stage}"
    )
    return Result(data=data, text=text)
