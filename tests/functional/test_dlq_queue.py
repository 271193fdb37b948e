"""The dead-letter queue against moto: all three message shapes decode; list; redrive."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scheduler.dlq.queue import DeadLetterQueue, decode, redrive
from scheduler.dlq.sender import SqsDeadLetterSender, dead_run_message
from tests.functional.conftest import Stack

EVENTS = Path(__file__).resolve().parents[1] / "events"
NOW = datetime(2026, 3, 30, 9, tzinfo=UTC)


class RecordingInvoker:
    """An ``Invoker`` that keeps what it was asked to start (the protocol's test double)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        self.started.append((job, worker_input))


def put_three_shapes(stack: Stack) -> None:
    SqsDeadLetterSender(stack.sqs, stack.dlq_url).send(
        dead_run_message(
            job="nightly-report",
            run_id="nightly-report.20260329T010000Z",
            scheduled_time="2026-03-29T01:00:00Z",
            payload={"region": "eu"},
            attempts=[{"attempt": 1, "status": "FAILED"}, {"attempt": 2, "status": "FAILED"}],
            last_error={"type": "RuntimeError", "message": "db down", "traceback": "T" * 50_000},
            stage="test",
        )
    )
    stack.sqs.send_message(
        QueueUrl=stack.dlq_url, MessageBody=(EVENTS / "dlq_lambda_destination.json").read_text()
    )
    eb = json.loads((EVENTS / "dlq_eventbridge_target.json").read_text())
    stack.sqs.send_message(
        QueueUrl=stack.dlq_url,
        MessageBody=json.dumps(eb["body"]),
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in eb["attributes"].items()
        },
    )


def test_all_three_shapes_decode(stack: Stack) -> None:
    # GIVEN one message of each shape in the DLQ
    put_three_shapes(stack)
    # WHEN listed
    letters = DeadLetterQueue(stack.sqs, stack.dlq_url).list()
    by_kind = {x.kind: x for x in letters}
    # THEN each decodes to job, slot, payload and error
    assert set(by_kind) == {"dead-run", "lambda-failure", "delivery-failure"}
    dead = by_kind["dead-run"]
    assert dead.attempts == 2 and dead.error == {"type": "RuntimeError", "message": "db down"}
    crash = by_kind["lambda-failure"]
    assert crash.job == "nightly-report" and crash.error["type"] == "Runtime.ImportModuleError"
    assert crash.linked_run_id() == "nightly-report.20260329T010000Z"
    undelivered = by_kind["delivery-failure"]
    assert undelivered.error["type"] == "NO_PERMISSIONS"
    assert undelivered.source.endswith("rule/cronbridge-test-nightly-report")
    assert all(x.payload == {"region": "eu"} for x in letters)
    # AND listing left every message in the queue
    assert len(DeadLetterQueue(stack.sqs, stack.dlq_url).list()) == 3


def test_redrive_starts_linked_runs_then_deletes(stack: Stack) -> None:
    # GIVEN three dead letters
    put_three_shapes(stack)
    queue = DeadLetterQueue(stack.sqs, stack.dlq_url)
    invoker = RecordingInvoker()
    # WHEN all are redriven
    started = redrive(queue, queue.receive_all(), invoker, NOW)
    # THEN each started a new redrive run linked to its dead run, and the queue is empty
    assert len(started) == 3 and len(invoker.started) == 3
    for job, worker_input in invoker.started:
        assert job == "nightly-report" and worker_input["trigger"] == "redrive"
        assert worker_input["redrive_of"] == "nightly-report.20260329T010000Z"
        assert worker_input["run_id"].startswith("nightly-report.20260330T090000Z-")
        assert worker_input["payload"] == {"region": "eu"}
    assert queue.list() == []


def test_unknown_bodies_still_list() -> None:
    letter = decode({"MessageId": "m1", "ReceiptHandle": "r", "Body": "not json"})
    assert letter.kind == "unknown" and letter.job is None
