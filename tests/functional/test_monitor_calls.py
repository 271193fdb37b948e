"""What one monitor round costs against moto, counted call by call (botocore's hooks)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler import names
from scheduler.monitor.entry import monitor_round
from scheduler.monitor.jobs import MonitoredJob
from tests.functional.conftest import PREFIX, STAGE, MotoClients, Stack, StepClock, create_stack

JOBS = 5


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        yield create_stack(MotoClients())


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.py", "")
    return buf.getvalue()


def test_a_quiet_round_reads_two_items_per_job_and_writes_nothing(stack: Stack) -> None:
    # GIVEN five watched jobs deployed, healthy and never run (nothing to tell)
    lam = stack.clients.client("lambda")
    for i in range(JOBS):
        job = MonitoredJob(
            name=f"job-{i}", schedule="@hourly", timezone="UTC", grace=300, timeout=60,
            enabled=True, notify=("failing",), catchup="latest",
        )  # fmt: skip
        lam.create_function(
            FunctionName=names.function_name(PREFIX, STAGE, job.name), Runtime="python3.12",
            Role=stack.role_arn, Handler="x.h", Code={"ZipFile": _zip()},
            Environment={"Variables": {C.ENV_MONITOR: job.to_env()}},
        )  # fmt: skip
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    for service in ("lambda", "dynamodb", "sns"):
        stack.clients.client(service).meta.events.register("before-call", record)
    env = {C.ENV_PREFIX: PREFIX, C.ENV_STAGE: STAGE, C.ENV_TABLE: stack.table}
    # WHEN one round runs
    out = monitor_round(env, stack.clients, StepClock(datetime(2026, 12, 3, 3, 7, tzinfo=UTC)))
    # THEN each job was checked, with one page of functions, one Query of the stage's
    # pauses, and per job one Query (its newest runs) and one GetItem (what was told)
    assert [r["health"] for r in out["jobs"]] == ["OK"] * JOBS
    assert sorted(calls) == sorted(["ListFunctions", "Query"] + ["Query", "GetItem"] * JOBS)
