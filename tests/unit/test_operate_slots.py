"""Backfill slots: the same instants `cronbridge next` gives, in [from, to). No AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.errors import UsageError
from scheduler.operate.slots import check_count, check_window, slots_between
from scheduler.schedule import next_fire_times, parse_schedule


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_berlin_spring_forward_skips_the_missing_local_time() -> None:
    # GIVEN 02:30 every day in Berlin, across the night clocks jump 02:00 -> 03:00 (29 March)
    start, end = utc(2026, 3, 27), utc(2026, 3, 31)
    # WHEN the slots of [27 March, 31 March) are listed
    slots = slots_between("digest", "30 2 * * *", "Europe/Berlin", start, end, limit=None)
    # THEN 29 March has none, and the offset changes from +01 to +02 after it
    assert [s.iso for s in slots] == [
        "2026-03-27T01:30:00Z",
        "2026-03-28T01:30:00Z",
        "2026-03-30T00:30:00Z",
    ]
    assert slots[0].run_id == "digest.20260327T013000Z"


def test_slots_are_what_next_gives_and_from_is_included_to_is_not() -> None:
    # GIVEN a quarter-hourly Berlin job over the spring-forward night
    start, end = utc(2026, 3, 28, 23), utc(2026, 3, 29, 3)
    # WHEN listing slots
    slots = slots_between("q", "*/15 * * * *", "Europe/Berlin", start, end, limit=None)
    # THEN they equal `next` after just before --from, up to --to excluded
    expected = [
        t
        for t in next_fire_times(
            parse_schedule("*/15 * * * *"),
            timezone="Europe/Berlin",
            after=start - timedelta(microseconds=1),
            count=100,
        )
        if t < end
    ]
    assert [s.scheduled for s in slots] == expected
    assert slots[0].scheduled == start and slots[-1].scheduled == end - timedelta(minutes=15)


def test_limit_stops_after_one_more_than_allowed() -> None:
    # GIVEN a minutely job over a year WHEN listing with a limit of 10,000
    slots = slots_between("m", "* * * * *", "UTC", utc(2026, 1, 1), utc(2027, 1, 1), limit=10_000)
    # THEN the walk stops at 10,001 and the count check refuses without --yes
    assert len(slots) == 10_001
    with pytest.raises(UsageError, match="more than 10,000 slots"):
        check_count("m", len(slots), yes=False)
    check_count("m", len(slots), yes=True)


def test_to_before_from_is_refused() -> None:
    with pytest.raises(UsageError, match="is not after --from") as info:
        check_window(utc(2026, 3, 2), utc(2026, 3, 1))
    assert info.value.hint
