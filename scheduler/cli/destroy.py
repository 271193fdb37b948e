"""`cronbridge destroy`: remove everything a stage owns (keeps runs table and DLQ by default)."""

from __future__ import annotations

import argparse

from scheduler.cli import common
from scheduler.cli.deploy import apply_and_report, make_plan
from scheduler.cli.output import Result

NAME = "destroy"
HELP = "delete every resource the stage owns (data kept unless --include-data)"


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    common.add_aws_args(parser)
    parser.add_argument("--yes", action="store_true", help="destroy without asking")
    parser.add_argument(
        "--include-data",
        action="store_true",
        help="also delete the runs table and the dead-letter queue",
    )


def run(args: argparse.Namespace) -> Result:
    ctx = make_plan(args, destroy=True, include_data=args.include_data)
    return apply_and_report(args, ctx, f"destroy stage {ctx.plan.stage}")
