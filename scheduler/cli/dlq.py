"""``cronbridge dlq list | redrive MESSAGE_ID|--all | reconcile | purge --yes``: the DLQ.

Every message is decoded whatever its shape (the worker's dead runs, Lambda on-failure
records, EventBridge delivery failures; see ``scheduler.dlq.queue``). Redrive starts a run
per message and then deletes it: a dead run or crash gets a new run (trigger ``redrive``,
``redrive_of`` = the dead run); an undelivered scheduled slot is delivered again as that
slot's scheduled run, its input rebuilt from the rule's live target. This module wires the
invoker and the rule reader in; ``scheduler.dlq`` imports neither. Both go through
``scheduler.actions``, shared with ``cronbridge ui``. Reconcile concludes the runs that
Lambda's on-failure records name and that are still RUNNING (``scheduler.dlq.reconcile``),
through a worker runtime wired from the failed function's deployed configuration.
"""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.actions import open_dead_letter_queue, redrive_letters, rule_input_rebuilder
from scheduler.cli import common
from scheduler.cli.history import Ledger, open_ledger
from scheduler.cli.output import Result, table
from scheduler.clock import SystemClock
from scheduler.dlq.queue import DeadLetter, DeadLetterQueue
from scheduler.errors import AwsCallError, UsageError
from scheduler.invoke import make_invoker


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="dlq_action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="show the dead-letter messages, decoded")
    again = sub.add_parser("redrive", help="re-run dead messages' jobs, then delete them")
    again.add_argument("message_id", nargs="?", metavar="MESSAGE_ID")
    again.add_argument("--all", action="store_true", help="redrive every message")
    purge = sub.add_parser("purge", help="delete every dead-letter message")
    purge.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    settle = sub.add_parser(
        "reconcile", help="conclude runs left RUNNING by crashed workers (Lambda on-failure)"
    )
    for child in (listing, again, purge, settle):
        # Flags may follow the action (`dlq list --json`); SUPPRESS keeps the parent's value.
        child.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        child.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
        common.add_file_arg(child)
        common.add_aws_args(child)


def open_queue(ledger: Ledger) -> DeadLetterQueue:
    return open_dead_letter_queue(
        ledger.clients.client("sqs"), ledger.prefix, ledger.stage, ledger.catalogue
    )


def run(args: argparse.Namespace) -> Result:
    ledger = open_ledger(args)
    queue = open_queue(ledger)
    if args.dlq_action == "list":
        letters = queue.list()
        return Result(data=[x.to_json() for x in letters], text=lambda: render(letters))
    if args.dlq_action == "purge":
        if not args.yes:
            raise UsageError(
                "dlq purge deletes every message for good; refusing without --yes",
                hint="look first with `cronbridge dlq list`",
            )
        count = queue.purge()
        return Result(data={"purged": count}, text=f"purged {count} message(s) from {queue.url}")
    if args.dlq_action == "reconcile":
        return _reconcile(args, ledger, queue)
    return _redrive(args, ledger, queue)


def _reconcile(args: argparse.Namespace, ledger: Ledger, queue: DeadLetterQueue) -> Result:
    from scheduler.dlq.reconcile import reconcile

    done = reconcile(
        queue, queue.receive_all(), ledger.store, runtime_factory(ledger, common.is_local(args))
    )
    lines = [
        f"{r.action} {r.message_id}: {r.run_id or 'no run'}"
        + (f" is {r.status}" if r.status else "")
        for r in done
    ]
    return Result(
        data=[r.to_json() for r in done],
        text="\n".join(lines) or "no Lambda on-failure records in the dead-letter queue",
    )


def runtime_factory(ledger: Ledger, local: bool) -> Any:
    """Function ARN -> a worker runtime wired exactly as that deployed function is."""
    from scheduler import contract
    from scheduler.worker.entry import build_runtime
    from scheduler.worker.runtime import NullMetrics

    made: dict[str, Any] = {}

    def runtime_for(function_arn: str) -> Any:
        if function_arn not in made:
            try:
                config = ledger.clients.client("lambda").get_function_configuration(
                    FunctionName=function_arn
                )
            except Exception as exc:
                raise AwsCallError.from_exception(
                    exc, "lambda:GetFunctionConfiguration", function_arn
                ) from exc
            env = dict((config.get("Environment") or {}).get("Variables") or {})
            env.setdefault(contract.ENV_FUNCTION_ARN, str(config["FunctionArn"]))
            if local:  # the local ticker fires one-time schedules to the second
                env.setdefault(contract.ENV_RETRY_PRECISION, "second")
            made[function_arn] = build_runtime(
                env, clients=ledger.clients, metrics=NullMetrics(), log=_Quiet()
            )
        return made[function_arn]

    return runtime_for


class _Quiet:
    """The runtime's logger inside the CLI: the verb prints its own result lines."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def _redrive(args: argparse.Namespace, ledger: Ledger, queue: DeadLetterQueue) -> Result:
    if bool(args.message_id) == bool(args.all):
        raise UsageError(
            "give exactly one of MESSAGE_ID or --all", hint="see `cronbridge dlq list`"
        )
    invoker = make_invoker(ledger.clients, ledger.prefix, ledger.stage, common.is_local(args))
    rebuild = rule_input_rebuilder(ledger.clients.client("events"), ledger.catalogue)
    started = redrive_letters(
        queue, invoker, None if args.all else args.message_id, SystemClock().now(), rebuild
    )
    text = "\n".join(f"redrove {s['message_id']}: started {s['run_id']}" for s in started)
    return Result(data=started, text=text or "the dead-letter queue is empty")


ERROR_WIDTH = 60


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when something was cut."""
    one_line = " ".join(text.split())  # a traceback-like message would break the table
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def render(letters: list[DeadLetter]) -> str:
    if not letters:
        return "the dead-letter queue is empty"
    rows: list[list[Any]] = []
    for x in letters:
        error = f"{x.error['type']}: {x.error['message']}" if x.error else ""
        rows.append(
            [
                x.message_id,
                x.kind,
                x.job or "?",
                x.run_id or x.linked_run_id() or "-",
                x.attempts,
                clip(error, ERROR_WIDTH),
            ]
        )
    return table(["MESSAGE ID", "KIND", "JOB", "RUN", "ATTEMPTS", "ERROR"], rows)
