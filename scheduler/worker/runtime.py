"""The worker's state machine: claim -> run handler under a watchdog -> record -> retry/DLQ.

``WorkerRuntime.handle(event, lambda_context)`` is everything a job function does, with
every dependency injected (clock, ledger, dead-letter sender, retry scheduler, handler
loader, config, logger, metrics), so the Lambda entry, the local child-process executor
and the in-process simulator (virtual clock) all drive the very same code.

Time comes only from the ``Clock``: the deadline is fixed once from the Lambda context's
remaining time (or the configured timeout), and the watchdog is a ``clock.start_timer``
that marks the attempt TIMED_OUT ``margin`` seconds before it. The handler runs in a daemon
thread while the invocation's thread waits for "handler done OR watchdog fired", so after a
timeout the invocation *returns* (instead of being killed by Lambda, which would also send
an on-failure record to the DLQ). The abandoned thread's late result loses the ledger's
conditional write. Handled failures never raise out of ``handle``; only a broken platform
(ledger/DLQ unreachable, garbage input) does, which Lambda's on-failure destination catches.

Must not import pydantic, yaml, croniter, boto3 or the catalogue (cold start).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from scheduler.clock import Clock, isoformat_z
from scheduler.dlq.sender import DeadLetterSender, dead_run_message
from scheduler.ledger.model import (
    Attempt,
    RunRecord,
    RunStatus,
    new_run_id,
    scheduled_run_id,
    split_run_id,
)
from scheduler.ledger.store import ClaimOutcome, Finish, LockRequest, RunStore
from scheduler.worker.config import WorkerConfig
from scheduler.worker.context import JobContext
from scheduler.worker.inputs import InvalidInputError, WorkerInput
from scheduler.worker.loader import HandlerFn
from scheduler.worker.retry import RetryScheduler, retry_schedule_name
from scheduler.worker.summaries import current_traceback, error_summary, result_summary

HandlerLoader = Callable[[str], HandlerFn]


class MetricsSink(Protocol):
    def record(self, job: str, outcome: RunStatus, duration_ms: int) -> None: ...


class NullMetrics:
    def record(self, job: str, outcome: RunStatus, duration_ms: int) -> None:
        return None


@dataclass
class _Attempt:
    """One in-flight attempt: who finishes it first (handler or watchdog) wins."""

    record: RunRecord
    inp: WorkerInput
    started: datetime
    target_arn: str | None
    holds_lock: bool = False  # this attempt holds the job's overlap lease
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    failure: BaseException | None = None


def _bind(logger: Any, keys: dict[str, Any]) -> None:
    # powertools: per-thread keys, so concurrent in-process runs don't mix their keys.
    bind = getattr(logger, "thread_safe_append_keys", None) or getattr(logger, "append_keys", None)
    if bind is not None:
        bind(**keys)


def _unbind(logger: Any) -> None:
    clear = getattr(logger, "thread_safe_clear_keys", None)
    if clear is not None:
        clear()


class WorkerRuntime:
    def __init__(  # noqa: PLR0917 - the six collaborators, positional by design
        self,
        clock: Clock,
        ledger: RunStore,
        dlq_sender: DeadLetterSender,
        retry_scheduler: RetryScheduler,
        handler_loader: HandlerLoader,
        config: WorkerConfig,
        *,
        logger: Any = None,
        metrics: MetricsSink | None = None,
        threaded: bool = True,
        watchdog_margin: float | None = None,
    ) -> None:
        import logging

        self.clock = clock
        self.ledger = ledger
        self.dlq_sender = dlq_sender
        self.retry_scheduler = retry_scheduler
        self.handler_loader = handler_loader
        self.config = config
        self.logger = logger if logger is not None else logging.getLogger("cronbridge.worker")
        self.metrics = metrics or NullMetrics()
        self.threaded = threaded
        self.watchdog_margin = watchdog_margin

    # --- the invocation -------------------------------------------------------------------
    def handle(self, event: Mapping[str, Any], lambda_context: Any = None) -> dict[str, Any]:
        now = self.clock.now()
        inp = WorkerInput.parse(event, now)
        job = self.config.job
        if inp.job and inp.job != job:
            raise InvalidInputError(f"input is for job {inp.job!r} but this function runs {job!r}")
        run_id = self._run_id(inp, now)
        remaining_ms = self._remaining_ms(lambda_context)
        deadline = now + timedelta(milliseconds=remaining_ms)
        request_id = getattr(lambda_context, "aws_request_id", None)
        target_arn = self.config.function_arn or getattr(
            lambda_context, "invoked_function_arn", None
        )
        record = RunRecord(
            run_id=run_id,
            job=job,
            status=RunStatus.RUNNING,
            trigger=inp.trigger,
            scheduled_for=isoformat_z(inp.scheduled_time),
            attempt=inp.attempt,
            started_at=isoformat_z(now),
            request_id=request_id,
            payload=inp.payload,
            event_id=inp.event_id,
            redrive_of=inp.redrive_of,
        )
        keys = {"job": job, "run_id": run_id, "attempt": inp.attempt, "trigger": inp.trigger}
        _bind(self.logger, keys)
        try:
            return self._claim_and_run(record, inp, now, deadline, target_arn)
        finally:
            _unbind(self.logger)

    def _claim_and_run(
        self,
        record: RunRecord,
        inp: WorkerInput,
        now: datetime,
        deadline: datetime,
        target_arn: str | None,
    ) -> dict[str, Any]:
        lock = None
        if self.config.overlap == "skip":
            lock = LockRequest(
                lease_until=now + timedelta(seconds=self.config.timeout),
                exclusive=inp.trigger == "schedule",
            )
        claim = self.ledger.claim(record, lock, now)
        if claim.outcome is ClaimOutcome.DUPLICATE:
            existing = (claim.existing or {}).get("status")
            self.logger.info("duplicate delivery ignored", extra={"existing_status": existing})
            return self._summary(record, "DUPLICATE")
        if claim.outcome is ClaimOutcome.OVERLAP:
            holder = (claim.existing or {}).get("holder")
            return self._skip(record, holder, now)
        self.logger.info("run started", extra={"scheduled_for": record.scheduled_for})
        state = _Attempt(record, inp, now, target_arn, holds_lock=claim.holds_lock)
        return self._execute(state, deadline)

    def _skip(self, record: RunRecord, holder: str | None, now: datetime) -> dict[str, Any]:
        finished = isoformat_z(now)
        skipped = replace(
            record,
            status=RunStatus.SKIPPED,
            finished_at=finished,
            duration_ms=0,
            note=f"skipped: previous run {holder} is still running (overlap: skip)",
            attempts=[
                Attempt(
                    record.attempt,
                    record.trigger,
                    RunStatus.SKIPPED,
                    record.started_at,
                    finished,
                    0,
                    record.request_id,
                )
            ],
        )
        self.ledger.record_skipped(skipped, self.config.retention_days)
        self.logger.info("run skipped: previous run still running", extra={"holder": holder})
        return self._summary(skipped, RunStatus.SKIPPED.value)

    def _execute(self, state: _Attempt, deadline: datetime) -> dict[str, Any]:
        available = (deadline - self.clock.now()).total_seconds()
        margin = self._margin(available)
        ctx = JobContext(
            job=state.record.job,
            run_id=state.record.run_id,
            scheduled_time=state.inp.scheduled_time,
            attempt=state.record.attempt,
            trigger=state.inp.trigger,
            deadline=deadline - timedelta(seconds=margin),
            logger=self.logger,
            request_id=state.record.request_id,
            stage=self.config.stage,
            clock=self.clock,
        )
        timer = self.clock.start_timer(
            max(0.0, available - margin), lambda: self._on_timeout(state, margin)
        )
        try:
            if self.threaded:
                worker = threading.Thread(
                    target=self._run_handler,
                    args=(state, ctx),
                    daemon=True,
                    name=f"cronbridge-{state.record.run_id}",
                )
                worker.start()
                state.done.wait()
            else:
                self._run_handler(state, ctx)
                state.done.wait()
        finally:
            timer.cancel()
        if state.failure is not None:
            raise state.failure
        return state.summary

    def _run_handler(self, state: _Attempt, ctx: JobContext) -> None:
        _bind(self.logger, self._keys(state))
        try:
            handler = self.handler_loader(self.config.handler)
            value = handler(state.inp.payload, ctx)
        except BaseException as exc:  # the job's failure, whatever it is, is data
            # The summaries never raise (a hostile __str__ included): an exception here
            # would leave the attempt to the watchdog, which would call it TIMED_OUT.
            self._conclude(state, RunStatus.FAILED, error_summary(exc, current_traceback()))
        else:
            self._conclude(state, RunStatus.SUCCEEDED, None, result_summary(value))

    def _on_timeout(self, state: _Attempt, margin: float) -> None:
        _bind(self.logger, self._keys(state))
        error = {
            "type": "TimeoutError",
            "message": f"no result {margin:.1f}s before the {self.config.timeout}s deadline; "
            "the watchdog recorded the attempt as TIMED_OUT",
        }
        self._conclude(state, RunStatus.TIMED_OUT, error)

    def _conclude(
        self, state: _Attempt, outcome: RunStatus, error: dict[str, str] | None, result: Any = None
    ) -> None:
        with state.lock:
            if state.finished:
                return  # the other path (watchdog or handler) already recorded it
            state.finished = True
        try:
            state.summary = self._record_outcome(state, outcome, error, result)
        except BaseException as exc:
            state.failure = exc
        finally:
            state.done.set()

    # --- outcome ----------------------------------------------------------------------------
    def _record_outcome(
        self, state: _Attempt, outcome: RunStatus, error: dict[str, str] | None, result: Any
    ) -> dict[str, Any]:
        record = state.record
        finished = self.clock.now()
        duration_ms = max(0, int((finished - state.started).total_seconds() * 1000))
        attempt = Attempt(
            attempt=record.attempt,
            trigger=state.inp.trigger,
            status=outcome,
            started_at=record.started_at,
            finished_at=isoformat_z(finished),
            duration_ms=duration_ms,
            request_id=record.request_id,
            error={k: v for k, v in error.items() if k != "traceback"} if error else None,
        )
        status, next_at, error = self._next_step(state, outcome, finished, error)
        finish = Finish(
            status=status,
            attempt=attempt,
            finished_at=finished,
            duration_ms=duration_ms,
            error=error,
            result=result,
            next_attempt_at=isoformat_z(next_at) if next_at else None,
            retention_days=self.config.retention_days,
        )
        owned = self.ledger.finish(record, finish, release_lock=state.holds_lock)
        self.metrics.record(record.job, outcome, duration_ms)
        if not owned:
            self.logger.warning("outcome already recorded by another delivery; not overwriting")
            return self._summary(record, "LOST")
        log = self.logger.info if outcome is RunStatus.SUCCEEDED else self.logger.error
        log(
            f"run {status.value.lower()}",
            extra={"outcome": outcome.value, "duration_ms": duration_ms, "error": error},
        )
        if status is RunStatus.DEAD:
            self._dead_letter(record, error)
        return self._summary(replace(record, status=status), status.value)

    def _next_step(
        self,
        state: _Attempt,
        outcome: RunStatus,
        finished: datetime,
        error: dict[str, str] | None,
    ) -> tuple[RunStatus, datetime | None, dict[str, str] | None]:
        """(run status, next attempt time, error): retry if allowed and armed, else DEAD."""
        if outcome is RunStatus.SUCCEEDED:
            return RunStatus.SUCCEEDED, None, None
        record = state.record
        if record.attempt > self.config.retry.retries:
            return RunStatus.DEAD, None, error
        if not (state.target_arn and self.config.retry_group):
            self.logger.error("cannot arm a retry: no function ARN or retry group configured")
            return RunStatus.DEAD, None, error
        next_attempt = record.attempt + 1
        at = finished + timedelta(seconds=self.config.retry.delay_before(record.attempt))
        retry_input: dict[str, Any] = {
            "job": record.job,
            "trigger": "retry",
            "run_id": record.run_id,
            "attempt": next_attempt,
            "scheduled_time": record.scheduled_for,
            "payload": state.inp.payload,
        }
        if record.redrive_of:
            retry_input["redrive_of"] = record.redrive_of
        try:
            # Armed BEFORE the ledger write: the name is deterministic and the retry's own
            # claim is conditional, so a spare schedule is harmless while a missing one
            # would strand the run as FAILED forever.
            self.retry_scheduler.schedule_retry(
                name=retry_schedule_name(record.job, next_attempt, record.run_id),
                at=at,
                target_arn=state.target_arn,
                payload=retry_input,
            )
        except Exception as exc:
            self.logger.exception("arming the retry failed; the run is dead")
            note = f"{(error or {}).get('message', '')} (retry could not be scheduled: {exc})"
            return RunStatus.DEAD, None, {**(error or {}), "message": note}
        return outcome, at, error

    def _dead_letter(self, record: RunRecord, error: dict[str, str] | None) -> None:
        # The DEAD write above was conditional, so only this process reaches here: one
        # message. Reading the item back (rare path) gives the full attempts list.
        stored = self.ledger.get(record.run_id)
        attempts = [a.to_json() for a in stored.attempts] if stored else []
        message = dead_run_message(
            job=record.job,
            run_id=record.run_id,
            scheduled_time=record.scheduled_for,
            payload=record.payload,
            attempts=attempts,
            last_error=error,
            stage=self.config.stage,
        )
        self.dlq_sender.send(message)

    # --- helpers ----------------------------------------------------------------------------
    def _run_id(self, inp: WorkerInput, now: datetime) -> str:
        if inp.trigger == "schedule":
            return scheduled_run_id(self.config.job, inp.scheduled_time)
        run_id = inp.run_id or new_run_id(self.config.job, now)
        try:
            run_job, _ = split_run_id(run_id)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        if run_job != self.config.job:
            raise InvalidInputError(f"run id {run_id!r} belongs to job {run_job!r}")
        return run_id

    def _remaining_ms(self, lambda_context: Any) -> int:
        getter = getattr(lambda_context, "get_remaining_time_in_millis", None)
        if callable(getter):
            return int(getter())
        return self.config.timeout * 1000

    def _margin(self, available: float) -> float:
        if self.watchdog_margin is not None:
            return self.watchdog_margin
        # Enough to write the ledger and arm a retry, but not a big bite of short jobs.
        return min(5.0, max(0.5, 0.1 * available))

    @staticmethod
    def _keys(state: _Attempt) -> dict[str, Any]:
        return {
            "job": state.record.job,
            "run_id": state.record.run_id,
            "attempt": state.record.attempt,
            "trigger": state.inp.trigger,
        }

    @staticmethod
    def _summary(record: RunRecord, status: str) -> dict[str, Any]:
        return {
            "job": record.job,
            "run_id": record.run_id,
            "attempt": record.attempt,
            "status": status,
        }


__all__ = ["InvalidInputError", "WorkerInput", "WorkerRuntime", "result_summary"]
