"""The worker's state machine: claim -> run handler under a watchdog -> record -> retry/DLQ.

``WorkerRuntime.handle(event, lambda_context)`` is everything a job function does, with
every dependency injected (clock, ledger, dead-letter sender, retry scheduler, handler
loader, config, logger, metrics), so the Lambda entry, the local child-process executor
and the in-process simulator (virtual clock) all drive the very same code.

Time comes only from the ``Clock``: the deadline is fixed once from the Lambda context's
remaining time (or the configured timeout), and the watchdog (``scheduler.worker.watchdog``)
marks the attempt TIMED_OUT ``margin`` seconds before it, so after a timeout the invocation
*returns* (instead of being killed by Lambda, which would also send an on-failure record to
the DLQ). The outcome path (write, retry, dead letter) is ``scheduler.worker.outcome``.
Handled failures never raise out of ``handle``; only a broken platform (ledger/DLQ
unreachable, garbage input) does, which Lambda's on-failure destination catches.

A delivery that finds its slot's attempt still RUNNING past that attempt's lease (start +
timeout + grace) knows the worker in it died: it concludes that attempt (retry or dead
letter, as any failure), and a retry delivery then claims the run itself.

Must not import pydantic, yaml, croniter, boto3 or the catalogue (cold start).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from scheduler.clock import Clock, isoformat_z, parse_iso
from scheduler.contract import SLOT_TRIGGERS
from scheduler.dlq.sender import DeadLetterSender
from scheduler.ledger.model import (
    Attempt,
    RunRecord,
    RunStatus,
    new_run_id,
    scheduled_run_id,
    split_run_id,
)
from scheduler.ledger.store import ClaimOutcome, ClaimResult, LockRequest, RunStore
from scheduler.worker.config import WorkerConfig
from scheduler.worker.context import JobContext
from scheduler.worker.inputs import InvalidInputError, WorkerInput
from scheduler.worker.loader import HandlerFn
from scheduler.worker.outcome import (
    AttemptRef,
    MetricsSink,
    NullMetrics,
    Outcomes,
    lease_expires,
    summary,
)
from scheduler.worker.retry import RetryScheduler
from scheduler.worker.summaries import current_traceback, error_summary, result_summary
from scheduler.worker.watchdog import AttemptState, margin_for, race

HandlerLoader = Callable[[str], HandlerFn]
# Ends the job's pause ``pause_id`` if it expired at ``now`` (scheduler.operate.toggle).
PauseEnder = Callable[[str, datetime], dict[str, Any]]


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
        pause_ender: PauseEnder | None = None,
    ) -> None:
        import logging

        self.clock = clock
        self.ledger = ledger
        self.handler_loader = handler_loader
        self.config = config
        self.logger = logger if logger is not None else logging.getLogger("cronbridge.worker")
        self.threaded = threaded
        self.watchdog_margin = watchdog_margin
        self.pause_ender = pause_ender
        self.outcomes = Outcomes(
            clock,
            ledger,
            dlq_sender,
            retry_scheduler,
            config,
            self.logger,
            metrics or NullMetrics(),
        )

    # --- the invocation -------------------------------------------------------------------
    def handle(self, event: Mapping[str, Any], lambda_context: Any = None) -> dict[str, Any]:
        now = self.clock.now()
        inp = WorkerInput.parse(event, now)
        job = self.config.job
        if inp.job and inp.job != job:
            raise InvalidInputError(f"input is for job {inp.job!r} but this function runs {job!r}")
        if inp.trigger == "resume":
            return self._end_pause(event, now)
        run_id = self._run_id(inp, now)
        remaining_ms = self._remaining_ms(lambda_context)
        deadline = now + timedelta(milliseconds=remaining_ms)
        request_id = getattr(lambda_context, "aws_request_id", None)
        target_arn = self._target_arn(lambda_context)
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

    def reconcile(
        self,
        run_id: str,
        *,
        request_id: str | None,
        outcome: RunStatus,
        reason: str,
        target_arn: str | None = None,
    ) -> dict[str, Any] | None:
        """Conclude run ``run_id`` if the attempt made by ``request_id`` is still RUNNING.

        For whoever knows that attempt's worker is gone (the local executor reaping a dead
        child, the reader of a Lambda on-failure record). None when there is no such run.
        """
        run = self.ledger.get(run_id)
        if run is None:
            return None
        if request_id is not None and run.request_id != request_id:
            return summary(run, "LOST")  # a later attempt (or another delivery) owns it now
        return self.outcomes.reconcile(
            run, outcome=outcome, reason=reason, target_arn=target_arn or self._target_arn(None)
        )

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
            abandoned = self._abandoned(claim, now)
            if abandoned is None:
                existing = (claim.existing or {}).get("status")
                self.logger.info("duplicate delivery ignored", extra={"existing_status": existing})
                return summary(record, "DUPLICATE")
            concluded = self._conclude_abandoned(abandoned, now, target_arn)
            if inp.trigger != "retry" or concluded.get("status") == RunStatus.DEAD.value:
                return summary(record, "RECONCILED")
            # This retry was the dead attempt's successor: it may now claim the run itself.
            claim = self.ledger.claim(record, lock, now)
            if claim.outcome is ClaimOutcome.DUPLICATE:
                return summary(record, "DUPLICATE")
        if claim.outcome is ClaimOutcome.OVERLAP:
            holder = (claim.existing or {}).get("holder")
            return self._skip(record, holder, now)
        self.logger.info("run started", extra={"scheduled_for": record.scheduled_for})
        ref = AttemptRef(record, inp.trigger, now, target_arn, holds_lock=claim.holds_lock)
        return self._execute(AttemptState(ref, inp), deadline)

    def _abandoned(self, claim: ClaimResult, now: datetime) -> RunRecord | None:
        """The run that blocked the claim, if its attempt is RUNNING past its lease."""
        existing = claim.existing or {}
        if existing.get("status") != RunStatus.RUNNING.value or "run_id" not in existing:
            return None
        try:
            started = parse_iso(str(existing.get("started_at")))
        except ValueError:
            return None
        if lease_expires(started, self.config.timeout) >= now:
            return None
        return RunRecord.from_json(existing)

    def _conclude_abandoned(
        self, run: RunRecord, now: datetime, target_arn: str | None
    ) -> dict[str, Any]:
        expired = lease_expires(run.started_dt, self.config.timeout)
        reason = (
            f"attempt {run.attempt} (request {run.request_id}) was still RUNNING at "
            f"{isoformat_z(now)}, past its lease ({isoformat_z(expired)}); its worker died "
            "without recording an outcome"
        )
        return self.outcomes.reconcile(
            run, outcome=RunStatus.TIMED_OUT, reason=reason, target_arn=target_arn
        )

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
        return summary(skipped, RunStatus.SKIPPED.value)

    # --- the attempt --------------------------------------------------------------------------
    def _execute(self, state: AttemptState, deadline: datetime) -> dict[str, Any]:
        available = (deadline - self.clock.now()).total_seconds()
        margin = margin_for(available, self.watchdog_margin)
        record = state.ref.record
        ctx = JobContext(
            job=record.job,
            run_id=record.run_id,
            scheduled_time=state.inp.scheduled_time,
            attempt=record.attempt,
            trigger=state.inp.trigger,
            deadline=deadline - timedelta(seconds=margin),
            logger=self.logger,
            request_id=record.request_id,
            stage=self.config.stage,
            clock=self.clock,
        )
        return race(
            state,
            self.clock,
            run=lambda: self._run_handler(state, ctx),
            on_timeout=lambda: self._on_timeout(state, margin),
            timeout_after=available - margin,
            threaded=self.threaded,
            name=f"cronbridge-{record.run_id}",
        )

    def _run_handler(self, state: AttemptState, ctx: JobContext) -> None:
        _bind(self.logger, self._keys(state))
        try:
            handler = self.handler_loader(self.config.handler)
            value = handler(state.inp.payload, ctx)
        except BaseException as exc:  # the job's failure, whatever it is, is data
            # The summaries never raise (a hostile __str__ included): an exception here
            # would leave the attempt to the watchdog, which would call it TIMED_OUT.
            error = error_summary(exc, current_traceback())
            state.conclude(lambda: self.outcomes.record(state.ref, RunStatus.FAILED, error, None))
        else:
            result = result_summary(value)
            state.conclude(
                lambda: self.outcomes.record(state.ref, RunStatus.SUCCEEDED, None, result)
            )

    def _on_timeout(self, state: AttemptState, margin: float) -> None:
        _bind(self.logger, self._keys(state))
        error = {
            "type": "TimeoutError",
            "message": f"no result {margin:.1f}s before the {self.config.timeout}s deadline; "
            "the watchdog recorded the attempt as TIMED_OUT",
        }
        state.conclude(lambda: self.outcomes.record(state.ref, RunStatus.TIMED_OUT, error, None))

    def _end_pause(self, event: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """A pause's one-time schedule fired at its expiry: no handler, no run record."""
        pause_id = str(event.get("pause_id") or "")
        if not pause_id or self.pause_ender is None:
            raise InvalidInputError("a resume input needs pause_id (and a worker that can resume)")
        outcome = self.pause_ender(pause_id, now)
        self.logger.info("pause ended", extra=outcome)
        return outcome

    # --- helpers ----------------------------------------------------------------------------
    def _run_id(self, inp: WorkerInput, now: datetime) -> str:
        if inp.trigger in SLOT_TRIGGERS:
            return scheduled_run_id(self.config.job, inp.scheduled_time)
        run_id = inp.run_id or new_run_id(self.config.job, now)
        try:
            run_job, _ = split_run_id(run_id)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        if run_job != self.config.job:
            raise InvalidInputError(f"run id {run_id!r} belongs to job {run_job!r}")
        return run_id

    def _target_arn(self, lambda_context: Any) -> str | None:
        return self.config.function_arn or getattr(lambda_context, "invoked_function_arn", None)

    def _remaining_ms(self, lambda_context: Any) -> int:
        getter = getattr(lambda_context, "get_remaining_time_in_millis", None)
        if callable(getter):
            return int(getter())
        return self.config.timeout * 1000

    @staticmethod
    def _keys(state: AttemptState) -> dict[str, Any]:
        record = state.ref.record
        return {
            "job": record.job,
            "run_id": record.run_id,
            "attempt": record.attempt,
            "trigger": state.inp.trigger,
        }


__all__ = [
    "HandlerLoader",
    "InvalidInputError",
    "MetricsSink",
    "NullMetrics",
    "WorkerInput",
    "WorkerRuntime",
    "result_summary",
]
