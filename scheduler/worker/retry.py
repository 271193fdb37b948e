"""Worker-owned retries: one one-time EventBridge Scheduler ``at()`` schedule per retry.

Lambda's own async retries are off (at most 2, no backoff control), so the worker arms a
schedule in the stage's retry group that re-invokes its own function with the retry input
after the backoff delay; ``ActionAfterCompletion=DELETE`` cleans it up. The schedule name
is deterministic (``<job>.<attempt>.<8 hex of the run id>``) so a repeated arm is a
harmless ``ConflictException``; the dot (never in a job name) lets the job's IAM policy
allow ``schedule/<retry group>/<job>.*`` and nothing of another job. The schedule runs
under the job's own role, which can invoke only this job's function. Only the scheduler
client is touched, and only when a retry is actually needed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from scheduler import contract


class RetryScheduler(Protocol):
    def schedule_retry(
        self, *, name: str, at: datetime, target_arn: str, payload: dict[str, Any]
    ) -> None:
        """Arrange for ``payload`` to be delivered to ``target_arn`` at ``at`` (UTC)."""
        ...


def retry_schedule_name(job: str, attempt: int, run_id: str) -> str:
    """Matches ``scheduler.names.retry_schedule_prefix`` (not imported: worker stays lean)."""
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return f"{job}.{attempt}.{digest}"


def at_expression(moment: datetime) -> str:
    """``at(YYYY-MM-DDTHH:MM:SS)`` in UTC, rounded up to the next whole second."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({utc.strftime('%Y-%m-%dT%H:%M:%S')})"


def ceil_to_minute(moment: datetime) -> datetime:
    """The first whole minute at or after ``moment``."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def queue_arn_from_url(queue_url: str, function_arn: str) -> str | None:
    """The DLQ's ARN from its URL (account + name) and the function ARN (partition, region)."""
    parts = queue_url.rstrip("/").split("/")
    arn = function_arn.split(":")
    if len(parts) < 2 or len(arn) < 5 or not parts[-2].isdigit():
        return None
    return f"arn:{arn[1]}:sqs:{arn[3]}:{parts[-2]}:{parts[-1]}"


def create_one_time_schedule(
    client: Any, *, name: str, group: str, at: datetime, target: dict[str, Any], description: str
) -> None:
    """One ``at()`` schedule in UTC that fires once and deletes itself (raises on errors)."""
    client.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=at_expression(at),
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        State="ENABLED",
        Description=description,
        Target=target,
    )


class SchedulerRetryScheduler:
    """``RetryScheduler`` over a boto3 ``scheduler`` client."""

    def __init__(self, client: Any, group: str, role_arn: str, dead_letter_arn: str | None = None):
        self._client = client
        self.group = group
        self.role_arn = role_arn
        self.dead_letter_arn = dead_letter_arn

    def schedule_retry(
        self, *, name: str, at: datetime, target_arn: str, payload: dict[str, Any]
    ) -> None:
        target: dict[str, Any] = {
            "Arn": target_arn,
            "RoleArn": self.role_arn,
            "Input": json.dumps(payload, separators=(",", ":")),
            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
        }
        if self.dead_letter_arn:
            # A retry that cannot even be delivered lands in the same DLQ (shape 3).
            target["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        try:
            create_one_time_schedule(
                self._client,
                name=name,
                group=self.group,
                at=at,
                target=target,
                description=f"{contract.RETRY_DESCRIPTION_PREFIX}{payload.get('run_id')}",
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code != "ConflictException":  # already armed by an earlier delivery
                raise
