"""Time as a dependency: the worker, ledger and ticker read time only through a ``Clock``.

Production uses ``SystemClock``. The local simulator injects a virtual clock whose
``sleep`` and timers advance simulated time, so a simulated day runs in seconds and
gives the same result every time. Stdlib only (the worker imports it at cold start).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None: ...

    def start_timer(self, seconds: float, callback: Callable[[], None]) -> Timer:
        """Call ``callback`` once after ``seconds`` unless cancelled first (a daemon timer)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def start_timer(self, seconds: float, callback: Callable[[], None]) -> Timer:
        timer = threading.Timer(max(0.0, seconds), callback)
        timer.daemon = True  # a watchdog must never keep a finished process alive
        timer.start()
        return timer


def isoformat_z(moment: datetime) -> str:
    """``2026-03-29T01:00:00Z``: the one timestamp format in our JSON and ledger."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` or offset); naive input is taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
