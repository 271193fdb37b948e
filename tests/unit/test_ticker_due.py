"""Due-time computation of the ticker (pure): windows, DST, disabled and one-time triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.local.ticker import Trigger, due_times, one_time_instant
from scheduler.schedule import parse_schedule

FN = "arn:aws:lambda:us-east-1:1:function:cronbridge-dev-a"


def _trigger(expression: str, timezone: str = "UTC", kind: str = "rule") -> Trigger:
    return Trigger(
        kind=kind,  # type: ignore[arg-type]
        name="a",
        arn="arn:x",
        expression=expression,
        timezone=timezone,
        enabled=True,
        target_arn=FN,
    )


def test_due_times_are_the_half_open_window_after_the_cursor() -> None:
    # GIVEN an every-minute rule and a window (10:00, 10:05]
    trigger = _trigger("rate(1 minute)")
    start = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    # WHEN due times are computed
    got = due_times(
        trigger, parse_schedule(trigger.expression), start, start + timedelta(minutes=5)
    )
    # THEN 10:00 itself was handled before; 10:01 .. 10:05 are due
    assert got == [start + timedelta(minutes=m) for m in range(1, 6)]


def test_long_windows_are_not_truncated() -> None:
    trigger = _trigger("rate(1 minute)")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    got = due_times(trigger, parse_schedule(trigger.expression), start, start + timedelta(days=1))
    assert len(got) == 1440


def test_berlin_spring_forward_skips_the_missing_local_time() -> None:
    # GIVEN a Scheduler cron at 02:30 Europe/Berlin, and the 2026 spring-forward day
    trigger = _trigger("cron(30 2 * * ? *)", "Europe/Berlin", kind="schedule")
    start = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)
    got = due_times(trigger, parse_schedule(trigger.expression), start, start + timedelta(days=3))
    # THEN 29 March (02:30 does not exist) has no fire; the days around it do
    assert [t.date().isoformat() for t in got] == ["2026-03-28", "2026-03-30"]
    assert got[0].hour == 1 and got[1].hour == 0  # CET then CEST


def test_one_time_instant_reads_the_at_in_its_timezone() -> None:
    trigger = _trigger("at(2026-03-29T01:00:30)", "UTC", kind="schedule")
    schedule = parse_schedule(trigger.expression, allow_at=True)
    assert one_time_instant(trigger, schedule) == datetime(2026, 3, 29, 1, 0, 30, tzinfo=UTC)
