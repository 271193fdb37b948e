"""The sample handlers, tested the way a job author tests theirs: scheduler.testing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobs.partner_sync import PartnerUnavailableError, partner_state
from scheduler.testing import invoke

SLOT = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


def test_nightly_report_names_the_day() -> None:
    out = invoke("jobs.reports:nightly", {"region": "us"}, trigger="schedule", scheduled_time=SLOT)
    assert out == {"region": "us", "report": "sales-us-2026-03-31"}


def test_month_end_closes_through_the_previous_day() -> None:
    out = invoke("jobs.reports:month_end", {}, scheduled_time=SLOT)
    assert out == {"closed_through": "2026-03-30"}


def test_heartbeat_reports_its_slot() -> None:
    out = invoke("jobs.heartbeat:beat", {}, trigger="schedule", scheduled_time=SLOT)
    assert out["scheduled_time"] == SLOT.isoformat()


def test_digest_needs_stores() -> None:
    assert invoke("jobs.digest:send_digest", {"stores": ["a", "b"]}) == {"sent": 2}
    with pytest.raises(ValueError, match="stores is empty"):
        invoke("jobs.digest:send_digest", {"stores": []})


def test_cleanup_rejects_nonsense_age() -> None:
    assert invoke("jobs.cleanup:purge", {"older_than_days": 3})["purged"] == 0
    with pytest.raises(ValueError):
        invoke("jobs.cleanup:purge", {"older_than_days": 0})


@pytest.mark.parametrize(
    ("minute", "attempt", "trigger", "outcome"),
    [
        (0, 1, "schedule", "healthy"),  # slot 0 of the cycle
        (2, 1, "schedule", "fail"),  # flapping: the first attempt fails ...
        (2, 2, "retry", "flapping"),  # ... and the retry succeeds
        (4, 1, "schedule", "fail"),  # down: every attempt fails -> DEAD
        (4, 3, "retry", "fail"),
        (4, 1, "redrive", "healthy"),  # an operator's redrive finds it back up
        (6, 1, "schedule", "healthy"),  # the cycle repeats
    ],
)
def test_partner_sync_cycles_through_healthy_flapping_down(
    minute: int, attempt: int, trigger: str, outcome: str
) -> None:
    slot = datetime(2026, 1, 1, 0, minute, tzinfo=UTC)  # minute 0 starts a cycle
    assert partner_state(slot, 2) == "healthy" or minute != 0

    def call() -> dict[str, str]:
        return invoke(
            "jobs.partner_sync:sync_orders",
            {"period_minutes": 2},
            scheduled_time=slot,
            attempt=attempt,
            trigger=trigger,
        )

    if outcome == "fail":
        with pytest.raises(PartnerUnavailableError, match="503"):
            call()
    else:
        assert call()["partner_state"] == outcome
