"""`cronbridge plan`: show what a deploy would change, as a diff grouped by job. No writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from scheduler.cli import common
from scheduler.cli.output import Result, paint_plan, progress

EXIT_NO_CHANGES = 0
EXIT_CHANGES = 2


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_target_arg(parser, "plan")
    parser.add_argument(
        "-o",
        "--out",
        metavar="FILE",
        help="also save the plan to FILE; `cronbridge deploy FILE` applies exactly it",
    )
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
    from scheduler.cli import saved
    from scheduler.cli.deploy import make_plan
    from scheduler.deploy.render import render_json, render_text
    from scheduler.deploy.targeting import describe_partial

    ctx = make_plan(args, refresh=args.refresh, prune=not args.no_prune)
    target = saved.targeted(ctx, args.target)
    plan = ctx.plan
    if args.out:
        out = Path(args.out)
        saved.save(args, ctx, target, out)
        progress(f"saved the plan to {out}; apply exactly it with: cronbridge deploy {out}")
    code = EXIT_CHANGES if (args.detailed_exitcode and plan.has_changes) else EXIT_NO_CHANGES

    # Each form is rendered only if printed: --json prints the data, else the text.
    def data() -> dict[str, object]:
        out = render_json(plan)
        if target is not None:
            out["partial"] = {"targets": list(target.targets), "left_out": target.left_out}
        return out

    def text() -> str:
        lines = [render_text(plan)]
        if target is not None:
            lines.append(describe_partial(target))
        return paint_plan("\n".join(lines))

    return Result(data=data, text=text, exit_code=code)
