"""``cronbridge backfill JOB --from T --to T``: run every slot of the job's schedule in a window.

The slots are those ``cronbridge next`` gives (the job's time zone and DST rules), each run
with trigger ``backfill`` under the slot's scheduled run id, so a slot that already ran is
skipped and an interrupted backfill can simply be run again (``scheduler.operate``).
Progress goes to stderr; stdout gets a summary, or with ``--json`` one line per slot and a
summary line. Exit 1 when any slot failed, died or was lost.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

from scheduler.cli import common
from scheduler.cli.history import guard, open_ledger
from scheduler.cli.output import Result, progress, table
from scheduler.clock import Clock, SystemClock, isoformat_z, parse_iso
from scheduler.errors import UsageError
from scheduler.invoke import make_invoker
from scheduler.operate.backfill import (
    FAILED_OUTCOMES,
    Backfill,
    DynamoSlotReader,
    Progress,
    SlotResult,
    summary,
)
from scheduler.operate.slots import MAX_SLOTS_WITHOUT_YES, check_count, check_window, slots_between

DEFAULT_CONCURRENCY = 4
PROGRESS_EVERY = 1.0  # seconds between two progress lines (stderr)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", metavar="JOB", help="the job whose past slots to run")
    parser.add_argument("--from", dest="start", required=True, help="ISO start (included)")
    parser.add_argument("--to", dest="end", required=True, help="ISO end (excluded)")
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"at most N slots running at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list the slots and which would be skipped"
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"allow more than {MAX_SLOTS_WITHOUT_YES:,} slots",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="report a slot lost when no run is recorded S seconds after its start (900)",
    )
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def _time(flag: str, text: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        raise UsageError(
            f"{flag} {text!r} is not an ISO-8601 time", hint="e.g. 2026-03-29T00:00:00Z"
        ) from None


def run(args: argparse.Namespace, clock: Clock | None = None) -> Result:
    clock = clock or SystemClock()
    start, end = _time("--from", args.start), _time("--to", args.end)
    check_window(start, end)
    if args.max_concurrency < 1:
        raise UsageError(
            f"--max-concurrency {args.max_concurrency}: must be at least 1", hint="e.g. 4"
        )
    ledger = open_ledger(args, require_catalogue=True)
    jobs = ledger.catalogue.jobs
    if args.job not in jobs:
        raise UsageError(
            f"no job {args.job!r} in {common.catalogue_path(args)}",
            hint=f"jobs: {', '.join(jobs) or '(none)'}",
        )
    job = jobs[args.job]
    limit = None if args.yes else MAX_SLOTS_WITHOUT_YES
    slots = slots_between(job.name, job.schedule, job.timezone, start, end, limit=limit)
    check_count(job.name, len(slots), args.yes)
    reader = DynamoSlotReader(ledger.clients.client("dynamodb"), ledger.store.table)
    last_line = [0.0]

    def show(p: Progress) -> None:
        moment = time.monotonic()
        if moment - last_line[0] >= PROGRESS_EVERY:
            last_line[0] = moment
            progress(p.line())

    engine = Backfill(
        job=job.name,
        payload=dict(job.payload),
        slots=slots,
        reader=reader,
        invoker=make_invoker(ledger.clients, ledger.prefix, ledger.stage, common.is_local(args)),
        clock=clock,
        max_concurrency=args.max_concurrency,
        start_timeout=args.timeout,
        on_progress=None if args.dry_run else show,
    )
    if args.dry_run:
        guard("dynamodb:Query", reader.table, engine.mark_already_ran)
        for result in engine.results:
            if result.outcome == "pending":
                result.outcome = "would-run"
        return _result(engine.results, start, end, job.name, dry_run=True)
    results = guard("dynamodb:Query", reader.table, engine.run)
    progress(engine.progress().line())
    return _result(results, start, end, job.name, dry_run=False)


def _result(
    results: list[SlotResult], start: datetime, end: datetime, job: str, *, dry_run: bool
) -> Result:
    total = summary(results)
    total.update({"job": job, "from": isoformat_z(start), "to": isoformat_z(end)})
    if dry_run:
        total["dry_run"] = True
        total["would_run"] = sum(1 for r in results if r.outcome == "would-run")
    failed = any(r.outcome in FAILED_OUTCOMES for r in results)

    def text() -> str:
        shown = [r for r in results if dry_run or r.outcome not in ("succeeded",)]
        lines = []
        if shown:
            lines.append(
                table(
                    ["SLOT", "OUTCOME", "DETAIL"],
                    [[r.slot.iso, r.outcome, r.detail] for r in shown],
                )
            )
        if dry_run:
            lines.append(
                f"dry run: {total['would_run']} of {len(results)} slot(s) of {job} in "
                f"[{total['from']}, {total['to']}) would run, {total['skipped']} already ran"
            )
        else:
            lines.append(
                f"backfill of {job} [{total['from']}, {total['to']}): {len(results)} slot(s): "
                f"{total['succeeded']} succeeded, {total['skipped']} skipped, "
                f"{total['failed'] + total['dead']} failed, {total['retrying']} retrying, "
                f"{total['lost']} lost"
            )
        return "\n".join(lines)

    return Result(
        data=total,
        text=text,
        exit_code=1 if failed else 0,
        json_lines=[r.to_json() for r in results] + [total],
    )
