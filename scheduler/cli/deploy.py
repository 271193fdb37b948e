"""`cronbridge deploy`: plan, then apply in dependency order with a progress line per resource.

Refuses to apply without --yes when stdin is not a TTY (CI must opt in explicitly).
Output rule (README, "Output conventions"): the plan shown before the question, the
question and the progress lines are for the person, on stderr; what was applied is the
verb's data, on stdout (``--json``: the plan's JSON plus ``applied`` and ``skipped``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scheduler.catalogue import load_catalogue
from scheduler.cli import common
from scheduler.cli.output import Result, progress
from scheduler.deploy.engine import PlanContext, apply_plan, plan_catalogue
from scheduler.deploy.render import render_json, render_text
from scheduler.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    common.add_aws_args(parser)
    parser.add_argument("--yes", action="store_true", help="apply without asking")
    parser.add_argument(
        "--no-prune", action="store_true", help="keep resources of jobs removed from the catalogue"
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="read every resource deeply and repair changes made outside cronbridge (drift)",
    )


def emulator_layers(args: argparse.Namespace) -> Sequence[str] | None:
    """An emulator (--endpoint-url / --local) has no public Powertools layer to attach."""
    custom = getattr(args, "endpoint_url", None) or common.is_local(args)
    return () if custom else None


def make_plan(
    args: argparse.Namespace, *, refresh: bool = False, prune: bool = True,
    destroy: bool = False, include_data: bool = False,
) -> PlanContext:  # fmt: skip
    catalogue = load_catalogue(common.catalogue_path(args))
    clients = common.aws_clients(args)
    return plan_catalogue(
        catalogue, common.resolve_stage(args), clients, prune=prune, refresh=refresh,
        layers=emulator_layers(args), destroy=destroy, include_data=include_data,
        region=clients.region_name, check_boundary=emulator_layers(args) is None,
    )  # fmt: skip


def confirm(args: argparse.Namespace, what: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            f"refusing to {what} without --yes: stdin is not a terminal, so nobody can confirm",
            hint="review `cronbridge plan`, then rerun with --yes",
        )
    # The prompt is for the person: stderr, like the plan above it (input() would print
    # it on stdout, mixing it into data a script may be reading).
    sys.stderr.write(f"{what}? [y/N] ")
    sys.stderr.flush()
    try:
        answer = input().strip().lower()
    except EOFError:
        answer = ""
    if answer not in ("y", "yes"):
        raise UsageError("aborted; nothing was changed")


def run(args: argparse.Namespace) -> Result:
    ctx = make_plan(args, prune=not args.no_prune, refresh=args.refresh)
    return apply_and_report(args, ctx, "apply these changes")


def apply_and_report(args: argparse.Namespace, ctx: PlanContext, question: str) -> Result:
    plan = ctx.plan
    if not plan.has_changes:
        data = {**render_json(plan), "applied": 0, "skipped": []}
        return Result(data=data, text=lambda: render_text(plan))
    sys.stderr.write(render_text(plan) + "\n")
    confirm(args, question)
    result = apply_plan(ctx, common.aws_clients(args), progress=progress)
    lines = [f"stage {plan.stage}: applied {result.count} changes"]
    # Deletes a fresh read showed are not ours: left alone, and said so.
    lines += [f"skipped (not ours): {s}" for s in result.skipped]
    data = {**render_json(plan), "applied": result.count, "skipped": list(result.skipped)}
    return Result(data=data, text="\n".join(lines))
