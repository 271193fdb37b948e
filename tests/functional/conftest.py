"""moto-backed fixtures: a stage's runs table, DLQ and retry group with the contract schema;
a copy of the sample catalogue (``folder``) and recording clients (``clients``) to deploy it
with tests/functional/deploying.py.

Also a tiny manual clock (``StepClock``) whose ``sleep`` advances time and fires due timers
in the sleeping thread, so watchdog timeouts are tested without waiting in real time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler import names
from scheduler.deploy.executor import create_table_params
from scheduler.local.emulator import Emulator
from scheduler.resources import RunsTable
from tests.conftest import copy_sample, free_port
from tests.functional.deploying import Recorder

PREFIX = "cronbridge"
STAGE = "test"
REGION = "us-east-1"
ACCOUNT = "123456789012"


class _Timer:
    def __init__(self, clock: StepClock, due: datetime, callback: Callable[[], None]) -> None:
        self.clock, self.due, self.callback, self.cancelled = clock, due, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class StepClock:
    """Test clock: time moves only via ``sleep``/``advance``; due timers fire in that thread."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 29, 1, 0, 5, tzinfo=UTC)
        self._timers: list[_Timer] = []
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward, stopping at each due timer (at its due time) to fire it."""
        with self._lock:
            end = self._now + timedelta(seconds=seconds)
        while True:
            with self._lock:
                due = sorted(
                    (t for t in self._timers if t.due <= end and not t.cancelled),
                    key=lambda t: t.due,
                )
                if not due:
                    self._now = max(self._now, end)
                    return
                timer = due[0]
                self._timers.remove(timer)
                self._now = max(self._now, timer.due)
            timer.callback()

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def start_timer(self, seconds: float, callback: Callable[[], None]) -> _Timer:
        with self._lock:
            timer = _Timer(self, self._now + timedelta(seconds=seconds), callback)
            self._timers.append(timer)
        return timer


@dataclass
class Stack:
    """The shared per-stage resources of one test stage, plus clients to reach them."""

    table: str
    dlq_url: str
    dlq_arn: str
    retry_group: str
    role_arn: str
    clients: Any
    ddb: Any = field(repr=False)
    sqs: Any = field(repr=False)
    scheduler: Any = field(repr=False)

    def env(self, job: str, handler: str, **overrides: str) -> dict[str, str]:
        """The environment deploy puts on ``job``'s function."""
        env = {
            C.ENV_JOB: job,
            C.ENV_STAGE: STAGE,
            C.ENV_HANDLER: handler,
            C.ENV_TABLE: self.table,
            C.ENV_DLQ_URL: self.dlq_url,
            C.ENV_RETRY: '{"retries":0,"delay":30,"backoff":2.0,"max_delay":900}',
            C.ENV_OVERLAP: "skip",
            C.ENV_TIMEOUT: "60",
            C.ENV_RETENTION_DAYS: "30",
            C.ENV_RETRY_GROUP: self.retry_group,
            C.ENV_RETRY_ROLE_ARN: self.role_arn,
            C.ENV_FUNCTION_ARN: function_arn(job),
        }
        env.update(overrides)
        return env

    def dlq_messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=60,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                return out
            out.extend(got)

    def retry_schedules(self) -> list[dict[str, Any]]:
        listed = self.scheduler.list_schedules(GroupName=self.retry_group)["Schedules"]
        return [
            self.scheduler.get_schedule(Name=s["Name"], GroupName=self.retry_group) for s in listed
        ]


def function_arn(job: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{names.function_name(PREFIX, STAGE, job)}"


class MotoClients:
    """``client(service)`` source for ``build_runtime`` / the CLI, inside ``mock_aws``."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = boto3.client(service, region_name=REGION)
        return self._cache[service]


def create_stack(clients: MotoClients) -> Stack:
    """Create the table (exact contract schema), DLQ and retry group of stage ``test``."""
    ddb = clients.client("dynamodb")
    table = names.runs_table(PREFIX, STAGE)
    # The same CreateTable arguments deploy uses, so these tests see the deployed schema.
    ddb.create_table(**create_table_params(RunsTable(name=table, arn="")))
    ddb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": C.TABLE_TTL_ATTRIBUTE},
    )
    sqs = clients.client("sqs")
    dlq_url = sqs.create_queue(QueueName=names.dead_letter_queue(PREFIX, STAGE))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sched = clients.client("scheduler")
    group = names.retry_schedule_group(PREFIX, STAGE)
    sched.create_schedule_group(Name=group)
    iam = clients.client("iam")
    role_arn = iam.create_role(
        RoleName=names.scheduler_role(PREFIX, STAGE),
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]["Arn"]
    return Stack(table, dlq_url, dlq_arn, group, role_arn, clients, ddb, sqs, sched)


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield create_stack(MotoClients())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the sample catalogue's folder (jobs/ and jobs.yaml), free to edit."""
    copy_sample(tmp_path)
    return tmp_path


@pytest.fixture
def clients() -> Iterator[Recorder]:
    """A call ``Recorder`` on an empty in-process moto account (us-east-1)."""
    with mock_aws():
        yield Recorder()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh local-mode emulator (moto's server as a child process) for this test."""
    with Emulator(port=free_port()) as server:
        yield server
