"""CLI wiring for ``--target JOB`` and saved plans (``plan -o FILE``, ``deploy FILE``).

The pure parts live in ``scheduler.deploy.targeting`` (narrowing a plan) and
``scheduler.deploy.saved_plan`` (the file and its fingerprints); this module connects them
to the verbs' arguments, the catalogue file and the freshly read stage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli import common
from scheduler.deploy import saved_plan
from scheduler.errors import UsageError

if TYPE_CHECKING:
    # Loading a saved plan happens before the plan is made, and must not import the deploy
    # engine ahead of the stage's early listings (cli/prefetch.py).
    from scheduler.deploy.engine import PlanContext
    from scheduler.deploy.targeting import Targeted


def targeted(ctx: PlanContext, targets: list[str] | None) -> Targeted | None:
    """The plan narrowed to ``targets`` (ctx.plan is replaced), or None without targets."""
    if not targets:
        return None
    from scheduler.deploy.targeting import check_targets, narrow

    check_targets(targets, ctx.desired.jobs, ctx.plan)
    result = narrow(ctx.plan, targets)
    ctx.plan = result.plan
    return result


def _fingerprints(args: argparse.Namespace, ctx: PlanContext) -> tuple[str, str]:
    path = common.catalogue_path(args)
    catalogue_sha = saved_plan.catalogue_fingerprint(path.read_bytes(), ctx.plan.code_sha256)
    return catalogue_sha, saved_plan.live_fingerprint(ctx.snapshot, ctx.deep)


def save(args: argparse.Namespace, ctx: PlanContext, target: Targeted | None, out: Path) -> None:
    from scheduler.deploy.render import render_json

    catalogue_sha, live_sha = _fingerprints(args, ctx)
    saved_plan.write(
        out,
        saved_plan.SavedPlan(
            stage=ctx.desired.stage,
            prefix=ctx.desired.prefix,
            catalogue=str(common.catalogue_path(args).resolve()),
            catalogue_sha256=catalogue_sha,
            live_sha256=live_sha,
            targets=target.targets if target else (),
            prune=not args.no_prune,
            refresh=bool(args.refresh),
            plan=render_json(ctx.plan),
        ),
    )


def load(args: argparse.Namespace) -> saved_plan.SavedPlan:
    """Read the plan file and point ``args`` at its stage and catalogue."""
    given = [
        flag
        for flag, dest in (
            ("--target", "target"),
            ("--refresh", "refresh"),
            ("--no-prune", "no_prune"),
        )
        if getattr(args, dest, None)
    ]
    if given:
        raise UsageError(
            f"{', '.join(given)} cannot be given with a saved plan: it was planned with its own",
            hint="plan again with those flags and -o FILE, or deploy without the plan file",
        )
    saved = saved_plan.read(Path(args.plan_file))
    if getattr(args, "stage", None) not in (None, saved.stage):
        raise UsageError(
            f"--stage {args.stage} does not match the saved plan's stage {saved.stage}",
            hint=f"drop --stage, or plan stage {args.stage} again with -o FILE",
        )
    args.stage = saved.stage
    if getattr(args, "file", None) in (None, common.DEFAULT_CATALOGUE):
        args.file = saved.catalogue
    return saved


def verify(args: argparse.Namespace, ctx: PlanContext, saved: saved_plan.SavedPlan) -> None:
    """Refuse unless the catalogue and the stage are what the saved plan was made from."""
    from scheduler.deploy.render import render_json

    catalogue_sha, live_sha = _fingerprints(args, ctx)
    saved_plan.check(
        saved, catalogue_sha256=catalogue_sha, live_sha256=live_sha, plan=render_json(ctx.plan)
    )
