"""Apply EventBridge operations: rules and their one target, and EventBridge Scheduler's
schedules and schedule groups. Every write is an upsert or tolerates "already gone".
"""

from __future__ import annotations

from typing import Any

from scheduler.deploy import ops as o
from scheduler.deploy.apply_data import tag_list
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.propagation import PatientApi
from scheduler.errors import AwsCallError
from scheduler.resources import RetryPolicy


def put_schedule_group(api: AwsApi, op: o.PutScheduleGroup) -> None:
    group = op.group
    if op.action == "create":
        api.call(
            "scheduler",
            "create_schedule_group",
            f"group {group.name}",
            Name=group.name,
            Tags=tag_list(group.tags),
        )
    else:
        api.call(
            "scheduler",
            "tag_resource",
            f"group {group.name}",
            ResourceArn=group.arn,
            Tags=tag_list(group.tags),
        )


def delete_schedule_group(api: AwsApi, op: o.DeleteScheduleGroup) -> None:
    api.maybe("scheduler", "delete_schedule_group", f"group {op.name}", Name=op.name)


def put_rule(api: AwsApi, op: o.PutRule) -> None:
    rule = op.rule
    kwargs = {
        "Name": rule.name,
        "ScheduleExpression": rule.schedule_expression,
        "State": rule.state,
        "Description": rule.description,
    }
    if op.action == "create":
        kwargs["Tags"] = tag_list(rule.tags)  # type: ignore[assignment]
    api.call("events", "put_rule", f"rule {rule.name}", **kwargs)
    if op.action != "create" and any(c.field.startswith("tags") for c in op.changes):
        api.call(
            "events",
            "tag_resource",
            f"rule {rule.name}",
            ResourceARN=rule.arn,
            Tags=tag_list(rule.tags),
        )


def _delivery(retry: RetryPolicy, dead_letter_arn: str) -> dict[str, Any]:
    """A target's retry policy and dead-letter queue, as rules' and schedules' targets
    both spell them."""
    return {
        "RetryPolicy": {
            "MaximumRetryAttempts": retry.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": retry.maximum_event_age_seconds,
        },
        "DeadLetterConfig": {"Arn": dead_letter_arn},
    }


def put_target(api: AwsApi, op: o.PutTarget) -> None:
    rule, t = op.rule, op.rule.target
    res = f"rule {rule.name}"
    if op.remove_target_ids:
        api.call("events", "remove_targets", res, Rule=rule.name, Ids=list(op.remove_target_ids))
    out = api.call(
        "events",
        "put_targets",
        res,
        Rule=rule.name,
        Targets=[
            {
                "Id": t.target_id,
                "Arn": t.arn,
                "InputTransformer": {
                    "InputPathsMap": t.input_paths,
                    "InputTemplate": t.input_template,
                },
                **_delivery(t.retry_policy, t.dead_letter_arn),
            }
        ],
    )
    if out.get("FailedEntryCount"):
        entry = out["FailedEntries"][0]
        raise AwsCallError(
            "PutTargets", res, entry.get("ErrorCode", "Failed"), entry.get("ErrorMessage", "")
        )


def delete_rule(api: AwsApi, op: o.DeleteRule) -> None:
    name, kept_function = op.name, op.function_name
    ids = [t["Id"] for t in api.list_targets(name)]
    if ids:
        api.call("events", "remove_targets", f"rule {name}", Rule=name, Ids=ids)
    api.maybe("events", "delete_rule", f"rule {name}", Name=name)
    if kept_function:
        # A later rule of the same name must not inherit the old grant.
        api.maybe(
            "lambda",
            "remove_permission",
            f"function {kept_function}",
            FunctionName=kept_function,
            StatementId=name,
        )


def put_schedule(patient: PatientApi, op: o.PutSchedule) -> None:
    s = op.schedule
    kwargs = {
        "Name": s.name,
        "GroupName": s.group_name,
        "ScheduleExpression": s.schedule_expression,
        "ScheduleExpressionTimezone": s.timezone,
        "State": s.state,
        "Description": s.description,
        "FlexibleTimeWindow": s.flexible_time_window_param,
        "Target": {
            "Arn": s.target_arn,
            "RoleArn": s.role_arn,
            "Input": s.input,
            **_delivery(s.retry_policy, s.dead_letter_arn),
        },
    }
    verb = "create_schedule" if op.action == "create" else "update_schedule"
    res = f"schedule {s.group_name}/{s.name}"
    try:
        patient.call("scheduler", verb, res, **kwargs)
    except AwsCallError as err:
        if err.code != "ConflictException" or verb != "create_schedule":
            raise
        patient.call("scheduler", "update_schedule", res, **kwargs)


def delete_schedule(api: AwsApi, op: o.DeleteSchedule) -> None:
    api.maybe(
        "scheduler",
        "delete_schedule",
        f"schedule {op.group_name}/{op.name}",
        Name=op.name,
        GroupName=op.group_name,
    )
