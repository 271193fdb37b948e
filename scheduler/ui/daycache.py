"""Day rollups kept between overview loads: a closed day is read once, today every load.

A day's rollup stops changing once every run of that day has concluded: its slots are
past, and retries and timeouts end within hours. So the page re-reads a job's rollup
only for days that ended less than ``SETTLE`` ago (today and usually yesterday), and
keeps older ones for ``KEEP`` before reading them again, in case a long retry chain
concluded late. A refresh of 100 jobs then reads about 200 small items, not 800. Pure:
the reads go through the caller's function; no boto3 here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from scheduler.ledger.rollup import DayRollup

SETTLE = timedelta(hours=6)  # a day is closed this long after it ended
KEEP = timedelta(hours=1)  # a closed day is read again after this long


class DayCache:
    def __init__(self) -> None:
        self._days: dict[tuple[str, date], tuple[DayRollup | None, datetime]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._days.clear()

    def rollups(
        self,
        jobs: Sequence[str],
        days: Sequence[date],
        now: datetime,
        read: Callable[[list[tuple[str, date]]], dict[str, list[DayRollup]]],
    ) -> dict[str, list[DayRollup]]:
        """Each job's rollups of ``days``, reading only what may have changed."""
        wanted = [(job, day) for job in jobs for day in days]
        with self._lock:
            stale = [key for key in wanted if not self._fresh(key, now)]
        fetched = read(stale) if stale else {}
        with self._lock:
            for key in stale:
                self._days[key] = (None, now)
            for job, found in fetched.items():
                for rollup in found:
                    self._days[(job, rollup.day)] = (rollup, now)
            out: dict[str, list[DayRollup]] = {}
            for key in wanted:
                held = self._days[key][0]
                if held is not None:
                    out.setdefault(key[0], []).append(held)
            return out

    def _fresh(self, key: tuple[str, date], now: datetime) -> bool:
        held = self._days.get(key)
        if held is None:
            return False
        day_end = datetime(key[1].year, key[1].month, key[1].day, tzinfo=UTC) + timedelta(days=1)
        read_at = held[1]
        return read_at - day_end >= SETTLE and now - read_at < KEEP
