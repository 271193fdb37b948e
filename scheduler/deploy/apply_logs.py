"""Apply log-group operations: create a job's log group (tagged, with its retention) before
its function exists, update retention and tags, delete a pruned job's group.

Lambda creates ``/aws/lambda/<function>`` with unlimited retention on the first log line
if no group exists, so the planner orders ``PutLogGroup`` before ``CreateFunction``.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
"""

from __future__ import annotations

from scheduler.deploy import ops as o
from scheduler.deploy.awsapi import AwsApi
from scheduler.errors import AwsCallError


def put_log_group(api: AwsApi, op: o.PutLogGroup) -> None:
    """Create with every tag at once: the job's fingerprint (stamped on its function last)
    is what marks the job done, so a half-made group is found and finished next deploy."""
    group = op.log_group
    res = f"log group {group.name}"
    changed = {c.field.split(".")[0] for c in op.changes}
    created = False
    if op.action == "create":
        try:
            api.call(
                "logs", "create_log_group", res, logGroupName=group.name, tags=group.tags_with_spec
            )
            created = True
        except AwsCallError as err:
            # Left behind by an interrupted run (or made by Lambda): set it up below.
            if err.code != "ResourceAlreadyExistsException":
                raise
    if op.action == "create" or "retention_in_days" in changed:
        api.call(
            "logs",
            "put_retention_policy",
            res,
            logGroupName=group.name,
            retentionInDays=group.retention_in_days,
        )
    if not created:
        api.call("logs", "tag_resource", res, resourceArn=group.arn, tags=group.tags_with_spec)


def delete_log_group(api: AwsApi, op: o.DeleteLogGroup) -> None:
    api.maybe("logs", "delete_log_group", f"log group {op.name}", logGroupName=op.name)
