"""The catalogue model: what ``jobs.yaml`` may say, as pydantic models.

``JobFields`` is the raw, all-optional shape a job entry or the ``defaults`` block may
take (unknown keys are errors). ``Job`` is a job after defaults were merged and every
check passed: frozen, with every field set. The JSON Schema users get from
``cronbridge schema`` is generated from ``CatalogueFile``. No I/O and no AWS here.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Seconds = Annotated[int, Field(ge=1, le=900)]
# The only values CloudWatch Logs PutRetentionPolicy accepts (moto accepts any number).
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
]  # fmt: skip
LOG_RETENTION_DAYS: tuple[int, ...] = get_args(LogRetentionDays)
# A customer managed policy's name (this account) or its full ARN.
BOUNDARY_PATTERN = (
    r"^([A-Za-z0-9_+=,.@-]+|arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9_+=,.@/-]+)$"
)
MegaBytes = Annotated[int, Field(ge=128, le=10240)]
# Alert events a job may be notified of (scheduler.alerts): the worker sends ``dead``, the
# stage's monitor function the others.
AlertEvent = Literal["dead", "late", "failing", "recovered"]
ALERT_EVENTS: tuple[str, ...] = get_args(AlertEvent)
SNS_TOPIC_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
# "30m", "6h", "2d": bounds are checked in checks.py, where the job's grace is known.
DURATION_PATTERN = r"^[1-9][0-9]{0,5}[mhd]$"


class RetryPolicy(BaseModel):
    """Retries after a failed attempt, with exponential backoff (worker-owned, not Lambda's)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    retries: Annotated[int, Field(ge=0, le=20, description="attempts after the first")] = 2
    delay: Annotated[int, Field(ge=1, le=86400, description="seconds before the 1st retry")] = 60
    backoff: Annotated[float, Field(ge=1.0, le=10.0, description="delay multiplier")] = 2.0
    max_delay: Annotated[int, Field(ge=1, le=86400, description="cap on one delay, s")] = 900

    def delay_before(self, retry_number: int) -> int:
        """Seconds to wait before retry ``retry_number`` (1 = the first retry)."""
        raw = self.delay * self.backoff ** max(0, retry_number - 1)
        return int(min(raw, self.max_delay))

    def to_env(self) -> str:
        return json.dumps(self.model_dump(), separators=(",", ":"), sort_keys=True)


class Notify(BaseModel):
    """Who hears about a job's trouble: ``events`` on the stage's topic, or ``topic``."""

    # Built when first used (most catalogues have no `notify`): import time is every
    # command's, and the validator costs milliseconds to build.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    events: Annotated[list[AlertEvent], Field(min_length=1, description="what to send")]
    topic: Annotated[
        str | None,
        Field(
            pattern=SNS_TOPIC_ARN_PATTERN,
            description="an existing SNS topic ARN; default: the topic deploy makes per stage",
        ),
    ] = None


class JobFields(BaseModel):
    """One job entry (or the ``defaults`` block) as written in jobs.yaml."""

    model_config = ConfigDict(extra="forbid", strict=True)

    description: str | None = None
    schedule: Annotated[
        str | None,
        Field(
            description='"0 2 * * *" | "cron(0 2 * * ? *)" | "rate(5 minutes)" | "@daily"',
        ),
    ] = None
    timezone: Annotated[str | None, Field(description="IANA zone; non-UTC needs scheduler")] = None
    handler: Annotated[str | None, Field(description='"module:function", e.g. jobs.x:run')] = None
    payload: dict[str, Any] | None = None
    enabled: bool | None = None
    timeout: Seconds | None = None
    memory: MegaBytes | None = None
    retries: Annotated[int, Field(ge=0, le=20)] | RetryPolicy | None = None
    overlap: Literal["skip", "allow"] | None = None
    env: dict[str, str] | None = None
    tags: dict[str, str] | None = None
    backend: Literal["rules", "scheduler"] | None = None
    reserved_concurrency: Annotated[int, Field(ge=0, le=1000)] | None = None
    retention_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    log_retention_days: (
        Annotated[LogRetentionDays, Field(description="days CloudWatch Logs keeps job logs")] | None
    ) = None
    grace: (
        Annotated[int, Field(ge=0, le=86400, description="seconds before a missed fire is LATE")]
        | None
    ) = None
    notify: Annotated[
        list[AlertEvent] | Notify | None,
        Field(description="[dead, late, failing, recovered] or {events: [...], topic: ARN}"),
    ] = None
    catchup: Annotated[
        Literal["none", "latest", "all"] | None,
        Field(description="after an outage: run no missed slot, the latest one, or each"),
    ] = None
    catchup_window: Annotated[
        str | None,
        Field(pattern=DURATION_PATTERN, description='how far back catch-up looks, e.g. "6h"'),
    ] = None
    window: Annotated[
        str | None,
        Field(
            pattern=DURATION_PATTERN,
            description='backend scheduler: start anywhere within this window, e.g. "15m" '
            "(1m..24h; EventBridge Scheduler's FlexibleTimeWindow)",
        ),
    ] = None


class CatalogueFile(BaseModel):
    """The whole file: the schema published by ``cronbridge schema``."""

    # Built when first used: only `cronbridge schema` needs more than its field names.
    model_config = ConfigDict(
        extra="forbid", strict=True, title="cronbridge jobs.yaml", defer_build=True
    )

    version: Literal[1]
    prefix: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{0,11}$")] = "cronbridge"
    permissions_boundary: Annotated[
        str | None,
        Field(
            pattern=BOUNDARY_PATTERN,
            description="managed policy every stage role carries as permissions boundary "
            "(name or ARN); deploy/ci-role.yaml creates <prefix>-boundary",
        ),
    ] = None
    defaults: JobFields | None = None
    jobs: dict[str, JobFields]


_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int:
    """``"30m"`` -> 1800 (a value matching ``DURATION_PATTERN``)."""
    return int(text[:-1]) * _UNIT_SECONDS[text[-1]]


JOB_DEFAULTS: dict[str, Any] = {
    "description": "",
    "timezone": "UTC",
    "payload": {},
    "enabled": True,
    "timeout": 60,
    "memory": 256,
    "retries": RetryPolicy(),
    "overlap": "skip",
    "env": {},
    "tags": {},
    "backend": "rules",
    "reserved_concurrency": None,
    "retention_days": 30,
    "log_retention_days": 30,
    "grace": 300,
    "notify": None,
    "catchup": "none",
    "catchup_window": "6h",
    "window": None,
}


class Job(BaseModel):
    """A job with defaults applied and every check passed."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    schedule: str
    timezone: str
    handler: str
    payload: dict[str, Any]
    enabled: bool
    timeout: int
    memory: int
    retries: RetryPolicy
    overlap: Literal["skip", "allow"]
    env: dict[str, str]
    tags: dict[str, str]
    backend: Literal["rules", "scheduler"]
    reserved_concurrency: int | None
    retention_days: int
    grace: int
    log_retention_days: int = 30
    notify: Notify | None = None
    catchup: Literal["none", "latest", "all"] = "none"
    catchup_window: str = "6h"
    window: str | None = None  # FlexibleTimeWindow (backend scheduler)

    @property
    def alert_events(self) -> tuple[str, ...]:
        return tuple(self.notify.events) if self.notify else ()

    @property
    def catchup_window_seconds(self) -> int:
        return duration_seconds(self.catchup_window)

    @property
    def window_minutes(self) -> int | None:
        """``window`` in whole minutes (Scheduler's MaximumWindowInMinutes), or None."""
        return None if self.window is None else duration_seconds(self.window) // 60

    @property
    def handler_module(self) -> str:
        return self.handler.partition(":")[0]

    @property
    def handler_function(self) -> str:
        return self.handler.partition(":")[2]

    @property
    def top_level_package(self) -> str:
        return self.handler_module.split(".")[0]


class Catalogue(BaseModel):
    """A loaded, valid catalogue."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    version: int
    prefix: str
    jobs: dict[str, Job]
    permissions_boundary: str | None = None
    path: Any  # pathlib.Path of jobs.yaml

    @property
    def root(self) -> Any:
        """The folder holding jobs.yaml: handler modules are imported relative to it."""
        return self.path.parent

    def top_level_packages(self) -> list[str]:
        return sorted({job.top_level_package for job in self.jobs.values()})
