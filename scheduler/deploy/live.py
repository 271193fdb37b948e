"""Read what a stage actually has in AWS, cheaply first and deeply only where needed.

The cheap read (``live_reads.StageReads``, a ``Snapshot``) makes a fixed handful of paged
listing calls (list_functions, list_rules, list_schedules, list_schedule_groups,
list_roles, get_role, describe_table, get_queue_url, and the tagging API for
fingerprints) whatever the number of jobs. Existence always comes from the
service's own read; the tagging API (eventually consistent, lists deleted resources, empty
on LocalStack) only supplies fingerprint hints. The planner decides from it which
resources look unchanged (spec fingerprint in the ``cronbridge:spec`` tag matches) and
asks for deep reads of the rest only. Deep reads rebuild the same model
dataclasses compile produces, so the planner diffs like with like. No decisions here, and
no writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler import contract
from scheduler.deploy.awsapi import AwsApi
from scheduler.resources import (
    AsyncConfig,
    DeadLetterQueue,
    Function,
    LogGroup,
    Permission,
    RetryPolicy,
    Role,
    RunsTable,
    Schedule,
    ScheduleGroup,
    Target,
)

# Resource types whose fingerprint (``cronbridge:spec`` tag) the cheap scan takes as a hint.
# "sns": the stage's alert topic, whose fingerprint and (when no longer desired) whereabouts
# come from here; it is then read from SNS itself (apply_topic).
HINT_TYPES = ["lambda:function", "dynamodb:table", "sqs:queue", "sns"]


@dataclass
class Snapshot:
    """The cheap read: what exists (each service's own listing) and fingerprint hints.

    ``hints`` comes from the tagging API, which may lag, list deleted resources, or be empty
    (LocalStack): it only lets an existing resource skip its deep read, never proves that
    something exists or is ours.
    """

    hints: dict[str, dict[str, str]]  # ARN -> tags (tagging API)
    functions: dict[str, dict[str, Any]]  # function name -> ListFunctions entry (<base>-*)
    rules: dict[str, dict[str, Any]]  # rule name -> list_rules entry (prefix-filtered)
    schedules: dict[str, dict[str, Any]]  # schedule name -> list_schedules entry (jobs group)
    groups: set[str]
    # Role name -> ListRoles entry of every role under the stage's IAM path; the scheduler
    # role's entry is its GetRole result (with tags). See live_iam.
    roles: dict[str, dict[str, Any] | None]
    table: dict[str, Any] | None = None  # DescribeTable's Table, None when absent
    queue_url: str | None = None
    # Only read by destroy: schedule name -> list_schedules entry in the retry group.
    retry_schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Log group name -> DescribeLogGroups entry under /aws/lambda/<prefix>-<stage>-; None
    # when not listed (a plain plan: the job fingerprint covers them, see plan_extras).
    log_groups: dict[str, dict[str, Any]] | None = None

    def hint_tags(self, arn: str) -> dict[str, str] | None:
        return self.hints.get(arn)


def tag_list_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def without_spec(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k != contract.TAG_SPEC_HASH}


# --- Deep reads, rebuilt as model objects ----------------------------------------------


@dataclass
class LiveFunction:
    function: Function
    code_sha256: str
    raw_tags: dict[str, str]


def read_function(api: AwsApi, name: str) -> LiveFunction | None:
    out = api.get_function(name)
    if out is None:
        return None
    cfg = out["Configuration"]
    tags = dict(out.get("Tags") or {})
    fn = Function(
        job=tags.get(contract.TAG_JOB, ""),
        name=cfg["FunctionName"],
        arn=cfg["FunctionArn"],
        role_arn=cfg.get("Role", ""),
        timeout=int(cfg.get("Timeout", 3)),
        memory_size=int(cfg.get("MemorySize", 128)),
        environment=dict((cfg.get("Environment") or {}).get("Variables") or {}),
        runtime=cfg.get("Runtime", ""),
        handler=cfg.get("Handler", ""),
        description=cfg.get("Description", ""),
        layers=tuple(layer["Arn"] for layer in cfg.get("Layers") or []),
        reserved_concurrency=(out.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
        tags=without_spec(tags),
    )
    return LiveFunction(function=fn, code_sha256=cfg.get("CodeSha256", ""), raw_tags=tags)


def read_async_config(api: AwsApi, name: str) -> AsyncConfig | None:
    out = api.get_async_config(name)
    if out is None:
        return None
    on_failure = (out.get("DestinationConfig") or {}).get("OnFailure") or {}
    return AsyncConfig(
        function_name=name,
        maximum_retry_attempts=int(out.get("MaximumRetryAttempts", 2)),
        on_failure_arn=str(on_failure.get("Destination", "")),
    )


def read_permissions(api: AwsApi, function_name: str) -> dict[str, Permission]:
    found = {}
    for st in api.get_policy_statements(function_name):
        cond = st.get("Condition") or {}
        principal = st.get("Principal") or {}
        found[st.get("Sid", "")] = Permission(
            function_name=function_name,
            statement_id=st.get("Sid", ""),
            source_arn=_ci(cond.get("ArnLike") or {}, "aws:SourceArn"),
            source_account=_ci(cond.get("StringEquals") or {}, "aws:SourceAccount"),
            principal=principal.get("Service", "") if isinstance(principal, dict) else "",
            action=st.get("Action", ""),
        )
    return found


def _ci(mapping: dict[str, Any], key: str) -> str:
    """IAM condition keys are case-insensitive (Lambda returns ``AWS:SourceArn``)."""
    for k, v in mapping.items():
        if k.lower() == key.lower():
            return str(v)
    return ""


@dataclass
class LiveRule:
    name: str
    arn: str
    schedule_expression: str
    state: str
    description: str
    tags: dict[str, str]
    target: Target | None
    extra_target_ids: tuple[str, ...] = ()


def read_rule(api: AwsApi, name: str, target_id: str) -> LiveRule | None:
    out = api.describe_rule(name)
    if out is None:
        return None
    target = None
    extra = []
    for t in api.list_targets(name):
        if t["Id"] != target_id:
            extra.append(t["Id"])
            continue
        transformer = t.get("InputTransformer") or {}
        retry = t.get("RetryPolicy") or {}
        target = Target(
            rule_name=name,
            target_id=t["Id"],
            arn=t["Arn"],
            input_paths=dict(transformer.get("InputPathsMap") or {}),
            input_template=str(transformer.get("InputTemplate", "")),
            retry_policy=RetryPolicy(
                maximum_retry_attempts=int(retry.get("MaximumRetryAttempts", 185)),
                maximum_event_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
            ),
            dead_letter_arn=str((t.get("DeadLetterConfig") or {}).get("Arn", "")),
        )
    return LiveRule(
        name=name,
        arn=out["Arn"],
        schedule_expression=out.get("ScheduleExpression", ""),
        state=out.get("State", ""),
        description=out.get("Description", ""),
        tags=without_spec(api.rule_tags(out["Arn"])),
        target=target,
        extra_target_ids=tuple(extra),
    )


def read_schedule(api: AwsApi, name: str, group: str, job: str) -> Schedule | None:
    out = api.get_schedule(name, group)
    if out is None:
        return None
    target = out.get("Target") or {}
    retry = target.get("RetryPolicy") or {}
    return Schedule(
        job=job,
        name=name,
        group_name=group,
        schedule_expression=out.get("ScheduleExpression", ""),
        timezone=out.get("ScheduleExpressionTimezone", "UTC"),
        state=out.get("State", ""),
        description=out.get("Description", ""),
        target_arn=target.get("Arn", ""),
        role_arn=target.get("RoleArn", ""),
        input=target.get("Input", ""),
        retry_policy=RetryPolicy(
            maximum_retry_attempts=int(retry.get("MaximumRetryAttempts", 185)),
            maximum_event_age_seconds=int(retry.get("MaximumEventAgeInSeconds", 86400)),
        ),
        dead_letter_arn=str((target.get("DeadLetterConfig") or {}).get("Arn", "")),
        flexible_time_window=(out.get("FlexibleTimeWindow") or {}).get("Mode", "OFF"),
        maximum_window_minutes=(out.get("FlexibleTimeWindow") or {}).get("MaximumWindowInMinutes"),
    )


def read_table(api: AwsApi, desired: RunsTable) -> RunsTable | None:
    t = api.describe_table(desired.name)
    if t is None:
        return None
    keys = {k["KeyType"]: k["AttributeName"] for k in t.get("KeySchema", [])}
    index: dict[str, Any] = next(iter(t.get("GlobalSecondaryIndexes") or []), {})
    index_keys = {k["KeyType"]: k["AttributeName"] for k in index.get("KeySchema", [])}
    ttl = t["_ttl"]
    return RunsTable(
        name=t["TableName"],
        arn=t["TableArn"],
        partition_key=keys.get("HASH", ""),
        sort_key=keys.get("RANGE", ""),
        ttl_attribute=ttl.get("AttributeName", "")
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        else "",
        index_name=index.get("IndexName", ""),
        index_partition_key=index_keys.get("HASH", ""),
        index_sort_key=index_keys.get("RANGE", ""),
        billing_mode=(t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
        point_in_time_recovery=t["_pitr"].get("PointInTimeRecoveryStatus") == "ENABLED",
        tags=dict(t["_tags"]),  # with the spec tag: the planner compares it
    )


def read_queue(api: AwsApi, desired: DeadLetterQueue) -> DeadLetterQueue | None:
    import json

    q = api.describe_queue(desired.name)
    if q is None:
        return None
    attrs = q["attributes"]
    return DeadLetterQueue(
        name=desired.name,
        arn=attrs.get("QueueArn", ""),
        url=desired.url,  # the endpoint decides the form of the URL; not a setting
        message_retention_seconds=int(attrs.get("MessageRetentionPeriod", 345600)),
        sqs_managed_sse=attrs.get("SqsManagedSseEnabled", "false") == "true",
        policy=json.loads(attrs["Policy"]) if attrs.get("Policy") else {},
        tags=dict(q["tags"]),  # with the spec tag: the planner compares it
    )


def read_group(api: AwsApi, desired: ScheduleGroup) -> ScheduleGroup | None:
    tags = api.group_tags(desired.name, desired.arn)
    if tags is None:
        return None
    return ScheduleGroup(
        name=desired.name, arn=desired.arn, purpose=desired.purpose, tags=dict(tags)
    )


@dataclass
class DeepJob:
    """Everything deep-read about one job (desired or orphaned)."""

    function: LiveFunction | None = None
    async_config: AsyncConfig | None = None
    permissions: dict[str, Permission] = field(default_factory=dict)
    rules: dict[str, LiveRule | None] = field(default_factory=dict)
    schedules: dict[str, Schedule | None] = field(default_factory=dict)
    role: Role | None = None
    log_group: LogGroup | None = None
