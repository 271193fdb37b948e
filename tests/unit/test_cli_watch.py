"""``watch``: a terminal gets the view redrawn; a pipe gets each new line once."""

from __future__ import annotations

import io

import pytest

from scheduler.cli.watch import CLEAR, watch
from scheduler.errors import CronbridgeError, UsageError


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _views(*views: list[str]):  # type: ignore[no-untyped-def]
    queue = list(views)
    return lambda redraw: queue.pop(0)


def test_a_pipe_gets_only_new_lines() -> None:
    out = io.StringIO()
    # WHEN three refreshes see a growing, partly changed list
    watch(
        _views(["a 1"], ["a 1", "b 1"], ["a 2", "b 1"]),
        title="t", interval=1, out=out, sleep=lambda s: None, rounds=3,
    )  # fmt: skip
    # THEN each line is printed once, in the order it appeared, with no escape codes
    assert out.getvalue() == "a 1\nb 1\na 2\n"


def test_a_terminal_gets_the_view_redrawn() -> None:
    out = _Tty()
    watch(
        _views(["x"], ["y"]), title="cronbridge status", interval=2, out=out,
        sleep=lambda s: None, rounds=2,
    )  # fmt: skip
    frames = out.getvalue().split(CLEAR)[1:]
    assert len(frames) == 2
    assert frames[0].startswith("cronbridge status  (every 2s, Ctrl-C quits;")
    assert frames[0].rstrip().endswith("x") and frames[1].rstrip().endswith("y")


def test_ctrl_c_ends_cleanly_with_exit_0() -> None:
    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    result = watch(
        lambda redraw: ["a"], title="t", interval=1, out=io.StringIO(), sleep=interrupted
    )
    assert result.exit_code == 0


def test_an_error_on_the_first_refresh_ends_it_later_ones_are_retried() -> None:
    def failing(redraw: bool) -> list[str]:
        raise CronbridgeError("no job 'x'")

    with pytest.raises(CronbridgeError):
        watch(failing, title="t", interval=1, out=io.StringIO(), sleep=lambda s: None, rounds=2)
    calls = iter([["a"], CronbridgeError("endpoint down"), ["b"]])

    def flaky(redraw: bool) -> list[str]:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    out = io.StringIO()
    watch(flaky, title="t", interval=1, out=out, sleep=lambda s: None, rounds=3)
    assert out.getvalue() == "a\nb\n"


def test_interval_must_be_positive() -> None:
    with pytest.raises(UsageError):
        watch(lambda redraw: [], title="t", interval=0, out=io.StringIO())
