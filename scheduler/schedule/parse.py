"""Parse schedule text (standard cron, AWS cron(), rate(), @macros, at()) into a Schedule.

AWS rules follow the EventBridge "Cron expressions reference"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
six fields, day-of-week 1-7 = SUN-SAT, year 1970-2199, exactly one of day-of-month and
day-of-week must be '?', and only one '#' term. That page documents L and W in
day-of-month and L and # in day-of-week but not Quartz's "L-n" offset, so "L-n" is
rejected rather than risk a deploy that AWS refuses.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from scheduler.schedule import fields as fld
from scheduler.schedule.model import (
    ALL_DAYS,
    ALL_HOURS,
    ALL_MINUTES,
    ALL_MONTHS,
    ALL_WEEKDAYS,
    ALL_YEARS,
    MONTH_NAMES,
    YEAR_MAX,
    YEAR_MIN,
    Schedule,
    ScheduleError,
)

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_STD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_AWS_SPECIAL = re.compile(r"[?#]|(^|,)(L|LW|L-\d+|\d+[LW]|[A-Za-z]{3}L)(,|$)", re.IGNORECASE)
_MAYBE_SPECIAL = re.compile(r"[?#LW]", re.IGNORECASE)
_RATE = re.compile(r"rate\(\s*(\S+)\s+([A-Za-z]+)\s*\)", re.IGNORECASE)
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", re.IGNORECASE)
_NEAREST = re.compile(r"([0-9]{1,2})W")
_LAST_DOW = re.compile(r"([0-9]|[A-Z]{3})L")
_NTH_DOW = re.compile(r"([0-9]|[A-Z]{3})#([0-9]+)")
_SECONDS_HINT = "seconds are not supported: nothing may fire more often than once a minute"


class _Dom(NamedTuple):
    days: frozenset[int] | None = None
    last: bool = False
    last_weekday: bool = False
    nearest: int | None = None


class _Dow(NamedTuple):
    days: frozenset[int] | None = None
    last_in_month: int | None = None
    nth: tuple[int, int] | None = None


def parse_schedule(text: str, *, allow_at: bool = False) -> Schedule:
    """Parse any supported schedule form; raise ScheduleError naming the bad field.

    Remembered per text: a catalogue repeats a few expressions across many jobs, and
    validation, rule counting, ``list`` and ``next`` each parse every job's. A Schedule
    is frozen, so sharing one is safe; errors are raised again each time (never cached).
    """
    return _parse_remembered(text, allow_at)


@lru_cache(maxsize=2048)
def _parse_remembered(text: str, allow_at: bool) -> Schedule:
    stripped = text.strip()
    lowered = stripped.lower()
    if not stripped:
        raise ScheduleError("schedule: empty expression", hint="e.g. '0 2 * * *' or 'rate(1 hour)'")
    if lowered.startswith("@"):
        if lowered not in _MACROS:
            raise ScheduleError(
                f"schedule: unknown macro {stripped!r}",
                hint="use @hourly, @daily, @weekly, @monthly, @yearly or @annually",
            )
        return _standard(text, _MACROS[lowered], "macro")
    if lowered.startswith("cron("):
        return _aws(text, stripped)
    if lowered.startswith("rate("):
        return _rate(text, stripped)
    if lowered.startswith("at("):
        if not allow_at:
            raise ScheduleError(
                "schedule: at(...) one-time schedules are not allowed here",
                hint="use a cron or rate expression",
            )
        return _at(text, stripped)
    return _standard(text, stripped, "standard")


def _standard(source: str, body: str, dialect: str) -> Schedule:
    parts = body.split()
    if len(parts) != 5:
        hint = "write minute hour day-of-month month day-of-week, e.g. '0 2 * * *'"
        if len(parts) in (6, 7):
            hint = f"AWS 6-field expressions must be wrapped as cron(...); {_SECONDS_HINT}"
        raise ScheduleError(f"schedule: expected 5 fields, got {len(parts)}", hint=hint)
    # Most expressions hold none of ? # L W (any case), so the per-field search is skipped.
    for name, part in zip(_STD_NAMES, parts if _MAYBE_SPECIAL.search(body) else (), strict=False):
        if _AWS_SPECIAL.search(part):
            raise ScheduleError(
                f"{name}: {part!r} uses AWS-only syntax (? L W #)",
                hint="write it in the AWS form cron(min hour dom month dow year)",
            )
    minute, hour, dom, month, dow = parts
    months = fld.parse_values(fld.MONTH, month)
    days_of_month = None if dom == "*" else fld.parse_values(fld.DAY_OF_MONTH, dom)
    days_of_week = None if dow == "*" else fld.parse_values(fld.STD_DAY_OF_WEEK, dow)
    if dom.startswith("*") or dow.startswith("*"):
        days_of_month, days_of_week = _star_days(body, days_of_month, days_of_week)
    if days_of_month is not None and days_of_week is None:
        _check_days_exist(days_of_month, months)
    return Schedule(
        source=source,
        kind="cron",
        dialect="macro" if dialect == "macro" else "standard",
        minutes=fld.parse_values(fld.MINUTE, minute),
        hours=fld.parse_values(fld.HOUR, hour),
        months=months,
        days_of_month=days_of_month,
        days_of_week=days_of_week,
    )


def _star_days(
    body: str, dom: frozenset[int] | None, dow: frozenset[int] | None
) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """Vixie cron and cronie: when either day field starts with "*" (so "*/2" too), a day
    must match both fields (AND), not either (OR) as when both are written without "*".

    A field that still covers every day then restricts nothing, so the other one alone
    decides and AWS can express it. Two genuinely restricted fields joined by AND cannot
    be written as EventBridge cron (one day field must be "?"), so the expression is
    rejected rather than deployed with another meaning. Vixie's rule: a day field whose
    first character is "*" sets DOM_STAR / DOW_STAR, and then the day matches only if
    both bit sets match (cron.c, find_jobs; cronie keeps the same rule).
    """
    if dom == ALL_DAYS:
        dom = None
    if dow == ALL_WEEKDAYS:
        dow = None
    if dom is None or dow is None:
        return dom, dow
    minute, hour, dom_text, month, dow_text = body.split()
    either = " ".join((minute, hour, _unstar(dom_text, "1-31"), month, _unstar(dow_text, "0-6")))
    raise ScheduleError(
        f"day-of-month {dom_text!r} and day-of-week {dow_text!r}: with a day field starting "
        f"with '*', cron runs only on days matching both, which AWS cannot express",
        hint=f"to run on days matching either field write {either!r}; to run only on days "
        f"matching both, schedule one field and check the other in the handler",
    )


def _unstar(text: str, full: str) -> str:
    return full + text[1:] if text.startswith("*") else text


def _check_days_exist(days: frozenset[int], months: frozenset[int]) -> None:
    # A dom-only schedule like "0 0 31 2 *" would never fire; say so instead of deploying it.
    if any(day <= calendar.monthrange(2000, m)[1] for day in days for m in months):
        return
    names = ", ".join(MONTH_NAMES[m - 1] for m in sorted(months))
    raise ScheduleError(f"day-of-month: day {min(days)} never occurs in {names}")


def _plain(spec: fld.FieldSpec, text: str, full: frozenset[int]) -> frozenset[int]:
    if "?" in text:
        raise ScheduleError(f"{spec.name}: '?' is only allowed in day-of-month or day-of-week")
    return full if text == "*" else fld.parse_values(spec, text)


def _aws(source: str, stripped: str) -> Schedule:
    if not stripped.endswith(")"):
        raise ScheduleError("schedule: cron( is missing its closing ')'")
    parts = stripped[5:-1].upper().split()
    if len(parts) != 6:
        hint = "AWS cron has 6 fields: minute hour day-of-month month day-of-week year"
        if len(parts) == 5:
            hint = "add the year field, e.g. cron(0 2 * * ? *)"
        elif len(parts) == 7:
            hint = _SECONDS_HINT
        raise ScheduleError(f"schedule: cron() expects 6 fields, got {len(parts)}", hint=hint)
    minute, hour, dom, month, dow, year = parts
    if dom == "?" and dow == "?":
        raise ScheduleError(
            "day-of-month and day-of-week: only one of them may be '?'",
            hint="put '*' or a value in the other, e.g. cron(0 2 * * ? *)",
        )
    if dom != "?" and dow != "?":
        raise ScheduleError(
            "day-of-month and day-of-week: AWS cron requires one of them to be '?'",
            hint="e.g. cron(0 2 1 * ? *) or cron(0 2 ? * MON *); "
            "the standard 5-field form may restrict both",
        )
    dom_spec, dow_spec = _aws_dom(dom), _aws_dow(dow)
    months = _plain(fld.MONTH, month, ALL_MONTHS)
    if dom_spec.days is not None:
        _check_days_exist(dom_spec.days, months)
    if dom_spec.nearest is not None:
        _check_days_exist(frozenset({dom_spec.nearest}), months)
    return Schedule(
        source=source,
        kind="cron",
        dialect="aws",
        minutes=_plain(fld.MINUTE, minute, ALL_MINUTES),
        hours=_plain(fld.HOUR, hour, ALL_HOURS),
        months=months,
        years=_plain(fld.YEAR, year, ALL_YEARS),
        days_of_month=dom_spec.days,
        last_day_of_month=dom_spec.last,
        last_weekday_of_month=dom_spec.last_weekday,
        nearest_weekday=dom_spec.nearest,
        days_of_week=dow_spec.days,
        last_weekday_in_month=dow_spec.last_in_month,
        nth_weekday=dow_spec.nth,
    )


def _aws_dom(text: str) -> _Dom:
    name = fld.DAY_OF_MONTH.name
    if text in ("?", "*"):
        return _Dom()
    if text == "L":
        return _Dom(last=True)
    if text == "LW":
        return _Dom(last_weekday=True)
    if text.startswith("L-"):
        raise ScheduleError(
            f"{name}: {text!r} (days before the last) is not in AWS's documented syntax",
            hint="use L for the last day or LW for the last weekday",
        )
    nearest = _NEAREST.fullmatch(text)
    if nearest:
        return _Dom(nearest=fld.DAY_OF_MONTH.value(nearest.group(1)))
    if "L" in text or "W" in text:
        raise ScheduleError(
            f"{name}: {text!r} is not valid; L, LW and nW must stand alone",
            hint="e.g. L, LW or 15W",
        )
    return _Dom(days=fld.parse_values(fld.DAY_OF_MONTH, text))


def _aws_dow(text: str) -> _Dow:
    spec = fld.AWS_DAY_OF_WEEK
    if text in ("?", "*"):
        return _Dow()
    if text.count("#") > 1:
        raise ScheduleError(
            f"{spec.name}: only one '#' term is allowed, got {text!r}",
            hint="AWS reads '3#1,6#3' as two expressions; use two schedules",
        )
    nth = _NTH_DOW.fullmatch(text)
    if nth:
        k = int(nth.group(2))
        if not 1 <= k <= 5:
            raise ScheduleError(f"{spec.name}: '#' instance {k} is out of range 1-5")
        return _Dow(nth=(spec.store(spec.value(nth.group(1))), k))
    if "#" in text:
        raise ScheduleError(f"{spec.name}: {text!r} is not valid; a '#' term must stand alone")
    if text == "L":
        # AWS: "L" in day-of-week is the last day of the week, i.e. Saturday.
        return _Dow(days=frozenset({6}))
    last = _LAST_DOW.fullmatch(text)
    if last:
        return _Dow(last_in_month=spec.store(spec.value(last.group(1))))
    if "L" in text:
        raise ScheduleError(
            f"{spec.name}: {text!r} is not valid; an 'L' term must stand alone", hint="e.g. 6L"
        )
    return _Dow(days=fld.parse_values(spec, text))


def _rate(source: str, stripped: str) -> Schedule:
    match = _RATE.fullmatch(stripped)
    if not match:
        raise ScheduleError(
            f"rate: {stripped!r} is not rate(<value> <unit>)", hint="e.g. rate(5 minutes)"
        )
    value_text, unit_text = match.group(1), match.group(2).lower()
    if not value_text.isdigit():
        raise ScheduleError(f"rate: value {value_text!r} is not a whole number")
    value = int(value_text)
    singular = unit_text.rstrip("s")
    if singular == "second":
        raise ScheduleError(f"rate: unit {unit_text!r} is not supported", hint=_SECONDS_HINT)
    if singular not in ("minute", "hour", "day"):
        raise ScheduleError(
            f"rate: unit {unit_text!r} is not supported", hint="use minutes, hours or days"
        )
    if value < 1:
        raise ScheduleError(f"rate: value must be 1 or more, got {value}")
    if value == 1 and unit_text != singular:
        raise ScheduleError(
            f"rate: AWS requires the singular unit with 1, got {unit_text!r}",
            hint=f"rate(1 {singular})",
        )
    if value > 1 and unit_text == singular:
        raise ScheduleError(
            f"rate: AWS requires a plural unit above 1, got {unit_text!r}",
            hint=f"rate({value} {singular}s)",
        )
    return Schedule(
        source=source,
        kind="rate",
        dialect="rate",
        rate_value=value,
        rate_unit=singular,  # type: ignore[arg-type]
    )


def _at(source: str, stripped: str) -> Schedule:
    match = _AT.fullmatch(stripped)
    if not match:
        raise ScheduleError(
            f"at: {stripped!r} is not at(yyyy-mm-ddThh:mm:ss)", hint="e.g. at(2026-03-29T01:00:00)"
        )
    try:
        when = datetime.fromisoformat(match.group(1))
    except ValueError as exc:
        raise ScheduleError(f"at: {match.group(1)!r} is not a valid date-time ({exc})") from None
    if not YEAR_MIN <= when.year <= YEAR_MAX:
        raise ScheduleError(f"at: year {when.year} is out of range {YEAR_MIN}-{YEAR_MAX}")
    return Schedule(source=source, kind="at", dialect="at", at=when)
