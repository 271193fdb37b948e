"""`cronbridge plan`: show what a deploy would change, as a diff grouped by job. No writes."""

from __future__ import annotations

import argparse

from scheduler.cli import common
from scheduler.cli.output import Result
from scheduler.deploy.render import render_json, render_text

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 2


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    common.add_aws_args(parser)
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="read every resource deeply (catches changes made outside)",
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 for no changes, 2 for changes, 1 for errors",
    )
    parser.add_argument(
        "--no-prune",
        action="store_true",
        help="do not plan deletions of jobs removed from the catalogue",
    )


def run(args: argparse.Namespace) -> Result:
    from scheduler.cli.deploy import make_plan

    ctx = make_plan(args, refresh=args.refresh, prune=not args.no_prune)
    plan = ctx.plan
    code = EXIT_CHANGES if (args.detailed_exitcode and plan.has_changes) else EXIT_NO_CHANGES
    return Result(data=render_json(plan), text=lambda: render_text(plan), exit_code=code)
