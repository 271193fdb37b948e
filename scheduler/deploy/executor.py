"""Apply a plan: one typed operation at a time, matched on its type, through ``AwsApi``.

Every write is an upsert or tolerates "already gone", so re-running after an interruption
converges. Calls that IAM propagation can fail (CreateFunction, PutFunctionEventInvokeConfig,
Create/UpdateSchedule) are retried briefly (propagation.py). Before any delete, a fresh read
re-checks that the resource is still ours (executor_guard.py).
No decisions about *what* to change are made here; that is the planner's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scheduler.deploy import apply_iam, apply_logs, apply_topic, ops_topic, propagation
from scheduler.deploy import ops as o
from scheduler.deploy.apply_data import create_table_params, put_queue, put_table, tag_list
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.executor_guard import DELETE_OPS, DeleteGuard
from scheduler.deploy.ownership import Owner
from scheduler.errors import AwsCallError, CronbridgeError
from scheduler.resources import Function

Progress = Callable[[str], None]


__all__ = ["ApplyResult", "Executor", "create_table_params", "function_config"]


@dataclass
class ApplyResult:
    applied: list[o.Op] = field(default_factory=list)
    # Deletes skipped because a fresh read showed the resource is not ours: "what: why".
    skipped: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.applied)


def function_config(fn: Function) -> dict[str, Any]:
    """The settings CreateFunction and UpdateFunctionConfiguration both take."""
    return {
        "FunctionName": fn.name,
        "Role": fn.role_arn,
        "Handler": fn.handler,
        "Runtime": fn.runtime,
        "Description": fn.description,
        "Timeout": fn.timeout,
        "MemorySize": fn.memory_size,
        "Environment": {"Variables": fn.environment},
        "Layers": list(fn.layers),
    }


class Executor:
    def __init__(
        self, api: AwsApi, code_zip: Callable[[], bytes], *, owner: Owner | None = None
    ) -> None:
        self.api = api
        self._patient = propagation.PatientApi(api)  # retries while IAM propagates
        self._code_zip = code_zip
        self._owner = owner

    def apply(self, plan: o.Plan, progress: Progress | None = None) -> ApplyResult:
        result = ApplyResult()
        total = len(plan.ops)
        owner = self._owner or Owner(plan.prefix, plan.stage)
        guard = DeleteGuard(self.api, owner)
        for i, op in enumerate(plan.ops, 1):
            if isinstance(op, DELETE_OPS):
                # Re-checked on a fresh read from the resource's own service, right now.
                reason = guard.refusal(op)
                if reason:
                    result.skipped.append(f"{op.kind} {op.resource}: {reason}")
                    if progress:
                        progress(f"[{i}/{total}] {op.describe()}: SKIPPED, {reason}")
                    continue
            self.run(op)
            result.applied.append(op)
            if progress:
                progress(f"[{i}/{total}] {op.describe()}: done")
        return result

    def _topic_owner(self, op: ops_topic.DeleteTopic) -> Owner:
        # <prefix>-<stage>-alerts; prefix and stage hold no hyphen (scheduler.names).
        prefix, stage = op.name.split("-")[:2]
        return self._owner or Owner(prefix, stage)

    def run(self, op: o.Op) -> None:  # noqa: PLR0915 - one match arm per op type
        match op:
            case o.PutRole():
                apply_iam.put_role(self.api, op)
            case o.DeleteRole():
                apply_iam.delete_role(self.api, op)
            case o.PutLogGroup():
                apply_logs.put_log_group(self.api, op)
            case o.DeleteLogGroup():
                apply_logs.delete_log_group(self.api, op)
            case o.PutTable():
                put_table(self.api, op)
            case o.DeleteTable(name=name):
                self.api.maybe("dynamodb", "delete_table", f"table {name}", TableName=name)
            case o.PutQueue():
                put_queue(self.api, op)
            case ops_topic.PutTopic():
                apply_topic.put_topic(self.api, op)
            case ops_topic.DeleteTopic():
                refusal = apply_topic.delete_topic(self.api, op, self._topic_owner(op))
                if refusal:
                    raise CronbridgeError(f"alert topic {op.name} not deleted: {refusal}")
            case o.DeleteQueue(name=name):
                url = self.api.queue_url(name)
                if url:
                    self.api.maybe("sqs", "delete_queue", f"queue {name}", QueueUrl=url)
            case o.PutScheduleGroup(group=group, action=action):
                if action == "create":
                    self.api.call(
                        "scheduler",
                        "create_schedule_group",
                        f"group {group.name}",
                        Name=group.name,
                        Tags=tag_list(group.tags),
                    )
                else:
                    self.api.call(
                        "scheduler",
                        "tag_resource",
                        f"group {group.name}",
                        ResourceArn=group.arn,
                        Tags=tag_list(group.tags),
                    )
            case o.DeleteScheduleGroup(name=name):
                self.api.maybe("scheduler", "delete_schedule_group", f"group {name}", Name=name)
            case o.CreateFunction():
                self._create_function(op)
            case o.UpdateFunctionCode(function_name=name):
                self.api.call(
                    "lambda",
                    "update_function_code",
                    f"function {name}",
                    FunctionName=name,
                    ZipFile=self._code_zip(),
                )
                self._wait_function(name, "function_updated_v2")
            case o.UpdateFunctionConfiguration(function=fn):
                self.api.call(
                    "lambda",
                    "update_function_configuration",
                    f"function {fn.name}",
                    **function_config(fn),
                )
                self._wait_function(fn.name, "function_updated_v2")
            case o.SetConcurrency(function_name=name, reserved=reserved):
                if reserved is None:
                    self.api.maybe(
                        "lambda",
                        "delete_function_concurrency",
                        f"function {name}",
                        FunctionName=name,
                    )
                else:
                    self.api.call(
                        "lambda",
                        "put_function_concurrency",
                        f"function {name}",
                        FunctionName=name,
                        ReservedConcurrentExecutions=reserved,
                    )
            case o.PutAsyncConfig(config=cfg):
                # The on-failure queue is checked against the role's (new) policy.
                self._patient.call(
                    "lambda",
                    "put_function_event_invoke_config",
                    f"function {cfg.function_name}",
                    FunctionName=cfg.function_name,
                    MaximumRetryAttempts=cfg.maximum_retry_attempts,
                    DestinationConfig={"OnFailure": {"Destination": cfg.on_failure_arn}},
                )
            case o.TagFunction(function_arn=arn, tags=tags, remove_keys=stale):
                if stale:
                    self.api.call(
                        "lambda", "untag_resource", arn, Resource=arn, TagKeys=list(stale)
                    )
                self.api.call("lambda", "tag_resource", arn, Resource=arn, Tags=tags)
            case o.DeleteFunction(function_name=name):
                self.api.maybe("lambda", "delete_function", f"function {name}", FunctionName=name)
            case o.PutRule(rule=rule, action=action):
                kwargs = {
                    "Name": rule.name,
                    "ScheduleExpression": rule.schedule_expression,
                    "State": rule.state,
                    "Description": rule.description,
                }
                if action == "create":
                    kwargs["Tags"] = tag_list(rule.tags)  # type: ignore[assignment]
                self.api.call("events", "put_rule", f"rule {rule.name}", **kwargs)
                if action != "create" and any(c.field.startswith("tags") for c in op.changes):
                    self.api.call(
                        "events",
                        "tag_resource",
                        f"rule {rule.name}",
                        ResourceARN=rule.arn,
                        Tags=tag_list(rule.tags),
                    )
            case o.PutTarget():
                self._put_target(op)
            case o.AddPermission():
                self._add_permission(op)
            case o.DeleteRule(name=name, function_name=kept_function):
                ids = [t["Id"] for t in self.api.list_targets(name)]
                if ids:
                    self.api.call("events", "remove_targets", f"rule {name}", Rule=name, Ids=ids)
                self.api.maybe("events", "delete_rule", f"rule {name}", Name=name)
                if kept_function:
                    # A later rule of the same name must not inherit the old grant.
                    self.api.maybe(
                        "lambda",
                        "remove_permission",
                        f"function {kept_function}",
                        FunctionName=kept_function,
                        StatementId=name,
                    )
            case o.PutSchedule():
                self._put_schedule(op)
            case o.DeleteSchedule(name=name, group_name=group):
                self.api.maybe(
                    "scheduler",
                    "delete_schedule",
                    f"schedule {group}/{name}",
                    Name=name,
                    GroupName=group,
                )
            case _:
                raise CronbridgeError(f"no executor for {type(op).__name__}")

    # --- Larger arms ----------------------------------------------------------------

    def _wait_function(self, name: str, waiter: str) -> None:
        """Lambda rejects further changes while a function is Pending or updating.

        https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
        """
        self.api.wait("lambda", waiter, f"function {name}", FunctionName=name)

    def _create_function(self, op: o.CreateFunction) -> None:
        fn = op.function
        res = f"function {fn.name}"
        try:
            # A just-created role takes seconds to become assumable by Lambda.
            self._patient.call(
                "lambda",
                "create_function",
                res,
                **function_config(fn),
                Code={"ZipFile": self._code_zip()},
                Tags=fn.tags,
                Publish=False,
            )
        except AwsCallError as err:
            if err.code == "ResourceConflictException":
                raise CronbridgeError(
                    f"function {fn.name} already exists but is not owned by this stage",
                    hint="it lacks cronbridge's ownership tags; rename the job or remove it",
                ) from err
            raise
        # A new function is Pending; concurrency, async config and permissions would be
        # rejected until it is Active.
        self._wait_function(fn.name, "function_active_v2")

    def _put_target(self, op: o.PutTarget) -> None:
        rule, t = op.rule, op.rule.target
        res = f"rule {rule.name}"
        if op.remove_target_ids:
            self.api.call(
                "events", "remove_targets", res, Rule=rule.name, Ids=list(op.remove_target_ids)
            )
        out = self.api.call(
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
                    "RetryPolicy": {
                        "MaximumRetryAttempts": t.retry_policy.maximum_retry_attempts,
                        "MaximumEventAgeInSeconds": t.retry_policy.maximum_event_age_seconds,
                    },
                    "DeadLetterConfig": {"Arn": t.dead_letter_arn},
                }
            ],
        )
        if out.get("FailedEntryCount"):
            entry = out["FailedEntries"][0]
            raise AwsCallError(
                "PutTargets", res, entry.get("ErrorCode", "Failed"), entry.get("ErrorMessage", "")
            )

    def _add_permission(self, op: o.AddPermission) -> None:
        p = op.permission
        res = f"function {p.function_name}"
        if op.replace:
            self.api.maybe(
                "lambda",
                "remove_permission",
                res,
                FunctionName=p.function_name,
                StatementId=p.statement_id,
            )
        kwargs = {
            "FunctionName": p.function_name,
            "StatementId": p.statement_id,
            "Action": p.action,
            "Principal": p.principal,
            "SourceArn": p.source_arn,
            "SourceAccount": p.source_account,
        }
        try:
            self.api.call("lambda", "add_permission", res, **kwargs)
        except AwsCallError as err:
            if err.code != "ResourceConflictException":
                raise
            # Left behind by an interrupted run: replace it.
            self.api.maybe(
                "lambda",
                "remove_permission",
                res,
                FunctionName=p.function_name,
                StatementId=p.statement_id,
            )
            self.api.call("lambda", "add_permission", res, **kwargs)

    def _put_schedule(self, op: o.PutSchedule) -> None:
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
                "RetryPolicy": {
                    "MaximumRetryAttempts": s.retry_policy.maximum_retry_attempts,
                    "MaximumEventAgeInSeconds": s.retry_policy.maximum_event_age_seconds,
                },
                "DeadLetterConfig": {"Arn": s.dead_letter_arn},
            },
        }
        verb = "create_schedule" if op.action == "create" else "update_schedule"
        res = f"schedule {s.group_name}/{s.name}"
        try:
            self._patient.call("scheduler", verb, res, **kwargs)
        except AwsCallError as err:
            if err.code != "ConflictException" or verb != "create_schedule":
                raise
            self._patient.call("scheduler", "update_schedule", res, **kwargs)
