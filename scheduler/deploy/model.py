"""The desired resources of one stage: frozen dataclasses with no behaviour beyond hashing.

``scheduler.compile`` builds a ``DesiredState`` from the catalogue; the planner diffs it
against live state, and the CloudFormation exporter renders the very same objects, so there
is one definition of every resource. Field names follow the AWS API parameter they feed,
so both writers map them without guessing. Each resource carries its tags (ownership
tags included) and a ``spec_hash``: a stable fingerprint of everything desired about it,
written to the ``cronbridge:spec`` tag so a plan can tell "unchanged" from one cheap
listing. Pure and stdlib-only: no AWS calls, no boto3.

Dict-valued fields make these objects unhashable; compare them with ``==``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from scheduler import contract

State = Literal["ENABLED", "DISABLED"]
Backend = Literal["rules", "scheduler"]

# The single target id each rule carries; a fixed id makes put_targets an idempotent upsert.
TARGET_ID = "worker"
LAMBDA_RUNTIME = "python3.12"
WORKER_HANDLER = "scheduler.worker.entry.handler"
# The inline policy of each job's own role, and of the stage's scheduler role.
JOB_POLICY_NAME = "cronbridge-job"
SCHEDULER_POLICY_NAME = "cronbridge-scheduler"


def fingerprint(value: Any) -> str:
    """A short stable hash of JSON-able data (sorted keys), used as the spec tag value."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _spec_of(resource: Any) -> dict[str, Any]:
    """Everything desired about a resource, minus its own spec tag (which holds the hash)."""
    data = dataclasses.asdict(resource)
    tags = dict(data.get("tags", {}))
    tags.pop(contract.TAG_SPEC_HASH, None)
    data["tags"] = tags
    return data


class _Specced:
    """Mixin: ``spec_hash`` and ``tags_with_spec`` for any dataclass with a ``tags`` field."""

    @property
    def spec_hash(self) -> str:
        return fingerprint(_spec_of(self))

    @property
    def tags_with_spec(self) -> dict[str, str]:
        tags: dict[str, str] = dict(getattr(self, "tags", {}))
        tags[contract.TAG_SPEC_HASH] = self.spec_hash
        return tags


# --- Shared resources (one of each per stage) ------------------------------------------


@dataclass(frozen=True)
class RunsTable(_Specced):
    """DynamoDB runs table: on-demand, TTL, PITR, sparse attention index (contract.py)."""

    name: str
    arn: str
    partition_key: str = contract.TABLE_PK
    sort_key: str = contract.TABLE_SK
    ttl_attribute: str = contract.TABLE_TTL_ATTRIBUTE
    index_name: str = contract.ATTENTION_INDEX
    index_partition_key: str = contract.ATTENTION_PK
    index_sort_key: str = contract.ATTENTION_SK
    billing_mode: str = "PAY_PER_REQUEST"
    point_in_time_recovery: bool = True
    tags: dict[str, str] = field(default_factory=dict)


def table_key_schema(t: RunsTable) -> dict[str, Any]:
    """The runs table's keys and index, in the shape both CreateTable and CloudFormation's
    AWS::DynamoDB::Table take: the one definition of what the ledger relies on."""
    keys = [t.partition_key, t.sort_key, t.index_partition_key, t.index_sort_key]
    return {
        "BillingMode": t.billing_mode,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": "S"} for k in keys],
        "KeySchema": [
            {"AttributeName": t.partition_key, "KeyType": "HASH"},
            {"AttributeName": t.sort_key, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": t.index_name,
                "KeySchema": [
                    {"AttributeName": t.index_partition_key, "KeyType": "HASH"},
                    {"AttributeName": t.index_sort_key, "KeyType": "RANGE"},
                ],
                # The ledger reads whole runs from the index (history across jobs).
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


@dataclass(frozen=True)
class DeadLetterQueue(_Specced):
    """The one SQS queue every failure path ends in (SSE on, 14-day retention)."""

    name: str
    arn: str
    url: str  # the canonical https://sqs.<region>.amazonaws.com/<account>/<name> form
    message_retention_seconds: int = 1_209_600
    sqs_managed_sse: bool = True
    # Resource policy letting this stage's EventBridge rules use the queue as target DLQ.
    policy: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Role(_Specced):
    """An IAM role with one inline policy: the stage's scheduler role (shared) or one job's
    own execution role (per job). ``path`` groups a stage's roles for one ListRoles call;
    ``permissions_boundary`` (a managed policy ARN) caps what the role can ever do."""

    name: str
    arn: str
    purpose: Literal["job", "scheduler"]
    trust_policy: dict[str, Any]
    policy_name: str
    policy_document: dict[str, Any]
    path: str = "/"
    permissions_boundary: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduleGroup(_Specced):
    """An EventBridge Scheduler group: ``jobs`` (scheduler backend) or ``retries``."""

    name: str
    arn: str
    purpose: Literal["jobs", "retries"]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SharedResources:
    table: RunsTable
    queue: DeadLetterQueue
    scheduler_role: Role
    jobs_group: ScheduleGroup
    retry_group: ScheduleGroup


# --- Per-job resources ------------------------------------------------------------------


@dataclass(frozen=True)
class Function(_Specced):
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
class LogGroup(_Specced):
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
class Rule(_Specced):
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
class Schedule(_Specced):
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
    flexible_time_window: Literal["OFF"] = "OFF"
    tags: dict[str, str] = field(default_factory=dict)  # always empty; kept for _Specced


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

    def spec_hash(self, code_sha256: str) -> str:
        """The job's fingerprint, stamped on its function last so a half-applied job shows
        as changed: its role and log group, function spec, async config, every
        rule/target/permission, the schedule, and the code hash."""
        return fingerprint(
            {
                "role": _spec_of(self.role),
                "log_group": _spec_of(self.log_group),
                "function": _spec_of(self.function),
                "async": dataclasses.asdict(self.async_config),
                "rules": [_spec_of(r) for r in self.rules],
                "schedules": [_spec_of(s) for s in self.schedules],
                "code": code_sha256,
            }
        )


@dataclass(frozen=True)
class DesiredState:
    """The whole stage as compiled: shared resources, then jobs in catalogue order."""

    prefix: str
    stage: str
    account_id: str
    region: str
    shared: SharedResources
    jobs: dict[str, JobResources]
    # Top-level packages the code zip must hold besides ``scheduler`` (from the handlers).
    packages: tuple[str, ...] = ()
    # Tags every resource carries; used to find what this stage owns.
    ownership_tags: dict[str, str] = field(default_factory=dict)
