"""Reading, redriving and purging the stage's dead-letter queue (CLI side).

Three shapes reach the one queue and decode to one ``DeadLetter``:

1. ``dead-run``: the worker's own message after the last attempt failed (body has ``kind``).
2. ``lambda-failure``: Lambda's async on-failure destination record (``requestPayload`` is
   the original worker input; ``responsePayload`` the crash) - the worker itself crashed.
3. ``delivery-failure``: EventBridge/Scheduler could not deliver to the function
   (``ERROR_CODE``/``ERROR_MESSAGE`` and ``RULE_ARN`` or ``SCHEDULE_ARN`` message
   attributes). A schedule's body is the input it would have delivered; a rule's body is
   the raw scheduled event (see ``scheduler.dlq.undelivered``).

Listing is non-destructive: received messages are made visible again at once. moto lacks
``start_message_move_task``, and a redrive here means *re-running the job* anyway, so
redrive = invoke, then delete the message. A dead run or a crash is re-run as a new run
linked to the dead one; an undelivered scheduled slot is delivered again as that slot's
scheduled run, so the worker's exactly-once key still holds (a slot that ran is skipped).
The invoker is handed in by the CLI: this package never imports ``scheduler.invoke``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scheduler.clock import isoformat_z, parse_iso
from scheduler.dlq.sender import DEAD_RUN_KIND
from scheduler.dlq.undelivered import (
    is_scheduled_event,
    job_from_function_arn,
    job_from_rule_name,
    rule_name_of,
    slot_of,
)
from scheduler.errors import AwsCallError
from scheduler.ledger.model import new_run_id, scheduled_run_id

_LIST_VISIBILITY = 30  # seconds messages stay hidden while we page through the queue


class Starter(Protocol):
    """Starts a run without waiting (``scheduler.invoke.Invoker`` fits; given by the CLI)."""

    def start(self, job: str, worker_input: dict[str, Any]) -> None: ...


# (event, rule ARN, target ARN, job or None) -> the worker input the rule would have sent.
RebuildInput = Callable[[Mapping[str, Any], str, str | None, str | None], dict[str, Any]]


@dataclass
class DeadLetter:
    message_id: str
    receipt_handle: str
    kind: str  # dead-run | lambda-failure | delivery-failure | unknown
    job: str | None
    run_id: str | None
    trigger: str | None
    scheduled_time: str | None
    payload: dict[str, Any] | None  # None: not in the message (a rule's raw event)
    attempts: int
    error: dict[str, str] | None
    sent_at: str | None
    source: str | None = None
    raw: Any = field(default=None, repr=False)
    target_arn: str | None = None
    # A rule's undelivered scheduled event (the message body), rebuilt into input on redrive.
    event: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "kind": self.kind,
            "job": self.job,
            "run_id": self.run_id,
            "trigger": self.trigger,
            "scheduled_time": self.scheduled_time,
            "payload": self.payload,
            "attempts": self.attempts,
            "error": self.error,
            "sent_at": self.sent_at,
            "source": self.source,
        }

    def linked_run_id(self) -> str | None:
        """The run this letter is about: explicit, or the scheduled slot's derived id."""
        if self.run_id:
            return self.run_id
        if self.job and self.scheduled_time and self.trigger in (None, "schedule"):
            return scheduled_run_id(self.job, parse_iso(self.scheduled_time))
        return None


def _attr(message: dict[str, Any], name: str) -> str | None:
    value = (message.get("MessageAttributes") or {}).get(name)
    return value.get("StringValue") if isinstance(value, dict) else None


def decode(message: dict[str, Any], known_jobs: Collection[str] | None = None) -> DeadLetter:
    """One SQS message (as ``receive_message`` returns it) as a ``DeadLetter``.

    ``known_jobs`` (the catalogue's job names, when at hand) settles which job a rule
    named ``<prefix>-<stage>-x-1`` belongs to if the message names no target function.
    """
    try:
        body: Any = json.loads(message.get("Body") or "null")
    except ValueError:
        body = message.get("Body")
    sent_ms = (message.get("Attributes") or {}).get("SentTimestamp")
    sent_at = (
        isoformat_z(datetime.fromtimestamp(int(sent_ms) / 1000).astimezone()) if sent_ms else None
    )
    base = {
        "message_id": message["MessageId"],
        "receipt_handle": message.get("ReceiptHandle", ""),
        "sent_at": sent_at,
        "raw": body,
    }
    if isinstance(body, dict) and body.get("kind") == DEAD_RUN_KIND:
        last = body.get("last_error") or None
        return DeadLetter(
            kind="dead-run",
            job=body.get("job"),
            run_id=body.get("run_id"),
            trigger=None,
            scheduled_time=body.get("scheduled_time"),
            payload=dict(body.get("payload") or {}),
            attempts=len(body.get("attempts") or []),
            error={"type": last.get("type", ""), "message": last.get("message", "")}
            if last
            else None,
            **base,
        )
    if isinstance(body, dict) and "requestPayload" in body and "requestContext" in body:
        original = body.get("requestPayload") or {}
        original = original if isinstance(original, dict) else {}
        response = body.get("responsePayload") or {}
        response = response if isinstance(response, dict) else {"errorMessage": str(response)}
        context = body.get("requestContext") or {}
        return DeadLetter(
            kind="lambda-failure",
            job=original.get("job"),
            run_id=original.get("run_id"),
            trigger=original.get("trigger"),
            scheduled_time=original.get("scheduled_time"),
            payload=dict(original.get("payload") or {}),
            attempts=int(context.get("approximateInvokeCount") or 1),
            error={
                "type": str(response.get("errorType", context.get("condition", "Unknown"))),
                "message": str(response.get("errorMessage", "")),
            },
            source=context.get("functionArn"),
            **base,
        )
    error_code = _attr(message, "ERROR_CODE")
    if is_scheduled_event(body):
        rule_arn = _attr(message, "RULE_ARN") or str((body.get("resources") or [""])[0])
        target_arn = _attr(message, "TARGET_ARN")
        return DeadLetter(
            kind="delivery-failure",
            job=job_from_function_arn(target_arn)
            or job_from_rule_name(rule_name_of(rule_arn), known_jobs),
            run_id=None,
            trigger="schedule",
            scheduled_time=slot_of(body),
            payload=None,
            attempts=0,
            error={"type": error_code or "", "message": _attr(message, "ERROR_MESSAGE") or ""},
            source=rule_arn or None,
            target_arn=target_arn,
            event=dict(body),
            **base,
        )
    if isinstance(body, dict) and (error_code or "job" in body):
        return DeadLetter(
            kind="delivery-failure" if error_code else "unknown",
            job=body.get("job"),
            run_id=body.get("run_id"),
            trigger=body.get("trigger"),
            scheduled_time=body.get("scheduled_time"),
            payload=dict(body.get("payload") or {}),
            attempts=0,
            error={"type": error_code or "", "message": _attr(message, "ERROR_MESSAGE") or ""}
            if error_code
            else None,
            source=_attr(message, "RULE_ARN")
            or _attr(message, "SCHEDULE_ARN")
            or _attr(message, "TARGET_ARN"),
            target_arn=_attr(message, "TARGET_ARN"),
            **base,
        )
    return DeadLetter(
        kind="unknown",
        job=None,
        run_id=None,
        trigger=None,
        scheduled_time=None,
        payload={},
        attempts=0,
        error=None,
        **base,
    )


class DeadLetterQueue:
    def __init__(
        self, sqs_client: Any, queue_url: str, known_jobs: Collection[str] | None = None
    ) -> None:
        self._client = sqs_client
        self.url = queue_url
        self._known_jobs = known_jobs

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(QueueUrl=self.url, **kwargs)
        except Exception as exc:
            raise AwsCallError.from_exception(exc, f"sqs:{operation}", self.url) from exc

    def receive_all(self, limit: int = 1000) -> list[DeadLetter]:
        """Every message (up to ``limit``), left hidden for a short while (see ``release``)."""
        seen: dict[str, DeadLetter] = {}
        wait = 0
        while len(seen) < limit:
            got = self._call(
                "receive_message",
                MaxNumberOfMessages=10,
                VisibilityTimeout=_LIST_VISIBILITY,
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            fresh = [m for m in got if m["MessageId"] not in seen]
            if not fresh:
                if wait:
                    break
                # A short poll samples only some SQS servers and may come back empty while
                # messages remain; only an empty long poll (which asks them all) is final.
                # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
                wait = 1
                continue
            wait = 0
            for message in fresh:
                seen[message["MessageId"]] = decode(message, self._known_jobs)
        return list(seen.values())

    def release(self, letters: Iterable[DeadLetter]) -> None:
        """Make received messages visible again now (listing must not hide them)."""
        batch = [
            {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
            for i, letter in enumerate(letters)
        ]
        for start in range(0, len(batch), 10):
            self._call("change_message_visibility_batch", Entries=batch[start : start + 10])

    def list(self, limit: int = 1000) -> list[DeadLetter]:
        letters = self.receive_all(limit)
        self.release(letters)
        return letters

    def delete(self, letter: DeadLetter) -> None:
        self._call("delete_message", ReceiptHandle=letter.receipt_handle)

    def purge(self) -> int:
        """Delete every message; returns how many were there (approximately, per SQS)."""
        attrs = self._call("get_queue_attributes", AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]
        self._call("purge_queue")
        return int(attrs.get("ApproximateNumberOfMessages", 0))


def redrive_input(
    letter: DeadLetter, now: datetime, rebuild: RebuildInput | None = None
) -> dict[str, Any]:
    """The worker input that re-runs a dead letter.

    An undelivered scheduled slot is delivered again as that slot's scheduled run (the
    worker's exactly-once key dedupes it if the slot ran after all); anything else starts
    a new run linked to the dead one.
    """
    if letter.event is not None:
        if rebuild is None or not letter.source:
            raise ValueError(f"message {letter.message_id} is a rule's undelivered event")
        return rebuild(letter.event, letter.source, letter.target_arn, letter.job)
    raw = letter.raw if isinstance(letter.raw, dict) else {}
    if letter.kind == "delivery-failure" and letter.job and raw.get("trigger") == "schedule":
        return dict(raw)  # a schedule's undelivered input, verbatim
    if not letter.job:
        raise ValueError(f"message {letter.message_id} names no job; cannot redrive it")
    worker_input: dict[str, Any] = {
        "job": letter.job,
        "trigger": "redrive",
        "run_id": new_run_id(letter.job, now),
        "scheduled_time": letter.scheduled_time or isoformat_z(now),
        "payload": letter.payload or {},
    }
    linked = letter.linked_run_id()
    if linked:
        worker_input["redrive_of"] = linked
    return worker_input


def redrive(
    queue: DeadLetterQueue,
    letters: list[DeadLetter],
    invoker: Starter,
    now: datetime,
    rebuild: RebuildInput | None = None,
) -> list[dict[str, Any]]:
    """Start a run per letter, then delete the letter; returns what was started.

    Every input is built before the first run starts, so a letter that cannot be
    redriven stops the whole command with nothing started and nothing deleted.
    """
    inputs = [(letter, redrive_input(letter, now, rebuild)) for letter in letters]
    started = []
    for letter, worker_input in inputs:
        job = str(worker_input["job"])
        invoker.start(job, worker_input)
        queue.delete(letter)  # only after the run was handed off
        scheduled = worker_input.get("trigger") == "schedule"
        started.append(
            {
                "message_id": letter.message_id,
                "job": job,
                "run_id": scheduled_run_id(job, parse_iso(str(worker_input["scheduled_time"])))
                if scheduled
                else worker_input["run_id"],
                "redrive_of": worker_input.get("redrive_of"),
            }
        )
    return started
