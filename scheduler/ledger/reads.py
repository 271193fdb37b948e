"""The ledger's reads: one run, one job's history, the attention index, items by key.

Every read is a GetItem, a BatchGetItem or a Query on a key (``history`` is one job's
partition newest first, ``attention`` the sparse index, ``summaries``/``day_rollups`` the
per-job items the writes keep, ``by_key``/``partition`` raw items for the other records
the runs table holds, such as pauses); the ledger never Scans. The CLI, the web page and
health build on these through the ``RunStore`` protocol. No writes here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
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
    summary_key,
)
from scheduler.ledger.model import RunRecord, RunStatus
from scheduler.ledger.rollup import DAY_PREFIX, DayRollup, day_sk
from scheduler.ledger.summary import JobSummary

_BATCH_GET_MAX = 100
_BATCH_RETRIES = 8
BATCH_WORKERS = 4
"""BatchGetItem requests in flight at once (boto3's low-level clients are thread safe:
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)."""
_KEY_NAMES = frozenset({C.TABLE_PK, C.TABLE_SK})


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
        """The job's newest scheduled run, however many manual runs followed it (2 reads):
        from its summary, or from the marker item tables written before summaries hold."""
        summary = self._client.get_item(TableName=self.table, Key=summary_key(job)).get("Item")
        newest = from_item(summary).get("last_scheduled") if summary else None
        if not newest:
            marker = self._client.get_item(
                TableName=self.table,
                Key={C.TABLE_PK: {"S": job_pk(job)}, C.TABLE_SK: {"S": LAST_SCHEDULED_SK}},
            ).get("Item")
            newest = from_item(marker) if marker else None
        if not newest:
            return None
        return self.get(str(newest["run_id"]))

    def has_runs_before(self, job: str, moment: datetime) -> bool:
        """Whether ``job`` has a run that sorts before ``moment`` (one Query, one key)."""
        # Sort keys are RUN#<time>[-<hex>]: every key of a second before ``moment`` sorts
        # below "RUN#<that second>~", and none at or after ``moment`` does.
        below = isoformat_z((moment - timedelta(seconds=1)).astimezone(UTC)) + "~"
        response = self._client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
            ExpressionAttributeNames={"#pk": C.TABLE_PK, "#sk": C.TABLE_SK},
            ExpressionAttributeValues={
                ":pk": {"S": job_pk(job)},
                ":low": {"S": RUN_PREFIX},
                ":high": {"S": RUN_PREFIX + below},
            },
            ProjectionExpression="#sk",
            Limit=1,
        )
        return bool(response.get("Items"))

    # --- by key, many at once (status and the overview) -----------------------------------
    def summaries(self, jobs: Sequence[str]) -> dict[str, JobSummary]:
        """Each job's summary item that exists (BatchGetItem, 100 keys a call)."""
        keys = [summary_key(job) for job in jobs]
        found: dict[str, JobSummary] = {}
        for item in self._batch_get(keys):
            job = item[C.TABLE_PK]["S"][len(job_pk("")) :]
            data = from_item({k: v for k, v in item.items() if k not in _KEY_NAMES})
            found[job] = JobSummary.from_data(job, data)
        return found

    def day_rollups(self, wanted: Sequence[tuple[str, date]]) -> dict[str, list[DayRollup]]:
        """The rollup items of these (job, day)s that exist, by job (BatchGetItem)."""
        keys = [
            {C.TABLE_PK: {"S": job_pk(job)}, C.TABLE_SK: {"S": day_sk(day)}} for job, day in wanted
        ]
        found: dict[str, list[DayRollup]] = {}
        for item in self._batch_get(keys):
            job = item[C.TABLE_PK]["S"][len(job_pk("")) :]
            day = date.fromisoformat(item[C.TABLE_SK]["S"][len(DAY_PREFIX) :])
            data = from_item({k: v for k, v in item.items() if k not in _KEY_NAMES})
            found.setdefault(job, []).append(DayRollup.from_data(day, data))
        return found

    def get_many(self, run_ids: Sequence[str]) -> dict[str, RunRecord]:
        """Runs by id (BatchGetItem); ids of runs that do not exist are left out."""
        records = [_record(item) for item in self._batch_get([run_key(r) for r in run_ids])]
        return {record.run_id: record for record in records}

    def by_key(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items (low-level attributes, keys included) that exist for ``keys``."""
        return self._batch_get(list(keys))

    def partition(self, pk: str) -> Iterator[dict[str, Any]]:
        """Every item of one partition (low-level attributes; one Query a page)."""
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": C.TABLE_PK},
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        yield from self._raw_pages(params)

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items for ``keys``, 100 a request (the API's cap), up to ``BATCH_WORKERS``
        requests at once, in no particular order."""
        chunks = [keys[i : i + _BATCH_GET_MAX] for i in range(0, len(keys), _BATCH_GET_MAX)]
        if len(chunks) <= 1:
            return self._batch_get_chunk(chunks[0]) if chunks else []
        from concurrent.futures import ThreadPoolExecutor  # not on the worker's import path

        with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(chunks))) as pool:
            return [item for found in pool.map(self._batch_get_chunk, chunks) for item in found]

    def _batch_get_chunk(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One request's keys, retrying what DynamoDB leaves unprocessed (throttling, the
        16 MB response cap) with a short backoff:
        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
        Eventually consistent reads (half the RCU); a page that refreshes can live with it.
        """
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {self.table: {"Keys": keys}}
        for attempt in range(_BATCH_RETRIES):
            response = self._client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(self.table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(min(1.0, 0.05 * 2**attempt))
        raise RuntimeError(f"DynamoDB left keys of {self.table} unprocessed")

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
        for item in self._raw_pages(params):
            yield _record(item)

    def _raw_pages(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            response = self._client.query(**params)
            yield from response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            params = {**params, "ExclusiveStartKey": last}


def _record(item: dict[str, Any]) -> RunRecord:
    return RunRecord.from_json(from_item(item))
