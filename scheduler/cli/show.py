"""``cronbridge show RUN_ID``: one run, every attempt and the error (one GetItem).

Run ids carry their job and sort key, so no index or scan is needed to find a run.
"""

from __future__ import annotations

import argparse

from scheduler.cli import common
from scheduler.cli.history import guard, open_ledger, render_run
from scheduler.cli.output import Result
from scheduler.errors import CronbridgeError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="e.g. nightly-report.20260329T010000Z")
    common.add_file_arg(parser)
    common.add_aws_args(parser)


def run(args: argparse.Namespace) -> Result:
    job = common.job_of_run_id(args)
    ledger = open_ledger(args)
    record = guard("dynamodb:GetItem", ledger.store.table, lambda: ledger.store.get(args.run_id))
    if record is None:
        raise CronbridgeError(
            f"no run {args.run_id} in {ledger.store.table}",
            hint=f"list recent runs with `{common.command(args, 'history', job)}` (runs expire "
            "after the job's retention)",
        )
    return Result(data=record.to_json(), text=lambda: render_run(record))
