"""``cronbridge run JOB [--payload JSON] [--wait] [--timeout S]``: trigger a job on demand.

The CLI picks the run id (``<job>.<now>-<hex>``) and passes it in the worker input, so it
can print it at once and ``--wait`` can poll that one ledger item (GetItem) to the end:
SUCCEEDED exits 0; DEAD, SKIPPED, or a failure with no retry left exits 1. ``--wait``
prints the run id first and streams the run's log lines (``cronbridge logs``) to stderr;
Ctrl-C stops waiting (exit 130) and says how to follow the run, which goes on. The run is
started by ``scheduler.actions.start_manual_run`` (shared with ``cronbridge ui``) through
``scheduler.invoke.make_invoker`` (Lambda, or the local ticker).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scheduler.actions import start_manual_run
from scheduler.cli import common
from scheduler.cli.history import guard, open_ledger, render_run
from scheduler.cli.output import Result, hint, progress
from scheduler.clock import Clock, SystemClock
from scheduler.errors import CronbridgeError, UsageError
from scheduler.invoke import make_invoker
from scheduler.ledger import RunRecord, RunStatus

DEFAULT_WAIT = 900
POLL_SECONDS = 1.0
DRAIN_POLLS = 3
EXIT_INTERRUPTED = 130


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", metavar="JOB", help="the job to run")
    parser.add_argument(
        "--payload", help="a JSON object for the handler (default: the job's catalogue payload)"
    )
    parser.add_argument("--wait", action="store_true", help="follow the run to its end")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_WAIT,
        help=f"with --wait, give up after S seconds (default {DEFAULT_WAIT})",
    )
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def parse_payload(text: str | None, default: dict[str, Any]) -> dict[str, Any]:
    if text is None:
        return dict(default)
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"--payload is not valid JSON: {exc}", hint="""for example --payload '{"day": 1}'"""
        ) from exc
    if not isinstance(value, dict):
        raise UsageError(
            f"--payload must be a JSON object, not {type(value).__name__}",
            hint="""wrap the value: --payload '{"value": ...}'""",
        )
    return value


def is_final(run: RunRecord) -> bool:
    if run.status in (RunStatus.SUCCEEDED, RunStatus.SKIPPED, RunStatus.DEAD):
        return True
    return run.status.is_failure and not run.next_attempt_at


def run(args: argparse.Namespace, clock: Clock | None = None) -> Result:
    clock = clock or SystemClock()
    ledger = open_ledger(args, require_catalogue=True)
    jobs = ledger.catalogue.jobs
    if args.job not in jobs:
        raise common.unknown_job(args.job, jobs, common.catalogue_path(args))
    job = jobs[args.job]
    payload = parse_payload(args.payload, job.payload)
    invoker = make_invoker(ledger.clients, ledger.prefix, ledger.stage, common.is_local(args))
    run_id = start_manual_run(invoker, job.name, payload, clock.now())
    if not args.wait:
        data = {"run_id": run_id, "job": job.name, "status": "STARTED"}
        # The run id is the data (stdout: `RUN=$(cronbridge run JOB)`); how to follow it is
        # a hint for the person (stderr).
        hint(follow_hint(args, run_id))
        return Result(data=data, text=run_id)
    # The id first, so a Ctrl-C or a lost terminal never loses it.
    progress(f"started {run_id} (Ctrl-C stops waiting; the run goes on)")
    try:
        final = _wait(ledger, run_id, args.timeout, clock, args)
    except KeyboardInterrupt:
        hint(f"stopped waiting; {run_id} goes on without you")
        hint(follow_hint(args, run_id))
        data = {"run_id": run_id, "job": job.name, "status": "WAIT_INTERRUPTED"}
        return Result(data=data, text=run_id, exit_code=EXIT_INTERRUPTED)
    return Result(
        data=final.to_json(),
        text=lambda: render_run(final),
        exit_code=0 if final.status is RunStatus.SUCCEEDED else 1,
    )


def follow_hint(args: argparse.Namespace, run_id: str) -> str:
    """How to follow a run, as commands that work when pasted (they keep the user's flags)."""
    return (
        f"follow it with: {common.command(args, 'logs', run_id, '--follow')}\n"
        f"           or: {common.command(args, 'show', run_id)}"
    )


def _wait(
    ledger: Any, run_id: str, timeout: float, clock: Clock, args: argparse.Namespace
) -> RunRecord:
    """Poll the run to its end, printing its status changes and its log lines (stderr)."""
    from scheduler.cli.logs import LogFollower, log_source

    deadline = clock.now().timestamp() + timeout
    last_status = None
    follower = None
    while True:
        record = guard("dynamodb:GetItem", ledger.store.table, lambda: ledger.store.get(run_id))
        if record is not None:
            if follower is None:
                source = log_source(args, ledger, record)
                follower = LogFollower(source, raw=False, as_json=False, out=sys.stderr)
            _stream(follower, record)
            if record.status != last_status:
                progress(f"{run_id}: {record.status.value} (attempt {record.attempt})")
                last_status = record.status
            if is_final(record):
                _drain(follower, record, clock)
                return record
        if clock.now().timestamp() >= deadline:
            state = record.status.value if record else "not started"
            raise CronbridgeError(
                f"gave up waiting after {timeout:g}s; {run_id} is {state}",
                hint=f"follow it with `{common.command(args, 'logs', run_id, '--follow')}`",
            )
        clock.sleep(POLL_SECONDS)


def _stream(follower: Any, record: RunRecord) -> None:
    # Log lines are a nicety while waiting: a logs read that fails must not end the wait,
    # so the first failure is said once and streaming stops.
    if follower.broken:
        return
    try:
        follower.poll(record)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        follower.broken = True
        progress(f"(not streaming log lines: {type(exc).__name__}: {exc})")


def _drain(follower: Any, record: RunRecord, clock: Clock) -> None:
    """The last lines of a finished run (a few seconds at most: its END line)."""
    for _ in range(DRAIN_POLLS):
        if follower.broken or follower.done(record):
            return
        clock.sleep(POLL_SECONDS)
        _stream(follower, record)
