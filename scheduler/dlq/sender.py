"""Sending the worker's own dead-letter message (shape 1, ``kind: dead-run``).

The worker sends exactly one of these when a run's attempts are exhausted, after the
ledger's conditional DEAD write proved this process owns the transition. Kept apart from
the decoding/listing code so the worker imports only this small module at cold start.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from scheduler.ledger.model import trim

DEAD_RUN_KIND = "dead-run"
# SQS bodies are at most 256 KiB; tracebacks are the only thing that can be large.
_MAX_TRACEBACK = 16_000


class DeadLetterSender(Protocol):
    def send(self, message: dict[str, Any]) -> None: ...


def dead_run_message(
    *,
    job: str,
    run_id: str,
    scheduled_time: str,
    payload: dict[str, Any],
    attempts: list[dict[str, Any]],
    last_error: dict[str, str] | None,
    stage: str,
) -> dict[str, Any]:
    error = dict(last_error or {})
    if "traceback" in error:
        error["traceback"] = trim(error["traceback"], _MAX_TRACEBACK)
    return {
        "kind": DEAD_RUN_KIND,
        "version": 1,
        "stage": stage,
        "job": job,
        "run_id": run_id,
        "scheduled_time": scheduled_time,
        "payload": payload,
        "attempts": attempts,
        "last_error": error or None,
    }


class SqsDeadLetterSender:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self.queue_url = queue_url

    def send(self, message: dict[str, Any]) -> None:
        self._client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps(message, separators=(",", ":"), default=str),
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": str(message.get("kind", ""))},
                "job": {"DataType": "String", "StringValue": str(message.get("job", ""))},
            },
        )
