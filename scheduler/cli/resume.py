"""``cronbridge resume JOB``: end a pause; what the pause turned off is turned on again.

Only the rules or schedules the pause itself disabled are enabled (a job deployed with
``enabled: false`` stays off), and the pause's expiry schedule is removed.
"""

from __future__ import annotations

import argparse

from scheduler.cli import common
from scheduler.cli.output import Result
from scheduler.cli.pause import prefix_of
from scheduler.clock import Clock, SystemClock
from scheduler.operate.pause import resume_job


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", metavar="JOB", help="the paused job")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace, clock: Clock | None = None) -> Result:
    now = (clock or SystemClock()).now()
    stage = common.resolve_stage(args)
    pause = resume_job(common.aws_clients(args), prefix_of(args), stage, args.job, now)
    on = [*pause.rules, *pause.schedules]
    data = {"job": args.job, "stage": stage, "status": "RESUMED", "enabled": on}
    text = f"resumed {args.job} on stage {stage} (was paused: {pause.reason})" + (
        f"\n  on: {', '.join(on)}" if on else ""
    )
    return Result(data=data, text=text)
