"""The ledger's interface: what the worker and CLI need from a run store.

The worker drives a run through ``claim`` -> ``finish`` (plus ``record_skipped``); the CLI
reads with ``get``, ``history`` and ``attention``. ``DynamoRunStore`` is the one real
implementation; anything with these methods (an in-memory fake, a recorder) can be
injected instead. No AWS calls here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from scheduler.clock import isoformat_z
from scheduler.ledger.model import Attempt, RunRecord, RunStatus


class ClaimOutcome(StrEnum):
    CLAIMED = "CLAIMED"  # this delivery owns the attempt: run the handler
    DUPLICATE = "DUPLICATE"  # the slot/attempt was already claimed by another delivery
    OVERLAP = "OVERLAP"  # the job's previous run still holds the lock (overlap: skip)


@dataclass(frozen=True)
class LockRequest:
    """The per-job overlap lock taken in the same write as the run item.

    ``exclusive`` runs (scheduled fires) fail the claim while another run holds an
    unexpired lease. Others (manual, retry, redrive) are never skipped: they take the
    lease when it is free (or already theirs), and otherwise run without it, so a
    schedule firing during them is skipped but they never steal another run's lease.
    """

    lease_until: datetime
    exclusive: bool


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    existing: dict[str, Any] | None = None  # the item that won (run or lock), when known
    holds_lock: bool = False  # this run took the job's overlap lease (release it at finish)


def is_own_claim(existing: dict[str, Any], run: RunRecord) -> bool:
    """The run's item was claimed by this very invocation (same Lambda request id and
    attempt): a resent claim whose first response was lost. Both stores answer it."""
    return (
        bool(run.request_id)
        and existing.get("request_id") == run.request_id
        and existing.get("status") == RunStatus.RUNNING.value
        and str(existing.get("attempt")) == str(run.attempt)
    )


@dataclass(frozen=True)
class Finish:
    """The final write of one attempt."""

    status: RunStatus  # the run's new status (SUCCEEDED, FAILED, TIMED_OUT, DEAD)
    attempt: Attempt  # this attempt's own outcome, appended to ``attempts``
    finished_at: datetime
    duration_ms: int
    error: dict[str, str] | None = None
    result: Any = None
    next_attempt_at: str | None = None
    retention_days: int = 30

    def is_applied_in(self, existing: dict[str, Any] | None, run: RunRecord) -> bool:
        """``existing`` (the run's item) already carries exactly this attempt's final write:
        a resent request whose first try succeeded. Both stores answer it the same way."""
        if not existing:
            return False
        attempts = existing.get("attempts") or []
        last = attempts[-1] if attempts else {}
        return (
            existing.get("status") == self.status.value
            and str(existing.get("attempt")) == str(run.attempt)
            and existing.get("finished_at") == isoformat_z(self.finished_at)
            and str(last.get("attempt")) == str(run.attempt)
            and last.get("request_id") == self.attempt.request_id
        )


class RunStore(Protocol):
    def claim(self, run: RunRecord, lock: LockRequest | None, now: datetime) -> ClaimResult: ...

    def record_skipped(self, run: RunRecord, retention_days: int) -> bool: ...

    def finish(self, run: RunRecord, finish: Finish, release_lock: bool) -> bool:
        """Apply the outcome iff ``run`` is still RUNNING this attempt; False otherwise."""
        ...

    def get(self, run_id: str) -> RunRecord | None: ...

    def last_scheduled(self, job: str) -> RunRecord | None:
        """The job's newest scheduled run, however many manual runs came after it."""
        ...

    def history(
        self,
        job: str,
        *,
        since: datetime | None = None,
        status: RunStatus | None = None,
        page_size: int = 50,
    ) -> Iterator[RunRecord]:
        """One job's runs newest first, paging lazily (one Query per page)."""
        ...

    def attention(
        self, since: datetime, statuses: frozenset[RunStatus] | None = None
    ) -> Iterator[RunRecord]:
        """Runs needing attention across all jobs, newest first (one Query on the index)."""
        ...
