"""The last health the monitor told about each job: one item per job in the runs table.

``pk=JOB#<job>  sk=ALERT`` holds ``state`` and a ``version`` counter. The monitor reads it,
decides (``transitions.decide``), and writes the new state with a condition on the version
it read *before* it publishes: when two monitor rounds overlap (a slow round, a retried
invocation) both may decide to tell the same change, but only one write wins, and only
the winner publishes. Run history never sees the item (its Query reads ``RUN#`` keys).
The DynamoDB client is injected; no other AWS call here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z

ALERT_SK = "ALERT"


@dataclass(frozen=True)
class Notified:
    state: str | None  # None: never stored
    version: int  # 0: no item yet


class NotifiedStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    @staticmethod
    def _key(job: str) -> dict[str, dict[str, str]]:
        return {C.TABLE_PK: {"S": f"JOB#{job}"}, C.TABLE_SK: {"S": ALERT_SK}}

    def get(self, job: str) -> Notified:
        item = self._client.get_item(TableName=self.table, Key=self._key(job), ConsistentRead=True)
        found = item.get("Item")
        if not found:
            return Notified(None, 0)
        return Notified(found["state"]["S"], int(found["version"]["N"]))

    def put(self, job: str, state: str, seen: Notified, now: datetime) -> bool:
        """Store ``state`` iff the item is still as ``seen``; False when another round won."""
        item = {
            **self._key(job),
            "state": {"S": state},
            "version": {"N": str(seen.version + 1)},
            "changed_at": {"S": isoformat_z(now)},
        }
        if seen.version == 0:
            condition = "attribute_not_exists(#pk)"
            values: dict[str, Any] = {}
        else:
            condition = "#version = :seen"
            values = {":seen": {"N": str(seen.version)}}
        names = {"#pk": C.TABLE_PK} if seen.version == 0 else {"#version": "version"}
        params: dict[str, Any] = {
            "TableName": self.table,
            "Item": item,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if values:
            params["ExpressionAttributeValues"] = values
        try:
            self._client.put_item(**params)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
