"""Plain-English descriptions of schedules, for CLI listings and plan output.

Aimed at humans skimming a table, not at round-tripping: "At 02:00, every day",
"Every 5 minutes", "At 09:30, Monday through Friday". Deterministic for a given Schedule.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.schedule.model import (
    ALL_HOURS,
    ALL_MINUTES,
    ALL_MONTHS,
    ALL_YEARS,
    Schedule,
)

_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
# Weekdays read Monday-first ("Saturday and Sunday", "Monday through Friday").
_WEEK_ORDER = (1, 2, 3, 4, 5, 6, 0)
_MAX_LISTED_TIMES = 6


def describe(schedule: Schedule) -> str:
    """One line of English for the schedule."""
    if schedule.kind == "rate":
        value, unit = schedule.rate_value, schedule.rate_unit
        return f"Every {unit}" if value == 1 else f"Every {value} {unit}s"
    if schedule.kind == "at":
        assert schedule.at is not None
        return f"Once, at {schedule.at.strftime('%Y-%m-%d %H:%M')}"
    time_phrase, day_phrase = _time_phrase(schedule), _day_phrase(schedule)
    # "Every 5 minutes, every day" says nothing the first half did not.
    parts = [time_phrase]
    hourly = time_phrase.startswith("Every") or time_phrase.endswith("of every hour")
    if not (hourly and day_phrase == "every day"):
        parts.append(day_phrase)
    if schedule.months != ALL_MONTHS:
        parts.append(_list(sorted(schedule.months), lambda m: _MONTH_NAMES[m - 1], "in "))
    if schedule.years != ALL_YEARS:
        parts.append(_list(sorted(schedule.years), str, "in "))
    return ", ".join(parts)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _list(values: list[int], label: Callable[[int], str], prefix: str) -> str:
    """'in January', 'in January and July', 'January through March' style phrases."""
    if len(values) >= 3 and values == list(range(values[0], values[-1] + 1)):
        return f"{label(values[0])} through {label(values[-1])}"
    return prefix + _join([label(v) for v in values])


def _step_of(values: list[int], top: int) -> int | None:
    """n when values are 0, n, 2n, ... covering the field (i.e. '*/n'), else None."""
    if len(values) < 2 or values[0] != 0:
        return None
    step = values[1]
    return step if values == list(range(0, top + 1, step)) else None


def _time_phrase(s: Schedule) -> str:
    minutes, hours = sorted(s.minutes), sorted(s.hours)
    all_hours = s.hours == ALL_HOURS
    if s.minutes == ALL_MINUTES:
        minute_part = "Every minute"
    elif (step := _step_of(minutes, 59)) is not None:
        minute_part = f"Every {step} minutes"
    elif all_hours and len(minutes) == 1:
        return f"Every hour at minute {minutes[0]}"
    elif (
        not all_hours
        and _step_of(hours, 23) is None
        and len(minutes) * len(hours) <= _MAX_LISTED_TIMES
    ):
        return "At " + _join([f"{h:02d}:{m:02d}" for h in hours for m in minutes])
    else:
        minute_part = (
            "At minute" + ("s " if len(minutes) > 1 else " ") + _join([str(m) for m in minutes])
        )
    if all_hours:
        return minute_part if minute_part.startswith("Every") else f"{minute_part} of every hour"
    if (step := _step_of(hours, 23)) is not None:
        return f"{minute_part}, every {step} hours"
    if len(hours) >= 2 and hours == list(range(hours[0], hours[-1] + 1)):
        return f"{minute_part}, between {hours[0]:02d}:00 and {hours[-1]:02d}:59"
    return (
        f"{minute_part}, during hour"
        + ("s " if len(hours) > 1 else " ")
        + _join([f"{h:02d}" for h in hours])
    )


def _dom_phrase(s: Schedule) -> str:
    if s.last_day_of_month:
        return "on the last day of the month"
    if s.last_weekday_of_month:
        return "on the last weekday of the month"
    if s.nearest_weekday is not None:
        return f"on the weekday nearest day {s.nearest_weekday} of the month"
    assert s.days_of_month is not None
    days = sorted(s.days_of_month)
    if len(days) == 1:
        return f"on day {days[0]} of the month"
    return "on days " + _list(days, str, "") + " of the month"


def _dow_phrase(s: Schedule) -> str:
    if s.last_weekday_in_month is not None:
        return f"on the last {_DAY_NAMES[s.last_weekday_in_month]} of the month"
    if s.nth_weekday is not None:
        weekday, k = s.nth_weekday
        return f"on the {_ORDINALS[k - 1]} {_DAY_NAMES[weekday]} of the month"
    assert s.days_of_week is not None
    positions = sorted(_WEEK_ORDER.index(d) for d in s.days_of_week)
    if len(positions) == 7:
        return "every day"
    return _list(positions, lambda p: _DAY_NAMES[_WEEK_ORDER[p]], "on ")


def _day_phrase(s: Schedule) -> str:
    dom, dow = s.dom_restricted, s.dow_restricted
    if dom and dow:
        return f"{_dom_phrase(s)}, and {_dow_phrase(s)}"
    if dom:
        return _dom_phrase(s)
    if dow:
        return _dow_phrase(s)
    return "every day"
