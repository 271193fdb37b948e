"""The evaluator's cached, sorted field values on Schedule stay derived data only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from scheduler.schedule import next_fire_times, parse_schedule


def test_sorted_fields_follow_the_sets() -> None:
    # GIVEN a schedule with unordered lists in several fields
    schedule = parse_schedule("cron(50,5,20 18,3 ? NOV,FEB 2#1 2031,2027)")
    # THEN the cached tuples are those sets, ascending
    assert schedule.sorted_minutes == (5, 20, 50)
    assert schedule.sorted_hours == (3, 18)
    assert schedule.sorted_months == (2, 11)
    assert schedule.sorted_years == (2027, 2031)
    assert schedule.plain_days_of_month is None  # a weekday part restricts the days


def test_cache_is_not_part_of_identity() -> None:
    # GIVEN two parses of one expression, and a copy with a changed field
    a, b = parse_schedule("0 9 15,1 * *"), parse_schedule("0 9 15,1 * *")
    changed = dataclasses.replace(a, minutes=frozenset({30, 10}))
    # THEN equality, hashing and repr ignore the cache, and replace() recomputes it
    assert a == b and hash(a) == hash(b)
    assert "sorted_" not in repr(a)
    assert a.plain_days_of_month == (1, 15)
    assert changed.sorted_minutes == (10, 30)
    assert next_fire_times(changed, after=datetime(2026, 5, 1, tzinfo=UTC), count=2) == [
        datetime(2026, 5, 1, 9, 10, tzinfo=UTC),
        datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    ]


def test_utc_fast_path_matches_the_general_zone_path() -> None:
    # GIVEN UTC and Etc/UTC (same offsets, but only "UTC" takes the direct path)
    schedule = parse_schedule("*/7 1-3 * * 1,5")
    after = datetime(2026, 3, 29, 1, 3, 30, tzinfo=UTC)
    # WHEN both evaluate
    fast = next_fire_times(schedule, timezone="UTC", after=after, count=40)
    general = next_fire_times(schedule, timezone="Etc/UTC", after=after, count=40)
    # THEN they agree instant for instant
    assert fast == general and len(fast) == 40


def test_parses_are_remembered_per_text_and_errors_are_raised_each_time() -> None:
    import pytest

    from scheduler.schedule import ScheduleError

    # GIVEN one expression parsed for many jobs
    # THEN every parse hands back the same frozen Schedule, so a catalogue parses it once
    assert parse_schedule("*/5 * * * *") is parse_schedule("*/5 * * * *")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_schedule("*/5 * * * *").source = "changed"  # type: ignore[misc]
    # AND a bad expression raises every time, with its message
    for _ in range(2):
        with pytest.raises(ScheduleError, match="minute: 61 is out of range"):
            parse_schedule("61 * * * *")
    # AND at() is still refused where it is not allowed, after being parsed where it is
    assert parse_schedule("at(2026-05-04T10:00:00)", allow_at=True).kind == "at"
    with pytest.raises(ScheduleError, match="not allowed"):
        parse_schedule("at(2026-05-04T10:00:00)")
