"""Translate a Schedule into EventBridge / Scheduler expressions.

Output is rendered from the parsed sets, never echoed from the input, so it is
deterministic (goldens depend on it) and uses only the syntax the EventBridge
"Cron expressions reference" documents: values, a-b ranges, comma lists, a/n steps,
"?" in exactly one day field, L / LW / nW in day-of-month, nL / d#k in day-of-week.
Day-of-week sets are written with names (SUN-SAT) so AWS's 1=SUN numbering never
meets standard cron's 0=SUN in a reader's head.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from scheduler.schedule.model import (
    ALL_DAYS,
    ALL_HOURS,
    ALL_MINUTES,
    ALL_MONTHS,
    ALL_WEEKDAYS,
    ALL_YEARS,
    DOW_NAMES,
    Schedule,
)


@lru_cache(maxsize=2048)  # a 1,000-job catalogue repeats a few schedules; each is asked 4x
def to_aws_expressions(schedule: Schedule) -> tuple[str, ...]:
    """EventBridge expressions with the schedule's meaning, e.g. ("cron(0 2 * * ? *)",).

    A standard cron that restricts both day fields means "either day matches"; AWS forbids
    restricting both, so that case yields two expressions (day-of-month one first). A minute
    hit by both fires twice in AWS and is deduped downstream by the (job, minute) run key.
    """
    if schedule.kind == "rate":
        value, unit = schedule.rate_value, schedule.rate_unit
        return (f"rate({value} {unit}{'' if value == 1 else 's'})",)
    if schedule.kind == "at":
        assert schedule.at is not None
        return (f"at({schedule.at.strftime('%Y-%m-%dT%H:%M:%S')})",)
    head = f"{_numbers(schedule.minutes, ALL_MINUTES)} {_numbers(schedule.hours, ALL_HOURS)}"
    tail = f"{_numbers(schedule.years, ALL_YEARS)}"
    month = _numbers(schedule.months, ALL_MONTHS)
    dom, dow = _dom(schedule), _dow(schedule)
    if "*" in (dom, dow):
        # A restricted day field that still covers every day ("1-31", "0-6") makes the whole
        # day rule "every day", alone or OR-ed; say so the one way AWS reads back the same.
        dom = dow = None
    if dom is not None and dow is not None:
        return (f"cron({head} {dom} {month} ? {tail})", f"cron({head} ? {month} {dow} {tail})")
    if dow is not None:
        return (f"cron({head} ? {month} {dow} {tail})",)
    return (f"cron({head} {dom or '*'} {month} ? {tail})",)


def _dom(schedule: Schedule) -> str | None:
    if schedule.last_day_of_month:
        return "L"
    if schedule.last_weekday_of_month:
        return "LW"
    if schedule.nearest_weekday is not None:
        return f"{schedule.nearest_weekday}W"
    if schedule.days_of_month is not None:
        return _numbers(schedule.days_of_month, ALL_DAYS)
    return None


def _dow(schedule: Schedule) -> str | None:
    # AWS numbers days 1=SUN..7=SAT; storage is 0=SUN..6=SAT.
    if schedule.last_weekday_in_month is not None:
        return f"{schedule.last_weekday_in_month + 1}L"
    if schedule.nth_weekday is not None:
        weekday, k = schedule.nth_weekday
        return f"{weekday + 1}#{k}"
    if schedule.days_of_week is not None:
        if schedule.days_of_week == ALL_WEEKDAYS:
            return "*"
        return _runs(sorted(schedule.days_of_week), DOW_NAMES.__getitem__)
    return None


def _numbers(values: frozenset[int], full: frozenset[int]) -> str:
    """'*' for the full range, 'a/n' for a step running to the top, else ranges and lists."""
    if values == full:
        return "*"
    ordered = sorted(values)
    top = max(full)
    if len(ordered) >= 3:
        step = ordered[1] - ordered[0]
        if (
            step > 1
            and ordered[-1] + step > top
            and ordered == list(range(ordered[0], ordered[-1] + 1, step))
        ):
            return f"{ordered[0]}/{step}"
    return _runs(ordered, str)


def _runs(ordered: list[int], render: Callable[[int], str]) -> str:
    """Collapse consecutive values into a-b ranges, joined by commas."""
    pieces: list[str] = []
    start = prev = ordered[0]
    for value in [*ordered[1:], None]:
        if value is not None and value == prev + 1:
            prev = value
            continue
        pieces.append(render(start) if start == prev else f"{render(start)}-{render(prev)}")
        if value is not None:
            start = prev = value
    return ",".join(pieces)
