"""Snapshot and restore what moto cannot keep: runs, dead letters, pending retries.

moto's server is in-memory. `local up` redeploys the catalogue at every start, so the
deployed resources need no saving; what needs saving is the data they accumulated: the runs
table's items, the dead-letter queue's messages and the one-time retry schedules not yet
fired. A snapshot is taken periodically and at stop, pruned (expired by TTL, capped to the
newest items: moto's Query cost grows with table size) and restored into the freshly
deployed stage at the next start. Given its clients; plain boto3 calls only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scheduler import contract, names
from scheduler.clock import isoformat_z
from scheduler.local import state

log = logging.getLogger(__name__)

_SCHEDULE_FIELDS = (
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "ActionAfterCompletion",
    "State",
    "Description",
)


@dataclass
class Snapshot:
    runs: list[dict[str, Any]] = field(default_factory=list)  # DynamoDB-typed items
    dead_letters: list[dict[str, Any]] = field(default_factory=list)  # Body + attributes
    retry_schedules: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, *, stage: str, prefix: str, saved_at: datetime) -> dict[str, Any]:
        return {
            "version": state.SNAPSHOT_VERSION,
            "stage": stage,
            "prefix": prefix,
            "saved_at": isoformat_z(saved_at),
            "runs": self.runs,
            "dead_letters": self.dead_letters,
            "retry_schedules": self.retry_schedules,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            runs=list(data.get("runs") or []),
            dead_letters=list(data.get("dead_letters") or []),
            retry_schedules=list(data.get("retry_schedules") or []),
        )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _queue_url(sqs: Any, prefix: str, stage: str) -> str | None:
    try:
        return str(sqs.get_queue_url(QueueName=names.dead_letter_queue(prefix, stage))["QueueUrl"])
    except Exception:  # not deployed: nothing to save or restore
        return None


# --- taking a snapshot --------------------------------------------------------------------
def take_snapshot(
    clients: Any,
    *,
    prefix: str,
    stage: str,
    now: datetime,
    max_items: int = state.DEFAULT_MAX_ITEMS,
) -> Snapshot:
    snap = Snapshot()
    dynamodb = clients.client("dynamodb")
    with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException):
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=names.runs_table(prefix, stage)
        ):
            items.extend(page.get("Items", []))
        snap.runs = state.prune_items(
            items,
            now_epoch=int(now.timestamp()),
            ttl_attribute=contract.TABLE_TTL_ATTRIBUTE,
            max_items=max_items,
        )
    snap.dead_letters = peek_queue(clients.client("sqs"), prefix, stage)
    snap.retry_schedules = _retry_schedules(clients.client("scheduler"), prefix, stage)
    return snap


def peek_queue(sqs: Any, prefix: str, stage: str) -> list[dict[str, Any]]:
    """Every message, without consuming it: receive all, then make them visible again."""
    url = _queue_url(sqs, prefix, stage)
    if url is None:
        return []
    seen: dict[str, dict[str, Any]] = {}
    receipts: list[str] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            break
        for message in got:
            receipts.append(message["ReceiptHandle"])
            seen.setdefault(
                message["MessageId"],
                {
                    "Body": message["Body"],
                    "MessageAttributes": message.get("MessageAttributes") or {},
                    "SentTimestamp": (message.get("Attributes") or {}).get("SentTimestamp"),
                },
            )
    for batch in _chunks(receipts, 10):
        with contextlib.suppress(Exception):  # best effort: they reappear after 30 s anyway
            sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(batch)
                ],
            )
    return sorted(seen.values(), key=lambda m: int(m.get("SentTimestamp") or 0))


def _retry_schedules(scheduler: Any, prefix: str, stage: str) -> list[dict[str, Any]]:
    group = names.retry_schedule_group(prefix, stage)
    out: list[dict[str, Any]] = []
    try:
        pages = list(scheduler.get_paginator("list_schedules").paginate(GroupName=group))
    except Exception:
        return out
    for page in pages:
        for summary in page.get("Schedules", []):
            with contextlib.suppress(Exception):
                full = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
                entry = {"Name": full["Name"]}
                entry.update({k: full[k] for k in _SCHEDULE_FIELDS if full.get(k) is not None})
                out.append(entry)
    return out


def prune_live_table(
    clients: Any,
    *,
    prefix: str,
    stage: str,
    now: datetime,
    max_items: int = state.DEFAULT_MAX_ITEMS,
) -> int:
    """Enforce TTL (moto does not) and the item cap on the emulator's runs table."""
    dynamodb = clients.client("dynamodb")
    table = names.runs_table(prefix, stage)
    items: list[dict[str, Any]] = []
    try:
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table,
            ProjectionExpression="#pk, #sk, #st, #ttl, started_at",
            ExpressionAttributeNames={
                "#pk": contract.TABLE_PK,
                "#sk": contract.TABLE_SK,
                "#st": "status",
                "#ttl": contract.TABLE_TTL_ATTRIBUTE,
            },
        ):
            items.extend(page.get("Items", []))
    except dynamodb.exceptions.ResourceNotFoundException:
        return 0
    doomed = state.items_to_delete(
        items,
        now_epoch=int(now.timestamp()),
        ttl_attribute=contract.TABLE_TTL_ATTRIBUTE,
        max_items=max_items,
    )
    keys = [{k: item[k] for k in (contract.TABLE_PK, contract.TABLE_SK)} for item in doomed]
    for batch in _chunks(keys, 25):
        request: dict[str, Any] = {table: [{"DeleteRequest": {"Key": key}} for key in batch]}
        for _ in range(10):
            left = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not left:
                break
            request = left
    return len(keys)


def save_snapshot(clients: Any, root: Path, *, prefix: str, stage: str, now: datetime) -> Path:
    prune_live_table(clients, prefix=prefix, stage=stage, now=now)
    snap = take_snapshot(clients, prefix=prefix, stage=stage, now=now)
    path = state.snapshot_path(root, stage)
    state.write_json_atomic(path, snap.to_json(stage=stage, prefix=prefix, saved_at=now))
    return path


# --- restoring ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreCounts:
    runs: int
    dead_letters: int
    retry_schedules: int


def restore_snapshot(
    clients: Any, snap: Snapshot, *, prefix: str, stage: str, now: datetime
) -> RestoreCounts:
    """Write a snapshot back into a freshly deployed stage."""
    runs = state.prune_items(
        snap.runs, now_epoch=int(now.timestamp()), ttl_attribute=contract.TABLE_TTL_ATTRIBUTE
    )
    _restore_items(clients.client("dynamodb"), names.runs_table(prefix, stage), runs)
    sent = _restore_messages(clients.client("sqs"), prefix, stage, snap.dead_letters)
    armed = _restore_schedules(clients.client("scheduler"), prefix, stage, snap.retry_schedules)
    return RestoreCounts(runs=len(runs), dead_letters=sent, retry_schedules=armed)


def _restore_items(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for batch in _chunks(items, 25):
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        for _ in range(10):
            left = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not left:
                break
            request = left


def _restore_messages(sqs: Any, prefix: str, stage: str, messages: list[dict[str, Any]]) -> int:
    url = _queue_url(sqs, prefix, stage)
    if url is None or not messages:
        return 0
    sent = 0
    for batch in _chunks(messages, 10):
        entries = []
        for index, message in enumerate(batch):
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
            attributes = {
                name: {
                    k: v
                    for k, v in value.items()
                    if k in ("StringValue", "BinaryValue", "DataType")
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            }
            if attributes:
                entry["MessageAttributes"] = attributes
            entries.append(entry)
        result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        sent += len(result.get("Successful", []))
    return sent


def _restore_schedules(scheduler: Any, prefix: str, stage: str, saved: list[dict[str, Any]]) -> int:
    group = names.retry_schedule_group(prefix, stage)
    armed = 0
    for entry in saved:
        params = {k: entry[k] for k in _SCHEDULE_FIELDS if k in entry}
        params.setdefault("FlexibleTimeWindow", {"Mode": "OFF"})
        try:
            scheduler.create_schedule(Name=entry["Name"], GroupName=group, **params)
            armed += 1
        except Exception as exc:  # exists already, or the group is gone: keep going
            log.warning("could not restore retry schedule %s: %s", entry.get("Name"), exc)
    return armed
