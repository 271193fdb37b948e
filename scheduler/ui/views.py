"""View models of the UI pages, built from catalogue jobs and run records. Pure.

No HTTP, no AWS, no HTML: plain dataclasses the templates and the SVG charts read. Health
comes from ``scheduler.health`` (the rules ``cronbridge status`` applies), never
recomputed here; what is added is what a person looks at: success rate and median
duration over a window, a heatmap of the last days bucketed by hour, a job's timeline.
"""

from __future__ import annotations

import functools
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.clock import isoformat_z, parse_iso
from scheduler.health import HEALTHS, UNHEALTHY, job_health
from scheduler.ledger import RunRecord, RunStatus
from scheduler.ledger.rollup import DayRollup, histogram_stats

HEATMAP_DAYS = 7
NEXT_FIRES = 5

# Outcome of a heatmap cell, worst first: one failure in the hour colours the hour.
OUTCOMES = ("failed", "running", "succeeded", "skipped", "none")
_KINDS = OUTCOMES[:-1]  # the outcomes a run can have, worst first


def outcome_of(status: RunStatus) -> str:
    if status.is_failure:
        return "failed"
    if status is RunStatus.RUNNING:
        return "running"
    if status is RunStatus.SUCCEEDED:
        return "succeeded"
    return "skipped"


@dataclass(frozen=True)
class HeatCell:
    start: datetime
    outcome: str  # one of OUTCOMES
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        runs = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n) or "no runs"
        return f"{_hour_text(self.start)}Z: {runs}"


@functools.lru_cache(maxsize=1024)
def _hour_text(start: datetime) -> str:
    """``Sun 29 Mar 11:00``: every row of the overview labels the same 168 hours."""
    return start.strftime("%a %d %b %H:00")


def heatmap(
    runs: Iterable[RunRecord],
    now: datetime,
    *,
    days: int = HEATMAP_DAYS,
    bucket: timedelta = timedelta(hours=1),
) -> list[HeatCell]:
    """One cell per ``bucket`` over the last ``days`` (oldest first), by each run's slot.

    The last cell is the bucket holding ``now``; a run outside the window is ignored. A
    cell's outcome is its worst run's (failed > running > succeeded > skipped).
    """
    start, count = heat_window(now, days=days, bucket=bucket)
    counts: dict[int, dict[str, int]] = {}
    size = int(bucket.total_seconds())
    for run in runs:
        index = int((run.scheduled_dt - start).total_seconds() // size)
        if 0 <= index < count:
            cell = counts.setdefault(index, {})
            cell[outcome_of(run.status)] = cell.get(outcome_of(run.status), 0) + 1
    return heat_cells(start, count, bucket, counts)


def heat_window(
    now: datetime, *, days: int = HEATMAP_DAYS, bucket: timedelta = timedelta(hours=1)
) -> tuple[datetime, int]:
    """(start of the first cell, number of cells): the last cell holds ``now``."""
    size = int(bucket.total_seconds())
    end = datetime.fromtimestamp((int(now.timestamp()) // size + 1) * size, UTC)
    count = int(timedelta(days=days) / bucket)
    return end - bucket * count, count


def heat_cells(
    start: datetime, count: int, bucket: timedelta, counts: dict[int, dict[str, int]]
) -> list[HeatCell]:
    """Cells from outcome counts by cell index (runs or rollups: one colouring rule).

    The overview builds 168 cells for each of 100 jobs on every refresh, so empty cells
    share one read-only counts dict and the worst outcome is found without a generator.
    """
    empty = dict.fromkeys(_KINDS, 0)
    cells = []
    moment = start
    for i in range(count):
        found = counts.get(i)
        if not found:
            cells.append(HeatCell(moment, "none", empty))
        else:
            c = {**empty, **found}
            outcome = "none"
            for kind in _KINDS:
                if c[kind]:
                    outcome = kind
                    break
            cells.append(HeatCell(moment, outcome, c))
        moment += bucket
    return cells


@dataclass(frozen=True)
class DurationStats:
    count: int
    median_ms: int | None
    p95_ms: int | None
    max_ms: int | None


def duration_stats(runs: Iterable[RunRecord]) -> DurationStats:
    """Durations of finished runs (skips and in-flight runs have none worth counting)."""
    values = sorted(
        r.duration_ms
        for r in runs
        if r.duration_ms is not None and r.status not in (RunStatus.SKIPPED, RunStatus.RUNNING)
    )
    if not values:
        return DurationStats(0, None, None, None)
    p95 = values[min(len(values) - 1, max(0, round(0.95 * len(values)) - 1))]
    return DurationStats(len(values), int(statistics.median(values)), p95, values[-1])


def success_rate(runs: Iterable[RunRecord]) -> float | None:
    """Succeeded / (succeeded + failed, timed out, dead); None when nothing finished."""
    ok = bad = 0
    for run in runs:
        if run.status is RunStatus.SUCCEEDED:
            ok += 1
        elif run.status.is_failure:
            bad += 1
    return None if ok + bad == 0 else ok / (ok + bad)


def fmt_duration(ms: int | None) -> str:
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms // 60_000} min {ms % 60_000 // 1000} s"


def fmt_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def fmt_age(moment: str | None, now: datetime) -> str:
    if not moment:
        return "never"
    seconds = int((now - parse_iso(moment)).total_seconds())
    ahead = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            text = f"{seconds // size} {unit}"
            break
    else:
        text = f"{seconds} s"
    return f"in {text}" if ahead else f"{text} ago"


def schedule_text(job: Any) -> str:
    from scheduler.schedule import describe, parse_schedule

    text = describe(parse_schedule(job.schedule, allow_at=True))
    return text if job.timezone == "UTC" else f"{text} ({job.timezone})"


def next_fires(job: Any, now: datetime, count: int = NEXT_FIRES) -> list[str]:
    if not job.enabled:
        return []
    from scheduler.schedule import next_fire_times, parse_schedule

    schedule = parse_schedule(job.schedule, allow_at=True)
    return [
        isoformat_z(t)
        for t in next_fire_times(schedule, timezone=job.timezone, after=now, count=count)
    ]


@dataclass(frozen=True)
class OverviewRow:
    job: str
    description: str
    schedule: str
    health: str
    status_row: dict[str, Any]  # scheduler.health.job_health's row, as `status --json`
    runs: int
    failures: int
    success_rate: float | None
    durations: DurationStats
    heat: list[HeatCell]


def overview_row(
    job: Any,
    recent: list[RunRecord],
    window: Sequence[RunRecord],
    now: datetime,
    *,
    status_row: dict[str, Any] | None = None,
) -> OverviewRow:
    """One job's overview row: health from its newest runs (or ``status_row``, the row
    ``scheduler.health.read_health`` made), the rest over ``window``."""
    row = status_row if status_row is not None else job_health(job, recent, now)
    return OverviewRow(
        job=job.name,
        description=job.description,
        schedule=schedule_text(job),
        health=row["health"],
        status_row=row,
        runs=len(window),
        failures=sum(1 for r in window if r.status.is_failure),
        success_rate=success_rate(window),
        durations=duration_stats(window),
        heat=heatmap(window, now),
    )


def rollup_row(
    job: Any,
    status_row: dict[str, Any],
    rollups: Sequence[DayRollup],
    in_flight: dict[str, str],
    now: datetime,
) -> OverviewRow:
    """One job's overview row from its day rollups (concluded runs by hour, a duration
    histogram) plus its runs in flight (from the summary); health is ``status_row``.

    Counts cover exactly the heatmap's hours; durations the whole days those hours touch.
    """
    start, count = heat_window(now)
    hour = timedelta(hours=1)
    counts: dict[int, dict[str, int]] = {}
    histogram: dict[int, int] = {}
    first_day = start.date()
    for rollup in rollups:
        if rollup.day < first_day:
            continue
        day_start = datetime(rollup.day.year, rollup.day.month, rollup.day.day, tzinfo=UTC)
        for h, outcomes in rollup.hours.items():
            index = int((day_start + h * hour - start) / hour)
            if 0 <= index < count:
                cell = counts.setdefault(index, {})
                for outcome, n in outcomes.items():
                    cell[outcome] = cell.get(outcome, 0) + n
        for bucket, n in rollup.histogram.items():
            histogram[bucket] = histogram.get(bucket, 0) + n
    for run_id in in_flight:
        slot = datetime.strptime(run_id.partition(".")[2][:16], "%Y%m%dT%H%M%SZ")
        index = int((slot.replace(tzinfo=UTC) - start) / hour)
        if 0 <= index < count:
            cell = counts.setdefault(index, {})
            cell["running"] = cell.get("running", 0) + 1
    totals = dict.fromkeys(_KINDS, 0)
    for cell in counts.values():
        for outcome, n in cell.items():
            totals[outcome] += n
    finished = totals["succeeded"] + totals["failed"]
    n, median, p95, top = histogram_stats(histogram)
    return OverviewRow(
        job=job.name,
        description=job.description,
        schedule=schedule_text(job),
        health=status_row["health"],
        status_row=status_row,
        runs=sum(totals.values()),
        failures=totals["failed"],
        success_rate=totals["succeeded"] / finished if finished else None,
        durations=DurationStats(n, median, p95, top),
        heat=heat_cells(start, count, hour, counts),
    )


@dataclass(frozen=True)
class Overview:
    now: datetime
    rows: list[OverviewRow]
    dead_letters: int | None  # None when the queue could not be read
    stage: str

    @property
    def health_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(HEALTHS, 0)
        for row in self.rows:
            counts[row.health] = counts.get(row.health, 0) + 1
        return counts

    @property
    def unhealthy(self) -> list[OverviewRow]:
        return [r for r in self.rows if r.health in UNHEALTHY]


@dataclass(frozen=True)
class JobView:
    job: Any
    now: datetime
    schedule: str
    next_fires: list[str]
    runs: list[RunRecord]
    durations: DurationStats
    success_rate: float | None
    status_filter: str | None
    since: str
    status_row: dict[str, Any] | None = None  # scheduler.health's row, as `status --json`

    @property
    def health(self) -> str | None:
        return None if self.status_row is None else str(self.status_row["health"])


def job_view(
    job: Any,
    runs: list[RunRecord],
    now: datetime,
    *,
    status_filter: str | None,
    since: str,
    status_row: dict[str, Any] | None = None,
) -> JobView:
    """A job's page. ``status_row`` is its health as ``read_health`` made it for
    ``cronbridge status``: a PAUSED job lists no next fire, as ``status`` shows none."""
    paused = status_row is not None and status_row.get("paused") is not None
    return JobView(
        job=job,
        now=now,
        schedule=schedule_text(job),
        next_fires=[] if paused else next_fires(job, now),
        runs=runs,
        durations=duration_stats(runs),
        success_rate=success_rate(runs),
        status_filter=status_filter,
        since=since,
        status_row=status_row,
    )


def pretty_json(value: Any) -> str:
    """JSON for a <pre> block (escaping is the template's job, not this function's)."""
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def logs_url(region: str, function: str, request_id: str | None) -> str | None:
    """CloudWatch Logs console link to the function's log group, filtered by request id.

    Lambda names a log stream by date and instance, not by request id, so the link opens
    the group's events filtered on the id (every line the worker logs carries it).
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-view.html
    """
    if not request_id:
        return None
    # The console's fragment encodes '/' as $252F and '?'/'=' as $3F/$3D.
    group = f"/aws/lambda/{function}".replace("/", "$252F")
    pattern = f'"{request_id}"'.replace('"', "$2522")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logsV2:log-groups/log-group/{group}/log-events$3FfilterPattern$3D{pattern}"
    )
