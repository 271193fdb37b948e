"""After an invocation that crashed or was killed: conclude its run, send its dead letter.

A child that died without recording an outcome leaves its attempt RUNNING; as the
reconciler does on AWS, ``conclude_abandoned`` records TIMED_OUT (killed at the deadline)
or FAILED (exited) for exactly the attempt that invocation claimed (``abandoned_by``).
``send_on_failure`` does what Lambda does for an async invoke with no retries left: it
sends the OnFailure destination record (``destination_record``, DLQ shape 2) to the
function's SQS destination; the executor calls it only while the ledger holds no outcome
for that attempt (``concluded``). Clients and clock are handed in; nothing here starts a
process.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from scheduler.clock import Clock
from scheduler.local.child_process import KILL_GRACE_SECONDS
from scheduler.local.events import RunEvent
from scheduler.local.functions import FunctionInfo


def abandoned_by(record: Any, started: RunEvent, request_id: str) -> bool:
    """The run is still RUNNING the attempt this (now dead) invocation claimed."""
    return (
        record is not None
        and record.status.value == "RUNNING"
        and record.attempt == started.attempt
        and record.request_id == request_id
    )


def concluded(record: Any, started: RunEvent, request_id: str) -> bool:
    """The ledger holds an outcome for the attempt this invocation claimed."""
    if record is None:
        return False
    return any(a.attempt == started.attempt and a.request_id == request_id for a in record.attempts)


def conclude_abandoned(
    info: FunctionInfo,
    run_id: str,
    request_id: str,
    *,
    killed: bool,
    exit_code: int | None,
    env: dict[str, str],
    clients: Any,
    clock: Clock,
) -> None:
    """Conclude the attempt the dead child left RUNNING, through the worker's own runtime
    built from the child's environment ``env``."""
    from scheduler.ledger import RunStatus
    from scheduler.worker.entry import build_runtime
    from scheduler.worker.runtime import NullMetrics

    if killed:
        outcome = RunStatus.TIMED_OUT
        reason = (
            f"the worker was killed {KILL_GRACE_SECONDS:.0f}s after the function's "
            f"{info.timeout}s deadline without recording an outcome (a handler holding "
            "the GIL, or a hung interpreter)"
        )
    else:
        outcome = RunStatus.FAILED
        reason = f"the worker process exited (code {exit_code}) without recording an outcome"
    runtime = build_runtime(env, clients=clients, clock=clock, log=_QUIET, metrics=NullMetrics())
    runtime.reconcile(
        run_id,
        request_id=request_id,
        outcome=outcome,
        reason=reason,
        target_arn=info.arn,
    )


def send_on_failure(
    sqs: Any,
    info: FunctionInfo,
    event: Any,
    request_id: str,
    outcome: dict[str, Any] | None,
    *,
    killed: bool,
    clock: Clock,
) -> None:
    """Send the OnFailure record to the function's SQS destination, if it has one; a send
    that fails is a warning on stderr (the run itself is already reported)."""
    if not info.on_failure or ":sqs:" not in info.on_failure:
        return
    if killed:
        payload: dict[str, Any] = {
            "errorMessage": f"{request_id} Task timed out after {info.timeout:.2f} seconds"
        }
    else:
        error = (outcome or {}).get("error") or {}
        payload = {"errorType": error.get("type"), "errorMessage": error.get("message")}
    record = destination_record(info, event, request_id, payload, clock.now())
    try:
        _send_to_queue(sqs, info.on_failure, json.dumps(record))
    except Exception as exc:  # the run itself is already reported
        sys.stderr.write(f"warning: could not deliver the on-failure record: {exc}\n")


def _send_to_queue(sqs: Any, queue_arn: str, body: str) -> None:
    parts = queue_arn.split(":")
    url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=body)


def destination_record(
    info: FunctionInfo, event: Any, request_id: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The record Lambda sends to an async OnFailure destination (DLQ shape 2)."""
    return {
        "version": "1.0",
        "timestamp": now.isoformat(),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{info.arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 1,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": payload,
    }


class _QuietLogger:
    """The reconciler's logger in the platform process: its lines are the run events."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


_QUIET = _QuietLogger()
