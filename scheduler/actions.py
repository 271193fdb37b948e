"""The operations that change something, shared by the CLI verbs and the web UI.

``start_manual_run`` is what ``cronbridge run`` does; ``redrive_letters`` and
``open_dead_letter_queue`` what ``cronbridge dlq redrive|purge`` do. Both front ends call
these, so a button in the page and a command in the shell cannot drift apart. Clients and
invokers are handed in; no boto3 import and no argparse here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler import names
from scheduler.clock import isoformat_z
from scheduler.dlq.queue import DeadLetterQueue, redrive
from scheduler.dlq.undelivered import RuleInputRebuilder
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.invoke import Invoker
from scheduler.ledger import new_run_id


def start_manual_run(invoker: Invoker, job: str, payload: dict[str, Any], now: datetime) -> str:
    """Start one manual run of ``job`` (not waiting); returns the run id it will carry."""
    run_id = new_run_id(job, now)
    invoker.start(
        job,
        {
            "job": job,
            "trigger": "manual",
            "run_id": run_id,
            "scheduled_time": isoformat_z(now),
            "payload": payload,
        },
    )
    return run_id


def open_dead_letter_queue(sqs: Any, prefix: str, stage: str, catalogue: Any) -> DeadLetterQueue:
    """The stage's dead-letter queue (one GetQueueUrl); ``catalogue`` may be None."""
    queue_name = names.dead_letter_queue(prefix, stage)
    try:
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    except Exception as exc:
        raise AwsCallError.from_exception(exc, "sqs:GetQueueUrl", queue_name) from exc
    known_jobs = set(catalogue.jobs) if catalogue is not None else None
    return DeadLetterQueue(sqs, url, known_jobs)


def rule_input_rebuilder(events: Any, catalogue: Any) -> RuleInputRebuilder:
    """Rebuilds an undelivered scheduled event's input from its rule's live target."""
    payloads = (
        {name: job.payload for name, job in catalogue.jobs.items()}
        if catalogue is not None
        else None
    )
    return RuleInputRebuilder(events, payloads)


def redrive_letters(
    queue: DeadLetterQueue,
    invoker: Invoker,
    message_id: str | None,
    now: datetime,
    rebuild: RuleInputRebuilder,
) -> list[dict[str, Any]]:
    """Re-run one message (``message_id``) or every message (None), deleting each after.

    Messages not chosen are made visible again at once; a missing or job-less message is
    refused before anything starts, with every received message released.
    """
    letters = queue.receive_all()
    chosen = letters if message_id is None else [x for x in letters if x.message_id == message_id]
    queue.release([x for x in letters if x not in chosen])
    if message_id is not None and not chosen:
        raise CronbridgeError(
            f"no message {message_id} in the dead-letter queue",
            hint="list them with `cronbridge dlq list`",
        )
    unusable = [x for x in chosen if not x.job and x.event is None]
    if unusable:
        queue.release(chosen)
        raise CronbridgeError(
            f"message {unusable[0].message_id} names no job; it cannot be redriven",
            hint="inspect it with `cronbridge dlq list --json`, then `dlq purge` if it is junk",
        )
    try:
        return redrive(queue, chosen, invoker, now, rebuild)
    except CronbridgeError:
        queue.release(chosen)  # nothing was started: leave every message for later
        raise
