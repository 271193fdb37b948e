"""`cronbridge destroy`: remove everything a stage owns (keeps runs table and DLQ by default).

Deletes only what this stage created (see scheduler/deploy/ownership.py), then reads every
service again and fails, listing them, if any of the stage's resources are still there.
"""

from __future__ import annotations

import argparse

from scheduler.catalogue import load_catalogue
from scheduler.cli import common
from scheduler.cli.deploy import add_parallelism_arg, apply_and_report, make_plan
from scheduler.cli.output import Result
from scheduler.deploy.engine import remaining_after_destroy
from scheduler.errors import CronbridgeError


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    common.add_aws_args(parser)
    parser.add_argument("--yes", action="store_true", help="destroy without asking")
    parser.add_argument(
        "--include-data",
        action="store_true",
        help="also delete the runs table and the dead-letter queue",
    )
    add_parallelism_arg(parser)


def run(args: argparse.Namespace) -> Result:
    ctx = make_plan(args, destroy=True, include_data=args.include_data)
    result = apply_and_report(args, ctx, f"destroy stage {ctx.plan.stage}")
    # Success is what each service says is left, not what was sent.
    clients = common.aws_clients(args)
    left = remaining_after_destroy(
        load_catalogue(common.catalogue_path(args)), ctx.plan.stage, clients,
        include_data=args.include_data, region=clients.region_name,
    )  # fmt: skip
    if left:
        raise CronbridgeError(
            f"stage {ctx.plan.stage} is not fully destroyed; still there: {'; '.join(left)}",
            hint="cronbridge never deletes what it did not create (a schedule group is kept "
            "while it holds schedules made by hand); remove those yourself and run destroy again",
        )
    return result
