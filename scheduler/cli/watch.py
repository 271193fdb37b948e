"""Refreshing a verb's output in place: ``status --watch`` and ``history --follow``.

On a terminal each refresh clears the screen and redraws the whole view (cursor home, clear
to end), so the table stays where the eye is. Piped (a log file, ``grep``), nothing is ever
redrawn: only lines not printed before are appended, each once. Ctrl-C ends the loop
cleanly, exit 0. Not a verb: ``status`` and ``history`` call ``watch`` with a function that
computes their current lines; a failing refresh (AWS unreachable for a moment) is shown
and retried, since a watch is meant to outlive blips (an error on the first refresh, such
as an unknown job, ends the command like any error).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from scheduler.cli.output import Result
from scheduler.errors import CronbridgeError

CLEAR = "\x1b[H\x1b[J"  # cursor home, clear to the end of the screen
DEFAULT_INTERVAL = 2.0


def add_interval_arg(parser: object, default: float = DEFAULT_INTERVAL) -> None:
    parser.add_argument(  # type: ignore[attr-defined]
        "--interval",
        type=float,
        default=default,
        metavar="S",
        help=f"with --watch/--follow, seconds between refreshes (default {default:g})",
    )


def watch(
    lines: Callable[[bool], list[str]],
    *,
    title: str,
    interval: float,
    as_json: bool = False,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> Result:
    """Redraw (terminal) or append (pipe, or --json) ``lines(redraw)`` every ``interval`` s.

    ``lines(True)`` is the whole view (a table); ``lines(False)`` one self-contained line
    per item, whose text changes exactly when the item does, so appending the new ones
    reads like a log. Runs until Ctrl-C (or ``rounds`` refreshes, for tests).
    """
    if interval <= 0:
        from scheduler.errors import UsageError

        raise UsageError("--interval must be more than 0 seconds", hint="e.g. --interval 5")
    out = out if out is not None else sys.stdout
    redraw = not as_json and bool(getattr(out, "isatty", lambda: False)())
    printed: set[str] = set()
    done = 0
    try:
        while rounds is None or done < rounds:
            done += 1
            try:
                current = lines(redraw)
                problem = None
            except CronbridgeError as exc:
                if done == 1:
                    raise  # a wrong job name or stage: say so once and stop
                current, problem = [], f"error: {exc.message} (retrying)"
            stamp = datetime.now(UTC).strftime("%H:%M:%SZ")
            if redraw:
                header = f"{title}  (every {interval:g}s, Ctrl-C quits; {stamp})"
                body = [header, "", *current] + ([problem] if problem else [])
                out.write(CLEAR + "\n".join(body) + "\n")
            else:
                for line in current:
                    if line not in printed:
                        printed.add(line)
                        out.write(line + "\n")
                if problem:
                    sys.stderr.write(problem + "\n")
            out.flush()
            if rounds is None or done < rounds:
                sleep(interval)
    except KeyboardInterrupt:
        if redraw:
            out.write("\n")
            out.flush()
    return Result(data=None, text="", json_lines=[])
