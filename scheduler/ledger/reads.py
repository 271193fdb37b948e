"""The ledger's reads: one run, one job's history, the attention index, page by page.

Every read is a GetItem or a Query on a key (``history`` is one job's partition newest
first, ``attention`` the sparse index); the ledger never Scans. The CLI, the web page and
health build on these through the ``RunStore`` protocol. No writes here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import isoformat_z
from scheduler.ledger.codec import from_item
from scheduler.ledger.keys import (
    ATTENTION_PARTITION,
    LAST_SCHEDULED_SK,
    RUN_HIGH,
    RUN_PREFIX,
    job_pk,
    run_key,
)
from scheduler.ledger.model import RunRecord, RunStatus


class RunReads:
    """The read half of ``DynamoRunStore`` (needs ``self._client`` and ``self.table``)."""

    _client: Any
    table: str

    def get(self, run_id: str) -> RunRecord | None:
        response = self._client.get_item(
            TableName=self.table, Key=run_key(run_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _record(item) if item else None

    def last_scheduled(self, job: str) -> RunRecord | None:
        """The job's newest scheduled run, however many manual runs followed it (2 reads)."""
        marker = self._client.get_item(
            TableName=self.table,
            Key={C.TABLE_PK: {"S": job_pk(job)}, C.TABLE_SK: {"S": LAST_SCHEDULED_SK}},
        ).get("Item")
        if not marker:
            return None
        return self.get(str(from_item(marker)["run_id"]))

    def history(
        self,
        job: str,
        *,
        since: datetime | None = None,
        status: RunStatus | None = None,
        page_size: int = 50,
    ) -> Iterator[RunRecord]:
        low = RUN_PREFIX + (isoformat_z(since.astimezone(UTC)) if since else "")
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#pk": C.TABLE_PK, "#sk": C.TABLE_SK},
            "ExpressionAttributeValues": {
                ":pk": {"S": job_pk(job)},
                ":low": {"S": low},
                ":high": {"S": RUN_HIGH},
            },
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        if status is not None:
            params["FilterExpression"] = "#status = :status"
            params["ExpressionAttributeNames"]["#status"] = "status"
            params["ExpressionAttributeValues"][":status"] = {"S": status.value}
        yield from self._pages(params)

    def attention(
        self, since: datetime, statuses: frozenset[RunStatus] | None = None
    ) -> Iterator[RunRecord]:
        params: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": C.ATTENTION_INDEX,
            "KeyConditionExpression": "#p = :p AND #s >= :since",
            "ExpressionAttributeNames": {"#p": C.ATTENTION_PK, "#s": C.ATTENTION_SK},
            "ExpressionAttributeValues": {
                ":p": {"S": ATTENTION_PARTITION},
                ":since": {"S": isoformat_z(since.astimezone(UTC))},
            },
            "ScanIndexForward": False,
        }
        if statuses:
            names = sorted(s.value for s in statuses)
            placeholders = [f":st{i}" for i in range(len(names))]
            params["FilterExpression"] = f"#status IN ({', '.join(placeholders)})"
            params["ExpressionAttributeNames"]["#status"] = "status"
            for ph, name in zip(placeholders, names, strict=True):
                params["ExpressionAttributeValues"][ph] = {"S": name}
        yield from self._pages(params)

    def _pages(self, params: dict[str, Any]) -> Iterator[RunRecord]:
        while True:
            response = self._client.query(**params)
            for item in response.get("Items", []):
                yield _record(item)
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            params = {**params, "ExclusiveStartKey": last}


def _record(item: dict[str, Any]) -> RunRecord:
    return RunRecord.from_json(from_item(item))
