"""Alerts against moto: each transition reaches the SNS topic exactly once.

An SQS queue subscribed to the topic counts what SNS delivered. The runs are made by the
real worker (which publishes ``dead`` itself) and the health by the real monitor round.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.alerts.notified import Notified, NotifiedStore
from scheduler.alerts.sns import SnsPublisher
from scheduler.ledger import DynamoRunStore
from scheduler.monitor.jobs import MonitoredJob
from scheduler.monitor.run import Monitor
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import STAGE, MotoClients, Stack, StepClock, create_stack

JOB = "sync"


@pytest.fixture
def world() -> Iterator[tuple[Stack, str, str]]:
    with mock_aws():
        stack = create_stack(MotoClients())
        sns, sqs = stack.clients.client("sns"), stack.sqs
        topic = sns.create_topic(Name="cronbridge-test-alerts")["TopicArn"]
        url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
        yield stack, topic, url


def inbox(stack: Stack, url: str) -> list[dict[str, Any]]:
    """Every alert SNS delivered so far (deleted once read)."""
    out = []
    while True:
        got = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(json.loads(message["Body"]))
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 3, 1, minute, second, tzinfo=UTC)


def run_slot(stack: Stack, topic: str, minute: int, *, fail: bool) -> str:
    """The worker runs the job's slot at 01:MM (no retries: a failure is DEAD)."""

    def handler(payload: dict[str, Any], ctx: Any) -> Any:
        if fail:
            raise RuntimeError("acme API returned 503")
        return {"ok": True}

    runtime = build_runtime(
        stack.env(JOB, "tests.fake:handler", **{C.ENV_ALERT_TOPIC: topic}),
        clients=stack.clients,
        clock=StepClock(at(minute, 1)),
        handler_loader=lambda spec: handler,
        metrics=NullMetrics(),
        threaded=False,
    )
    stamp = at(minute).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {"job": JOB, "trigger": "schedule", "scheduled_time": stamp, "payload": {}}
    return str(runtime.handle(event)["status"])


def monitor(stack: Stack, topic: str, notified: NotifiedStore | None = None) -> Monitor:
    return Monitor(
        store=DynamoRunStore(stack.ddb, stack.table),
        notified=notified or NotifiedStore(stack.ddb, stack.table),
        publisher=SnsPublisher(lambda: stack.clients.client("sns")),
        invoker=None,
        stage=STAGE,
        default_topic=topic,
    )


WATCHED = MonitoredJob(
    name=JOB, schedule="*/5 * * * *", timezone="UTC", grace=300, timeout=60, enabled=True,
    notify=("dead", "late", "failing", "recovered"),
)  # fmt: skip


def test_each_transition_is_sent_exactly_once(world: tuple[Stack, str, str]) -> None:
    stack, topic, url = world
    mon = monitor(stack, topic)
    # GIVEN a healthy run WHEN the monitor looks twice THEN nothing is sent
    assert run_slot(stack, topic, 0, fail=False) == "SUCCEEDED"
    mon.round([WATCHED], at(2))
    mon.round([WATCHED], at(3))
    assert inbox(stack, url) == []
    # WHEN the next slot's run dies THEN the worker sends `dead` at once, and the monitor
    # sends `failing` once however often it looks
    assert run_slot(stack, topic, 5, fail=True) == "DEAD"
    for minute in (7, 8, 9):
        mon.round([WATCHED], at(minute))
    got = inbox(stack, url)
    assert [m["MessageAttributes"]["event"]["Value"] for m in got] == ["dead", "failing"]
    dead, failing = got
    assert dead["Subject"] == f"cronbridge {STAGE}: {JOB} run is DEAD"
    assert "RuntimeError: acme API returned 503" in dead["Message"]
    assert f"cronbridge show {JOB}.20261203T010500Z --stage {STAGE}" in dead["Message"]
    assert "the last run failed" in failing["Message"]
    # WHEN the next run succeeds THEN `recovered`, once
    assert run_slot(stack, topic, 10, fail=False) == "SUCCEEDED"
    mon.round([WATCHED], at(12))
    mon.round([WATCHED], at(13))
    assert [m["MessageAttributes"]["event"]["Value"] for m in inbox(stack, url)] == ["recovered"]
    # WHEN the 01:15 slot never runs THEN `late` once grace (5 min) passed, once
    mon.round([WATCHED], at(19))
    assert inbox(stack, url) == []
    for minute in (21, 26, 31):
        mon.round([WATCHED], at(minute))
    (late,) = inbox(stack, url)
    assert late["MessageAttributes"]["event"]["Value"] == "late"
    assert "2026-12-03T01:15:00Z" in late["Message"]


def test_unsubscribed_events_are_not_sent(world: tuple[Stack, str, str]) -> None:
    stack, topic, url = world
    # GIVEN a job that only wants `recovered`
    watched = MonitoredJob(**{**WATCHED.__dict__, "notify": ("recovered",)})
    mon = monitor(stack, topic)
    run_slot(stack, "", 0, fail=True)
    mon.round([watched], at(2))
    assert inbox(stack, url) == []
    run_slot(stack, "", 5, fail=False)
    mon.round([watched], at(7))
    assert [m["MessageAttributes"]["event"]["Value"] for m in inbox(stack, url)] == ["recovered"]


class _RacingStore(NotifiedStore):
    """Both rounds read the told state before either writes (an overlap, forced)."""

    def __init__(self, client: Any, table: str, barrier: threading.Barrier) -> None:
        super().__init__(client, table)
        self.barrier = barrier

    def get(self, job: str) -> Notified:
        seen = super().get(job)
        self.barrier.wait(timeout=10)
        return seen


def test_overlapping_rounds_send_a_change_once(world: tuple[Stack, str, str]) -> None:
    stack, topic, url = world
    # GIVEN a dead run (no `dead` topic on the worker here) and two rounds that overlap
    run_slot(stack, "", 0, fail=True)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def one_round() -> None:
        # Each round has its own clients, as two Lambda invocations would.
        from tests.functional.conftest import MotoClients as Fresh

        clients = Fresh()
        store = _RacingStore(clients.client("dynamodb"), stack.table, barrier)
        mon = Monitor(
            store=DynamoRunStore(clients.client("dynamodb"), stack.table), notified=store,
            publisher=SnsPublisher(lambda: clients.client("sns")), invoker=None,
            stage=STAGE, default_topic=topic,
        )  # fmt: skip
        results.extend(mon.round([WATCHED], at(2)))

    threads = [threading.Thread(target=one_round) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN both saw FAILING, but exactly one told it
    assert [r["health"] for r in results] == ["FAILING", "FAILING"]
    assert sorted(str(r["told"]) for r in results) == ["None", "failing"]
    assert len(inbox(stack, url)) == 1


class _BrokenPublisher:
    def __init__(self) -> None:
        self.calls = 0

    def publish(self, topic_arn: str, alert: Any) -> None:
        self.calls += 1
        raise RuntimeError("SNS is down")


def test_a_failed_publish_is_retried_next_round(world: tuple[Stack, str, str]) -> None:
    stack, topic, url = world
    run_slot(stack, "", 0, fail=True)
    # GIVEN SNS fails during one round
    broken = _BrokenPublisher()
    mon = monitor(stack, topic)
    mon.publisher = broken
    assert "error" in mon.round([WATCHED], at(2))[0]
    # WHEN the next round can publish THEN the change is told then (not lost)
    mon.publisher = SnsPublisher(lambda: stack.clients.client("sns"))
    assert mon.round([WATCHED], at(3))[0]["told"] == "failing"
    assert len(inbox(stack, url)) == 1 and broken.calls == 1
