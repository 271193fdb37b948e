"""Transport faults on the worker's own writes, injected with botocore event hooks.

The hooks sit on the real boto3 client the worker uses (against moto): one loses the
response of every write after DynamoDB applied it, so botocore resends the request; the
other makes DynamoDB cancel transactions with a ``ThrottlingError`` reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from scheduler.ledger import DynamoRunStore, RunStatus
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import Stack

EVENTS = Path(__file__).resolve().parents[1] / "events"
JOB = "nightly-report"
WRITES = {"PutItem", "UpdateItem", "TransactWriteItems", "DeleteItem"}


def rule_event() -> dict[str, Any]:
    return json.loads((EVENTS / "schedule_rule.json").read_text())


def lambda_context(request_id: str = "req-1") -> Any:
    return SimpleNamespace(aws_request_id=request_id, get_remaining_time_in_millis=lambda: 60_000)


def lose_first_responses(client: Any) -> list[str]:
    """Make botocore resend every write once, after its first send took effect."""
    resent: list[str] = []

    def hook(response: Any, attempts: int, operation: Any, **_: Any) -> int | None:
        applied = response is not None and response[0].status_code == 200
        if operation.name in WRITES and attempts == 1 and applied:
            # DynamoDB applied it, but "the connection dropped": botocore resends at once
            resent.append(operation.name)
            return 0
        return None

    client.meta.events.register_first("needs-retry.dynamodb", hook)
    return resent


def throttle_transactions(client: Any, times: int) -> list[str]:
    """Cancel the first ``times`` transactions with a ThrottlingError reason, as DynamoDB does."""
    seen: list[str] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> Any:
        if len(seen) >= times:
            return None
        seen.append(model.name)
        count = len(json.loads(params["body"])["TransactItems"])
        reasons = [{"Code": "None"}] * (count - 1) + [
            {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}
        ]
        body = {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return SimpleNamespace(status_code=400, headers={}), body

    client.meta.events.register_first("before-call.dynamodb.TransactWriteItems", hook)
    return seen


def test_a_resent_dead_write_still_sends_its_dead_letter(stack: Stack) -> None:
    # GIVEN a failing job without retries, and a network that loses the first response of
    # every DynamoDB write after the write took effect (botocore then resends it)
    resent = lose_first_responses(stack.ddb)

    def boom(payload: dict[str, Any], ctx: Any) -> None:
        raise RuntimeError("partner down")

    rt = build_runtime(
        stack.env(JOB, "tests.fake:handler"),
        clients=stack.clients,
        handler_loader=lambda spec: boom,
        metrics=NullMetrics(),
    )
    # WHEN the rule's event arrives
    summary = rt.handle(rule_event(), lambda_context())
    # THEN both resent writes (claim, DEAD) are recognised as our own, not as lost races
    assert "TransactWriteItems" in resent and len(resent) >= 2
    assert summary["status"] == "DEAD"
    run = DynamoRunStore(stack.ddb, stack.table).get(summary["run_id"])
    assert run is not None and run.status is RunStatus.DEAD
    assert [a.status for a in run.attempts] == [RunStatus.FAILED]
    # AND exactly one dead-letter message went out
    (message,) = stack.dlq_messages()
    assert json.loads(message["Body"])["run_id"] == summary["run_id"]


def test_a_resent_success_write_is_still_a_success(stack: Stack) -> None:
    # GIVEN a succeeding job with overlap: allow (no lease: the claim and the final write)
    resent = lose_first_responses(stack.ddb)
    rt = build_runtime(
        stack.env(JOB, "tests.fake:handler", CRONBRIDGE_OVERLAP="allow"),
        clients=stack.clients,
        handler_loader=lambda spec: lambda p, c: {"ok": True},
        metrics=NullMetrics(),
    )
    # WHEN the rule's event arrives and every write is resent once
    summary = rt.handle(rule_event(), lambda_context())
    # THEN the run is SUCCEEDED and reported so (not LOST); both writes are transactions
    # since the final one also carries the job's summary and day rollup updates
    assert resent == ["TransactWriteItems", "TransactWriteItems"]
    assert summary["status"] == "SUCCEEDED"


def test_throttled_transactions_are_retried(stack: Stack) -> None:
    # GIVEN DynamoDB cancelling the first three transactions with a ThrottlingError reason
    seen = throttle_transactions(stack.ddb, times=3)
    rt = build_runtime(
        stack.env(JOB, "tests.fake:handler"),
        clients=stack.clients,
        handler_loader=lambda spec: lambda p, c: None,
        metrics=NullMetrics(),
    )
    # WHEN the rule's event arrives
    summary = rt.handle(rule_event(), lambda_context())
    # THEN the claim and the final write were retried until they went through
    assert len(seen) == 3
    assert summary["status"] == "SUCCEEDED"
    run = DynamoRunStore(stack.ddb, stack.table).get(summary["run_id"])
    assert run is not None and run.status is RunStatus.SUCCEEDED
