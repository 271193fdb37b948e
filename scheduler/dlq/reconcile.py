"""Conclude runs whose worker died, from Lambda's on-failure records in the dead-letter queue.

On AWS a worker killed mid-run (Lambda's timeout kill of a handler holding the GIL, out of
memory, SIGKILL, a crash before the outcome was written) leaves its attempt RUNNING, while
Lambda's async on-failure destination puts a record of that invocation (request id,
function ARN, the original input) in the stage's dead-letter queue. ``reconcile`` reads
those records (``cronbridge dlq reconcile``):

* the run is still RUNNING the attempt that invocation claimed: conclude it through the
  worker's own outcome path (``WorkerRuntime.reconcile``: retry armed, or DEAD with the
  worker's one dead-run message), then delete the record, which the run now speaks for;
* that attempt is already concluded (its watchdog wrote first, or a redelivery after the
  lease did): the record is redundant, delete it;
* anything else (no run: the worker failed before claiming, e.g. an import error) stays
  in the queue for ``dlq redrive``.

No boto3 here: the queue, the run store and a runtime factory are handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scheduler.dlq.queue import DeadLetter, DeadLetterQueue
from scheduler.ledger.model import RunStatus
from scheduler.ledger.store import RunStore

RuntimeFor = Callable[[str], Any]  # function ARN -> WorkerRuntime wired as that function

CONCLUDED = "concluded"
REDUNDANT = "redundant"
KEPT = "kept"


@dataclass(frozen=True)
class Reconciled:
    message_id: str
    run_id: str | None
    action: str  # concluded | redundant | kept
    status: str | None  # the run's status after reconciliation, when there is a run

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "run_id": self.run_id,
            "action": self.action,
            "status": self.status,
        }


def failure_request(letter: DeadLetter) -> tuple[str | None, str | None, str]:
    """(request id, function ARN without qualifier, error text) of an on-failure record."""
    raw = letter.raw if isinstance(letter.raw, dict) else {}
    context = raw.get("requestContext") or {}
    arn = str(context.get("functionArn") or "") or None
    if arn and arn.count(":") > 6:  # ...:function:NAME:$LATEST -> ...:function:NAME
        arn = arn.rsplit(":", 1)[0]
    error = letter.error or {}
    text = f"{error.get('type', 'Unknown')}: {error.get('message', '')}".strip()
    return context.get("requestId"), arn, text


def reconcile(
    queue: DeadLetterQueue,
    letters: Iterable[DeadLetter],
    store: RunStore,
    runtime_for: RuntimeFor,
) -> list[Reconciled]:
    """Act on every Lambda on-failure record among ``letters``; release the others."""
    out: list[Reconciled] = []
    untouched: list[DeadLetter] = []
    for letter in letters:
        if letter.kind != "lambda-failure":
            untouched.append(letter)
            continue
        result = _one(queue, letter, store, runtime_for)
        if result.action == KEPT:
            untouched.append(letter)
        out.append(result)
    queue.release(untouched)
    return out


def _one(
    queue: DeadLetterQueue, letter: DeadLetter, store: RunStore, runtime_for: RuntimeFor
) -> Reconciled:
    request_id, function_arn, error = failure_request(letter)
    run_id = letter.linked_run_id()
    run = store.get(run_id) if run_id else None
    if run is None or not request_id:
        return Reconciled(letter.message_id, run_id, KEPT, None)
    if any(a.request_id == request_id for a in run.attempts):
        queue.delete(letter)
        return Reconciled(letter.message_id, run.run_id, REDUNDANT, run.status.value)
    if run.status is not RunStatus.RUNNING or run.request_id != request_id or not function_arn:
        return Reconciled(letter.message_id, run.run_id, KEPT, run.status.value)
    outcome = RunStatus.TIMED_OUT if "timed out" in error.lower() else RunStatus.FAILED
    runtime = runtime_for(function_arn)
    runtime.reconcile(
        run.run_id,
        request_id=request_id,
        outcome=outcome,
        reason=f"Lambda reported invocation {request_id} failed ({error}) before the worker "
        "recorded an outcome",
        target_arn=function_arn,
    )
    after = store.get(run.run_id)
    if after is None or after.status is RunStatus.RUNNING:
        return Reconciled(letter.message_id, run.run_id, KEPT, None)
    queue.delete(letter)
    return Reconciled(letter.message_id, run.run_id, CONCLUDED, after.status.value)
