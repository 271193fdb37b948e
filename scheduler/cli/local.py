"""``cronbridge local up`` and ``cronbridge local simulate``: the platform with no AWS account.

``up`` runs moto's server on 127.0.0.1, deploys the catalogue into it, and ticks and runs
jobs in real time until Ctrl-C or ``--for``; other verbs reach it with ``--local``.
``simulate`` runs the same pipeline in-process under a virtual clock over [--from, --to).
With ``--json`` both print JSON Lines (one object per event / attempt, then a summary).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from datetime import datetime, timedelta
from typing import Any

from scheduler.catalogue import load_catalogue
from scheduler.cli import common
from scheduler.cli.output import Result, progress
from scheduler.clock import parse_iso
from scheduler.errors import UsageError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
MAX_SIMULATED = timedelta(days=31)


def parse_duration(text: str) -> float:
    """``90``, ``75s``, ``10m``, ``2h``, ``1d`` -> seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"--for {text!r} is not a duration", hint="e.g. --for 75s, 10m or 2h")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="local_command", metavar="COMMAND", required=True)
    up = sub.add_parser("up", help="start the emulator, deploy, run jobs (Ctrl-C stops)")
    common.add_file_arg(up)
    up.add_argument("--port", type=int, default=4566, help="emulator port (default 4566)")
    up.add_argument(
        "--for",
        dest="duration",
        default=None,
        metavar="DURATION",
        help="stop after this long, e.g. 75s or 10m (default: until Ctrl-C)",
    )
    up.add_argument("--stage", default=None, help="stage to deploy (default: dev)")
    up.add_argument(
        "--ui",
        type=int,
        nargs="?",
        const=8765,
        default=None,
        metavar="PORT",
        help="also serve `cronbridge ui` on 127.0.0.1:PORT (default 8765)",
    )
    up.add_argument("--json", action="store_true", help="JSON Lines: one object per run event")
    up.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    sim = sub.add_parser("simulate", help="run [--from, --to) in virtual time, in seconds")
    common.add_file_arg(sim)
    sim.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="ISO",
        help="start of the window, e.g. 2026-03-29T00:00:00Z",
    )
    sim.add_argument(
        "--to", dest="end", required=True, metavar="ISO", help="end of the window (exclusive)"
    )
    sim.add_argument("--stage", default=None, help="stage name used inside the simulation (sim)")
    sim.add_argument(
        "--outage",
        metavar="ISO/ISO",
        default=None,
        help="deliver nothing in [start, end), e.g. 2026-03-29T01:00:00Z/2026-03-29T03:00:00Z"
        " (to watch catch-up and alerts)",
    )
    sim.add_argument("--json", action="store_true", help="JSON Lines: one object per attempt")
    sim.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def deploy_catalogue(catalogue: Any, stage: str, clients: Any) -> Any:
    """The production deploy, applied without prompting (the target is our own emulator)."""
    from scheduler.deploy.engine import apply_catalogue

    # layers=(): an emulator has no public Powertools layer; the local runtime has it installed.
    # Nor the CI bootstrap's permissions boundary: the roles name it, nothing checks it.
    return apply_catalogue(catalogue, stage, clients, prune=True, layers=(), check_boundary=False)


def _context_flags(args: argparse.Namespace) -> str:
    """The -f and --stage given to ``local up``, for the banner's commands to repeat."""
    words = []
    if args.file:
        words += ["-f", args.file]
    if args.stage:
        words += ["--stage", args.stage]
    return "".join(f" {shlex.quote(word)}" for word in words)


def _stage(args: argparse.Namespace, default: str) -> str:
    from scheduler import names

    stage = args.stage or default
    problem = names.stage_problem(stage)
    if problem:
        raise UsageError(f"--stage {stage!r}: {problem}", hint="for example: --stage dev")
    return stage


def run(args: argparse.Namespace) -> Result:
    if args.local_command == "up":
        return _up(args)
    return _simulate(args)


def _up(args: argparse.Namespace) -> Result:
    from scheduler.local.up import LocalPlatform, UpOptions

    as_json = bool(args.json)
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a TCP port", hint="e.g. --port 4567")
    duration = parse_duration(args.duration) if args.duration is not None else None
    catalogue = load_catalogue(common.catalogue_path(args))
    stage = _stage(args, "dev")

    def emit(event: Any) -> None:
        line = json.dumps(event.to_json()) if as_json else event.line()
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    # The banner and notes are for the person (stderr); the run events are the data (stdout).
    say = progress
    ui = _start_ui(args, stage) if args.ui is not None else None
    extra = (f"  web ui     {ui.url}  (cronbridge ui: runs, health, dead letters)",) if ui else ()
    platform = LocalPlatform(
        catalogue,
        UpOptions(
            stage=stage,
            port=args.port,
            duration=duration,
            banner_extra=extra,
            context_flags=_context_flags(args),
        ),
        deploy=deploy_catalogue,
        emit=emit,
        say=say,
    )
    try:
        summary = platform.run()
    finally:
        if ui is not None:
            ui.stop()
    data = summary.to_json()
    counts = ", ".join(f"{n} {kind}" for kind, n in data["events"].items()) or "no run events"
    text = f"local platform stopped ({counts}); state saved to {data['snapshot'] or 'nowhere'}"
    # With --json the events were streamed as JSON Lines; the summary is one more line.
    return Result(data=data, text=text, json_lines=[{"summary": True, **data}])


def _start_ui(args: argparse.Namespace, stage: str) -> Any:
    """``cronbridge ui --local`` in a thread of this process, bound before the deploy starts.

    Until the platform is up the page says the emulator is not reachable, and it recovers
    by itself on its next refresh.
    """
    from scheduler.cli.ui import build_app
    from scheduler.ui.serve import bind, serve_in_thread

    host = "127.0.0.1"
    ui_args = argparse.Namespace(
        file=args.file, stage=stage, local=True, region=None, endpoint_url=None, profile=None
    )
    app, _config = build_app(ui_args, host, args.ui)
    return serve_in_thread(app, bind(host, args.ui), host)


def _outage(text: str, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    first, sep, last = text.partition("/")
    hint = "e.g. --outage 2026-03-29T01:00:00Z/2026-03-29T03:00:00Z"
    try:
        down, up = parse_iso(first), parse_iso(last)
    except ValueError:
        raise UsageError(f"--outage {text!r} is not two ISO times joined by /", hint=hint) from None
    if not sep or up <= down:
        raise UsageError(f"--outage {text!r}: the end must come after the start", hint=hint)
    if down < start or up > end:
        raise UsageError(f"--outage {text!r} is not inside [--from, --to)", hint=hint)
    return down, up


def _simulate(args: argparse.Namespace) -> Result:
    import os

    from scheduler.awsclients import local_credentials_env
    from scheduler.local.simprogress import ProgressLine
    from scheduler.local.simulate import simulate

    try:
        start, end = parse_iso(args.start), parse_iso(args.end)
    except ValueError:
        raise UsageError(
            "--from/--to must be ISO-8601 times", hint="e.g. --from 2026-03-29T00:00:00Z"
        ) from None
    if end <= start:
        raise UsageError("--to must be after --from", hint="the window is [--from, --to)")
    if end - start > MAX_SIMULATED:
        raise UsageError(
            f"the window is longer than {MAX_SIMULATED.days} days",
            hint="simulate a shorter window, or several in turn",
        )
    catalogue = load_catalogue(common.catalogue_path(args))
    stage = _stage(args, "sim")
    # moto in-process: make sure no real credentials or endpoint are ever picked up.
    os.environ.update(local_credentials_env())
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    outage = _outage(args.outage, start, end) if args.outage else None
    # A refreshing progress line on a terminal only: never in --json, never into a pipe.
    show = not args.json and sys.stderr.isatty()
    line = ProgressLine(sys.stderr, start, end) if show else None
    try:
        result = simulate(
            catalogue, start=start, end=end, stage=stage, deploy=deploy_catalogue,
            outage=outage, progress=line,
        )  # fmt: skip
    finally:
        if line is not None:
            line.close()
    data = {"attempts": [row.to_json() for row in result.rows], **result.summary()}
    lines = [row.line() for row in result.rows]
    # Alerts the stage's monitor and workers sent, as the alert log would show them.
    lines += [alert.line() for alert in result.alerts]
    lines.append(result.summary_line())
    # --json: JSON Lines, one object per attempt, one {"alert": ...} per alert, then the
    # summary object.
    alerts = [{"alert": alert.to_json()} for alert in result.alerts]
    data["alerts"] = alerts
    json_lines = [row.to_json() for row in result.rows] + alerts + [result.summary()]
    return Result(data=data, text="\n".join(lines), json_lines=json_lines)
