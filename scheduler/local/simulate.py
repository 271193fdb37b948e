"""`cronbridge local simulate`: the whole pipeline under a virtual clock, in-process.

The catalogue is deployed into moto in-process (``mock_aws``) with the production deploy
code; then a discrete-event loop drives the real ticker (reading the deployed rules and
schedules back), an in-process executor (the real ``WorkerRuntime`` with the virtual clock,
a Lambda-like context and the function's configured env), the ledger, the retry ``at()``
schedules the worker creates (read back and fired at their time) and the dead-letter queue.
Each invocation is a virtual thread; a job slower than its period overlaps the next fire,
and one still running at its deadline is frozen there, as Lambda would kill it.

Recurring fires in [start, end) are delivered; retries of those runs still fire after
``end`` so every run finishes its story. Deterministic: ids derive from the inputs and the
interleaving from virtual time only. Handlers must wait through ``ctx.sleep`` (the Clock),
not ``time.sleep``. Known gap: in-process, a handler does not see its job's ``env:`` in
``os.environ`` (one process hosts every job), and ``ssm:`` references are not resolved.

Run records live in an in-process ``MemoryRunStore`` by default (``simledger.py``): the
worker, the report and the monitor's rounds (health, catch-up) all read and write it, and
at the end of ``run`` it is flushed into the emulator's table, which then holds what the
DynamoDB ledger would have left (``ledger="dynamodb"`` keeps the records in that table
throughout; pauses and the monitor's alert states always live there).

This module is the virtual-clock driver; what it reports lives in ``simreport.py``, the
in-process surroundings it gives the worker (watched clients, context) in ``simenv.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from scheduler import contract, names
from scheduler.awsclients import AwsClients
from scheduler.ledger.store import RunStore
from scheduler.local.alerts import LocalAlerts
from scheduler.local.events import RunEvent, events_from_record
from scheduler.local.functions import FunctionDirectory, FunctionInfo
from scheduler.local.simenv import (
    VirtualContext,
    WatchedClients,
    catalogue_on_path,
    fresh_loader,
    quiet_logger,
)
from scheduler.local.simledger import TERMINAL_STATUSES, LedgerKind, SimLedgers
from scheduler.local.simreport import AttemptRow, SimulationResult
from scheduler.local.targets import stable_id
from scheduler.local.ticker import Firing, Ticker
from scheduler.local.vclock import VirtualClock, VirtualThread

# Retries of runs inside the window may fire after it; nothing legitimate takes longer.
MAX_OVERRUN = timedelta(days=2)

DeployFn = Callable[[Any, str, Any], Any]  # (catalogue, stage, clients) -> anything
# Called after every step of the loop: (virtual time reached, attempts done, runs seen).
ProgressFn = Callable[[datetime, int, int], None]

_STATUS_OF_EVENT = {
    "succeeded": "SUCCEEDED",
    "failed": "FAILED",
    "timed out": "TIMED_OUT",
    "killed": "TIMED_OUT",
    "skipped": "SKIPPED",
    "duplicate": "DUPLICATE",
    "error": "ERROR",
}


class Simulation:
    """One simulation over [start, end) of a deployed stage, inside an active moto mock.
    ``outage`` ([from, to)): nothing is delivered then, the monitor included, as when the
    scheduler or the account is down; what is missed is what catch-up is for."""

    def __init__(
        self,
        clients: AwsClients,
        *,
        prefix: str,
        stage: str,
        start: datetime,
        end: datetime,
        outage: tuple[datetime, datetime] | None = None,
        ledger: LedgerKind = "memory",
        progress: ProgressFn | None = None,
        flush: bool = True,
    ) -> None:
        self.outage = outage
        self._flush_at_end = flush
        self.ledgers = SimLedgers(ledger, lambda: self.clients.client("dynamodb"))
        self._progress = progress
        self._runs_seen: set[str] = set()
        self.prefix = prefix
        self.stage = stage
        self.start = start
        self.end = end
        self.clock = VirtualClock(start)
        self._dirty = False
        self._toggled = False
        self._created: list[tuple[str, str]] = []  # schedules created since the last read
        self._relist = False  # a schedule the ticker may fire was deleted: list the group
        self.clients = WatchedClients(
            clients, self._mark_created, self._mark_toggled, self._mark_deleted
        )
        self.functions = FunctionDirectory(self.clients.client("lambda"))
        self._runtimes: dict[str, Any] = {}
        self._sequence = 0
        self.result = SimulationResult(start=start, end=end, stage=stage)
        # The deployed monitor rule's firings run the monitor round here (local/alerts.py).
        self.alerts = LocalAlerts(
            self.clients, prefix=prefix, stage=stage, clock=self.clock, log_path=None,
            emit=self.result.alerts.append, store_for=self.store,
            published=self.clients.published,
        )  # fmt: skip
        self.ticker = Ticker(
            self.clients,
            prefix=prefix,
            stage=stage,
            clock=self.clock,
            fire=self._unless_down(self.alerts.route(self._on_fire)),
            start=start - timedelta(microseconds=1),  # [start, end): a fire at start counts
            recurring_before=end,
        )

    def _unless_down(self, fire: Callable[[Firing], None]) -> Callable[[Firing], None]:
        def deliver(firing: Firing) -> None:
            if self.outage and self.outage[0] <= firing.scheduled_time < self.outage[1]:
                self.result.lost += 1  # not delivered: the outage
                return
            fire(firing)

        return deliver

    def store(self, table: str) -> RunStore:
        """The run ledger of ``table``: in process memory, or the emulator's table."""
        return self.ledgers.store(table)

    def flush(self) -> None:
        """Write the in-process ledgers' changes into the emulator's tables, so whatever
        reads the table after ``run`` (a test, a slot reader) sees the runs."""
        self.ledgers.flush()

    def _mark_created(self, group: str, name: str) -> None:
        self._dirty = True
        self._created.append((group, name))

    def _mark_deleted(self, group: str, name: str) -> None:
        if self.ticker.pending(group, name):  # not the ticker's own delete of a fired one
            self._dirty = self._relist = True

    def _mark_toggled(self) -> None:
        self._toggled = True

    # --- the event loop ---------------------------------------------------------------------
    def run(self) -> SimulationResult:
        began = time.perf_counter()
        self.clients.forget()  # deployed functions are read afresh by each run
        self.ticker.refresh(full=True)
        self.alerts.attach()
        limit = self.end + MAX_OVERRUN
        while True:
            fire_at = self.ticker.next_due_time()
            event_at = self.clock.next_event_time()
            if fire_at is None and event_at is None:
                break
            if event_at is not None and (fire_at is None or event_at <= fire_at):
                if event_at > limit:
                    break
                self.clock.step()  # running work first: a run ending at :00 frees its lock
            else:
                assert fire_at is not None
                if fire_at > limit:
                    break
                self.clock.advance_to(fire_at)
                self.ticker.fire_due(fire_at)
            if self._toggled or self._dirty:
                self._read_changes()
            self.ledgers.prune(self.clock.now(), idle=self.clock.next_event_time() is None)
            if self._progress is not None:
                self._progress(self.clock.now(), len(self.result.rows), len(self._runs_seen))
        self.alerts.drain()
        if self._flush_at_end:
            self.flush()
        self.result.finished_at = self.clock.now()
        self.result.rows.sort(key=lambda r: (r.at, r.job, r.scheduled_for, r.attempt))
        self.result.dead_letters = self._dead_letters()
        self.result.wall_seconds = time.perf_counter() - began
        return self.result

    def _read_changes(self) -> None:
        """Re-read what changed: the whole deployed set after a rule or schedule turned on
        or off; else just the retry schedules created since (one GetSchedule each; every
        create and delete goes through the watched client), listing the group only when a
        schedule the ticker may fire was deleted or one was made in another group."""
        created, self._created = self._created, []
        toggled, relist = self._toggled, self._relist
        self._toggled = self._dirty = self._relist = False
        if toggled:
            self.ticker.refresh(full=True)
        elif relist or any(group != self.ticker.retry_group for group, _ in created):
            self.ticker.refresh(full=False)
        else:
            self.ticker.add_retries(name for _, name in created)

    # --- one delivery -----------------------------------------------------------------------
    def _runtime(self, info: FunctionInfo) -> Any:
        from scheduler.worker.entry import build_runtime
        from scheduler.worker.runtime import NullMetrics

        if info.name not in self._runtimes:
            env = dict(info.env)
            env.setdefault(contract.ENV_FUNCTION_ARN, info.arn)
            # The simulated ticker fires one-time schedules to the second (AWS: the minute).
            env.setdefault(contract.ENV_RETRY_PRECISION, "second")
            self._runtimes[info.name] = build_runtime(
                env,
                clients=self.clients,
                clock=self.clock,
                handler_loader=fresh_loader,
                metrics=NullMetrics(),
                log=quiet_logger(),
                threaded=False,  # the handler runs in the invocation's own virtual thread
                ledger=self.store(self._table(info)),
            )
        return self._runtimes[info.name]

    def _table(self, info: FunctionInfo) -> str:
        return info.env.get(contract.ENV_TABLE) or names.runs_table(self.prefix, self.stage)

    def _on_fire(self, firing: Firing) -> None:
        info = self.functions.get(firing.function_name)
        event = json.loads(firing.input_text)
        self._sequence += 1
        request_id = stable_id(info.name, firing.input_text, str(self._sequence))
        started = RunEvent.started(firing, event, self.clock.now(), request_id)
        context = VirtualContext(
            clock=self.clock,
            deadline=self.clock.now() + timedelta(seconds=info.timeout),
            function_name=info.name,
            invoked_function_arn=info.arn,
            aws_request_id=request_id,
            memory_limit_in_mb=info.memory,
        )
        runtime = self._runtime(info)
        holder: dict[str, VirtualThread] = {}

        def invoke() -> None:
            try:
                outcome: dict[str, Any] = {"ok": True, "result": runtime.handle(event, context)}
            except Exception as exc:  # a platform failure of the worker: report, go on
                outcome = {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}}
            kill.cancel()
            self._conclude(started, info, outcome, killed=False)

        def deadline() -> None:
            vthread = holder["thread"]
            if vthread.alive:
                self.clock.abandon(vthread)  # Lambda kills the sandbox at the deadline
                self._conclude(started, info, None, killed=True)

        holder["thread"] = self.clock.spawn(invoke, name=f"{info.name}@{firing.scheduled_time}")
        kill = self.clock.start_timer(info.timeout, deadline)

    def _conclude(
        self, started: RunEvent, info: FunctionInfo, outcome: dict[str, Any] | None, killed: bool
    ) -> None:
        if started.trigger == "resume":
            return  # a pause's expiry: no run, so no attempt row
        record = None
        now = self.clock.now()
        table = self._table(info)
        summary = (outcome or {}).get("result") or {}
        if isinstance(summary, dict) and summary.get("status") == "SUCCEEDED":
            # The worker's own summary suffices for a success: no ledger read needed.
            events = [started.but("succeeded", now, "")]
        else:
            if started.run_id:
                record = self.store(table).get(started.run_id)
            events = events_from_record(started, record, outcome=outcome, killed=killed, now=now)
        final = record.status.value if record is not None else summary.get("status")
        # A job the stage's monitor watches keeps its runs: the monitor reads its newest
        # runs for health and catch-up, as `status` does.
        watched = contract.ENV_MONITOR in info.env
        if started.run_id:
            self._runs_seen.add(started.run_id)
        if started.run_id and final in TERMINAL_STATUSES and not watched:
            self.ledgers.finished(now, table, started.run_id)
        first = events[0] if events else started.but("error", now, "no outcome recorded")
        run_status = None
        next_attempt = None
        for item in events[1:]:
            if item.kind == "dead":
                run_status = "DEAD"
            elif item.kind == "retrying":
                run_status = "RETRYING"
                next_attempt = record.next_attempt_at if record else None
        self.result.rows.append(
            AttemptRow(
                job=started.job,
                scheduled_for=started.scheduled_for,
                attempt=started.attempt,
                status=_STATUS_OF_EVENT.get(first.kind, first.kind.upper()),
                at=started.at,
                finished_at=now,
                trigger=started.trigger,
                run_id=started.run_id,
                run_status=run_status,
                next_attempt_at=next_attempt,
                detail=first.detail,
            )
        )

    def _dead_letters(self) -> list[dict[str, Any]]:
        from scheduler.local.persist import peek_queue

        out = []
        for message in peek_queue(self.clients.client("sqs"), self.prefix, self.stage):
            try:
                out.append(json.loads(message["Body"]))
            except ValueError:
                out.append({"body": message["Body"]})
        return out


def simulate(
    catalogue: Any,
    *,
    start: datetime,
    end: datetime,
    stage: str,
    deploy: DeployFn,
    region: str = "us-east-1",
    outage: tuple[datetime, datetime] | None = None,
    ledger: LedgerKind = "memory",
    progress: ProgressFn | None = None,
) -> SimulationResult:
    """Deploy ``catalogue`` into an in-process moto and simulate [start, end)."""
    from moto import mock_aws

    packages = {job.top_level_package for job in catalogue.jobs.values()}
    with catalogue_on_path(Path(catalogue.root), packages), mock_aws():
        clients = AwsClients(region=region)
        deploy(catalogue, stage, clients)
        return Simulation(
            clients, prefix=catalogue.prefix, stage=stage, start=start, end=end, outage=outage,
            ledger=ledger, progress=progress,
            flush=False,  # the emulator ends with this call: nothing could read the table
        ).run()  # fmt: skip
