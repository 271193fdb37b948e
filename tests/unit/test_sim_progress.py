"""The progress line of `local simulate`: what it says, how often, and that it cleans up."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from scheduler.local.simprogress import ProgressLine

START = datetime(2026, 5, 4, tzinfo=UTC)
END = START + timedelta(hours=10)


class _Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rewrites_one_line_in_place_at_most_every_interval_then_blanks_it() -> None:
    # GIVEN a progress line on a stream, rewritten at most every 0.5 s
    stream, ticks = io.StringIO(), _Ticks()
    line = ProgressLine(stream, START, END, interval=0.5, monotonic=ticks)
    # WHEN the loop reports three steps within 0.5 s, then one later
    line(START + timedelta(hours=1), 10, 8)
    ticks.now += 0.1
    line(START + timedelta(hours=2), 20, 15)
    ticks.now += 0.6
    line(START + timedelta(hours=5), 50, 40)
    # THEN only the first and the last were written, each from the start of the line
    text = stream.getvalue()
    assert text.count("\r") == 2
    assert "simulating: 2026-05-04T01:00:00Z (10% of the window), 10 attempt(s) in 8 run(s)" in text
    assert "2026-05-04T05:00:00Z (50% of the window), 50 attempt(s) in 40 run(s), 1 s" in text
    assert "02:00:00Z" not in text
    # WHEN it is closed THEN the line is overwritten with blanks and the cursor returned
    width = len(text.split("\r")[-1])
    line.close()
    assert stream.getvalue().endswith("\r" + " " * width + "\r")


def test_a_shorter_line_covers_the_longer_one_before_it_and_retries_past_the_end_say_100() -> None:
    # GIVEN a line that has shown a long text
    stream, ticks = io.StringIO(), _Ticks()
    line = ProgressLine(stream, START, END, interval=0.0, monotonic=ticks)
    line(START + timedelta(hours=9), 123456, 99999)
    first = stream.getvalue()
    # WHEN a shorter one follows (retries running after the window's end)
    line(END + timedelta(minutes=3), 1, 1)
    second = stream.getvalue()[len(first) :]
    # THEN it is padded to the old width, and the share is capped at 100%
    assert len(second) == len(first)
    assert "(100% of the window)" in second
    # AND a line never shown is not blanked
    empty = io.StringIO()
    ProgressLine(empty, START, END).close()
    assert empty.getvalue() == ""
