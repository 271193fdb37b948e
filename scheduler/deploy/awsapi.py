"""The only deploy module that calls boto3: one method per AWS operation the engine uses.

It is handed an object with ``client(service)`` (``scheduler.awsclients.AwsClients`` or a
test double) and never builds clients itself. Every failing call becomes one
``AwsCallError`` line naming the operation, the resource and AWS's error code. Reads return
plain dicts/lists; deciding what they mean is live.py's job, deciding what to do is the
planner's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from scheduler.errors import AwsCallError

NOT_FOUND = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchEntity",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ResourceNotFound",
    }
)


class ClientSource(Protocol):
    def client(self, service: str) -> Any: ...


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class AwsApi:
    def __init__(self, clients: ClientSource, *, sleep: Callable[[float], None] = time.sleep):
        self._clients = clients
        self._sleep = sleep

    def client(self, service: str) -> Any:
        return self._clients.client(service)

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def call(self, service: str, operation: str, resource: str, **kwargs: Any) -> Any:
        """One AWS call; errors become AwsCallError naming ``resource``."""
        method = getattr(self.client(service), operation)
        try:
            return method(**kwargs)
        except Exception as exc:
            raise AwsCallError.from_exception(exc, _op_name(operation), resource) from exc

    def wait(self, service: str, waiter: str, resource: str, **kwargs: Any) -> None:
        """A boto3 waiter (at most ~5 minutes); a failure becomes AwsCallError."""
        try:
            self.client(service).get_waiter(waiter).wait(
                **kwargs, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
            )
        except Exception as exc:
            raise AwsCallError.from_exception(exc, f"wait for {waiter}", resource) from exc

    def maybe(self, service: str, operation: str, resource: str, **kwargs: Any) -> Any | None:
        """Like ``call`` but None when the resource does not exist."""
        try:
            return self.call(service, operation, resource, **kwargs)
        except AwsCallError as err:
            if err.code in NOT_FOUND:
                return None
            raise

    def pages(
        self, service: str, operation: str, resource: str, key: str, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        paginator = self.client(service).get_paginator(operation)
        try:
            for page in paginator.paginate(**kwargs):
                yield from page.get(key, [])
        except Exception as exc:
            if _code(exc) in NOT_FOUND:
                return
            raise AwsCallError.from_exception(exc, _op_name(operation), resource) from exc

    # --- Cheap listings -------------------------------------------------------------

    def account_id(self) -> str:
        return str(self.call("sts", "get_caller_identity", "caller identity")["Account"])

    def tagged_resources(
        self, tags: dict[str, str], resource_types: list[str] | None = None
    ) -> dict[str, dict[str, str]]:
        """ARN -> tags of every resource carrying all ``tags`` (tagging API, paged).

        A HINT only: the tagging API is eventually consistent, also returns resources that
        were tagged once and are gone, and is empty on some emulators (LocalStack). Callers
        confirm existence with each service's own read.

        Paged at the largest sizes the API allows: ResourcesPerPage 100 (its maximum, and
        the limit AWS recommends paging by) and TagsPerPage 500 (its maximum; a page never
        splits a resource's tags). A page ends at whichever limit comes first, so with our
        six or so tags a resource, some 70-80 resources a page; moto pages by tags whatever
        is asked (100 by default), so without TagsPerPage it would return 15 a page.
        https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
        """
        filters = [{"Key": k, "Values": [v]} for k, v in sorted(tags.items())]
        extra: dict[str, Any] = {"ResourceTypeFilters": resource_types} if resource_types else {}
        found = {}
        for item in self.pages(
            "resourcegroupstaggingapi",
            "get_resources",
            "tagged resources",
            "ResourceTagMappingList",
            TagFilters=filters,
            ResourcesPerPage=100,
            TagsPerPage=500,
            **extra,
        ):
            found[item["ResourceARN"]] = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
        return found

    def list_functions(self, prefix: str) -> dict[str, dict[str, Any]]:
        """Name -> configuration of every function whose name starts with ``prefix``.

        Lambda's own listing (50 a page, the maximum) is the authority on what exists;
        ListFunctions has no name filter, so the prefix is applied here.
        https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
        """
        return {
            f["FunctionName"]: f
            for f in self.pages(
                "lambda",
                "list_functions",
                f"functions {prefix}*",
                "Functions",
                PaginationConfig={"PageSize": 50},
            )
            if str(f.get("FunctionName", "")).startswith(prefix)
        }

    def table_summary(self, name: str) -> dict[str, Any] | None:
        """DescribeTable alone: does the table exist, and in which status."""
        out = self.maybe("dynamodb", "describe_table", f"table {name}", TableName=name)
        return None if out is None else dict(out["Table"])

    def function_tags(self, name: str) -> dict[str, str] | None:
        """The function's own tags (GetFunction), None when it does not exist."""
        out = self.get_function(name)
        return None if out is None else dict(out.get("Tags") or {})

    def table_tags(self, name: str) -> dict[str, str] | None:
        table = self.table_summary(name)
        if table is None or table.get("TableStatus") == "DELETING":
            return None
        out = self.maybe(
            "dynamodb", "list_tags_of_resource", f"table {name}", ResourceArn=table["TableArn"]
        )
        return None if out is None else {t["Key"]: t["Value"] for t in out.get("Tags", [])}

    def queue_tags(self, name: str) -> dict[str, str] | None:
        url = self.queue_url(name)
        if url is None:
            return None
        out = self.maybe("sqs", "list_queue_tags", f"queue {name}", QueueUrl=url)
        return None if out is None else dict(out.get("Tags") or {})

    def role_tags(self, name: str) -> dict[str, str] | None:
        role = self.get_role(name)
        return None if role is None else {t["Key"]: t["Value"] for t in role.get("Tags", [])}

    def list_rules(self, prefix: str) -> list[dict[str, Any]]:
        return list(
            self.pages(
                "events",
                "list_rules",
                f"rules {prefix}*",
                "Rules",
                NamePrefix=prefix,
                PaginationConfig={"PageSize": 100},
            )
        )

    def list_schedules(self, group: str) -> list[dict[str, Any]]:
        return list(
            self.pages(
                "scheduler",
                "list_schedules",
                f"schedule group {group}",
                "Schedules",
                GroupName=group,
                PaginationConfig={"PageSize": 100},
            )
        )

    def list_schedule_groups(self, prefix: str) -> list[dict[str, Any]]:
        return list(
            self.pages(
                "scheduler",
                "list_schedule_groups",
                f"schedule groups {prefix}*",
                "ScheduleGroups",
                NamePrefix=prefix,
            )
        )

    def get_role(self, name: str) -> dict[str, Any] | None:
        out = self.maybe("iam", "get_role", f"role {name}", RoleName=name)
        return None if out is None else dict(out["Role"])

    # --- Deep reads -------------------------------------------------------------------

    def get_function(self, name: str) -> dict[str, Any] | None:
        return self.maybe("lambda", "get_function", f"function {name}", FunctionName=name)

    def get_async_config(self, name: str) -> dict[str, Any] | None:
        return self.maybe(
            "lambda", "get_function_event_invoke_config", f"function {name}", FunctionName=name
        )

    def get_policy_statements(self, name: str) -> list[dict[str, Any]]:
        out = self.maybe("lambda", "get_policy", f"function {name}", FunctionName=name)
        return [] if out is None else list(json.loads(out["Policy"]).get("Statement", []))

    def describe_rule(self, name: str) -> dict[str, Any] | None:
        return self.maybe("events", "describe_rule", f"rule {name}", Name=name)

    def list_targets(self, rule: str) -> list[dict[str, Any]]:
        out = self.maybe("events", "list_targets_by_rule", f"rule {rule}", Rule=rule)
        return [] if out is None else list(out.get("Targets", []))

    def rule_tags(self, arn: str) -> dict[str, str]:
        out = self.maybe("events", "list_tags_for_resource", arn, ResourceARN=arn)
        return {} if out is None else {t["Key"]: t["Value"] for t in out.get("Tags", [])}

    def get_schedule(self, name: str, group: str) -> dict[str, Any] | None:
        return self.maybe(
            "scheduler", "get_schedule", f"schedule {group}/{name}", Name=name, GroupName=group
        )

    def group_tags(self, name: str, arn: str) -> dict[str, str] | None:
        if self.maybe("scheduler", "get_schedule_group", f"group {name}", Name=name) is None:
            return None
        out = self.maybe("scheduler", "list_tags_for_resource", arn, ResourceArn=arn)
        return None if out is None else {t["Key"]: t["Value"] for t in out.get("Tags", [])}

    def describe_table(self, name: str) -> dict[str, Any] | None:
        out = self.maybe("dynamodb", "describe_table", f"table {name}", TableName=name)
        if out is None:
            return None
        table = dict(out["Table"])
        ttl = self.call("dynamodb", "describe_time_to_live", f"table {name}", TableName=name)
        table["_ttl"] = ttl.get("TimeToLiveDescription", {})
        backups = self.call(
            "dynamodb", "describe_continuous_backups", f"table {name}", TableName=name
        )
        table["_pitr"] = backups["ContinuousBackupsDescription"].get(
            "PointInTimeRecoveryDescription", {}
        )
        tags = self.call(
            "dynamodb", "list_tags_of_resource", f"table {name}", ResourceArn=table["TableArn"]
        )
        table["_tags"] = {t["Key"]: t["Value"] for t in tags.get("Tags", [])}
        return table

    def queue_url(self, name: str) -> str | None:
        out = self.maybe("sqs", "get_queue_url", f"queue {name}", QueueName=name)
        return None if out is None else str(out["QueueUrl"])

    def describe_queue(self, name: str) -> dict[str, Any] | None:
        url = self.queue_url(name)
        if url is None:
            return None
        attrs = self.call(
            "sqs", "get_queue_attributes", f"queue {name}", QueueUrl=url, AttributeNames=["All"]
        )["Attributes"]
        tags = self.call("sqs", "list_queue_tags", f"queue {name}", QueueUrl=url)
        return {"url": url, "attributes": attrs, "tags": tags.get("Tags", {})}

    def role_policy(self, role: str, policy: str) -> dict[str, Any] | None:
        out = self.maybe("iam", "get_role_policy", f"role {role}", RoleName=role, PolicyName=policy)
        if out is None:
            return None
        doc = out["PolicyDocument"]
        return dict(json.loads(doc) if isinstance(doc, str) else doc)


def _op_name(operation: str) -> str:
    """snake_case boto3 method -> the AWS operation name users see in docs and CloudTrail."""
    return "".join(part.capitalize() for part in operation.split("_"))
