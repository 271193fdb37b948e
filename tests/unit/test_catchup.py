"""Catch-up slot choice (pure): missed slots after an outage, bounded by the window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.monitor.catchup import MAX_SLOTS_PER_ROUND, catchup_input, missed_slots
from scheduler.monitor.jobs import MonitoredJob


def job(catchup: str, window: int = 6 * 3600, schedule: str = "*/15 * * * *") -> MonitoredJob:
    return MonitoredJob(
        name="sync", schedule=schedule, timezone="UTC", grace=300, timeout=60, enabled=True,
        catchup=catchup, catchup_window=window, payload={"region": "eu"},
    )  # fmt: skip


T = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # the last slot that ran
NOW = datetime(2026, 12, 3, 3, 7, tzinfo=UTC)  # after a two-hour outage


def hm(slots: list[datetime]) -> list[str]:
    return [s.strftime("%H:%M") for s in slots]


def test_latest_runs_the_newest_missed_slot_once() -> None:
    # GIVEN slots every 15 minutes, the 01:00 one ran, now 03:07 (grace 5 min)
    # THEN the newest slot older than grace is 03:00
    assert hm(missed_slots(job("latest"), T, NOW)) == ["03:00"]


def test_all_runs_each_missed_slot_oldest_first() -> None:
    assert hm(missed_slots(job("all"), T, NOW)) == [
        "01:15", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "03:00",
    ]  # fmt: skip


def test_a_slot_inside_its_grace_is_not_missed_yet() -> None:
    # GIVEN now 03:04: the 03:00 slot may still be on its way
    assert hm(missed_slots(job("latest"), T, datetime(2026, 12, 3, 3, 4, tzinfo=UTC))) == ["02:45"]


def test_window_bounds_how_far_back() -> None:
    # GIVEN a one-hour window THEN only slots from 02:07 on count
    assert hm(missed_slots(job("all", window=3600), T, NOW)) == ["02:15", "02:30", "02:45", "03:00"]


@pytest.mark.parametrize("mode", ["none", "latest", "all"])
def test_nothing_without_a_first_scheduled_run_or_with_none(mode: str) -> None:
    assert missed_slots(job(mode), None, NOW) == []
    assert missed_slots(job("none"), T, NOW) == []


def test_nothing_missed_when_the_last_slot_is_current() -> None:
    assert missed_slots(job("all"), datetime(2026, 12, 3, 3, 0, tzinfo=UTC), NOW) == []


def test_all_is_capped_per_round() -> None:
    # GIVEN an every-minute job and a day-long outage
    slots = missed_slots(job("all", window=86400, schedule="* * * * *"), T, NOW.replace(day=4))
    # THEN one round starts at most the cap, oldest first (the next round goes on from there)
    assert len(slots) == MAX_SLOTS_PER_ROUND and slots == sorted(slots)


def test_catchup_input_is_the_slots_scheduled_run() -> None:
    slot = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    assert catchup_input(job("latest"), slot) == {
        "job": "sync", "trigger": "schedule", "scheduled_time": "2026-12-03T03:00:00Z",
        "event_id": "catchup:2026-12-03T03:00:00Z", "payload": {"region": "eu"},
    }  # fmt: skip


def test_monitored_job_round_trips_through_its_env_text() -> None:
    j = MonitoredJob(
        name="a", schedule="@daily", timezone="Europe/Berlin", grace=60, timeout=30,
        enabled=False, notify=("dead", "late"), topic="arn:aws:sns:eu-west-1:123456789012:t",
        catchup="all", catchup_window=7200, payload={"x": 1},
    )  # fmt: skip
    assert MonitoredJob.from_env(j.to_env()) == j
    # AND without catch-up the payload is left out (Lambda's 4 KB environment limit)
    assert "payload" not in job("none").to_env()


def test_a_paused_job_catches_nothing_up_and_skipped_slots_stay_skipped() -> None:
    from scheduler.operate.pauses import Pause

    paused = Pause(job="sync", pause_id="p", reason="partner down", by="me",
                   paused_at="2026-12-03T01:05:00Z")  # fmt: skip
    # GIVEN a pause still in force THEN nothing is caught up
    assert missed_slots(job("all"), T, NOW, paused) == []
    # GIVEN the pause ended at 02:20 THEN only the slots after the resume were missed
    ended = Pause(**{**paused.__dict__, "resumed_at": "2026-12-03T02:20:00Z"})
    assert hm(missed_slots(job("all"), T, NOW, ended)) == ["02:30", "02:45", "03:00"]
    # AND an old pause, ended before the last run, changes nothing
    old = Pause(**{**paused.__dict__, "resumed_at": "2026-12-03T00:20:00Z"})
    assert hm(missed_slots(job("latest"), T, NOW, old)) == ["03:00"]
