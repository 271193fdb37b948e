"""Read a stage's CloudWatch Logs log groups: one paged listing by name prefix.

Every job's log group is ``/aws/lambda/<prefix>-<stage>-<job>``; ``DescribeLogGroups`` with
that prefix (50 a page, the API's maximum) returns each group's retention, so a refreshed
plan or a destroy diffs retention without a read per job (a plain plan relies on the job's
fingerprint instead and lists no log groups). Tags are not in the listing: they are read per group
(``ListTagsForResource``) only to confirm ownership before a delete, or when refreshing.
Reads only; no decisions, no writes.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html
"""

from __future__ import annotations

from typing import Any

from scheduler.deploy.awsapi import AwsApi
from scheduler.resources import LogGroup

_PAGE = 50


def list_log_groups(api: AwsApi, name_prefix: str) -> dict[str, dict[str, Any]]:
    """Log group name -> DescribeLogGroups entry, for every group starting with the prefix."""
    return {
        g["logGroupName"]: dict(g)
        for g in api.pages(
            "logs",
            "describe_log_groups",
            f"log groups {name_prefix}*",
            "logGroups",
            logGroupNamePrefix=name_prefix,
            PaginationConfig={"PageSize": _PAGE},
        )
    }


def log_group_tags(api: AwsApi, arn: str) -> dict[str, str] | None:
    """Tags of the log group ``arn`` (the form without ``:*``); None when it is gone."""
    out = api.maybe("logs", "list_tags_for_resource", arn, resourceArn=arn)
    return None if out is None else dict(out.get("tags") or {})


def from_listing(
    desired: LogGroup, listed: dict[str, Any] | None, tags: dict[str, str] | None
) -> LogGroup | None:
    """The live group as a model object (tags with the spec tag: the planner compares it);
    retention 0 means "never expire" (no policy). ``tags`` None: not read (the desired tags
    stand in, so only retention is compared)."""
    if listed is None:
        return None
    return LogGroup(
        job=desired.job,
        name=desired.name,
        arn=desired.arn,
        retention_in_days=int(listed.get("retentionInDays") or 0),
        tags=dict(desired.tags) if tags is None else dict(tags),
    )
