"""Seed a runs table for the read benchmarks: run items, summaries and day rollups.

The worker writes a run with two transactions; on moto each transaction copies the whole
table, so recording 150,000 runs that way would take hours. Instead the finished run
items go in with BatchWriteItem (25 a call), each job's summary gets the very updates the
worker's transactions carry (``scheduler.ledger.summary``'s builders, applied with
UpdateItem: its first run, then its newest ``summarized`` runs claimed and finished in
order), and the day rollups are ``scheduler.ledger.rollup.fold`` of the runs, which a
functional test pins equal to what the worker's writes leave.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any


def finished_run(job: str, slot: datetime, rng: random.Random, fail_rate: float) -> Any:
    from scheduler.clock import isoformat_z
    from scheduler.ledger import RunRecord, RunStatus, scheduled_run_id

    failed = rng.random() < fail_rate
    stamp = isoformat_z(slot)
    return RunRecord(
        run_id=scheduled_run_id(job, slot),
        job=job,
        status=RunStatus.DEAD if failed else RunStatus.SUCCEEDED,
        trigger="schedule",
        scheduled_for=stamp,
        attempt=1,
        started_at=stamp,
        finished_at=stamp,
        duration_ms=int(rng.lognormvariate(5.5, 0.6)),
        error={"type": "RuntimeError", "message": "partner down"} if failed else None,
    )


def _batch_write(ddb: Any, table: str, items: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        pending: dict[str, Any] = {table: batch[:]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        batch.clear()

    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            flush()
    if batch:
        flush()


def seed(ddb: Any, table: str, runs_by_job: dict[str, list[Any]], *, summarized: int = 3) -> int:
    """Write ``runs_by_job`` (oldest first per job); the number of runs written."""
    from scheduler import contract as C  # noqa: N812
    from scheduler.ledger import DynamoRunStore, RunRecord, RunStatus
    from scheduler.ledger.codec import to_item
    from scheduler.ledger.keys import job_pk, summary_key
    from scheduler.ledger.rollup import day_sk, fold
    from scheduler.ledger.summary import claim_update, finish_update

    store = DynamoRunStore(ddb, table)
    every = [run for runs in runs_by_job.values() for run in runs]
    _batch_write(ddb, table, (store._run_item(run, 30) for run in every))

    rollups = []
    for (job, day), counters in fold(every).items():
        item = to_item(counters)
        item[C.TABLE_PK] = {"S": job_pk(job)}
        item[C.TABLE_SK] = {"S": day_sk(day)}
        rollups.append(item)
    _batch_write(ddb, table, rollups)

    def summarize(runs: list[RunRecord]) -> None:
        key = summary_key(runs[0].job)
        order = [runs[0], *runs[-summarized:]] if len(runs) > summarized else runs
        for run in order:
            claimed = RunRecord(**{**run.__dict__, "status": RunStatus.RUNNING})
            ddb.update_item(**claim_update(claimed).params(table, key))
            ddb.update_item(**finish_update(claimed, run.status).params(table, key))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(summarize, [runs for runs in runs_by_job.values() if runs]))
    return len(every)
