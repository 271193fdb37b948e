"""The run ledger: one record per run, with every attempt, in one DynamoDB table per stage.

Stdlib-only at import (the worker loads it at cold start); the DynamoDB store is handed
its low-level client. Import from this package, not from its modules.
"""

from __future__ import annotations

from scheduler.ledger.dynamodb import DynamoRunStore
from scheduler.ledger.model import (
    ATTENTION_STATUSES,
    Attempt,
    RunRecord,
    RunStatus,
    new_run_id,
    scheduled_run_id,
    split_run_id,
    trim,
)
from scheduler.ledger.store import ClaimOutcome, ClaimResult, Finish, LockRequest, RunStore

__all__ = [
    "ATTENTION_STATUSES",
    "Attempt",
    "ClaimOutcome",
    "ClaimResult",
    "DynamoRunStore",
    "Finish",
    "LockRequest",
    "RunRecord",
    "RunStatus",
    "RunStore",
    "new_run_id",
    "scheduled_run_id",
    "split_run_id",
    "trim",
]
