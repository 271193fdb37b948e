"""The resources a stage shares among all its jobs: runs table, dead-letter queue, groups.

One of each per stage (plus the scheduler role from ``roles``), gathered in
``SharedResources``. ``table_key_schema`` is the one definition of the runs table's keys
and index that both CreateTable and the CloudFormation export write. Frozen dataclasses,
pure stdlib: no AWS calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scheduler import contract
from scheduler.resources.fingerprint import Specced
from scheduler.resources.roles import Role


@dataclass(frozen=True)
class RunsTable(Specced):
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
class DeadLetterQueue(Specced):
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
class ScheduleGroup(Specced):
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
