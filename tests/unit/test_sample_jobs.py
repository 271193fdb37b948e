"""The sample handlers, tested the way a job author tests theirs: scheduler.testing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobs.partner_sync import PartnerUnavailableError
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


def test_partner_sync_fails_deterministically_per_slot_and_attempt() -> None:
    # GIVEN failure_rate 1.0 THEN every attempt fails; 0.0 THEN none does
    with pytest.raises(PartnerUnavailableError, match="503"):
        invoke("jobs.partner_sync:sync_orders", {"failure_rate": 1.0}, scheduled_time=SLOT)
    ok = invoke("jobs.partner_sync:sync_orders", {"failure_rate": 0.0}, scheduled_time=SLOT)
    assert ok["partner"] == "acme"
    # AND the same slot and attempt always gives the same outcome (replays are faithful)
    outcomes = set()
    for _ in range(3):
        try:
            invoke("jobs.partner_sync:sync_orders", {"failure_rate": 0.5}, scheduled_time=SLOT)
            outcomes.add("ok")
        except PartnerUnavailableError:
            outcomes.add("fail")
    assert len(outcomes) == 1
