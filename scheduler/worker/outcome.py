"""The end of one attempt: write its outcome, then arm the retry or dead-letter the run.

``Outcomes.record`` is the one path every attempt ends on: the handler's result, the
watchdog's TIMED_OUT, and the reconciliation of an attempt whose worker died without a
word (SIGKILL, out of memory, ``os._exit``, a handler holding the GIL past the deadline).
The final write is conditional on the attempt still being RUNNING, so exactly one of those
paths concludes it, and only that one arms the retry or sends the dead letter.

``Outcomes.reconcile`` concludes an abandoned attempt from outside it: the local executor
calls it when a child process dies without an outcome, the worker calls it when a
redelivery or a retry finds the attempt's lease expired, and the on-failure destination
records Lambda leaves in the dead-letter queue name the run to reconcile.

Must not import pydantic, yaml, croniter, boto3 or the catalogue (cold start).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import Clock, isoformat_z
from scheduler.dlq.sender import DeadLetterSender, dead_run_message
from scheduler.ledger.model import Attempt, RunRecord, RunStatus
from scheduler.ledger.store import Finish, RunStore
from scheduler.worker.config import WorkerConfig
from scheduler.worker.retry import RetryScheduler, ceil_to_minute, retry_schedule_name

# After an attempt's deadline, how long before anyone may call it abandoned: the watchdog
# and Lambda's own kill both happen by the deadline, so this only absorbs clock skew and
# a final write still in flight.
LEASE_GRACE_SECONDS = C.ATTEMPT_LEASE_GRACE_SECONDS


class MetricsSink(Protocol):
    def record(self, job: str, outcome: RunStatus, duration_ms: int) -> None: ...


class NullMetrics:
    def record(self, job: str, outcome: RunStatus, duration_ms: int) -> None:
        return None


@dataclass(frozen=True)
class AttemptRef:
    """What concluding one attempt needs to know about it."""

    record: RunRecord  # the run as claimed: RUNNING, this attempt's number and request id
    trigger: str  # this attempt's own trigger (``retry`` for attempt 2 on)
    started: datetime
    target_arn: str | None  # the function a retry re-invokes
    holds_lock: bool = False  # the attempt holds the job's overlap lease


def lease_expires(started: datetime, timeout: int) -> datetime:
    """When an attempt started at ``started`` is abandoned if still RUNNING."""
    return started + timedelta(seconds=timeout + LEASE_GRACE_SECONDS)


def summary(record: RunRecord, status: str) -> dict[str, Any]:
    return {"job": record.job, "run_id": record.run_id, "attempt": record.attempt, "status": status}


class Outcomes:
    def __init__(  # noqa: PLR0917 - the worker's collaborators, as the runtime holds them
        self,
        clock: Clock,
        ledger: RunStore,
        dlq_sender: DeadLetterSender,
        retry_scheduler: RetryScheduler,
        config: WorkerConfig,
        logger: Any,
        metrics: MetricsSink,
    ) -> None:
        self.clock = clock
        self.ledger = ledger
        self.dlq_sender = dlq_sender
        self.retry_scheduler = retry_scheduler
        self.config = config
        self.logger = logger
        self.metrics = metrics

    def record(
        self, ref: AttemptRef, outcome: RunStatus, error: dict[str, str] | None, result: Any
    ) -> dict[str, Any]:
        """Write the attempt's outcome; arm its retry or dead-letter the run. Summary back."""
        record = ref.record
        finished = self.clock.now()
        duration_ms = max(0, int((finished - ref.started).total_seconds() * 1000))
        attempt = Attempt(
            attempt=record.attempt,
            trigger=ref.trigger,
            status=outcome,
            started_at=record.started_at,
            finished_at=isoformat_z(finished),
            duration_ms=duration_ms,
            request_id=record.request_id,
            error={k: v for k, v in error.items() if k != "traceback"} if error else None,
        )
        status, next_at, error = self._next_step(ref, outcome, finished, error)
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
        owned = self.ledger.finish(record, finish, release_lock=ref.holds_lock)
        self.metrics.record(record.job, outcome, duration_ms)
        if not owned:
            self.logger.warning("outcome already recorded by another delivery; not overwriting")
            return summary(record, "LOST")
        log = self.logger.info if outcome is RunStatus.SUCCEEDED else self.logger.error
        log(
            f"run {status.value.lower()}",
            extra={"outcome": outcome.value, "duration_ms": duration_ms, "error": error},
        )
        if status is RunStatus.DEAD:
            self._dead_letter(record, error)
        return summary(replace(record, status=status), status.value)

    def reconcile(
        self, run: RunRecord, *, outcome: RunStatus, reason: str, target_arn: str | None
    ) -> dict[str, Any]:
        """Conclude ``run``'s current attempt, abandoned by a worker that died in it.

        A no-op ("LOST") unless that very attempt is still RUNNING: the write is the same
        conditional final write the worker itself makes.
        """
        if run.status is not RunStatus.RUNNING:
            return summary(run, "LOST")
        ref = AttemptRef(
            record=run,
            trigger="retry" if run.attempt > 1 else run.trigger,
            started=run.started_dt,
            target_arn=target_arn,
            holds_lock=True,  # released only if this attempt still holds it
        )
        error = {"type": "WorkerDied", "message": reason}
        self.logger.error("concluding an abandoned attempt", extra={"reason": reason})
        return self.record(ref, outcome, error, None)

    def _next_step(
        self,
        ref: AttemptRef,
        outcome: RunStatus,
        finished: datetime,
        error: dict[str, str] | None,
    ) -> tuple[RunStatus, datetime | None, dict[str, str] | None]:
        """(run status, next attempt time, error): retry if allowed and armed, else DEAD."""
        if outcome is RunStatus.SUCCEEDED:
            return RunStatus.SUCCEEDED, None, None
        record = ref.record
        if record.attempt > self.config.retry.retries:
            return RunStatus.DEAD, None, error
        if not (ref.target_arn and self.config.retry_group):
            self.logger.error("cannot arm a retry: no function ARN or retry group configured")
            return RunStatus.DEAD, None, error
        next_attempt = record.attempt + 1
        at = finished + timedelta(seconds=self.config.retry.delay_before(record.attempt))
        if self.config.retry_precision == "minute":
            # EventBridge Scheduler fires an at() schedule somewhere in its minute, so the
            # earliest honest time is the next whole minute; that is what the run records.
            # https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
            at = ceil_to_minute(at)
        retry_input: dict[str, Any] = {
            "job": record.job,
            "trigger": "retry",
            "run_id": record.run_id,
            "attempt": next_attempt,
            "scheduled_time": record.scheduled_for,
            "payload": record.payload,
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
                target_arn=ref.target_arn,
                payload=retry_input,
            )
        except Exception as exc:
            self.logger.exception("arming the retry failed; the run is dead")
            note = f"{(error or {}).get('message', '')} (retry could not be scheduled: {exc})"
            return RunStatus.DEAD, None, {**(error or {}), "message": note}
        return outcome, at, error

    def _dead_letter(self, record: RunRecord, error: dict[str, str] | None) -> None:
        # The DEAD write was conditional, so only this process reaches here: one message.
        # Reading the item back (rare path) gives the full attempts list.
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
