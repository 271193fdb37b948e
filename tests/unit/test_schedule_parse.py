"""Table-driven tests for parse_schedule: accepted forms and every rejection path."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduler.schedule import Schedule, ScheduleError, parse_schedule
from scheduler.schedule.model import ALL_HOURS, ALL_MINUTES, ALL_YEARS

# --- accepted forms -----------------------------------------------------------------------

FIELD_CASES = [
    # text, attribute, expected value
    ("*/15 * * * *", "minutes", frozenset({0, 15, 30, 45})),
    ("5-20/5 * * * *", "minutes", frozenset({5, 10, 15, 20})),
    ("7/20 * * * *", "minutes", frozenset({7, 27, 47})),
    ("0,30 * * * *", "minutes", frozenset({0, 30})),
    ("0 9-11,14 * * *", "hours", frozenset({9, 10, 11, 14})),
    ("0 0 * JAN,jul *", "months", frozenset({1, 7})),
    ("0 0 * FEB-APR *", "months", frozenset({2, 3, 4})),
    ("0 0 * * MON-FRI", "days_of_week", frozenset({1, 2, 3, 4, 5})),
    ("0 0 * * 0", "days_of_week", frozenset({0})),
    ("0 0 * * 7", "days_of_week", frozenset({0})),
    ("0 0 * * 5-7", "days_of_week", frozenset({5, 6, 0})),
    ("0 0 * * */2", "days_of_week", frozenset({0, 2, 4, 6})),
    ("0 0 * * sun", "days_of_week", frozenset({0})),
    ("0 0 1,15 * *", "days_of_month", frozenset({1, 15})),
    ("0 0 * * *", "days_of_month", None),
    ("0 0 * * *", "days_of_week", None),
    ("cron(0 18 ? * MON-FRI *)", "days_of_week", frozenset({1, 2, 3, 4, 5})),
    ("cron(0 0 ? * 1 *)", "days_of_week", frozenset({0})),
    ("cron(0 0 ? * 7 *)", "days_of_week", frozenset({6})),
    ("cron(0 0 ? * 1-7/2 *)", "days_of_week", frozenset({0, 2, 4, 6})),
    ("cron(0 0 ? * L *)", "days_of_week", frozenset({6})),
    ("cron(0 0 L * ? *)", "last_day_of_month", True),
    ("cron(0 0 LW * ? *)", "last_weekday_of_month", True),
    ("cron(0 0 15W * ? *)", "nearest_weekday", 15),
    ("cron(0 0 ? * 6L *)", "last_weekday_in_month", 5),
    ("cron(0 0 ? * FRIL *)", "last_weekday_in_month", 5),
    ("cron(0 9 ? * 2#1 *)", "nth_weekday", (1, 1)),
    ("cron(0 9 ? * MON#2 *)", "nth_weekday", (1, 2)),
    ("cron(0 0 1 1 ? 2026-2028,2030)", "years", frozenset({2026, 2027, 2028, 2030})),
    ("cron(0 0 1 1 ? 2190/5)", "years", frozenset({2190, 2195})),
    ("cron(0 0 1 1 ? *)", "years", ALL_YEARS),
    ("cron(0/15 * * * ? *)", "minutes", frozenset({0, 15, 30, 45})),
    ("cron(1/10 * * * ? *)", "minutes", frozenset({1, 11, 21, 31, 41, 51})),
    ("  cron( 0 2 * * ? * )  ", "hours", frozenset({2})),
    ("rate(1 minute)", "rate_seconds", 60),
    ("rate(5 minutes)", "rate_seconds", 300),
    ("rate(1 hour)", "rate_seconds", 3600),
    ("rate(12 hours)", "rate_seconds", 43200),
    ("rate(1 day)", "rate_seconds", 86400),
    ("rate(7 days)", "rate_seconds", 604800),
    ("RATE(2 Hours)", "rate_unit", "hour"),
]


@pytest.mark.parametrize(("text", "attr", "expected"), FIELD_CASES)
def test_parsed_fields(text: str, attr: str, expected: object) -> None:
    assert getattr(parse_schedule(text), attr) == expected


MACROS = [
    ("@hourly", "0 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@DAILY", "0 0 * * *"),
]


def _shape(s: Schedule) -> tuple[object, ...]:
    return (s.minutes, s.hours, s.days_of_month, s.months, s.days_of_week, s.years)


@pytest.mark.parametrize(("macro", "equivalent"), MACROS)
def test_macros_equal_their_cron(macro: str, equivalent: str) -> None:
    parsed = parse_schedule(macro)
    assert parsed.kind == "cron"
    assert parsed.dialect == "macro"
    assert _shape(parsed) == _shape(parse_schedule(equivalent))


def test_source_is_kept_verbatim() -> None:
    assert parse_schedule("  0 2 * * *  ").source == "  0 2 * * *  "


def test_star_fields_are_full_sets() -> None:
    s = parse_schedule("* * * * *")
    assert (s.minutes, s.hours, s.years) == (ALL_MINUTES, ALL_HOURS, ALL_YEARS)
    assert not s.dom_restricted
    assert not s.dow_restricted


def test_standard_day_fields_without_star_both_restrict() -> None:
    # Neither day field starts with '*': both restrict and cron ORs them.
    s = parse_schedule("0 0 1-31/2 * MON")
    assert s.dom_restricted
    assert s.dow_restricted


# Vixie cron and cronie: a day field starting with '*' makes the day rule an AND. A field
# that still covers every day then restricts nothing; two real restrictions are refused.
STAR_DAYS = [
    # text, days_of_month, days_of_week
    ("0 0 */2 * 0-6", frozenset(range(1, 32, 2)), None),
    ("0 0 */2 * *", frozenset(range(1, 32, 2)), None),
    ("0 0 */1 * MON", None, frozenset({1})),
    ("0 0 * * 1-5", None, frozenset({1, 2, 3, 4, 5})),
    ("0 0 1-31 * */1", None, None),
    ("0 0 * * */2", None, frozenset({0, 2, 4, 6})),
]


@pytest.mark.parametrize(("text", "dom", "dow"), STAR_DAYS)
def test_star_day_field_ands_the_day_fields(
    text: str, dom: frozenset[int] | None, dow: frozenset[int] | None
) -> None:
    # GIVEN a standard cron whose day field starts with '*'
    # WHEN parsed THEN the day sets mean what cron runs (AND), one field at most
    s = parse_schedule(text)
    assert (s.days_of_month, s.days_of_week) == (dom, dow)


STAR_DAYS_REFUSED = [
    # text, the either-day rewrite the hint offers
    ("0 0 */2 * 1", "'0 0 1-31/2 * 1'"),
    ("0 0 */2 * MON-FRI", "'0 0 1-31/2 * MON-FRI'"),
    ("0 0 1 * */2", "'0 0 1 * 0-6/2'"),
    ("0 0 */2 * */3", "'0 0 1-31/2 * 0-6/3'"),
    ("30 6 */10,15 * sun", "'30 6 1-31/10,15 * sun'"),
]


@pytest.mark.parametrize(("text", "rewrite"), STAR_DAYS_REFUSED)
def test_star_day_and_of_two_restrictions_is_refused(text: str, rewrite: str) -> None:
    # GIVEN a standard cron that cron reads as "days matching both" (e.g. odd days that are
    # Mondays), which no EventBridge cron can express (one day field must be '?')
    # WHEN parsed THEN it is refused, naming both fields, never silently OR-ed
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text)
    message, hint = info.value.message, info.value.hint or ""
    assert message.startswith("day-of-month ") and "day-of-week" in message
    assert "cron runs only on days matching both" in message
    # AND the hint gives the exact either-day expression, and the both-days alternative
    assert rewrite in hint and "check the other in the handler" in hint
    # AND the offered rewrite is itself accepted, with cron's OR meaning
    either = parse_schedule(rewrite.strip("'"))
    assert either.dom_restricted and either.dow_restricted


def test_at_form_only_when_allowed() -> None:
    s = parse_schedule("at(2026-03-29T01:00:00)", allow_at=True)
    assert s.kind == "at"
    assert s.at == datetime(2026, 3, 29, 1, 0, 0)
    with pytest.raises(ScheduleError, match="not allowed"):
        parse_schedule("at(2026-03-29T01:00:00)")


def test_schedule_is_frozen_and_hashable() -> None:
    s = parse_schedule("0 2 * * *")
    assert hash(s) == hash(parse_schedule("0 2 * * *"))
    with pytest.raises(AttributeError):
        s.source = "x"  # type: ignore[misc]


# --- rejections ---------------------------------------------------------------------------

INVALID = [
    # text, message must start with, message must contain
    ("61 * * * *", "minute:", "61 is out of range 0-59"),
    ("0 24 * * *", "hour:", "24 is out of range 0-23"),
    ("0 0 32 * *", "day-of-month:", "32 is out of range 1-31"),
    ("0 0 0 * *", "day-of-month:", "0 is out of range 1-31"),
    ("0 0 * 13 *", "month:", "13 is out of range 1-12"),
    ("0 0 * 0 *", "month:", "0 is out of range 1-12"),
    ("0 0 * * 8", "day-of-week:", "8 is out of range 0-7"),
    ("cron(61 * * * ? *)", "minute:", "61 is out of range 0-59"),
    ("cron(0 24 * * ? *)", "hour:", "24 is out of range 0-23"),
    ("cron(0 0 32 * ? *)", "day-of-month:", "32 is out of range 1-31"),
    ("cron(0 0 * 13 ? *)", "month:", "13 is out of range 1-12"),
    ("cron(0 0 ? * 8 *)", "day-of-week:", "8 is out of range 1-7"),
    ("cron(0 0 ? * 0 *)", "day-of-week:", "0 is out of range 1-7"),
    ("cron(0 0 * * ? 1969)", "year:", "1969 is out of range 1970-2199"),
    ("cron(0 0 * * ? 2200)", "year:", "2200 is out of range 1970-2199"),
    ("cron(0 0 * * ? 2020-2200)", "year:", "2200 is out of range"),
    # steps
    ("*/0 * * * *", "minute:", "step 0"),
    ("0 0 1-31/0 * *", "day-of-month:", "step 0"),
    ("cron(0/0 * * * ? *)", "minute:", "step 0"),
    ("cron(0 0 * * ? 2020/0)", "year:", "step 0"),
    ("*/x * * * *", "minute:", "step 'x'"),
    ("1/2/3 * * * *", "minute:", "more than one '/'"),
    # malformed tokens
    ("a * * * *", "minute:", "'a' is not a valid value"),
    ("-1 * * * *", "minute:", "not a valid range"),
    ("1- * * * *", "minute:", "not a valid range"),
    ("5-1 * * * *", "minute:", "runs backwards"),
    ("1,,2 * * * *", "minute:", "empty item"),
    ("0 0 * FOO *", "month:", "'FOO' is not a known name"),
    ("0 0 * * MONDAY", "day-of-week:", "not a valid value"),
    ("0 0 * * FRI-MON", "day-of-week:", "runs backwards"),
    ("0 0 L * *", "day-of-month:", "AWS-only"),
    ("0 0 ? * *", "day-of-month:", "AWS-only"),
    ("0 0 * * 6L", "day-of-week:", "AWS-only"),
    ("0 0 * * MON#1", "day-of-week:", "AWS-only"),
    ("cron(? 0 * * ? *)", "minute:", "'?' is only allowed"),
    ("cron(0 0 * JAN-FOO ? *)", "month:", "'FOO' is not a known name"),
    # field counts
    ("", "schedule:", "empty"),
    ("* * * *", "schedule:", "expected 5 fields, got 4"),
    ("0 0 2 * * *", "schedule:", "expected 5 fields, got 6"),
    ("0 0 2 * * ? *", "schedule:", "expected 5 fields, got 7"),
    ("cron(0 2 * * ?)", "schedule:", "cron() expects 6 fields, got 5"),
    ("cron(0 0 2 * * ? *)", "schedule:", "cron() expects 6 fields, got 7"),
    ("cron(0 2 * * ? *", "schedule:", "closing ')'"),
    # AWS day-field rules
    ("cron(0 2 1 * MON *)", "day-of-month and day-of-week:", "one of them to be '?'"),
    ("cron(0 2 * * * *)", "day-of-month and day-of-week:", "one of them to be '?'"),
    ("cron(0 2 1 * * *)", "day-of-month and day-of-week:", "one of them to be '?'"),
    ("cron(0 2 ? * ? *)", "day-of-month and day-of-week:", "only one of them may be '?'"),
    ("cron(0 0 ? * 3#1,6#3 *)", "day-of-week:", "only one '#' term"),
    ("cron(0 0 ? * 3#1,5 *)", "day-of-week:", "must stand alone"),
    ("cron(0 0 ? * 3#6 *)", "day-of-week:", "instance 6 is out of range 1-5"),
    ("cron(0 0 ? * 3#0 *)", "day-of-week:", "instance 0 is out of range 1-5"),
    ("cron(0 0 ? * 9#1 *)", "day-of-week:", "9 is out of range 1-7"),
    ("cron(0 0 ? * 8L *)", "day-of-week:", "8 is out of range 1-7"),
    ("cron(0 0 ? * 5L,6 *)", "day-of-week:", "must stand alone"),
    ("cron(0 0 L-3 * ? *)", "day-of-month:", "not in AWS's documented syntax"),
    ("cron(0 0 1,L * ? *)", "day-of-month:", "must stand alone"),
    ("cron(0 0 1-5W * ? *)", "day-of-month:", "must stand alone"),
    ("cron(0 0 32W * ? *)", "day-of-month:", "32 is out of range 1-31"),
    ("cron(0 0 0W * ? *)", "day-of-month:", "0 is out of range 1-31"),
    # days that never exist
    ("0 0 31 2 *", "day-of-month:", "day 31 never occurs in FEB"),
    ("0 0 30,31 2 *", "day-of-month:", "day 30 never occurs in FEB"),
    ("cron(0 0 31 4,6,9,11 ? *)", "day-of-month:", "never occurs in APR, JUN, SEP, NOV"),
    ("cron(0 0 30W 2 ? *)", "day-of-month:", "day 30 never occurs in FEB"),
    # rate
    ("rate(0 minutes)", "rate:", "value must be 1 or more, got 0"),
    ("rate(1 minutes)", "rate:", "singular"),
    ("rate(1 hours)", "rate:", "singular"),
    ("rate(5 minute)", "rate:", "plural"),
    ("rate(2 day)", "rate:", "plural"),
    ("rate(30 seconds)", "rate:", "'seconds' is not supported"),
    ("rate(1 second)", "rate:", "'second' is not supported"),
    ("rate(1 week)", "rate:", "'week' is not supported"),
    ("rate(five minutes)", "rate:", "not a whole number"),
    ("rate(-5 minutes)", "rate:", "not a whole number"),
    ("rate(1.5 hours)", "rate:", "not a whole number"),
    ("rate(5)", "rate:", "is not rate(<value> <unit>)"),
    ("rate(5 minutes", "rate:", "is not rate(<value> <unit>)"),
    # macros and at()
    ("@reboot", "schedule:", "unknown macro"),
    ("@every 5m", "schedule:", "unknown macro"),
    ("at(2026-03-29T01:00:00)", "schedule:", "not allowed"),
]


@pytest.mark.parametrize(("text", "prefix", "fragment"), INVALID)
def test_invalid_schedules_name_the_field(text: str, prefix: str, fragment: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text)
    err = info.value
    assert err.message.startswith(prefix), err.message
    assert fragment in err.message, err.message
    assert "\n" not in err.message
    assert isinstance(err, ValueError)


INVALID_AT = [
    ("at(2026-02-30T01:00:00)", "not a valid date-time"),
    ("at(2026-03-29 01:00)", "is not at(yyyy-mm-ddThh:mm:ss)"),
    ("at(1969-12-31T23:00:00)", "year 1969 is out of range 1970-2199"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID_AT)
def test_invalid_at(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text, allow_at=True)
    assert info.value.message.startswith("at:")
    assert fragment in info.value.message


HINTS = [
    ("0 0 2 * * *", "cron(...)"),
    ("cron(0 2 * * ?)", "add the year"),
    ("cron(0 2 1 * MON *)", "cron(0 2 1 * ? *)"),
    ("rate(30 seconds)", "once a minute"),
    ("cron(0 0 2 * * ? *)", "once a minute"),
    ("rate(1 minutes)", "rate(1 minute)"),
    ("rate(5 minute)", "rate(5 minutes)"),
    ("*/0 * * * *", "step of 1 or more"),
]


@pytest.mark.parametrize(("text", "fragment"), HINTS)
def test_errors_carry_hints(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(text)
    assert info.value.hint is not None
    assert fragment in info.value.hint
    assert fragment in str(info.value)


def test_schedule_error_without_hint() -> None:
    err = ScheduleError("minute: 61 is out of range 0-59")
    assert err.hint is None
    assert str(err) == "minute: 61 is out of range 0-59"
