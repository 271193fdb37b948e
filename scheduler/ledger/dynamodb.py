"""The run ledger in one DynamoDB table per stage (low-level client, injected).

``DynamoRunStore`` is the ``RunStore`` the worker and the CLI use: its writes (claim,
skip, finish: conditional requests, no reads) live in ``writes``, its reads (GetItem and
Query on keys, never a Scan) in ``reads``, and the item layout both share in ``keys``.
This module only assembles them around one client and table name; the key helpers are
re-exported for callers that address items directly (the simulator prunes runs by key).
"""

from __future__ import annotations

from typing import Any

from scheduler.ledger.keys import (
    ATTENTION_PARTITION,
    LAST_SCHEDULED_SK,
    LOCK_SK,
    job_pk,
    run_key,
    run_sort_key,
)
from scheduler.ledger.reads import RunReads
from scheduler.ledger.writes import RunWrites

__all__ = [
    "ATTENTION_PARTITION",
    "LAST_SCHEDULED_SK",
    "LOCK_SK",
    "DynamoRunStore",
    "job_pk",
    "run_key",
    "run_sort_key",
]


class DynamoRunStore(RunWrites, RunReads):
    """``RunStore`` over a boto3 DynamoDB *client* (not resource) and a table name."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table
