"""The ledger's writes: the worker's claim, skip and finish, each one conditional request.

Why a lock item and not "read the previous run": a read costs a request on every run and
still races. Instead the claim is ONE ``TransactWriteItems`` request holding the run item's
``attribute_not_exists`` put (duplicate delivery guard) and the lock put conditioned on
"free or lease expired" (overlap guard); the final outcome is ONE more transaction updating
the run item and deleting the lock iff we still hold it. A successful run is therefore
exactly 2 write requests and 0 reads. Both transactions also carry the job's summary
update, and the final one the day's rollup update (unconditional ADD/SET, see ``summary``
and ``rollup``): no extra request, but the final write holds 2 more items (transactions
cost 2 WCU per item-KB, so about 1.5x the WCU of a run before). A crashed run blocks the
job only until ``lease_until`` (start + the job's timeout).
``ReturnValuesOnConditionCheckFailure=ALL_OLD`` tells a loser who won without a read. Jobs
with ``overlap: allow`` skip the lock. This module must not decide run semantics (that
is the worker's runtime) and never reads: it only makes the conditional writes it is
asked for.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z, parse_iso
from scheduler.ledger.codec import from_item, to_attr, to_item
from scheduler.ledger.keys import (
    ATTENTION_PARTITION,
    LOCK_SK,
    SECONDS_PER_DAY,
    epoch,
    job_pk,
    run_key,
    run_sort_key,
    summary_key,
)
from scheduler.ledger.model import RunRecord, RunStatus, split_run_id
from scheduler.ledger.rollup import day_sk, final_outcome, rollup_day, rollup_update
from scheduler.ledger.store import (
    ClaimOutcome,
    ClaimResult,
    Finish,
    LockRequest,
    is_own_claim,
)
from scheduler.ledger.summary import claim_update, finish_update, skip_update

_CONFLICT_RETRIES = 6


def _reasons(exc: Exception) -> list[dict[str, Any]]:
    response = getattr(exc, "response", {}) or {}
    return list(response.get("CancellationReasons") or [])


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", {}) or {}
    return str(response.get("Error", {}).get("Code", ""))


class RunWrites:
    """The write half of ``DynamoRunStore`` (needs ``self._client`` and ``self.table``)."""

    _client: Any
    table: str

    def claim(self, run: RunRecord, lock: LockRequest | None, now: datetime) -> ClaimResult:
        # The job's summary item rides in the same request (unconditional, so it never
        # decides the outcome): still two write requests per run, and no read.
        summary = claim_update(run).op(self.table, summary_key(run.job))
        lock_ops = [self._lock_op(run, lock, now)] if lock is not None else []
        return self._claim_with(run, [self._claim_op(run), *lock_ops, summary], lock)

    def _claim_with(
        self, run: RunRecord, ops: list[dict[str, Any]], lock: LockRequest | None
    ) -> ClaimResult:
        for attempt in range(_CONFLICT_RETRIES):
            try:
                self._client.transact_write_items(TransactItems=ops)
                return ClaimResult(ClaimOutcome.CLAIMED, holds_lock=lock is not None)
            except Exception as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise
                reasons = _reasons(exc)
                codes = [r.get("Code") for r in reasons] + ["None", "None"]
                if codes[0] == "ConditionalCheckFailed":
                    existing = _item_of(reasons[0])
                    if existing and is_own_claim(existing, run):
                        # botocore resent a transaction whose response was lost: ours.
                        return ClaimResult(ClaimOutcome.CLAIMED, holds_lock=lock is not None)
                    return ClaimResult(ClaimOutcome.DUPLICATE, existing)
                if lock is not None and codes[1] == "ConditionalCheckFailed":
                    if lock.exclusive:
                        return ClaimResult(ClaimOutcome.OVERLAP, _item_of(reasons[1]))
                    # A manual/retry/redrive run is never skipped, but it must not take the
                    # lease from another run either: run without it.
                    return self._claim_with(run, [ops[0], ops[-1]], None)
                if not _retryable(codes) or attempt == _CONFLICT_RETRIES - 1:
                    raise
                # Concurrent deliveries of one slot conflict in the transaction itself;
                # back off briefly and let the condition checks decide on the next try.
                _backoff(attempt)
        raise AssertionError("unreachable")

    def _claim_op(self, run: RunRecord) -> dict[str, Any]:
        if run.attempt <= 1:
            item = self._run_item(run, retention_days=None)
            return {
                "Put": {
                    "TableName": self.table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(#pk)",
                    "ExpressionAttributeNames": {"#pk": C.TABLE_PK},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        # A retry re-opens the same run item, only from the attempt before it and only
        # once (a duplicate retry delivery fails the condition).
        return {
            "Update": {
                "TableName": self.table,
                "Key": run_key(run.run_id),
                "UpdateExpression": (
                    "SET #status = :running, #attempt = :n, started_at = :started, "
                    "request_id = :rid, finished_at = :null, duration_ms = :null, "
                    "next_attempt_at = :null"
                ),
                "ConditionExpression": "#attempt = :prev AND #status IN (:failed, :timed_out)",
                "ExpressionAttributeNames": {"#status": "status", "#attempt": "attempt"},
                "ExpressionAttributeValues": {
                    ":running": {"S": RunStatus.RUNNING.value},
                    ":n": {"N": str(run.attempt)},
                    ":prev": {"N": str(run.attempt - 1)},
                    ":started": {"S": run.started_at},
                    ":rid": to_attr(run.request_id),
                    ":null": {"NULL": True},
                    ":failed": {"S": RunStatus.FAILED.value},
                    ":timed_out": {"S": RunStatus.TIMED_OUT.value},
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _lock_op(self, run: RunRecord, lock: LockRequest, now: datetime) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": {
                C.TABLE_PK: {"S": job_pk(run.job)},
                C.TABLE_SK: {"S": LOCK_SK},
                "holder": {"S": run.run_id},
                "attempt": {"N": str(run.attempt)},
                "lease_until": {"N": str(epoch(lock.lease_until))},
                C.TABLE_TTL_ATTRIBUTE: {"N": str(epoch(lock.lease_until) + SECONDS_PER_DAY)},
            },
        }
        # Free, expired, or already ours (a retry of the run that holds it). Scheduled fires
        # that find it taken are SKIPPED; other triggers run without it (see ``claim``).
        put["ConditionExpression"] = (
            "attribute_not_exists(#pk) OR lease_until < :now OR holder = :me"
        )
        put["ExpressionAttributeNames"] = {"#pk": C.TABLE_PK}
        put["ExpressionAttributeValues"] = {
            ":now": {"N": str(epoch(now))},
            ":me": {"S": run.run_id},
        }
        put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": put}

    def record_skipped(self, run: RunRecord, retention_days: int) -> bool:
        put = {
            "Put": {
                "TableName": self.table,
                "Item": self._run_item(run, retention_days=retention_days),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": C.TABLE_PK},
            }
        }
        summary = skip_update(run).op(self.table, summary_key(run.job))
        ops = [put, summary, self._rollup_op(run, "skipped", None, retention_days)]
        return bool(self._transact(ops, on_condition=lambda reasons: False))

    def finish(self, run: RunRecord, finish: Finish, release_lock: bool) -> bool:
        ops = [{"Update": self._finish_update(run, finish)}]
        if release_lock:
            ops.append(
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": {C.TABLE_PK: {"S": job_pk(run.job)}, C.TABLE_SK: {"S": LOCK_SK}},
                        "ConditionExpression": "holder = :rid",
                        "ExpressionAttributeValues": {":rid": {"S": run.run_id}},
                    }
                }
            )
        update = finish_update(run, finish.status)
        ops.append(update.op(self.table, summary_key(run.job)))
        outcome = final_outcome(finish.status, finish.next_attempt_at)
        if outcome is not None:
            ops.append(self._rollup_op(run, outcome, finish.duration_ms, finish.retention_days))

        def on_condition(reasons: list[dict[str, Any]]) -> bool | None:
            codes = [r.get("Code") for r in reasons] + ["None", "None"]
            if codes[0] == "ConditionalCheckFailed":
                # Someone (the watchdog, a zombie) already finished it - or we did, and
                # botocore resent the transaction after losing its response.
                return finish.is_applied_in(_item_of(reasons[0]), run)
            return None  # the lock's condition: our lease expired and was taken over

        owned = self._transact(ops, on_condition=on_condition)
        if owned is None:  # leave the taken-over lock alone, write the rest
            owned = self._transact([ops[0], *ops[2:]], on_condition=on_condition)
        return bool(owned)

    def _transact(
        self,
        ops: list[dict[str, Any]],
        on_condition: Callable[[list[dict[str, Any]]], bool | None],
    ) -> bool | None:
        """One transaction, retried on conflicts; a failed condition is ``on_condition``'s."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                self._client.transact_write_items(TransactItems=ops)
                return True
            except Exception as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise
                reasons = _reasons(exc)
                codes = [r.get("Code") for r in reasons]
                if "ConditionalCheckFailed" in codes:
                    return on_condition(reasons)
                if not _retryable(codes) or attempt == _CONFLICT_RETRIES - 1:
                    raise
                _backoff(attempt)
        raise AssertionError("unreachable")

    def _rollup_op(
        self, run: RunRecord, outcome: str, duration_ms: int | None, retention_days: int
    ) -> dict[str, Any]:
        update = rollup_update(run, outcome, duration_ms, retention_days, C.TABLE_TTL_ATTRIBUTE)
        key = {C.TABLE_PK: {"S": job_pk(run.job)}, C.TABLE_SK: {"S": day_sk(rollup_day(run))}}
        return update.op(self.table, key)

    def _finish_update(self, run: RunRecord, finish: Finish) -> dict[str, Any]:
        sets = [
            "#status = :status",
            "finished_at = :finished",
            "duration_ms = :duration",
            "#error = :error",
            "#result = :result",
            "next_attempt_at = :next",
            "attempts = list_append(if_not_exists(attempts, :empty), :attempt)",
            f"{C.TABLE_TTL_ATTRIBUTE} = :expires",
        ]
        expression = "SET " + ", ".join(sets)
        if not finish.status.needs_attention:
            expression += f" REMOVE {C.ATTENTION_PK}, {C.ATTENTION_SK}"
        # A run waiting for a retry must outlive the wait, or TTL could delete it before the
        # retry arrives (the retry's claim would then find nothing and be dropped).
        last = finish.finished_at
        if finish.next_attempt_at:
            last = max(last, parse_iso(finish.next_attempt_at))
        expires = epoch(last) + finish.retention_days * SECONDS_PER_DAY
        return {
            "TableName": self.table,
            "Key": run_key(run.run_id),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :running AND #attempt = :n",
            "ExpressionAttributeNames": {
                "#status": "status",
                "#attempt": "attempt",
                "#error": "error",
                "#result": "result",
            },
            "ExpressionAttributeValues": {
                ":status": {"S": finish.status.value},
                ":finished": {"S": isoformat_z(finish.finished_at)},
                ":duration": {"N": str(finish.duration_ms)},
                ":error": to_attr(finish.error),
                ":result": to_attr(finish.result),
                ":next": to_attr(finish.next_attempt_at),
                ":empty": {"L": []},
                ":attempt": {"L": [to_attr(finish.attempt.to_json())]},
                ":expires": {"N": str(expires)},
                ":running": {"S": RunStatus.RUNNING.value},
                ":n": {"N": str(run.attempt)},
            },
            # On a failed condition DynamoDB returns the item as it is, so a resent write
            # (botocore retrying after a lost response) is told apart from a lost race
            # without a read.
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _run_item(self, run: RunRecord, retention_days: int | None) -> dict[str, Any]:
        job, _rest = split_run_id(run.run_id)
        data = run.to_json()
        data[C.TABLE_PK] = job_pk(job)
        data[C.TABLE_SK] = run_sort_key(run.run_id)
        # A RUNNING item that is never finished (the process died) still expires: give it
        # a generous TTL now; ``finish`` sets the real one.
        days = retention_days if retention_days is not None else 90
        moment = run.started_dt
        data[C.TABLE_TTL_ATTRIBUTE] = epoch(moment) + days * SECONDS_PER_DAY
        if run.status.needs_attention:
            data[C.ATTENTION_PK] = ATTENTION_PARTITION
            data[C.ATTENTION_SK] = f"{run.started_at}#{run.run_id}"
        return to_item(data)


def _item_of(reason: dict[str, Any]) -> dict[str, Any] | None:
    item = reason.get("Item")
    return from_item(item) if item else None


def _retryable(codes: list[Any]) -> bool:
    """A cancelled transaction worth retrying: a conflict, or DynamoDB throttling an item.

    ``ThrottlingError`` is a cancellation reason of its own (not a throttling exception
    botocore would retry): https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
    """
    return "TransactionConflict" in codes or "ThrottlingError" in codes


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
