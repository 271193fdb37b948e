"""Per-job, per-day rollup items: outcome counts by hour and a duration histogram.

``pk=JOB#<job> sk=DAY#<YYYY-MM-DD>`` (the UTC day of the run's slot) counts each run's
*final* outcome (succeeded, failed, skipped; a run waiting for a retry is counted once it
concludes) by hour, plus a histogram of durations (buckets 25 % wide, so a median read
from it is within about 12 % of the exact one), and carries the table's TTL attribute
(the day's end + the job's retention). The final write of a run ADDs to it inside the
transaction it already makes (ADD is atomic and starts a missing number at 0:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html), so
the web page reads 7 days of a job as 8 small items by key (BatchGetItem), not thousands
of runs.

Counters are packed: six 6-digit counters per number (``c_<outcome>_<block>`` holds hours
6*block..6*block+5, ``d_<block>`` histogram buckets likewise), one ADD of ``10**(6*i)``
per run. DynamoDB numbers are exact decimals of up to 38 digits, so 36 digits are safe:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
That keeps an item to about 10 values instead of 40: items and read cost stay small, and
the emulator, whose cost grows with every value it returns, stays fast. A counter would
carry into its neighbour past 999,999 runs in one hour of one job, far beyond a cron
job's 60 slots an hour. ``fold`` builds the same items from run records (backfill,
benchmarks); a functional test pins that both agree. Pure; no AWS calls.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from scheduler.clock import parse_iso
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.ledger.update import Update

DAY_PREFIX = "DAY#"
OUTCOMES = ("succeeded", "failed", "skipped")
_BASE = 1.25  # histogram bucket growth: bucket b holds [1.25**(b-1), 1.25**b) ms
_SECONDS_PER_DAY = 86_400


def day_sk(day: date) -> str:
    return DAY_PREFIX + day.isoformat()


_DIGITS = 6  # per packed counter
_PER_NUMBER = 6  # counters per number: 36 of DynamoDB's 38 digits


def _packed(prefix: str, index: int) -> tuple[str, int]:
    """(attribute, amount) that adds 1 to counter ``index`` of the ``prefix`` group."""
    block, slot = divmod(index, _PER_NUMBER)
    return f"{prefix}_{block}", 10 ** (_DIGITS * slot)


def _unpack(value: int) -> list[int]:
    return [(value // 10 ** (_DIGITS * i)) % 10**_DIGITS for i in range(_PER_NUMBER)]


def final_outcome(status: RunStatus, next_attempt_at: str | None) -> str | None:
    """The outcome a rollup counts, or None while the run may still change."""
    if status is RunStatus.SUCCEEDED:
        return "succeeded"
    if status is RunStatus.SKIPPED:
        return "skipped"
    if status.is_failure and not next_attempt_at:
        return "failed"
    return None


def duration_bucket(ms: int) -> int:
    return 0 if ms < 1 else 1 + math.floor(math.log(ms) / math.log(_BASE) + 1e-9)


def bucket_value(bucket: int) -> int:
    """A bucket's representative duration: the geometric middle of its bounds."""
    return 0 if bucket <= 0 else round(_BASE ** (bucket - 0.5))


def _fields(run: RunRecord, outcome: str, duration_ms: int | None) -> dict[str, int]:
    slot = parse_iso(run.scheduled_for or run.started_at)
    name, amount = _packed(f"c_{outcome}", slot.hour)
    fields = {name: amount}
    if duration_ms is not None and outcome != "skipped":
        name, amount = _packed("d", duration_bucket(duration_ms))
        fields[name] = amount
    return fields


def rollup_day(run: RunRecord) -> date:
    return parse_iso(run.scheduled_for or run.started_at).date()


def rollup_update(
    run: RunRecord, outcome: str, duration_ms: int | None, retention_days: int, ttl_name: str
) -> Update:
    update = Update()
    for name, amount in _fields(run, outcome, duration_ms).items():
        update.add(name, amount)
    day = rollup_day(run)
    day_end = int(parse_iso(f"{day.isoformat()}T00:00:00Z").timestamp()) + _SECONDS_PER_DAY
    return update.set(ttl_name, day_end + retention_days * _SECONDS_PER_DAY)


def fold(runs: Iterable[RunRecord]) -> dict[tuple[str, date], dict[str, int]]:
    """The counters the worker's writes would have left for ``runs`` (final ones only)."""
    items: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        outcome = final_outcome(run.status, run.next_attempt_at)
        if outcome is None:
            continue
        counters = items[(run.job, rollup_day(run))]
        for name, amount in _fields(run, outcome, run.duration_ms).items():
            counters[name] += amount
    return {key: dict(value) for key, value in items.items()}


@dataclass(frozen=True)
class DayRollup:
    day: date
    hours: dict[int, dict[str, int]]  # hour -> outcome -> count
    histogram: dict[int, int]  # bucket -> count

    @classmethod
    def from_data(cls, day: date, data: dict[str, Any]) -> DayRollup:
        hours: dict[int, dict[str, int]] = {}
        histogram: dict[int, int] = {}
        for name, value in data.items():
            head, _, block = name.rpartition("_")
            if not block.isdigit() or not isinstance(value, int):
                continue
            first = int(block) * _PER_NUMBER
            counts = [(first + i, n) for i, n in enumerate(_unpack(value)) if n]
            if head.startswith("c_") and head[2:] in OUTCOMES:
                for hour, n in counts:
                    hours.setdefault(hour, {})[head[2:]] = n
            elif head == "d":
                histogram.update(counts)
        return cls(day, hours, histogram)


def histogram_stats(histogram: dict[int, int]) -> tuple[int, int | None, int | None, int | None]:
    """(count, median, p95, max) from a merged histogram, as bucket middles."""
    count = sum(histogram.values())
    if count == 0:
        return 0, None, None, None
    ordered = sorted(histogram.items())

    def at(rank: int) -> int:
        seen = 0
        for bucket, n in ordered:
            seen += n
            if seen >= rank:
                return bucket_value(bucket)
        return bucket_value(ordered[-1][0])

    p95_rank = min(count, max(1, round(0.95 * count)))
    return count, at((count + 1) // 2), at(p95_rank), bucket_value(ordered[-1][0])
