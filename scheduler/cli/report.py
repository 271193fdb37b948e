"""``cronbridge report -o runs.html [--since 7d]``: the overview and job pages in one file.

The same view models and templates as ``cronbridge ui``, rendered once into a single
self-contained HTML file (stylesheet inline, charts as inline SVG, no script, nothing
fetched), for a CI artifact or an email. One Query per job for the overview, one per job
for its runs since ``--since``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scheduler.cli import common
from scheduler.cli.output import Result
from scheduler.clock import SystemClock
from scheduler.errors import CronbridgeError, UsageError
from scheduler.ledger.query import parse_since


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", default="runs.html", metavar="FILE", help="default runs.html"
    )
    parser.add_argument("--since", default="7d", help="job pages show runs since (default 7d)")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace) -> Result:
    from scheduler.catalogue import load_catalogue
    from scheduler.ui import render, views
    from scheduler.ui.source import UiSource, UnreachableError

    now = SystemClock().now()
    try:
        since = parse_since(args.since, now)
    except ValueError as exc:
        raise UsageError(f"--since {exc}", hint="for example --since 7d") from exc
    catalogue = load_catalogue(common.catalogue_path(args))
    source = UiSource(
        catalogue,
        lambda: common.aws_clients(args),
        common.resolve_stage(args),
        local=common.is_local(args),
    )
    try:
        overview = source.overview(now)
        health = {row.job: row.status_row for row in overview.rows}
        pages = [
            views.job_view(
                job,
                source.job_runs(job.name, since, None),
                now,
                status_filter=None,
                since=args.since,
                status_row=health.get(job.name),
            )
            for job in catalogue.jobs.values()
        ]
    except UnreachableError as exc:
        raise CronbridgeError(exc.message, exc.hint or "check --local / --endpoint-url") from exc
    out = Path(args.output)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render.report(overview, pages, now, args.since), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot write {out}: {exc.strerror or exc}", hint="pick another -o"
        ) from exc
    runs = sum(len(p.runs) for p in pages)
    data = {"output": str(out), "jobs": len(pages), "runs": runs, "since": args.since}
    return Result(
        data=data, text=f"wrote {out}: {len(pages)} job(s), {runs} run(s) since {args.since}"
    )
