"""pause's flag checks, before anything is called. No AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.errors import UsageError
from scheduler.operate.pause import check_until, parse_for, resume_schedule_name


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1w", 604800)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_for(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["0", "0h", "0m"])
def test_zero_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(UsageError, match="must last more than zero") as info:
        parse_for(text)
    assert info.value.hint


def test_garbage_duration() -> None:
    with pytest.raises(UsageError, match="is not a duration"):
        parse_for("2 hours")


def test_until_in_the_past_is_refused() -> None:
    now = datetime(2026, 12, 3, 8, tzinfo=UTC)
    with pytest.raises(UsageError, match="is in the past"):
        check_until(now - timedelta(seconds=1), now)
    check_until(now + timedelta(minutes=1), now)


def test_resume_schedule_is_in_the_jobs_retry_namespace() -> None:
    # The job's IAM policy allows schedule/<retries group>/<job>.* and nothing else.
    assert resume_schedule_name("etl", "0123456789abcdef") == "etl.resume.01234567"
