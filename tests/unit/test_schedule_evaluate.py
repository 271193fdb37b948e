"""Table-driven tests for next_fire_times: UTC, DST days in two zones, specials, rate, at."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from scheduler.schedule import (
    ScheduleError,
    next_fire_times,
    parse_schedule,
    to_aws_expressions,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type,misc]


def days(year: int, month_days: list[tuple[int, int]], hour: int = 0) -> list[datetime]:
    return [utc(year, m, d, hour) for m, d in month_days]


# (expression, timezone, after, count, expected UTC fire times)
CASES = [
    # --- plain UTC --------------------------------------------------------------------
    ("0 2 * * *", "UTC", utc(2026, 1, 1), 2, [utc(2026, 1, 1, 2), utc(2026, 1, 2, 2)]),
    # strictly after: a fire time equal to `after` is not returned
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 2), 1, [utc(2026, 1, 2, 2)]),
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 1, 59, 59), 1, [utc(2026, 1, 1, 2)]),
    ("0 2 * * *", "UTC", utc(2026, 1, 1, 2, 0, 1), 1, [utc(2026, 1, 2, 2)]),
    (
        "*/20 * * * *",
        "UTC",
        utc(2026, 12, 31, 23, 30),
        3,
        [utc(2026, 12, 31, 23, 40), utc(2027, 1, 1, 0, 0), utc(2027, 1, 1, 0, 20)],
    ),
    (
        "30 9 * * 1-5",
        "UTC",
        utc(2026, 1, 2, 10),  # Friday after 09:30 -> next is Monday
        2,
        [utc(2026, 1, 5, 9, 30), utc(2026, 1, 6, 9, 30)],
    ),
    ("0 0 * * 7", "UTC", utc(2026, 1, 1), 2, [utc(2026, 1, 4), utc(2026, 1, 11)]),
    ("cron(0 0 ? * 1 *)", "UTC", utc(2026, 1, 1), 2, [utc(2026, 1, 4), utc(2026, 1, 11)]),
    ("cron(0 0 ? * L *)", "UTC", utc(2026, 1, 1), 2, [utc(2026, 1, 3), utc(2026, 1, 10)]),
    ("@monthly", "UTC", utc(2026, 1, 15), 2, [utc(2026, 2, 1), utc(2026, 3, 1)]),
    ("@yearly", "UTC", utc(2026, 1, 1), 2, [utc(2027, 1, 1), utc(2028, 1, 1)]),
    ("0 0 31 * *", "UTC", utc(2026, 1, 31), 3, days(2026, [(3, 31), (5, 31), (7, 31)])),
    # --- Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00
    # 02:30 does not exist on 03-29: skipped
    (
        "30 2 * * *",
        "Europe/Berlin",
        utc(2026, 3, 28),
        3,
        [utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)],
    ),
    # 02:30 happens twice on 10-25: fires once, at the first (CEST) occurrence, 00:30Z
    (
        "30 2 * * *",
        "Europe/Berlin",
        utc(2026, 10, 24),
        3,
        [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
    ),
    # hourly across spring-forward: local 02:00 is skipped, UTC stays contiguous
    (
        "0 * * * *",
        "Europe/Berlin",
        utc(2026, 3, 28, 23, 30),
        4,
        [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), utc(2026, 3, 29, 3)],
    ),
    # hourly across fall-back: the repeated 02:00 runs once, so 01:00Z has no run
    (
        "0 * * * *",
        "Europe/Berlin",
        utc(2026, 10, 24, 22, 30),
        5,
        [
            utc(2026, 10, 24, 23),
            utc(2026, 10, 25, 0),
            utc(2026, 10, 25, 2),
            utc(2026, 10, 25, 3),
            utc(2026, 10, 25, 4),
        ],
    ),
    # a time outside the change is unaffected on the change day
    ("0 9 * * *", "Europe/Berlin", utc(2026, 3, 29), 1, [utc(2026, 3, 29, 7)]),
    ("0 9 * * *", "Europe/Berlin", utc(2026, 10, 25), 1, [utc(2026, 10, 25, 8)]),
    # --- America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00
    (
        "30 2 * * *",
        "America/New_York",
        utc(2026, 3, 7),
        2,
        [utc(2026, 3, 7, 7, 30), utc(2026, 3, 9, 6, 30)],
    ),
    (
        "30 1 * * *",
        "America/New_York",
        utc(2026, 10, 31),
        3,
        [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
    ),
    (
        "0 * * * *",
        "America/New_York",
        utc(2026, 3, 8, 5, 30),  # 00:30 EST
        3,
        [utc(2026, 3, 8, 6), utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)],  # 01:00, 03:00, 04:00
    ),
    (
        "*/30 * * * *",
        "America/New_York",
        utc(2026, 11, 1, 4, 45),  # 00:45 EDT
        5,
        [
            utc(2026, 11, 1, 5, 0),  # 01:00 EDT
            utc(2026, 11, 1, 5, 30),  # 01:30 EDT; the EST repeats of 01:00/01:30 are skipped
            utc(2026, 11, 1, 7, 0),  # 02:00 EST
            utc(2026, 11, 1, 7, 30),
            utc(2026, 11, 1, 8, 0),
        ],
    ),
    # `after` inside the second pass of the repeated hour (01:10 EST)
    (
        "*/30 * * * *",
        "America/New_York",
        utc(2026, 11, 1, 6, 10),
        2,
        [utc(2026, 11, 1, 7, 0), utc(2026, 11, 1, 7, 30)],
    ),
    # AWS form evaluates in local time the same way
    (
        "cron(30 2 ? * SUN *)",
        "America/New_York",
        utc(2026, 3, 1),
        2,
        [utc(2026, 3, 1, 7, 30), utc(2026, 3, 15, 6, 30)],  # 03-08 skipped
    ),
    # --- L, W, LW, #, nL (2026: Jan 31 Sat, Feb 28 Sat, Mar 31 Tue, May 31 Sun) ---------------
    ("cron(0 0 L * ? *)", "UTC", utc(2026, 1, 15), 3, days(2026, [(1, 31), (2, 28), (3, 31)])),
    ("cron(0 0 L 2 ? *)", "UTC", utc(2027, 3, 1), 2, [utc(2028, 2, 29), utc(2029, 2, 28)]),
    ("cron(0 0 LW * ? *)", "UTC", utc(2026, 1, 1), 3, days(2026, [(1, 30), (2, 27), (3, 31)])),
    ("cron(0 0 LW 5 ? *)", "UTC", utc(2026, 1, 1), 1, [utc(2026, 5, 29)]),
    # 1W: Feb 1 Sun -> Mon 2; Mar 1 Sun -> Mon 2; Aug 1 Sat -> Mon 3 (never leaves the month)
    ("cron(0 0 1W * ? *)", "UTC", utc(2026, 1, 2), 2, days(2026, [(2, 2), (3, 2)])),
    ("cron(0 0 1W 8 ? *)", "UTC", utc(2026, 1, 1), 1, [utc(2026, 8, 3)]),
    ("cron(0 0 1W 1 ? *)", "UTC", utc(2025, 12, 1), 1, [utc(2026, 1, 1)]),  # Thursday
    ("cron(0 0 15W 3 ? *)", "UTC", utc(2026, 1, 1), 1, [utc(2026, 3, 16)]),  # Sun -> Mon
    # 31W: skips months without a 31st; May 31 Sun -> Fri 29; Oct 31 Sat -> Fri 30
    (
        "cron(0 0 31W * ? *)",
        "UTC",
        utc(2026, 1, 1),
        7,
        days(2026, [(1, 30), (3, 31), (5, 29), (7, 31), (8, 31), (10, 30), (12, 31)]),
    ),
    ("cron(0 9 ? * 2#1 *)", "UTC", utc(2026, 1, 1), 3, days(2026, [(1, 5), (2, 2), (3, 2)], 9)),
    ("cron(0 0 ? * 5#5 *)", "UTC", utc(2026, 1, 1), 3, days(2026, [(1, 29), (4, 30), (7, 30)])),
    ("cron(0 0 ? * 6L *)", "UTC", utc(2026, 1, 1), 3, days(2026, [(1, 30), (2, 27), (3, 27)])),
    # --- leap years and year bounds -------------------------------------------------------
    (
        "cron(0 0 29 2 ? *)",
        "UTC",
        utc(2026, 1, 1),
        3,
        [utc(2028, 2, 29), utc(2032, 2, 29), utc(2036, 2, 29)],
    ),
    ("0 0 29 2 *", "UTC", utc(2096, 3, 1), 1, [utc(2104, 2, 29)]),  # 2100 is not a leap year
    ("cron(0 0 1 1 ? 2199)", "UTC", utc(2026, 1, 1), 3, [utc(2199, 1, 1)]),
    ("cron(0 0 1 1 ? 2199)", "UTC", utc(2199, 1, 1), 3, []),
    ("cron(0 0 1 1 ? 2020-2025)", "UTC", utc(2026, 1, 1), 3, []),
    (
        "* * * * *",
        "UTC",
        utc(2199, 12, 31, 23, 57),
        5,
        [utc(2199, 12, 31, 23, 58), utc(2199, 12, 31, 23, 59)],
    ),
    (
        "cron(0 12 1 1 ? 2027,2029-2030)",
        "UTC",
        utc(2026, 1, 1),
        5,
        [utc(2027, 1, 1, 12), utc(2029, 1, 1, 12), utc(2030, 1, 1, 12)],
    ),
    ("0 0 1 1 *", "UTC", utc(1960, 6, 1), 1, [utc(1970, 1, 1)]),
    # --- standard OR semantics (each minute once even when both parts hit) -------------------
    # Friday OR the 13th; 2026-02-13 and 2026-03-13 are Fridays
    (
        "0 0 13 * 5",
        "UTC",
        utc(2026, 2, 1),
        6,
        days(2026, [(2, 6), (2, 13), (2, 20), (2, 27), (3, 6), (3, 13)]),
    ),
    # April 13 is a Monday: it fires in addition to the Fridays
    (
        "0 0 13 * 5",
        "UTC",
        utc(2026, 3, 28),
        5,
        days(2026, [(4, 3), (4, 10), (4, 13), (4, 17), (4, 24)]),
    ),
    ("0 0 1 * MON", "UTC", utc(2026, 5, 31), 3, days(2026, [(6, 1), (6, 8), (6, 15)])),
    # --- cron's AND when a day field starts with '*' (Vixie, cronie) ---------------------
    # "*/2" with every weekday is odd days only, not "odd days or any weekday" (every day)
    ("0 0 */2 * 0-6", "UTC", utc(2026, 1, 30), 3, days(2026, [(1, 31), (2, 1), (2, 3)])),
    # "*" with "*/2" (Sun, Tue, Thu, Sat) is those weekdays; 2026-06-02 is a Tuesday
    ("0 0 * * */2", "UTC", utc(2026, 6, 1), 3, days(2026, [(6, 2), (6, 4), (6, 6)])),
    # "*/1" covers every day, so the weekday alone decides
    ("0 0 */1 * MON", "UTC", utc(2026, 5, 31), 2, days(2026, [(6, 1), (6, 8)])),
]


@pytest.mark.parametrize(("text", "zone", "after", "count", "expected"), CASES)
def test_next_fire_times(
    text: str, zone: str, after: datetime, count: int, expected: list[datetime]
) -> None:
    got = next_fire_times(parse_schedule(text), timezone=zone, after=after, count=count)
    assert got == expected
    assert all(t.utcoffset() == timedelta(0) for t in got)


RATE_CASES = [
    # anchored at 1970-01-01T00:00Z: multiples of the period
    ("rate(5 minutes)", utc(2026, 1, 1, 0, 2, 30), 3, [utc(2026, 1, 1, 0, m) for m in (5, 10, 15)]),
    ("rate(5 minutes)", utc(2026, 1, 1, 0, 5), 1, [utc(2026, 1, 1, 0, 10)]),
    (
        "rate(1 minute)",
        utc(2026, 1, 1, 0, 0, 0, 1),
        2,
        [utc(2026, 1, 1, 0, 1), utc(2026, 1, 1, 0, 2)],
    ),
    ("rate(3 hours)", utc(2026, 1, 1, 1), 2, [utc(2026, 1, 1, 3), utc(2026, 1, 1, 6)]),
    ("rate(1 day)", utc(2026, 3, 29, 12), 2, [utc(2026, 3, 30), utc(2026, 3, 31)]),
    # 7-day multiples since a Thursday epoch fall on Thursdays; 2026-01-01 is one
    ("rate(7 days)", utc(2026, 1, 1), 2, [utc(2026, 1, 8), utc(2026, 1, 15)]),
    ("rate(7 minutes)", utc(1970, 1, 1), 2, [utc(1970, 1, 1, 0, 7), utc(1970, 1, 1, 0, 14)]),
]


@pytest.mark.parametrize(("text", "after", "count", "expected"), RATE_CASES)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_rate_anchored_at_epoch_ignores_zone(
    text: str, after: datetime, count: int, expected: list[datetime], zone: str
) -> None:
    got = next_fire_times(parse_schedule(text), timezone=zone, after=after, count=count)
    assert got == expected


AT_CASES = [
    ("UTC", utc(2026, 3, 1), [utc(2026, 3, 29, 1)]),
    ("UTC", utc(2026, 3, 29, 1), []),
    ("UTC", utc(2026, 3, 29, 0, 59, 59), [utc(2026, 3, 29, 1)]),
    ("Europe/Berlin", utc(2026, 3, 1), [utc(2026, 3, 29, 0)]),  # 01:00 CET
    ("America/New_York", utc(2026, 3, 1), [utc(2026, 3, 29, 5)]),  # 01:00 EDT
]


@pytest.mark.parametrize(("zone", "after", "expected"), AT_CASES)
def test_at_fires_once(zone: str, after: datetime, expected: list[datetime]) -> None:
    s = parse_schedule("at(2026-03-29T01:00:00)", allow_at=True)
    assert next_fire_times(s, timezone=zone, after=after, count=3) == expected


def test_after_in_another_zone_is_respected() -> None:
    after = datetime(2026, 1, 1, 3, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 02:00Z
    got = next_fire_times(parse_schedule("0 2 * * *"), after=after, count=1)
    assert got == [utc(2026, 1, 2, 2)]
    fixed = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=-1)))  # 02:00Z
    assert next_fire_times(parse_schedule("0 2 * * *"), after=fixed, count=1) == got


def test_naive_after_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times(parse_schedule("0 2 * * *"), after=datetime(2026, 1, 1), count=1)


def test_bad_timezone_is_a_schedule_error() -> None:
    with pytest.raises(ScheduleError) as info:
        next_fire_times(
            parse_schedule("0 2 * * *"), timezone="Mars/Base", after=utc(2026, 1, 1), count=1
        )
    assert info.value.message.startswith("timezone:")


@pytest.mark.parametrize("count", [0, -1])
def test_non_positive_count_is_empty(count: int) -> None:
    assert next_fire_times(parse_schedule("* * * * *"), after=utc(2026, 1, 1), count=count) == []


SPARSE = [
    "cron(0 0 ? * 6L 2199)",
    "cron(0 0 29 2 ? 2196)",
    "cron(0 0 1 1 ? 2199)",
    "cron(59 23 31 12 ? 2199)",
    "0 0 29 2 *",
]


@pytest.mark.parametrize("text", SPARSE)
def test_sparse_schedules_are_fast(text: str) -> None:
    started = time.perf_counter()
    got = next_fire_times(parse_schedule(text), after=utc(1970, 1, 1), count=5)
    assert got
    assert time.perf_counter() - started < 0.5


def test_dense_schedule_many_results() -> None:
    got = next_fire_times(parse_schedule("* * * * *"), after=utc(2026, 1, 1), count=3000)
    assert len(got) == 3000
    assert got[-1] == utc(2026, 1, 1) + timedelta(minutes=3000)


# --- cross-checks ---------------------------------------------------------------------------


def _random_field(rng: random.Random, low: int, high: int, star_ok: bool = True) -> str:
    kind = rng.choice(["star", "value", "range", "list", "step", "range_step"])
    if kind == "star" and star_ok:
        return "*"
    a, b = sorted(rng.sample(range(low, high + 1), 2))
    if kind == "value":
        return str(a)
    if kind == "range":
        return f"{a}-{b}"
    if kind == "list":
        return ",".join(str(v) for v in sorted(rng.sample(range(low, high + 1), 3)))
    if kind == "step":
        return f"*/{rng.randint(2, 5)}"
    return f"{a}-{b}/{rng.randint(1, 3)}"


def _random_standard(rng: random.Random) -> str:
    return " ".join(
        [
            _random_field(rng, 0, 59),
            _random_field(rng, 0, 23),
            _random_field(rng, 1, 28),
            _random_field(rng, 1, 12),
            _random_field(rng, 0, 6),
        ]
    )


def _croniter_times(text: str, after: datetime, count: int) -> list[datetime]:
    it = croniter(text, after)
    return [it.get_next(datetime) for _ in range(count)]


def _star_day(text: str) -> bool:
    """Vixie/cronie AND the day fields when either starts with '*' (see parse._star_days)."""
    dom, dow = text.split()[2], text.split()[4]
    return dom.startswith("*") or dow.startswith("*")


@pytest.mark.parametrize("seed", range(150))
def test_matches_croniter_in_utc(seed: int) -> None:
    # In UTC, with standard 5-field syntax, croniter is right (DESIGN.md lists its faults
    # only for DST, AWS fields and L/W/#), so it serves as an independent oracle here. Its
    # day_or=False is cron's AND of the day fields, which applies when one starts with '*'.
    rng = random.Random(seed)
    text = _random_standard(rng)
    after = utc(2026, 1, 1) + timedelta(minutes=rng.randint(0, 60 * 24 * 400))
    try:
        schedule = parse_schedule(text)
    except ScheduleError as exc:
        # Only an AND of two restricted day fields, which AWS cannot express, is refused.
        assert _star_day(text) and "cron runs only on days matching both" in exc.message, text
        return
    ours = next_fire_times(schedule, after=after, count=15)
    it = croniter(text, after, day_or=not _star_day(text))
    assert ours == [it.get_next(datetime) for _ in range(15)], text


@pytest.mark.parametrize("seed", range(150))
def test_aws_translation_keeps_meaning(seed: int) -> None:
    # The union of the translated expressions fires exactly when the original does.
    rng = random.Random(1000 + seed)
    text = _random_standard(rng)
    after = utc(2026, 1, 1) + timedelta(minutes=rng.randint(0, 60 * 24 * 400))
    try:
        original = next_fire_times(parse_schedule(text), after=after, count=15)
    except ScheduleError:
        return  # refused at parse time (see test_matches_croniter_in_utc); nothing to deploy
    union: set[datetime] = set()
    for expr in to_aws_expressions(parse_schedule(text)):
        union.update(next_fire_times(parse_schedule(expr), after=after, count=15))
    assert sorted(union)[:15] == original, text
