"""Apply the stage's data resources: the runs table and the dead-letter queue.

Each is an upsert that puts the ``cronbridge:spec`` fingerprint on last, so an interrupted
update still looks changed to the next plan. Called by the executor with its ``AwsApi``.
"""

from __future__ import annotations

import json
from typing import Any

from scheduler.deploy import ops as o
from scheduler.deploy.awsapi import AwsApi
from scheduler.errors import AwsCallError
from scheduler.resources import RunsTable, table_key_schema

_PITR_TRIES = 10
_PITR_DELAY = 5.0


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def create_table_params(t: RunsTable) -> dict[str, Any]:
    """``CreateTable`` arguments for the runs table."""
    return {"TableName": t.name, **table_key_schema(t), "Tags": tag_list(t.tags)}


def put_table(api: AwsApi, op: o.PutTable) -> None:
    t = op.table
    res = f"table {t.name}"
    changed = {c.field for c in op.changes}
    if op.action == "create":
        api.call("dynamodb", "create_table", res, **create_table_params(t))
        api.client("dynamodb").get_waiter("table_exists").wait(
            TableName=t.name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )
    if op.action == "create" or "ttl_attribute" in changed:
        api.call(
            "dynamodb",
            "update_time_to_live",
            res,
            TableName=t.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute},
        )
    if op.action == "create" or "point_in_time_recovery" in changed:
        _enable_pitr(api, t, res)
    api.call("dynamodb", "tag_resource", res, ResourceArn=t.arn, Tags=tag_list(t.tags_with_spec))


def _enable_pitr(api: AwsApi, t: RunsTable, res: str) -> None:
    # A new table answers ContinuousBackupsUnavailableException for a while after it
    # turns ACTIVE ("Backups are being enabled"); AWS says to retry. See
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html
    for attempt in range(_PITR_TRIES):
        try:
            api.call(
                "dynamodb",
                "update_continuous_backups",
                res,
                TableName=t.name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": t.point_in_time_recovery
                },
            )
            return
        except AwsCallError as err:
            if err.code != "ContinuousBackupsUnavailableException" or (attempt == _PITR_TRIES - 1):
                raise
            api.sleep(_PITR_DELAY)


def put_queue(api: AwsApi, op: o.PutQueue) -> None:
    q = op.queue
    res = f"queue {q.name}"
    attrs = {
        "MessageRetentionPeriod": str(q.message_retention_seconds),
        "SqsManagedSseEnabled": "true" if q.sqs_managed_sse else "false",
        "Policy": json.dumps(q.policy),
    }
    if op.action == "create":
        url = api.call("sqs", "create_queue", res, QueueName=q.name, Attributes=attrs, tags=q.tags)[
            "QueueUrl"
        ]
    else:
        url = api.queue_url(q.name)
        api.call("sqs", "set_queue_attributes", res, QueueUrl=url, Attributes=attrs)
    api.call("sqs", "tag_queue", res, QueueUrl=url, Tags=q.tags_with_spec)
