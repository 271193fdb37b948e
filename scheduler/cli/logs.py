"""``cronbridge logs RUN_ID [--follow] [--raw]``: the log lines of one run, every attempt.

On AWS from the job's CloudWatch Logs group, by each attempt's Lambda request id (the run
record keeps them); locally (``--local``) from ``.cronbridge/logs/<function>.log``, where
the local executor tags each line with its request id. ``--follow`` prints lines as they
come until the run is over (each attempt's END line read); Ctrl-C stops following, exit 0.
``run --wait`` streams the same lines through ``LogFollower``. The worker's JSON lines are
shortened and its metric blobs hidden, unless ``--raw``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from scheduler import names
from scheduler.cli import common
from scheduler.cli.history import Ledger, guard, open_ledger
from scheduler.cli.output import Result, hint
from scheduler.clock import SystemClock
from scheduler.errors import CronbridgeError
from scheduler.ledger import RunRecord
from scheduler.runlogs import LogLine, LogSource, request_ids
from scheduler.runlogs.render import format_lines

POLL_SECONDS = 1.0
# `run JOB` returns before the worker records the run; `logs --follow` waits this long.
START_WAIT_SECONDS = 60.0
# After a run is over on AWS, how long to wait for CloudWatch to deliver its last lines.
INGESTION_GRACE_SECONDS = 15.0
# An event a little older than the run's start is not the run's (clocks differ by little).
START_MARGIN_MS = 60_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="e.g. nightly-report.20260329T010000Z")
    parser.add_argument(
        "--follow", action="store_true", help="keep printing lines until the run is over"
    )
    parser.add_argument(
        "--raw", action="store_true", help="print lines as logged (JSON, metrics included)"
    )
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace) -> Result:
    job = common.job_of_run_id(args)
    ledger = open_ledger(args)
    record = read_run(ledger, args.run_id)
    if record is None and args.follow:
        record = _await_start(ledger, args.run_id)
    if record is None:
        raise CronbridgeError(
            f"no run {args.run_id} in {ledger.store.table}",
            hint=f"list recent runs with `{common.command(args, 'history', job)}`",
        )
    source = log_source(args, ledger, record)
    as_json = bool(getattr(args, "json", False))
    if args.follow:
        follower = LogFollower(source, raw=args.raw, as_json=as_json)
        try:
            follower.follow(record, lambda: read_run(ledger, args.run_id), remote=_remote(args))
        except KeyboardInterrupt:
            hint(f"stopped following {args.run_id}")
        return Result(data=None, text="", json_lines=[])
    lines = guard("logs:FilterLogEvents", _where(source), lambda: source.read(request_ids(record)))
    if not lines:
        _explain_no_lines(args, source, record)
    text = format_lines(lines, raw=args.raw, last_attempt=[None])
    return Result(
        data=[line.to_json() for line in lines],
        text="\n".join(text),
        json_lines=[line.to_json() for line in lines],
    )


def _await_start(ledger: Ledger, run_id: str) -> RunRecord | None:
    """A run just started with `cronbridge run` is in the ledger once its worker starts."""
    deadline = time.monotonic() + START_WAIT_SECONDS
    hint(f"waiting for {run_id} to start...")
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        record = read_run(ledger, run_id)
        if record is not None:
            return record
    return None


def read_run(ledger: Ledger, run_id: str) -> RunRecord | None:
    return guard("dynamodb:GetItem", ledger.store.table, lambda: ledger.store.get(run_id))


def log_source(args: argparse.Namespace, ledger: Ledger, record: RunRecord) -> LogSource:
    """The local log file under --local, else the job's CloudWatch Logs group."""
    function = names.function_name(ledger.prefix, ledger.stage, record.job)
    if common.is_local(args):
        from scheduler.local.state import state_dir
        from scheduler.runlogs.localfile import LocalLogSource

        folder = common.catalogue_path(args).resolve().parent
        return LocalLogSource(state_dir(folder) / "logs" / f"{function}.log")
    from scheduler.runlogs.cloudwatch import CloudWatchLogSource

    since = record.started_dt - timedelta(milliseconds=START_MARGIN_MS)
    return CloudWatchLogSource(
        ledger.clients.client("logs"),
        names.log_group(ledger.prefix, ledger.stage, record.job),
        int(since.timestamp() * 1000),
    )


def _remote(args: argparse.Namespace) -> bool:
    return not common.is_local(args)


def _where(source: LogSource) -> str:
    return str(getattr(source, "log_group", None) or getattr(source, "path", "the logs"))


def _explain_no_lines(args: argparse.Namespace, source: LogSource, record: RunRecord) -> None:
    """No line: say why when we can tell (gone past retention, no group, nothing yet)."""
    if not request_ids(record):
        hint(f"{record.run_id} has no invocation recorded yet ({record.status.value})")
        return
    retention = getattr(source, "retention_days", None)
    if retention is None:
        path = getattr(source, "path", None)
        if isinstance(path, Path) and not path.exists():
            hint(f"no log file {path} (has the local platform run this job?)")
        return
    group = _where(source)
    try:
        days = guard("logs:DescribeLogGroups", group, retention)
    except LookupError:
        raise CronbridgeError(
            f"no log group {group}, so no lines of {record.run_id}",
            hint=f"deploy the stage (`{common.command(args, 'deploy')}`) to create it",
        ) from None
    age = SystemClock().now() - record.started_dt
    if days is not None and age > timedelta(days=days):
        raise CronbridgeError(
            f"the logs of {record.run_id} are gone: it started {record.started_at}, "
            f"{age.days} days ago, and log group {group} keeps {days} days",
            hint=f"`{common.command(args, 'show', record.run_id)}` still has its outcome and "
            "error; raise log_retention_days in jobs.yaml to keep logs longer",
        )
    hint(
        f"no lines of {record.run_id} in {group} yet (CloudWatch Logs can take a few seconds); "
        f"`{common.command(args, 'logs', record.run_id, '--follow')}` waits for them"
    )


class LogFollower:
    """Prints a run's new lines as they come, until the run is over and its lines are in."""

    def __init__(
        self,
        source: LogSource,
        *,
        raw: bool,
        as_json: bool,
        out: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.raw = raw
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout
        self._sleep = sleep
        self._last_attempt: list[int | None] = [None]
        self.broken = False  # set by `run --wait` when reading lines failed once

    def poll(self, record: RunRecord | None) -> list[LogLine]:
        """Print (and return) the lines of ``record`` not printed before."""
        if record is None:
            return []
        ids = request_ids(record)
        if not ids:
            return []
        lines = self.source.read(ids)
        if self.as_json:
            for line in lines:
                self.out.write(json.dumps(line.to_json()) + "\n")
        else:
            for text in format_lines(lines, raw=self.raw, last_attempt=self._last_attempt):
                self.out.write(text + "\n")
        self.out.flush()
        return lines

    def done(self, record: RunRecord) -> bool:
        return all(self.source.finished(rid) for rid in request_ids(record))

    def follow(
        self, record: RunRecord, reread: Callable[[], RunRecord | None], *, remote: bool
    ) -> RunRecord:
        """Poll until the run is final and every attempt's END line is read (or grace)."""
        from scheduler.cli.run_job import is_final

        grace_left = INGESTION_GRACE_SECONDS if remote else 3.0
        while True:
            self.poll(record)
            if is_final(record):
                if self.done(record) or grace_left <= 0:
                    return record
                grace_left -= POLL_SECONDS
            self._sleep(POLL_SECONDS)
            record = reread() or record
