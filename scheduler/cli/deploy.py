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
from typing import TYPE_CHECKING

from scheduler.cli import common, gcpolicy
from scheduler.cli.output import Result, paint_plan, progress
from scheduler.deploy.executor_pool import DEFAULT_PARALLELISM, MAX_PARALLELISM
from scheduler.errors import UsageError

if TYPE_CHECKING:
    # Imported where used: the catalogue's models and the deploy engine are most of a
    # no-op deploy's import time, and the stage's listings start before them (make_plan).
    from scheduler.deploy.engine import PlanContext
    from scheduler.deploy.targeting import Targeted


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "plan_file",
        nargs="?",
        metavar="PLAN_FILE",
        help="apply exactly this saved plan (`cronbridge plan -o FILE`), refused if the "
        "stage or the catalogue changed since",
    )
    common.add_target_arg(parser, "apply")
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
    parser.add_argument(
        "--resume-paused",
        action="store_true",
        help="turn paused jobs back on and end their pauses (default: they stay paused)",
    )
    add_parallelism_arg(parser)


def add_parallelism_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parallelism",
        type=_parallelism,
        default=DEFAULT_PARALLELISM,
        metavar="N",
        help=f"apply up to N jobs' changes at once (default: {DEFAULT_PARALLELISM}; "
        "1 applies one change at a time)",
    )


def _parallelism(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PARALLELISM:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_PARALLELISM}, got {text!r}"
        )
    return value


def emulator_layers(args: argparse.Namespace) -> Sequence[str] | None:
    """An emulator (--endpoint-url / --local) has no public Powertools layer to attach."""
    custom = getattr(args, "endpoint_url", None) or common.is_local(args)
    return () if custom else None


def make_plan(
    args: argparse.Namespace, *, refresh: bool = False, prune: bool = True,
    destroy: bool = False, include_data: bool = False, resume_paused: bool = False,
) -> PlanContext:  # fmt: skip
    from scheduler.cli.prefetch import start_stage_reads

    # The stage's listings first, so their round trips overlap the catalogue's load.
    reads = start_stage_reads(args, destroy=destroy)
    try:
        from scheduler.catalogue import load_catalogue
        from scheduler.deploy.engine import plan_catalogue
        from scheduler.deploy.live_reads import READ_PARALLELISM

        catalogue = load_catalogue(common.catalogue_path(args))
    except BaseException:
        if reads is not None:
            reads.close()
        raise
    clients = common.aws_clients(args)
    return plan_catalogue(
        catalogue, common.resolve_stage(args), clients, prune=prune, refresh=refresh,
        layers=emulator_layers(args), destroy=destroy, include_data=include_data,
        region=clients.region_name, check_boundary=emulator_layers(args) is None,
        resume_paused=resume_paused, read_parallelism=READ_PARALLELISM, reads=reads,
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
    from scheduler.cli import saved

    if args.plan_file:
        plan_file = saved.load(args)
        ctx = make_plan(args, prune=plan_file.prune, refresh=plan_file.refresh)
        target = saved.targeted(ctx, list(plan_file.targets))
        saved.verify(args, ctx, plan_file)  # before anything is written
        return apply_and_report(args, ctx, "apply this saved plan", target)
    ctx = make_plan(
        args, prune=not args.no_prune, refresh=args.refresh, resume_paused=args.resume_paused
    )
    target = saved.targeted(ctx, args.target)
    return apply_and_report(args, ctx, "apply these changes", target)


def _partial(target: Targeted | None) -> dict[str, object]:
    if target is None:
        return {}
    return {
        "partial": {
            "targets": list(target.targets),
            "left_out": target.left_out,
            "left_out_jobs": list(target.left_out_jobs),
        }
    }


def apply_and_report(
    args: argparse.Namespace, ctx: PlanContext, question: str, target: Targeted | None = None
) -> Result:
    from scheduler.deploy.engine import apply_plan
    from scheduler.deploy.render import bookkeeping, render_json, render_text
    from scheduler.deploy.targeting import describe_partial

    plan = ctx.plan
    partial = [describe_partial(target)] if target else []
    if not plan.has_changes:
        data = {**render_json(plan), "applied": 0, "skipped": [], **_partial(target)}
        return Result(data=data, text=lambda: paint_plan("\n".join([render_text(plan), *partial])))
    shown = "\n".join([render_text(plan), *partial])
    sys.stderr.write(paint_plan(shown, stream=sys.stderr) + "\n")
    confirm(args, question)
    gcpolicy.settle()  # applying can take minutes: the usual collection passes from here
    result = apply_plan(
        ctx,
        common.aws_clients(args),
        progress=progress,
        parallelism=getattr(args, "parallelism", DEFAULT_PARALLELISM),
    )
    # Counted as the plan counted them: cronbridge's own tag stamps are not "changes".
    hidden = bookkeeping(plan)
    n = sum(1 for op in result.applied if id(op) not in hidden)
    lines = [f"stage {plan.stage}: applied {n} change{'' if n == 1 else 's'}", *partial]
    # Deletes a fresh read showed are not ours: left alone, and said so.
    lines += [f"skipped (not ours): {s}" for s in result.skipped]
    data = {
        **render_json(plan), "applied": result.count, "skipped": list(result.skipped),
        **_partial(target),
    }  # fmt: skip
    return Result(data=data, text="\n".join(lines))
