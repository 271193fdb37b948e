"""The dead-letter queue against moto: all three message shapes decode; list; redrive.

The EventBridge shape is the documented one (tests/events/dlq_eventbridge_target.json): the
rule target's DLQ gets the original scheduled event as the body and the rule and target
ARNs as message attributes, so redrive rebuilds the input from the rule's live target.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.dlq.queue import DeadLetterQueue, decode, redrive
from scheduler.dlq.sender import SqsDeadLetterSender, dead_run_message
from scheduler.dlq.undelivered import RuleInputRebuilder
from scheduler.errors import CronbridgeError
from scheduler.target_input import RULE_INPUT_PATHS, rule_input_template
from tests.functional.conftest import Stack, function_arn

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


def put_rule(stack: Stack, name: str, job: str, payload: dict[str, Any]) -> None:
    """The rule and worker target deploy writes (the compiler's own template builder)."""
    events = stack.clients.client("events")
    events.put_rule(Name=name, ScheduleExpression="cron(0 1 * * ? *)", State="ENABLED")
    events.put_targets(
        Rule=name,
        Targets=[
            {
                "Id": "worker",
                "Arn": function_arn(job),
                "InputTransformer": {
                    "InputPathsMap": RULE_INPUT_PATHS,
                    "InputTemplate": rule_input_template(job, payload),
                },
                "DeadLetterConfig": {"Arn": stack.dlq_arn},
            }
        ],
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
    # AND the rule's raw event decodes to its job and slot, from the ARNs and event time
    assert (undelivered.job, undelivered.trigger) == ("nightly-report", "schedule")
    assert undelivered.scheduled_time == "2026-03-29T01:00:00Z"
    assert undelivered.linked_run_id() == "nightly-report.20260329T010000Z"
    # (its payload is not in the message: redrive rebuilds it from the rule)
    assert undelivered.payload is None
    assert dead.payload == crash.payload == {"region": "eu"}
    # AND listing left every message in the queue
    assert len(DeadLetterQueue(stack.sqs, stack.dlq_url).list()) == 3


def test_redrive_starts_linked_runs_then_deletes(stack: Stack) -> None:
    # GIVEN three dead letters, and the deployed rule of the undelivered event
    put_three_shapes(stack)
    put_rule(stack, "cronbridge-test-nightly-report", "nightly-report", {"region": "eu"})
    queue = DeadLetterQueue(stack.sqs, stack.dlq_url)
    invoker = RecordingInvoker()
    rebuild = RuleInputRebuilder(stack.clients.client("events"))
    # WHEN all are redriven
    started = redrive(queue, queue.receive_all(), invoker, NOW, rebuild)
    # THEN the dead run and the crash start new redrive runs linked to the dead run
    assert len(started) == 3 and len(invoker.started) == 3
    reruns = [i for _, i in invoker.started if i["trigger"] == "redrive"]
    assert len(reruns) == 2
    for worker_input in reruns:
        assert worker_input["redrive_of"] == "nightly-report.20260329T010000Z"
        assert worker_input["run_id"].startswith("nightly-report.20260330T090000Z-")
        assert worker_input["payload"] == {"region": "eu"}
    # AND the undelivered event is delivered again as exactly what the rule would have sent
    [(job, slot)] = [(j, i) for j, i in invoker.started if i["trigger"] == "schedule"]
    assert job == "nightly-report"
    assert slot == {
        "job": "nightly-report",
        "trigger": "schedule",
        "scheduled_time": "2026-03-29T01:00:00Z",
        "event_id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "payload": {"region": "eu"},
    }
    assert {s["run_id"] for s in started} >= {"nightly-report.20260329T010000Z"}
    # AND the queue is empty
    assert queue.list() == []


def _send_event(stack: Stack, rule: str, job: str | None, when: str) -> None:
    eb = json.loads((EVENTS / "dlq_eventbridge_target.json").read_text())
    rule_arn = f"arn:aws:events:us-east-1:123456789012:rule/{rule}"
    eb["body"].update(time=when, resources=[rule_arn])
    eb["attributes"]["RULE_ARN"] = rule_arn
    if job is None:
        del eb["attributes"]["TARGET_ARN"]
    else:
        eb["attributes"]["TARGET_ARN"] = function_arn(job)
    stack.sqs.send_message(
        QueueUrl=stack.dlq_url,
        MessageBody=json.dumps(eb["body"]),
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in eb["attributes"].items()
        },
    )


def test_second_rule_of_a_job_redrives_that_job(stack: Stack) -> None:
    # GIVEN job month-end with two rules (-1, -2) and an undelivered event of the second,
    # whose event time carries seconds (the slot is its minute)
    for name in ("cronbridge-test-month-end-1", "cronbridge-test-month-end-2"):
        put_rule(stack, name, "month-end", {"books": "close"})
    _send_event(stack, "cronbridge-test-month-end-2", "month-end", "2026-06-01T06:00:41Z")
    queue = DeadLetterQueue(stack.sqs, stack.dlq_url)
    [letter] = queue.list()
    assert (letter.job, letter.scheduled_time) == ("month-end", "2026-06-01T06:00:00Z")
    # WHEN redriven
    invoker = RecordingInvoker()
    started = redrive(
        queue, queue.receive_all(), invoker, NOW, RuleInputRebuilder(stack.clients.client("events"))
    )
    # THEN that job's slot run starts with that rule's payload
    [(job, worker_input)] = invoker.started
    assert job == "month-end" and worker_input["payload"] == {"books": "close"}
    assert worker_input["scheduled_time"] == "2026-06-01T06:00:00Z"
    assert started[0]["run_id"] == "month-end.20260601T060000Z"


def test_deleted_rule_falls_back_to_catalogue_or_refuses(stack: Stack) -> None:
    # GIVEN an undelivered event whose rule was deleted since
    _send_event(stack, "cronbridge-test-nightly-report", "nightly-report", "2026-03-29T01:00:00Z")
    queue = DeadLetterQueue(stack.sqs, stack.dlq_url)
    events = stack.clients.client("events")
    # WHEN redriven with no catalogue THEN it refuses, nothing started, message kept
    invoker = RecordingInvoker()
    letters = queue.receive_all()
    with pytest.raises(CronbridgeError, match="cannot be rebuilt"):
        redrive(queue, letters, invoker, NOW, RuleInputRebuilder(events))
    assert invoker.started == []
    queue.release(letters)  # (what the CLI does on this error)
    assert len(queue.list()) == 1
    # WHEN the catalogue names the job THEN its payload stands in for the rule's template
    rebuild = RuleInputRebuilder(events, {"nightly-report": {"region": "us"}})
    redrive(queue, queue.receive_all(), invoker, NOW, rebuild)
    [(_, worker_input)] = invoker.started
    assert worker_input["payload"] == {"region": "us"}
    assert worker_input["trigger"] == "schedule"


def test_rule_name_alone_decodes_with_the_catalogue_jobs() -> None:
    # GIVEN the raw event with only the rule ARN (no target attribute)
    eb = json.loads((EVENTS / "dlq_eventbridge_target.json").read_text())
    rule_arn = "arn:aws:events:us-east-1:123456789012:rule/cronbridge-test-sync-2"
    eb["body"]["resources"] = [rule_arn]
    message = {
        "MessageId": "m1",
        "Body": json.dumps(eb["body"]),
        "MessageAttributes": {"RULE_ARN": {"DataType": "String", "StringValue": rule_arn}},
    }
    # THEN "sync-2" is job sync-2, or job sync's second rule, as the catalogue says
    assert decode(message, {"sync-2"}).job == "sync-2"
    assert decode(message, {"sync", "other"}).job == "sync"
    # AND without a catalogue it stays unknown (redrive reads the live rule instead)
    assert decode(message).job is None


def test_unknown_bodies_still_list() -> None:
    letter = decode({"MessageId": "m1", "ReceiptHandle": "r", "Body": "not json"})
    assert letter.kind == "unknown" and letter.job is None
