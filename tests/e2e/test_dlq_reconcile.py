"""`cronbridge dlq reconcile` against moto: Lambda's on-failure records conclude dead runs."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from scheduler import names
from scheduler.ledger import DynamoRunStore, RunRecord, RunStatus
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.e2e.conftest import cli_json
from tests.functional.conftest import PREFIX, STAGE, Stack, function_arn

EVENTS = Path(__file__).resolve().parents[1] / "events"


def deploy_function(stack: Stack, job: str, handler: str) -> None:
    """The job's Lambda function as deploy leaves it: the worker entry and its env."""
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("placeholder.py", "")
    stack.clients.client("lambda").create_function(
        FunctionName=names.function_name(PREFIX, STAGE, job),
        Runtime="python3.12",
        Role=stack.role_arn,
        Handler="scheduler.worker.entry.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": stack.env(job, handler)},
    )


def on_failure_record(job: str, slot: str, request_id: str, error: str) -> str:
    """What Lambda's async OnFailure destination sends for a failed invocation."""
    record = json.loads((EVENTS / "dlq_lambda_destination.json").read_text())
    record["requestContext"]["requestId"] = request_id
    record["requestContext"]["functionArn"] = function_arn(job) + ":$LATEST"
    record["requestPayload"] = {
        "job": job,
        "trigger": "schedule",
        "scheduled_time": slot,
        "payload": {},
    }
    record["responsePayload"] = {"errorMessage": error}
    return json.dumps(record)


def test_reconcile_concludes_runs_left_running_by_crashed_workers(
    platform: tuple[Stack, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    stack, root = platform
    deploy_function(stack, "tick", "e2ejobs.handlers:ok")
    store = DynamoRunStore(stack.ddb, stack.table)
    # GIVEN tick's 01:00 run claimed by invocation req-killed, which Lambda then killed
    killed = RunRecord(
        run_id="tick.20260329T010000Z",
        job="tick",
        status=RunStatus.RUNNING,
        trigger="schedule",
        scheduled_for="2026-03-29T01:00:00Z",
        attempt=1,
        started_at="2026-03-29T01:00:01Z",
        request_id="req-killed",
    )
    store.claim(killed, None, datetime(2026, 3, 29, 1, 0, 1, tzinfo=UTC))
    # AND a 01:05 run its watchdog concluded although Lambda reported the invocation too
    runtime = build_runtime(
        stack.env("tick", "e2ejobs.handlers:ok"), clients=stack.clients, metrics=NullMetrics()
    )
    runtime.handle(
        {"job": "tick", "trigger": "schedule", "scheduled_time": "2026-03-29T01:05:00Z"},
        SimpleNamespace(aws_request_id="req-done", get_remaining_time_in_millis=lambda: 60_000),
    )
    # AND on-failure records of both, plus one of a crash before any run was claimed
    timed_out = "Task timed out after 60.00 seconds"
    for slot, request, error in [
        ("2026-03-29T01:00:00Z", "req-killed", f"req-killed {timed_out}"),
        ("2026-03-29T01:05:00Z", "req-done", f"req-done {timed_out}"),
        ("2026-03-29T01:10:00Z", "req-import", "Unable to import module"),
    ]:
        stack.sqs.send_message(
            QueueUrl=stack.dlq_url, MessageBody=on_failure_record("tick", slot, request, error)
        )
    # WHEN the dead-letter queue is reconciled
    code, done = cli_json(capsys, root, "dlq", "reconcile")
    # THEN the killed run is concluded (TIMED_OUT, no retries left: DEAD), the redundant
    # record is dropped, and the pre-claim crash stays for redrive
    assert code == 0
    assert sorted((r["run_id"], r["action"], r["status"]) for r in done) == [
        ("tick.20260329T010000Z", "concluded", "DEAD"),
        ("tick.20260329T010500Z", "redundant", "SUCCEEDED"),
        ("tick.20260329T011000Z", "kept", None),
    ]
    run = store.get("tick.20260329T010000Z")
    assert run is not None and run.status is RunStatus.DEAD
    assert run.attempts[0].status is RunStatus.TIMED_OUT
    assert run.attempts[0].request_id == "req-killed"
    assert (run.error or {}).get("type") == "WorkerDied"
    # AND the queue now holds the dead run's own message and the untouched record
    _, letters = cli_json(capsys, root, "dlq", "list")
    assert sorted((x["kind"], x["run_id"] or x["scheduled_time"]) for x in letters) == [
        ("dead-run", "tick.20260329T010000Z"),
        ("lambda-failure", "2026-03-29T01:10:00Z"),
    ]
    # AND a second reconcile changes nothing
    code, again = cli_json(capsys, root, "dlq", "reconcile")
    assert code == 0 and [r["action"] for r in again] == ["kept"]
