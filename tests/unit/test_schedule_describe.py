"""Table-driven tests for describe() and is_valid_timezone()."""

from __future__ import annotations

import pytest

from scheduler.schedule import describe, is_valid_timezone, parse_schedule

DESCRIPTIONS = [
    ("0 2 * * *", "At 02:00, every day"),
    ("*/5 * * * *", "Every 5 minutes"),
    ("* * * * *", "Every minute"),
    ("0 * * * *", "Every hour at minute 0"),
    ("30 9 * * 1-5", "At 09:30, Monday through Friday"),
    ("0 0 1 * 1", "At 00:00, on day 1 of the month, and on Monday"),
    ("0 9,17 * * *", "At 09:00 and 17:00, every day"),
    ("0 0/4 * * *", "At minute 0, every 4 hours, every day"),
    ("*/15 9-17 * * *", "Every 15 minutes, between 09:00 and 17:59"),
    ("0,30 * * * *", "Every 30 minutes"),
    ("15,45 * * * *", "At minutes 15 and 45 of every hour"),
    ("0 0 * * 6,0", "At 00:00, on Saturday and Sunday"),
    ("0 0 * * 1,3", "At 00:00, on Monday and Wednesday"),
    ("0 0 1,15 * *", "At 00:00, on days 1 and 15 of the month"),
    ("0 0 1-10 * *", "At 00:00, on days 1 through 10 of the month"),
    ("0 0 * 1-3 *", "At 00:00, every day, January through March"),
    ("0 0 * 1,7 *", "At 00:00, every day, in January and July"),
    ("@weekly", "At 00:00, on Sunday"),
    ("@yearly", "At 00:00, on day 1 of the month, in January"),
    ("cron(0 18 ? * MON-FRI *)", "At 18:00, Monday through Friday"),
    (
        "cron(0/5 8-17 ? * MON-FRI *)",
        "Every 5 minutes, between 08:00 and 17:59, Monday through Friday",
    ),
    ("cron(0 9 ? * 2#1 *)", "At 09:00, on the first Monday of the month"),
    ("cron(15 10 ? * 6L *)", "At 10:15, on the last Friday of the month"),
    ("cron(0 0 L * ? *)", "At 00:00, on the last day of the month"),
    ("cron(0 0 LW * ? *)", "At 00:00, on the last weekday of the month"),
    ("cron(0 0 15W * ? *)", "At 00:00, on the weekday nearest day 15 of the month"),
    ("cron(0 0 29 2 ? *)", "At 00:00, on day 29 of the month, in February"),
    ("cron(0 10 * * ? 2026)", "At 10:00, every day, in 2026"),
    ("cron(0 0 L * ? 2026-2030)", "At 00:00, on the last day of the month, 2026 through 2030"),
    ("rate(5 minutes)", "Every 5 minutes"),
    ("rate(1 minute)", "Every minute"),
    ("rate(1 hour)", "Every hour"),
    ("rate(7 days)", "Every 7 days"),
]


@pytest.mark.parametrize(("text", "expected"), DESCRIPTIONS)
def test_describe(text: str, expected: str) -> None:
    assert describe(parse_schedule(text)) == expected


def test_describe_at() -> None:
    s = parse_schedule("at(2026-03-29T01:00:00)", allow_at=True)
    assert describe(s) == "Once, at 2026-03-29 01:00"


TIMEZONES = [
    ("UTC", True),
    ("Europe/Berlin", True),
    ("America/New_York", True),
    ("Asia/Kolkata", True),
    ("Mars/Base", False),
    ("", False),
    ("europe/berlin", False),
    ("../etc/passwd", False),
    ("/usr/share/zoneinfo/UTC", False),
    ("localtime", False),
    ("Factory", False),
    ("posix/Europe/Berlin", False),
]


@pytest.mark.parametrize(("name", "valid"), TIMEZONES)
def test_is_valid_timezone(name: str, valid: bool) -> None:
    assert is_valid_timezone(name) is valid
