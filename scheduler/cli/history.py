"""``cronbridge history [JOB] [--status S] [--since 2h|ISO] [--limit N]``: recent runs.

One job's history is one Query (newest first); runs needing attention across jobs are one
Query on the sparse index; otherwise the jobs' summary items (BatchGetItem) tell which
jobs ran most recently, and a job's Query is made only once the merge reaches its newest
run (about as many Queries as jobs in the answer, not one per catalogue job). Also
home of the small wiring the run-ledger verbs share (``open_ledger``, ``render_run``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scheduler import names
from scheduler.cli import common
from scheduler.cli.output import Result, progress, table
from scheduler.clock import SystemClock, parse_iso
from scheduler.errors import AwsCallError, UsageError
from scheduler.ledger import ATTENTION_STATUSES, DynamoRunStore, RunRecord, RunStatus
from scheduler.ledger.query import history_across, parse_since

ATTENTION_LOOKBACK = timedelta(days=90)


@dataclass
class Ledger:
    """What the run-ledger verbs need: clients, names, the store, maybe the catalogue."""

    clients: Any
    prefix: str
    stage: str
    store: DynamoRunStore
    catalogue: Any  # scheduler.catalogue.Catalogue | None

    def job_names(self) -> list[str]:
        if self.catalogue is None:
            raise UsageError(
                "listing every job's runs needs the catalogue for the job names",
                hint="name a JOB, or point -f at jobs.yaml",
            )
        return list(self.catalogue.jobs)


def load_catalogue_if_present(args: argparse.Namespace, required: bool = False) -> Any:
    path = common.catalogue_path(args)
    if not path.exists() and not required:
        return None
    from scheduler.catalogue import load_catalogue

    return load_catalogue(path)


@dataclass(frozen=True)
class JobNames:
    """What ``history`` needs of jobs.yaml: its prefix and job names (``jobs``'s keys)."""

    prefix: str
    jobs: dict[str, None]


def read_job_names(path: Path) -> JobNames | None:
    """The catalogue's prefix and job names, read as plain YAML (no models, no checks), or
    None when the file is not a plain version-1 catalogue and the full loader must say why.

    ``history`` lists what the ledger holds: no job's spec changes which runs it shows, and
    at 1,000 jobs the full load (the models' import, every job's checks) is most of the
    command's time. So a catalogue with a mistake in a job's spec still shows history.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or data.get("version") != 1:
        return None
    prefix, jobs = data.get("prefix", names.DEFAULT_PREFIX), data.get("jobs")
    if not isinstance(prefix, str) or names.prefix_problem(prefix) or not isinstance(jobs, dict):
        return None
    if not all(isinstance(name, str) for name in jobs):
        return None
    return JobNames(prefix, dict.fromkeys(jobs))


def open_ledger(
    args: argparse.Namespace, require_catalogue: bool = False, *, names_only: bool = False
) -> Ledger:
    """The verb's ledger; ``names_only``: the catalogue's prefix and job names will do
    (``read_job_names``), the full catalogue only when they cannot be read plainly."""
    catalogue: Any = None
    if names_only:
        path = common.catalogue_path(args)
        catalogue = read_job_names(path) if path.exists() else None
    if catalogue is None:
        catalogue = load_catalogue_if_present(args, required=require_catalogue)
    prefix = catalogue.prefix if catalogue is not None else names.DEFAULT_PREFIX
    stage = common.resolve_stage(args)
    clients = common.aws_clients(args)
    store = DynamoRunStore(clients.client("dynamodb"), names.runs_table(prefix, stage))
    return Ledger(clients, prefix, stage, store, catalogue)


def guard(operation: str, resource: str, fn: Any) -> Any:
    """Run an AWS read, turning botocore errors into one clear ``AwsCallError``."""
    try:
        return fn()
    except (UsageError, AwsCallError):
        raise
    except Exception as exc:
        if hasattr(exc, "response") or type(exc).__module__.startswith("botocore"):
            raise AwsCallError.from_exception(exc, operation, resource) from exc
        raise


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", nargs="?", help="only this job's runs")
    parser.add_argument(
        "--status", type=str.upper, choices=[s.value for s in RunStatus], help="only this status"
    )
    parser.add_argument("--since", help="only runs since: a duration (2h, 30m, 7d) or ISO time")
    parser.add_argument("--limit", type=int, default=20, help="at most N runs (default 20)")
    parser.add_argument(
        "--follow", action="store_true", help="keep showing new runs until Ctrl-C (exit 0)"
    )
    from scheduler.cli.watch import add_interval_arg

    add_interval_arg(parser)
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace) -> Result:
    if getattr(args, "follow", False):
        return _follow(args)
    return _once(args)


def _follow(args: argparse.Namespace) -> Result:
    """The newest runs, redrawn on a terminal; piped, each new run or status change once."""
    from scheduler.cli.watch import watch

    once = argparse.Namespace(**{**vars(args), "follow": False})

    def lines(redraw: bool) -> list[str]:
        runs = [RunRecord.from_json(item) for item in _once(once).data]
        if redraw:
            return render_history(runs).splitlines()
        if getattr(args, "json", False):
            return [json.dumps(r.to_json(), default=str) for r in reversed(runs)]
        return [_run_line(r) for r in reversed(runs)]  # oldest first: appended like a log

    return watch(lines, title="cronbridge history", interval=args.interval, as_json=bool(args.json))


def _run_line(r: RunRecord) -> str:
    parts = [r.run_id, r.status.value, r.trigger, r.started_at, _duration(r.duration_ms)]
    parts += [f"attempt {r.attempt}", _short_error(r.error)]
    return "  ".join(p for p in parts if p).rstrip()


def _once(args: argparse.Namespace) -> Result:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1", hint="e.g. --limit 50")
    now = SystemClock().now()
    since = None
    if args.since:
        try:
            since = parse_since(args.since, now)
        except ValueError as exc:
            raise UsageError(f"--since {exc}", hint="for example --since 2h") from exc
    status = RunStatus(args.status) if args.status else None
    ledger = open_ledger(args, names_only=True)
    table_name = ledger.store.table

    def query() -> list[RunRecord]:
        if args.job:
            import itertools

            stream = ledger.store.history(
                args.job, since=since, status=status, page_size=min(args.limit, 100)
            )
            return list(itertools.islice(stream, args.limit))
        if status is not None and status in ATTENTION_STATUSES:
            return history_across(
                ledger.store,
                [],
                since=since or now - ATTENTION_LOOKBACK,
                status=status,
                limit=args.limit,
            )
        names = ledger.job_names()
        summaries = ledger.store.summaries(names)
        newest = {job: s.newest_run_id() for job, s in summaries.items()}
        return history_across(
            ledger.store,
            names,
            since=since,
            status=status,
            limit=args.limit,
            newest={job: run_id for job, run_id in newest.items() if run_id},
        )

    runs = guard("dynamodb:Query", table_name, query)
    check_job_known(args, ledger, runs)
    return Result(data=[r.to_json() for r in runs], text=lambda: render_history(runs))


def check_job_known(args: argparse.Namespace, ledger: Ledger, runs: list[RunRecord]) -> None:
    """``history NO-SUCH-JOB`` is an error (with the near names), not "no runs found".

    A job removed from jobs.yaml keeps its runs until they expire, so a name the catalogue
    lacks is only an error when the table has no run of it either.
    """
    if not args.job or ledger.catalogue is None or args.job in ledger.catalogue.jobs:
        return
    where = common.catalogue_path(args)
    if runs:
        progress(f"note: job {args.job!r} is not in {where} any more; these are its old runs")
        return
    error = common.unknown_job(args.job, ledger.catalogue.jobs, where)
    error.message += f" and no run of it in {ledger.store.table}"
    raise error


def render_history(runs: list[RunRecord]) -> str:
    if not runs:
        return "no runs found"
    rows = [
        [
            r.run_id,
            r.status.value,
            r.trigger,
            r.started_at,
            _duration(r.duration_ms),
            r.attempt,
            _short_error(r.error),
        ]
        for r in runs
    ]
    return table(["RUN ID", "STATUS", "TRIGGER", "STARTED", "DURATION", "ATTEMPT", "ERROR"], rows)


def _duration(ms: int | None) -> str:
    if ms is None:
        return "-"
    return f"{ms}ms" if ms < 1000 else f"{ms / 1000:.1f}s"


def _short_error(error: dict[str, str] | None, width: int = 60) -> str:
    if not error:
        return ""
    text = f"{error.get('type', '')}: {error.get('message', '')}".replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_run(run: RunRecord) -> str:
    """Every field of one run, its attempts, and the last error with its traceback."""
    lines = [
        f"run:           {run.run_id}",
        f"job:           {run.job}",
        f"status:        {run.status.value}",
        f"trigger:       {run.trigger}",
        f"scheduled for: {run.scheduled_for}",
        f"started:       {run.started_at}",
        f"finished:      {run.finished_at or '-'}",
        f"duration:      {_duration(run.duration_ms)}",
        f"attempt:       {run.attempt}",
    ]
    if run.request_id:
        lines.append(f"request id:    {run.request_id}")
    if run.redrive_of:
        lines.append(f"redrive of:    {run.redrive_of}")
    if run.next_attempt_at:
        lines.append(f"next attempt:  {run.next_attempt_at}")
    if run.note:
        lines.append(f"note:          {run.note}")
    if run.result is not None:
        lines.append(f"result:        {json.dumps(run.result, default=str)}")
    if run.attempts:
        lines += ["", "attempts:"]
        rows = [
            [
                a.attempt,
                a.status.value,
                a.trigger,
                a.started_at,
                _duration(a.duration_ms),
                _short_error(a.error),
            ]
            for a in run.attempts
        ]
        lines += [
            "  " + line
            for line in table(
                ["#", "OUTCOME", "TRIGGER", "STARTED", "DURATION", "ERROR"], rows
            ).splitlines()
        ]
    if run.error:
        lines += ["", f"error: {run.error.get('type')}: {run.error.get('message')}"]
        if run.error.get("traceback"):
            lines += ["", run.error["traceback"].rstrip()]
    return "\n".join(lines)


def age(moment: str | None, now: datetime) -> str:
    if not moment:
        return "-"
    seconds = int((now - parse_iso(moment)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"
