"""The progress line of `cronbridge local simulate` on a terminal.

One line on stderr, rewritten in place (carriage return, no escape codes) at most a few
times a second: the simulated time reached, how far into the window that is, the attempts
and runs so far, and the real seconds spent. ``close`` blanks it so the report starts on a
clean line. The CLI shows it only when stderr is a terminal and ``--json`` is off, so
pipes, files and JSON Lines never see it. No AWS calls; the driver only calls it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from scheduler.clock import isoformat_z

DEFAULT_INTERVAL = 0.2  # seconds between rewrites: readable, and cheap for the loop


class ProgressLine:
    """Called after each step of the simulation with (virtual now, attempts, runs)."""

    def __init__(
        self,
        stream: TextIO,
        start: datetime,
        end: datetime,
        *,
        interval: float = DEFAULT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._start = start
        self._span = max(1.0, (end - start).total_seconds())
        self._interval = interval
        self._monotonic = monotonic
        self._began = monotonic()
        self._last: float | None = None
        self._width = 0

    def __call__(self, now: datetime, attempts: int, runs: int) -> None:
        moment = self._monotonic()
        if self._last is not None and moment - self._last < self._interval:
            return
        self._last = moment
        self._write(self.text(now, attempts, runs, moment - self._began))

    def text(self, now: datetime, attempts: int, runs: int, elapsed: float) -> str:
        done = min(1.0, max(0.0, (now - self._start).total_seconds() / self._span))
        return (
            f"simulating: {isoformat_z(now)} ({done:.0%} of the window), "
            f"{attempts} attempt(s) in {runs} run(s), {elapsed:.0f} s"
        )

    def close(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def _write(self, text: str) -> None:
        pad = " " * max(0, self._width - len(text))  # cover a longer previous line
        self._stream.write("\r" + text + pad)
        self._stream.flush()
        self._width = len(text)
