"""The overview's day-rollup cache: closed days read once, recent days every load. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scheduler.ledger.rollup import DayRollup
from scheduler.ui.daycache import KEEP, DayCache

DAYS = [date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29)]


class Reader:
    def __init__(self) -> None:
        self.asked: list[list[tuple[str, date]]] = []

    def __call__(self, wanted: list[tuple[str, date]]) -> dict[str, list[DayRollup]]:
        self.asked.append(wanted)
        # every job ran on every day but the first
        out: dict[str, list[DayRollup]] = {}
        for job, day in wanted:
            if day != DAYS[0]:
                out.setdefault(job, []).append(DayRollup(day, {1: {"succeeded": 1}}, {}))
        return out


def test_closed_days_are_read_once_and_today_every_time() -> None:
    # GIVEN a cache and two loads at 2026-03-29 12:00 (the 28th ended 12 h ago: closed)
    cache, read = DayCache(), Reader()
    now = datetime(2026, 3, 29, 12, tzinfo=UTC)
    first = cache.rollups(["a", "b"], DAYS, now, read)
    second = cache.rollups(["a", "b"], DAYS, now + timedelta(seconds=5), read)
    # THEN the first load read all six, the second only today's two; answers agree, and a
    # day without a rollup item stays absent (and is not asked for again)
    assert len(read.asked[0]) == 6
    assert read.asked[1] == [("a", DAYS[2]), ("b", DAYS[2])]
    assert first == second and [r.day for r in first["a"]] == DAYS[1:]


def test_a_day_that_ended_recently_is_read_again_and_closed_days_after_keep() -> None:
    cache, read = DayCache(), Reader()
    early = datetime(2026, 3, 29, 2, tzinfo=UTC)  # the 28th ended 2 h ago: not settled
    cache.rollups(["a"], DAYS, early, read)
    cache.rollups(["a"], DAYS, early + timedelta(seconds=5), read)
    assert read.asked[1] == [("a", DAYS[1]), ("a", DAYS[2])]
    cache.rollups(["a"], DAYS, early + KEEP + timedelta(seconds=1), read)
    assert read.asked[2] == [("a", d) for d in DAYS]  # kept long enough: read again
