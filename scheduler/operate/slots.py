"""Which slots of a job's schedule fall in ``[start, end)``: the backfill's worklist. Pure.

The slots are exactly what ``cronbridge next`` prints for the job (same evaluator, same time
zone, same DST rules: a local time skipped in spring does not run, a repeated one runs
once), so a backfill re-creates what the schedule would have fired. Each slot carries the
run id a scheduled fire of that minute would have carried (``scheduled_run_id``), the
exactly-once key the worker claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.clock import isoformat_z
from scheduler.errors import UsageError
from scheduler.ledger.model import scheduled_run_id
from scheduler.schedule import next_fire_times, parse_schedule

MAX_SLOTS_WITHOUT_YES = 10_000
_BATCH = 500


@dataclass(frozen=True)
class Slot:
    scheduled: datetime  # aware, UTC
    run_id: str

    @property
    def iso(self) -> str:
        return isoformat_z(self.scheduled)


def slots_between(
    job: str, schedule: str, timezone: str, start: datetime, end: datetime, *, limit: int | None
) -> list[Slot]:
    """The slots in ``[start, end)``, ascending; at most ``limit + 1`` when ``limit`` is set
    (so a caller can tell "more than limit" without walking a year of minutes)."""
    parsed = parse_schedule(schedule, allow_at=True)
    out: list[Slot] = []
    # next_fire_times is strictly after ``after``: step back a microsecond so a slot at
    # ``start`` itself is included ([start, end) like `local simulate`).
    cursor = start - timedelta(microseconds=1)
    while limit is None or len(out) <= limit:
        batch = next_fire_times(parsed, timezone=timezone, after=cursor, count=_BATCH)
        for moment in batch:
            if moment >= end or (limit is not None and len(out) > limit):
                return out
            out.append(Slot(moment, scheduled_run_id(job, moment)))
        if len(batch) < _BATCH:
            return out
        cursor = batch[-1]
    return out


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise UsageError(
            f"--to {isoformat_z(end)} is not after --from {isoformat_z(start)}",
            hint="the window is [--from, --to): give a --to later than --from",
        )


def check_count(job: str, count: int, yes: bool) -> None:
    if count > MAX_SLOTS_WITHOUT_YES and not yes:
        raise UsageError(
            f"backfill of {job} covers more than {MAX_SLOTS_WITHOUT_YES:,} slots",
            hint="narrow --from/--to, check the slots with --dry-run, or add --yes to run them all",
        )
