"""Run events derived from the ledger record (pure): what `local up` prints per attempt."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.ledger import Attempt, RunRecord, RunStatus
from scheduler.local.events import RunEvent, events_from_record
from scheduler.local.ticker import Firing, Trigger

NOW = datetime(2026, 5, 4, 10, 0, 30, tzinfo=UTC)
SLOT = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
TRIGGER = Trigger(
    kind="rule",
    name="r",
    arn="arn:r",
    expression="rate(1 minute)",
    timezone="UTC",
    enabled=True,
    target_arn="arn:aws:lambda:us-east-1:1:function:cronbridge-dev-sync",
)


def _started(attempt: int = 1, request_id: str = "req-1") -> RunEvent:
    event = {
        "job": "sync",
        "trigger": "schedule" if attempt == 1 else "retry",
        "scheduled_time": "2026-05-04T10:00:00Z",
        "attempt": attempt,
    }
    if attempt > 1:
        event["run_id"] = "sync.20260504T100000Z"
    firing = Firing(TRIGGER, SLOT, "cronbridge-dev-sync", "{}")
    return RunEvent.started(firing, event, SLOT, request_id)


def _record(status: RunStatus, attempts: list[Attempt], **kw: object) -> RunRecord:
    return RunRecord(
        run_id="sync.20260504T100000Z",
        job="sync",
        status=status,
        trigger="schedule",
        scheduled_for="2026-05-04T10:00:00Z",
        attempt=len(attempts) or 1,
        started_at="2026-05-04T10:00:00Z",
        attempts=attempts,
        **kw,  # type: ignore[arg-type]
    )


def _attempt(n: int, status: RunStatus, request_id: str = "req-1") -> Attempt:
    return Attempt(
        n,
        "schedule",
        status,
        "2026-05-04T10:00:00Z",
        request_id=request_id,
        error={"type": "ValueError", "message": "nope"} if status.is_failure else None,
    )


def test_started_derives_the_scheduled_run_id() -> None:
    assert _started().run_id == "sync.20260504T100000Z"
    assert _started().line().startswith("2026-05-04T10:00:00Z  started    sync")


def test_failure_with_a_retry_armed_prints_failed_then_retrying() -> None:
    record = _record(
        RunStatus.FAILED, [_attempt(1, RunStatus.FAILED)], next_attempt_at="2026-05-04T10:00:30Z"
    )
    events = events_from_record(_started(), record, outcome=None, killed=False, now=NOW)
    assert [e.kind for e in events] == ["failed", "retrying"]
    assert "ValueError: nope" in events[0].detail and "10:00:30Z" in events[1].detail


def test_last_failure_prints_failed_then_dead() -> None:
    record = _record(
        RunStatus.DEAD, [_attempt(1, RunStatus.FAILED), _attempt(2, RunStatus.TIMED_OUT, "req-2")]
    )
    events = events_from_record(_started(2, "req-2"), record, outcome=None, killed=True, now=NOW)
    assert [e.kind for e in events] == ["timed out", "dead"]


def test_skipped_and_duplicate_deliveries() -> None:
    skipped = _record(RunStatus.SKIPPED, [_attempt(1, RunStatus.SKIPPED)], note="busy")
    assert [
        e.kind for e in events_from_record(_started(), skipped, outcome=None, killed=False, now=NOW)
    ] == ["skipped"]
    # GIVEN the slot's attempt was handled by another delivery (another request id)
    other = _record(RunStatus.SUCCEEDED, [_attempt(1, RunStatus.SUCCEEDED, "req-other")])
    events = events_from_record(_started(), other, outcome=None, killed=False, now=NOW)
    assert [e.kind for e in events] == ["duplicate"]


def test_killed_without_a_record() -> None:
    events = events_from_record(_started(), None, outcome=None, killed=True, now=NOW)
    assert [e.kind for e in events] == ["killed"]
