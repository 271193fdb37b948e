"""Where the UI's data comes from, and the actions it may take: ledger, DLQ, invoker.

Reads go through ``scheduler.ledger`` (summary and day-rollup items by key with
BatchGetItem; ``history``/``get`` for a job's or a run's page and for jobs without
summaries, one Query per job; never a Scan) and ``scheduler.dlq``; health through
``scheduler.health.read_health``, the read ``cronbridge status`` makes; actions
through ``scheduler.actions``, the code ``cronbridge run`` and ``cronbridge dlq`` run.
Clients come from an injected factory, rebuilt after a connection failure, so the page
recovers by itself once AWS or the emulator is back. Every AWS failure surfaces as one
``UnreachableError`` line, never a traceback.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from scheduler import names
from scheduler.actions import (
    open_dead_letter_queue,
    redrive_letters,
    rule_input_rebuilder,
    start_manual_run,
)
from scheduler.clock import parse_iso
from scheduler.dlq.queue import DeadLetter, DeadLetterQueue
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.health import read_health, read_pauses, recent_runs, usable_summary
from scheduler.invoke import make_invoker
from scheduler.ledger import DynamoRunStore, RunRecord, RunStatus
from scheduler.ledger.summary import JobSummary
from scheduler.ui.daycache import DayCache
from scheduler.ui.views import HEATMAP_DAYS, Overview, heat_window, overview_row, rollup_row
from scheduler.ui.window import WINDOW_PAGE, RunWindows, slot_stamp, stamp_of

JOB_PAGE_LIMIT = 500  # runs shown on a job page at most


class UnreachableError(CronbridgeError):
    """AWS or the emulator could not be read; the page says so in one line and retries."""


class PrefetchedStore:
    """A ``RunStore`` read view that serves ``history`` from runs already fetched.

    The overview reads each job's last days once; health wants the newest few runs of the
    same job. Serving those from the window (and continuing with a real Query only if the
    consumer reads past it) keeps one Query per job without a second copy of health rules.
    """

    def __init__(
        self, store: Any, job: str, newest_first: list[RunRecord], *, complete: bool
    ) -> None:
        self._store = store
        self._job = job
        self._runs = newest_first
        self._complete = complete  # the job has no run older than these

    def history(
        self,
        job: str,
        *,
        since: datetime | None = None,
        status: RunStatus | None = None,
        page_size: int = 50,
    ) -> Iterator[RunRecord]:
        if job != self._job or since is not None:
            yield from self._store.history(job, since=since, status=status, page_size=page_size)
            return
        seen = set()
        for run in self._runs:
            seen.add(run.run_id)
            if status is None or run.status is status:
                yield run
        if self._complete:
            return
        # Older than the window: the real Query, skipping what was already served.
        for run in self._store.history(job, status=status, page_size=page_size):
            if run.run_id not in seen:
                yield run

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class UiSource:
    def __init__(
        self,
        catalogue: Any,
        clients: Callable[[], Any],
        stage: str,
        *,
        local: bool,
        describe_endpoint: Callable[[], str] = lambda: "AWS",
    ) -> None:
        self.catalogue = catalogue
        self.stage = stage
        self.local = local
        self._make_clients = clients
        self._clients: Any = None
        self._queue: DeadLetterQueue | None = None
        self._lock = threading.Lock()
        self._describe = describe_endpoint
        self.windows = RunWindows()  # each job's recent runs, topped up between loads
        self._whole: set[str] = set()  # jobs whose summary saw their first run
        self.days = DayCache()  # closed days' rollups, read once

    @property
    def prefix(self) -> str:
        return str(self.catalogue.prefix)

    # --- plumbing --------------------------------------------------------------------------
    def clients(self) -> Any:
        with self._lock:
            if self._clients is None:
                try:
                    self._clients = self._make_clients()
                except CronbridgeError as exc:  # e.g. no local platform is running yet
                    raise UnreachableError(_one_line(exc.message), exc.hint) from exc
            return self._clients

    def _guard(self, fn: Callable[[], Any]) -> Any:
        """Run a read or an action; AWS failures become one ``UnreachableError`` line.

        Other ``CronbridgeError``s (no such message, job not deployed) are about what was
        asked, and pass through for the page to show as they are.
        """
        try:
            return fn()
        except UnreachableError:
            self._reset()
            raise
        except AwsCallError as exc:
            self._reset()
            raise UnreachableError(_one_line(exc.message), exc.hint) from exc
        except CronbridgeError:
            raise
        except Exception as exc:
            if not (hasattr(exc, "response") or type(exc).__module__.startswith("botocore")):
                raise
            self._reset()
            raise UnreachableError(
                f"cannot reach {self._describe()}: {_one_line(str(exc))}"
            ) from exc

    def _reset(self) -> None:
        with self._lock:
            self._clients = None
            self._queue = None
        self.windows.clear()
        self.days.clear()

    def warm(self) -> None:
        """What every first page load would do before reading anything: build the clients
        and find the dead-letter queue (GetQueueUrl, kept until a failure). Done at the
        server's start; if AWS or the emulator is not there yet, the first load retries."""
        with contextlib.suppress(CronbridgeError):
            self._guard(lambda: (self.clients().client("dynamodb"), self.queue()))

    def store(self) -> DynamoRunStore:
        return DynamoRunStore(
            self.clients().client("dynamodb"), names.runs_table(self.prefix, self.stage)
        )

    def queue(self) -> DeadLetterQueue:
        if self._queue is None:
            self._queue = open_dead_letter_queue(
                self.clients().client("sqs"), self.prefix, self.stage, self.catalogue
            )
        return self._queue

    def job(self, name: str) -> Any:
        return self.catalogue.jobs.get(name)

    # --- reads -----------------------------------------------------------------------------
    def overview(self, now: datetime, *, with_dead_letters: bool = True) -> Overview:
        """Every job's row. A job whose summary item covers the heatmap's days is read by
        key: its summary and 8 day rollups (BatchGetItem, 100 keys a request; closed days
        only once, ``DayCache``), no run at all. Other jobs (runs older than their summary,
        written before summaries existed) read their recent runs with one Query, kept and
        topped up between loads. The summaries, the pause records and the dead-letter count
        are read at the same time; the rollups once the summaries say which jobs they
        cover."""

        def read(pool: ThreadPoolExecutor) -> Overview:
            store = self.store()
            jobs = list(self.catalogue.jobs.values())
            names = [job.name for job in jobs]
            asked_summaries = pool.submit(store.summaries, names)
            asked_pauses = pool.submit(read_pauses, store, names)
            asked_dead = pool.submit(self.dead_letter_count) if with_dead_letters else None
            start, _cells = heat_window(now)
            summaries = asked_summaries.result()
            covered = {j.name for j in jobs if self._rollups_cover(store, summaries, j, start)}
            span = (now.date() - start.date()).days + 1
            days = [start.date() + timedelta(days=i) for i in range(span)]
            rollups = self.days.rollups(sorted(covered), days, now, store.day_rollups)
            since = now - timedelta(days=HEATMAP_DAYS)
            windows: dict[str, tuple[list[RunRecord], list[RunRecord]]] = {}
            for job in jobs:
                if job.name in covered:
                    continue
                fetched, complete = self.windows.runs(store, job.name, since, now)
                window = [r for r in fetched if slot_stamp(r) >= stamp_of(since)]
                served = PrefetchedStore(store, job.name, fetched, complete=complete)
                windows[job.name] = (recent_runs(served, job.name), window)
            recent = {name: pair[0] for name, pair in windows.items()}
            health = read_health(
                store, jobs, now, summaries=summaries, recent=recent, pauses=asked_pauses.result()
            )
            rows = []
            for job in jobs:
                if job.name in windows:
                    _recent, window = windows[job.name]
                    rows.append(overview_row(job, [], window, now, status_row=health[job.name]))
                else:
                    summary = summaries[job.name]
                    days_of = rollups.get(job.name, [])
                    rows.append(rollup_row(job, health[job.name], days_of, summary.in_flight, now))
            dead = asked_dead.result() if asked_dead is not None else None
            return Overview(now=now, rows=rows, dead_letters=dead, stage=self.stage)

        def guarded() -> Overview:
            with ThreadPoolExecutor(max_workers=3) as pool:
                return read(pool)

        result: Overview = self._guard(guarded)
        return result

    def health(self, name: str, now: datetime) -> dict[str, Any]:
        """One job's status row, by ``read_health`` as ``cronbridge status`` reads it."""
        job = self.catalogue.jobs[name]
        row: dict[str, Any] = self._guard(lambda: read_health(self.store(), [job], now)[name])
        return row

    def _rollups_cover(
        self, store: DynamoRunStore, summaries: dict[str, JobSummary], job: Any, start: datetime
    ) -> bool:
        """Whether the job's rollups hold every run of the heatmap's window: its summary
        (and so its rollups) began before the window, or the job has no older run (asked
        once per job and remembered: older runs do not appear later)."""
        summary = summaries.get(job.name)
        if summary is None or not usable_summary(summary) or not summary.since:
            return False
        since = parse_iso(summary.since)
        if since <= start or job.name in self._whole:
            return True
        if store.has_runs_before(job.name, since):
            return False
        self._whole.add(job.name)
        return True

    def dead_letter_count(self) -> int:
        """Approximate count (GetQueueAttributes): reading it hides no message."""
        queue = self.queue()
        attrs = queue._call(
            "get_queue_attributes",
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
            attrs.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def job_runs(
        self, job: str, since: datetime | None, status: RunStatus | None
    ) -> list[RunRecord]:
        def read() -> list[RunRecord]:
            stream = self.store().history(job, since=since, status=status, page_size=WINDOW_PAGE)
            return list(itertools.islice(stream, JOB_PAGE_LIMIT))

        runs: list[RunRecord] = self._guard(read)
        return runs

    def run(self, run_id: str) -> RunRecord | None:
        def read() -> RunRecord | None:
            try:
                return self.store().get(run_id)
            except ValueError:  # not a run id at all
                return None

        record: RunRecord | None = self._guard(read)
        return record

    def dead_letters(self) -> list[DeadLetter]:
        letters: list[DeadLetter] = self._guard(lambda: self.queue().list())
        return letters

    # --- actions (same code as the CLI verbs) ------------------------------------------------
    def _invoker(self) -> Any:
        return make_invoker(self.clients(), self.prefix, self.stage, self.local)

    def trigger(self, job: str, now: datetime) -> str:
        spec = self.catalogue.jobs[job]
        run_id: str = self._guard(
            lambda: start_manual_run(self._invoker(), job, dict(spec.payload), now)
        )
        return run_id

    def redrive(self, message_id: str | None, now: datetime) -> list[dict[str, Any]]:
        started: list[dict[str, Any]] = self._guard(
            lambda: redrive_letters(
                self.queue(),
                self._invoker(),
                message_id,
                now,
                rule_input_rebuilder(self.clients().client("events"), self.catalogue),
            )
        )
        return started

    def purge(self) -> int:
        count: int = self._guard(lambda: self.queue().purge())
        return count


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:299] + "…"
