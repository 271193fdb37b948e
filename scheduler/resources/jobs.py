"""The resources one job owns: function, log group, role, and its rules or schedules.

``JobResources`` gathers them, and its ``spec_hash`` is the job's fingerprint (stamped on
the function last, so a half-applied job shows as changed). Field names follow the AWS
API parameter they feed. Frozen dataclasses, pure stdlib: no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scheduler.resources.fingerprint import Specced, fingerprint, spec_of
from scheduler.resources.roles import Role
from scheduler.resources.runtime import LAMBDA_RUNTIME, WORKER_HANDLER

State = Literal["ENABLED", "DISABLED"]
Backend = Literal["rules", "scheduler"]

# The single target id each rule carries; a fixed id makes put_targets an idempotent upsert.
TARGET_ID = "worker"


@dataclass(frozen=True)
class Function(Specced):
    """The job's Lambda function. Code is not part of the spec: CodeSha256 is compared apart."""

    job: str
    name: str
    arn: str
    role_arn: str
    timeout: int
    memory_size: int
    environment: dict[str, str]
    runtime: str = LAMBDA_RUNTIME
    handler: str = WORKER_HANDLER
    description: str = ""
    layers: tuple[str, ...] = ()
    reserved_concurrency: int | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LogGroup(Specced):
    """``/aws/lambda/<function>``, made before the function so Lambda never creates it with
    unlimited retention. ``arn`` is the tagging API's form (no trailing ``:*``)."""

    job: str
    name: str
    arn: str
    retention_in_days: int
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AsyncConfig:
    """put_function_event_invoke_config: the worker owns retries, crashes go to the DLQ."""

    function_name: str
    maximum_retry_attempts: int
    on_failure_arn: str


@dataclass(frozen=True)
class RetryPolicy:
    """Delivery retries of EventBridge / Scheduler (not the job's own retries)."""

    maximum_retry_attempts: int
    maximum_event_age_seconds: int


@dataclass(frozen=True)
class Target:
    """The one target of a rule: the job's function, fed by an InputTransformer."""

    rule_name: str
    target_id: str
    arn: str
    input_paths: dict[str, str]
    input_template: str
    retry_policy: RetryPolicy
    dead_letter_arn: str


@dataclass(frozen=True)
class Permission:
    """A lambda add_permission statement letting one rule invoke the function."""

    function_name: str
    statement_id: str
    source_arn: str
    source_account: str
    principal: str = "events.amazonaws.com"
    action: str = "lambda:InvokeFunction"


@dataclass(frozen=True)
class Rule(Specced):
    """One EventBridge rule per translated expression, with its target and permission."""

    job: str
    name: str
    arn: str
    schedule_expression: str
    state: State
    description: str
    target: Target
    permission: Permission
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Schedule(Specced):
    """An EventBridge Scheduler schedule (``backend: scheduler``). Schedules take no tags:
    ownership comes from the stage's tagged group, the fingerprint rides on the function."""

    job: str
    name: str
    group_name: str
    schedule_expression: str
    timezone: str
    state: State
    description: str
    target_arn: str
    role_arn: str
    input: str
    retry_policy: RetryPolicy
    dead_letter_arn: str
    flexible_time_window: Literal["OFF", "FLEXIBLE"] = "OFF"
    tags: dict[str, str] = field(default_factory=dict)  # always empty; kept for _Specced
    maximum_window_minutes: int | None = None  # with FLEXIBLE (job field ``window``)

    @property
    def flexible_time_window_param(self) -> dict[str, object]:
        """The FlexibleTimeWindow parameter (API and CloudFormation spell it alike)."""
        param: dict[str, object] = {"Mode": self.flexible_time_window}
        if self.maximum_window_minutes is not None:  # compile sets it with FLEXIBLE only
            param["MaximumWindowInMinutes"] = self.maximum_window_minutes
        return param


@dataclass(frozen=True)
class JobResources:
    """Everything one job owns: ``rules`` (backend rules) or ``schedules`` (backend scheduler),
    one per translated expression (a cron restricting both day fields needs two)."""

    job: str
    backend: Backend
    function: Function
    async_config: AsyncConfig
    role: Role
    log_group: LogGroup
    rules: tuple[Rule, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    # Rules/schedules a pause holds DISABLED (scheduler/deploy/paused.py): the fingerprint
    # counts them as the catalogue has them (ENABLED), so a pause is not a change.
    held: frozenset[str] = frozenset()

    def spec_hash(self, code_sha256: str) -> str:
        """The job's fingerprint, stamped on its function last so a half-applied job shows
        as changed: its role and log group, function spec, async config, every
        rule/target/permission, the schedule, and the code hash."""
        return fingerprint(self.spec_document(code_sha256))

    def spec_document(self, code_sha256: str) -> dict[str, object]:
        """What ``spec_hash`` hashes."""
        return {
            "role": spec_of(self.role),
            "log_group": spec_of(self.log_group),
            "function": spec_of(self.function),
            "async": self.async_config,
            "rules": [self._unheld(spec_of(r)) for r in self.rules],
            "schedules": [_schedule_spec(self._unheld(spec_of(s))) for s in self.schedules],
            "code": code_sha256,
        }

    def _unheld(self, spec: dict[str, object]) -> dict[str, object]:
        if spec.get("name") in self.held:
            return {**spec, "state": "ENABLED"}
        return spec


def _schedule_spec(spec: dict[str, object]) -> dict[str, object]:
    """A schedule's spec for the job fingerprint: without a window, exactly as before the
    ``window`` field existed, so adding the field did not change every deployed job."""
    if spec.get("maximum_window_minutes") is None:
        return {k: v for k, v in spec.items() if k != "maximum_window_minutes"}
    return spec
