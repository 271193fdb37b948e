"""Compute when a Schedule fires: our own field-set evaluator, not croniter.

croniter mis-handles DST (fires 03:00 on spring-forward, twice on fall-back), reads AWS's
sixth field as seconds and rejects 6L / LW, so cron is evaluated here from the parsed sets.
The walk goes year -> month -> matching days -> hours -> minutes, so sparse schedules
("0 0 29 2 ? *", "0 0 ? * 6L 2199") cost one step per candidate month, not per minute.

DST follows EventBridge Scheduler, which evaluates cron in local wall time and
"When the time shifts forward in Spring, your schedule invocation gets skipped if the cron
expression falls on a non-existent date and time. When the time shifts back in the Fall,
your schedule runs only once" -- see
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time
and https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst .
We fire the repeated local time at its first occurrence (the earlier UTC instant).
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo

from scheduler.schedule.model import Schedule
from scheduler.schedule.zones import get_zone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTH_LENGTHS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def next_fire_times(
    schedule: Schedule, *, timezone: str = "UTC", after: datetime, count: int
) -> list[datetime]:
    """Up to ``count`` aware UTC fire times strictly after ``after``, ascending.

    ``rate(N unit)`` is anchored at the Unix epoch (multiples of N units since
    1970-01-01T00:00Z) so the result is reproducible; real AWS anchors a rate at the rule's
    creation time (or a Scheduler StartDate), so live fire times may be offset from ours.
    ``at(...)`` is read as wall time in ``timezone``; a time inside a spring-forward gap is
    read with the pre-transition offset (so it still fires, one hour later on the clock).
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be a timezone-aware datetime")
    if count <= 0:
        return []
    zone = get_zone(timezone)
    if schedule.kind == "rate":
        return _rate_times(schedule, after, count)
    if schedule.kind == "at":
        return _at_times(schedule, zone, after)
    return _cron_times(schedule, zone, after, count)


def _rate_times(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    seconds = schedule.rate_seconds
    assert seconds is not None
    period = timedelta(seconds=seconds)
    first = (after - _EPOCH) // period + 1
    out: list[datetime] = []
    for index in range(first, first + count):
        try:
            out.append(_EPOCH + index * period)
        except OverflowError:  # past datetime.max: the schedule has run out
            break
    return out


def _at_times(schedule: Schedule, zone: tzinfo, after: datetime) -> list[datetime]:
    assert schedule.at is not None
    when = schedule.at.replace(tzinfo=zone).astimezone(UTC)
    return [when] if when > after else []


def _cron_times(schedule: Schedule, zone: tzinfo, after: datetime, count: int) -> list[datetime]:
    # Candidates earlier than after's wall time can only map to earlier instants, so the walk
    # starts at that minute; the "> after" filter handles seconds and the repeated fall-back
    # hour (where a wall time after `after` may still be an earlier instant).
    start = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    out: list[datetime] = []
    if _is_utc(zone):
        # UTC has no gaps or repeats: a wall time is its own instant, built aware directly.
        for instant in _local_candidates(schedule, start, UTC):
            if instant > after:
                out.append(instant)
                if len(out) == count:
                    break
        return out
    for local in _local_candidates(schedule, start):
        converted = _to_utc(local, zone)
        if converted is None or converted <= after:
            continue
        out.append(converted)
        if len(out) == count:
            break
    return out


def _is_utc(zone: tzinfo) -> bool:
    return zone is UTC or getattr(zone, "key", None) == "UTC"


def _to_utc(local: datetime, zone: tzinfo) -> datetime | None:
    """Wall time -> UTC instant; None if the wall time does not exist (spring-forward gap).

    fold=0 picks the first occurrence of a repeated wall time, which is the one that fires.
    """
    instant = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return instant


def _local_candidates(
    schedule: Schedule, start: datetime, tz: tzinfo | None = None
) -> Iterator[datetime]:
    """Wall-clock times matching every field, ascending, from ``start`` (inclusive).

    They carry ``tz`` (naive by default), so a UTC walk needs no conversion afterwards.

    The sorted field values are cached on the Schedule; the first year, month, hour and
    minute at or after ``start`` are found by bisection, so only the start's own year,
    month and day pay for a comparison with it.
    """
    years, months = schedule.sorted_years, schedule.sorted_months
    hours, minutes = schedule.sorted_hours, schedule.sorted_minutes
    s_year, s_month, s_day, s_hour, s_minute = (
        start.year,
        start.month,
        start.day,
        start.hour,
        start.minute,
    )
    first_hour = bisect_left(hours, s_hour)
    for year_index in range(bisect_left(years, s_year), len(years)):
        year = years[year_index]
        month_from = bisect_left(months, s_month) if year == s_year else 0
        for month_index in range(month_from, len(months)):
            month = months[month_index]
            first_month = year == s_year and month == s_month
            for day in matching_days(schedule, year, month):
                if not first_month or day > s_day:
                    for hour in hours:
                        for minute in minutes:
                            yield datetime(year, month, day, hour, minute, tzinfo=tz)
                elif day == s_day:
                    for hour_index in range(first_hour, len(hours)):
                        hour = hours[hour_index]
                        minute_from = bisect_left(minutes, s_minute) if hour == s_hour else 0
                        for minute_index in range(minute_from, len(minutes)):
                            yield datetime(year, month, day, hour, minutes[minute_index], tzinfo=tz)


def _weekday(year: int, month: int, day: int) -> int:
    """0=Sunday..6=Saturday, the storage numbering of Schedule.days_of_week."""
    return (calendar.weekday(year, month, day) + 1) % 7


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int | None:
    # Quartz/AWS "nW": the Mon-Fri day nearest day n, never leaving the month.
    if day > last:
        return None
    weekday = _weekday(year, month, day)
    if weekday == 6:  # Saturday -> Friday before, or Monday after if that leaves the month
        return day - 1 if day > 1 else day + 2
    if weekday == 0:  # Sunday -> Monday after, or Friday before if that leaves the month
        return day + 1 if day < last else day - 2
    return day


def _dom_days(schedule: Schedule, year: int, month: int, last: int) -> set[int]:
    days: set[int] = set()
    if schedule.days_of_month is not None:
        days.update(d for d in schedule.days_of_month if d <= last)
    if schedule.last_day_of_month:
        days.add(last)
    if schedule.last_weekday_of_month:
        nearest = _nearest_weekday(year, month, last, last)
        assert nearest is not None
        days.add(nearest)
    if schedule.nearest_weekday is not None:
        nearest = _nearest_weekday(year, month, schedule.nearest_weekday, last)
        if nearest is not None:
            days.add(nearest)
    return days


def _dow_days(schedule: Schedule, year: int, month: int, last: int) -> set[int]:
    days: set[int] = set()
    first = _weekday(year, month, 1)
    for day in range(1, last + 1):
        weekday = (first + day - 1) % 7
        if schedule.days_of_week is not None and weekday in schedule.days_of_week:
            days.add(day)
        if schedule.last_weekday_in_month == weekday and day + 7 > last:
            days.add(day)
        if schedule.nth_weekday == (weekday, (day - 1) // 7 + 1):
            days.add(day)
    return days


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return _MONTH_LENGTHS[month]


def matching_days(schedule: Schedule, year: int, month: int) -> list[int]:
    """Days of (year, month) that fire, applying the OR rule when both day parts restrict."""
    last = _month_length(year, month)
    plain = schedule.plain_days_of_month
    if plain is not None:  # the common dom-only case, without building sets
        return [day for day in plain if day <= last]
    dom, dow = schedule.dom_restricted, schedule.dow_restricted
    if not dom and not dow:
        return list(range(1, last + 1))
    days: set[int] = set()
    if dom:
        days |= _dom_days(schedule, year, month, last)
    if dow:
        days |= _dow_days(schedule, year, month, last)
    return sorted(days)
