"""The ledger contract, run against both stores: DynamoDB (on moto) and in-process memory.

`local simulate` keeps its runs in ``MemoryRunStore``; everything else uses
``DynamoRunStore``. Each test here runs once per store and asserts the same results AND
the same raw items (what a Scan of the table shows: keys, TTL attribute, lease, the job's
SUMMARY and DAY# rollup items, the sparse attention keys). The last test drives both
stores through one long seeded sequence of operations side by side and compares every
answer, every read (summaries, rollups, history, attention) and the final items.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from scheduler.clock import isoformat_z
from scheduler.deploy.apply_data import create_table_params
from scheduler.ledger import (
    Attempt,
    ClaimOutcome,
    DynamoRunStore,
    Finish,
    LockRequest,
    RunRecord,
    RunStatus,
    scheduled_run_id,
)
from scheduler.ledger.codec import from_item
from scheduler.ledger.memory import MemoryRunStore, run_location
from scheduler.resources import RunsTable
from tests.functional.conftest import Stack, create_stack

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
DAY = 86_400


@dataclass
class Ledger:
    """One store under test and a way to read its raw items."""

    kind: str
    store: Any
    raw: Callable[[], list[dict[str, Any]]]


def _scan(stack: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in stack.ddb.get_paginator("scan").paginate(TableName=stack.table):
        items.extend(from_item(item) for item in page["Items"])
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def _dynamo_ledger() -> Iterator[Ledger]:
    from moto import mock_aws

    from tests.functional.conftest import MotoClients

    with mock_aws():
        stack = create_stack(MotoClients())
        yield Ledger("dynamodb", DynamoRunStore(stack.ddb, stack.table), lambda: _scan(stack))


def _memory_ledger() -> Iterator[Ledger]:
    store = MemoryRunStore()
    yield Ledger("memory", store, store.items)


@pytest.fixture(params=["dynamodb", "memory"])
def ledger(request: pytest.FixtureRequest) -> Iterator[Ledger]:
    factory = _dynamo_ledger if request.param == "dynamodb" else _memory_ledger
    yield from factory()


def slot(job: str, at: datetime, *, request_id: str = "req-1", attempt: int = 1) -> RunRecord:
    """A scheduled slot's run as the worker claims it."""
    return RunRecord(
        run_id=scheduled_run_id(job, at),
        job=job,
        status=RunStatus.RUNNING,
        trigger="schedule" if attempt == 1 else "retry",
        scheduled_for=isoformat_z(at),
        attempt=attempt,
        started_at=isoformat_z(at),
        request_id=request_id,
        payload={"n": 1, "tags": ["a", "b"]},
    )


def manual(job: str, at: datetime, suffix: str) -> RunRecord:
    return replace(
        slot(job, at, request_id=f"req-{suffix}"),
        run_id=f"{scheduled_run_id(job, at)}-{suffix}",
        trigger="manual",
    )


def lease(at: datetime, seconds: int = 60, *, exclusive: bool = True) -> LockRequest:
    return LockRequest(lease_until=at + timedelta(seconds=seconds), exclusive=exclusive)


def done(
    run: RunRecord,
    at: datetime,
    status: RunStatus = RunStatus.SUCCEEDED,
    *,
    next_attempt_at: str | None = None,
    result: Any = None,
) -> Finish:
    error = None if status is RunStatus.SUCCEEDED else {"type": "Boom", "message": "no"}
    return Finish(
        status=status,
        attempt=Attempt(
            run.attempt,
            run.trigger,
            RunStatus.FAILED if status is RunStatus.DEAD else status,
            run.started_at,
            isoformat_z(at),
            1500,
            run.request_id,
            error,
        ),
        finished_at=at,
        duration_ms=1500,
        error=error,
        result=result,
        next_attempt_at=next_attempt_at,
        retention_days=7,
    )


def by_sk(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["sk"]: item for item in items}


def test_a_slot_claim_writes_run_lease_and_summary_with_their_ttl(ledger: Ledger) -> None:
    # GIVEN a scheduled slot with overlap: skip
    run = slot("report", T0)
    # WHEN it is claimed
    claim = ledger.store.claim(run, lease(T0, 300), T0)
    # THEN it is ours with the lease, and three items exist: run, lock, summary
    assert (claim.outcome, claim.holds_lock, claim.existing) == (ClaimOutcome.CLAIMED, True, None)
    items = by_sk(ledger.raw())
    assert set(items) == {"RUN#2026-05-04T10:00:00Z", "LOCK", "SUMMARY"}
    item = items["RUN#2026-05-04T10:00:00Z"]
    assert item["pk"] == "JOB#report" and item["status"] == "RUNNING"
    assert item["expires_at"] == int(T0.timestamp()) + 90 * DAY  # until finish sets it
    assert (item["att_pk"], item["att_sk"]) == ("RUNS", f"{run.started_at}#{run.run_id}")
    assert item["payload"] == {"n": 1, "tags": ["a", "b"]}
    assert items["LOCK"] == {
        "pk": "JOB#report",
        "sk": "LOCK",
        "holder": run.run_id,
        "attempt": 1,
        "lease_until": int(T0.timestamp()) + 300,
        "expires_at": int(T0.timestamp()) + 300 + DAY,
    }
    assert items["SUMMARY"] == {
        "pk": "JOB#report",
        "sk": "SUMMARY",
        "last_run": {"run_id": run.run_id, "status": "RUNNING", "started_at": run.started_at},
        "last_scheduled": {"run_id": run.run_id, "scheduled_for": run.scheduled_for},
        "since": "2026-05-04T10:00:00Z",
        "f_20260504T100000Z": run.started_at,
    }


def test_a_second_delivery_of_the_slot_is_a_duplicate_unless_it_is_the_same_request(
    ledger: Ledger,
) -> None:
    # GIVEN a claimed slot
    first = slot("report", T0, request_id="req-1")
    ledger.store.claim(first, lease(T0), T0)
    # WHEN another delivery of the same minute claims it
    other = slot("report", T0 + timedelta(seconds=20), request_id="req-2")
    claim = ledger.store.claim(other, lease(T0), T0 + timedelta(seconds=20))
    # THEN it is a duplicate, told who won without a read
    assert claim.outcome is ClaimOutcome.DUPLICATE
    assert claim.existing is not None and claim.existing["request_id"] == "req-1"
    # AND the very same invocation resent is still ours
    assert ledger.store.claim(first, lease(T0), T0).outcome is ClaimOutcome.CLAIMED


def test_overlap_skips_scheduled_fires_but_not_manual_runs_until_the_lease_expires(
    ledger: Ledger,
) -> None:
    # GIVEN the 10:00 slot holds a 120 s lease
    ledger.store.claim(slot("report", T0), lease(T0, 120), T0)
    at = T0 + timedelta(minutes=1)
    # WHEN the 10:01 slot fires
    claim = ledger.store.claim(slot("report", at), lease(at, 120), at)
    # THEN it is told to skip, with the lease holder
    assert claim.outcome is ClaimOutcome.OVERLAP
    assert claim.existing is not None and claim.existing["holder"] == "report.20260504T100000Z"
    assert ledger.store.record_skipped(replace(slot("report", at), status=RunStatus.SKIPPED), 7)
    assert not ledger.store.record_skipped(replace(slot("report", at), status=RunStatus.SKIPPED), 7)
    # AND a manual run meanwhile runs without taking the lease
    run = manual("report", at, "ab12cd34")
    claim = ledger.store.claim(run, lease(at, 120, exclusive=False), at)
    assert (claim.outcome, claim.holds_lock) == (ClaimOutcome.CLAIMED, False)
    assert by_sk(ledger.raw())["LOCK"]["holder"] == "report.20260504T100000Z"
    # WHEN the lease has expired (the holder died), the next slot takes it over
    late = T0 + timedelta(minutes=3)
    claim = ledger.store.claim(slot("report", late), lease(late, 120), late)
    assert (claim.outcome, claim.holds_lock) == (ClaimOutcome.CLAIMED, True)
    items = by_sk(ledger.raw())
    assert items["LOCK"]["holder"] == "report.20260504T100300Z"
    assert items["SUMMARY"]["last_scheduled"]["run_id"] == "report.20260504T100300Z"
    # AND the skip is counted in the slot's day (10:01 is hour 10: block 1, slot 4)
    assert items["DAY#2026-05-04"]["c_skipped_1"] == 10 ** (6 * 4)
    skipped = items["RUN#2026-05-04T10:01:00Z"]
    assert skipped["status"] == "SKIPPED" and "att_pk" not in skipped
    assert skipped["expires_at"] == int(at.timestamp()) + 7 * DAY


def test_a_finish_applies_once_releases_only_its_own_lease_and_sets_the_ttl(
    ledger: Ledger,
) -> None:
    # GIVEN a running slot holding the lease
    run = slot("report", T0)
    ledger.store.claim(run, lease(T0), T0)
    end = T0 + timedelta(seconds=90)
    # WHEN it succeeds
    assert ledger.store.finish(run, done(run, end, result={"rows": 3, "ratio": 0.5}), True)
    # THEN the item has the outcome, the lease is gone, it left the attention index
    items = by_sk(ledger.raw())
    assert "LOCK" not in items
    item = items["RUN#2026-05-04T10:00:00Z"]
    assert item["status"] == "SUCCEEDED" and item["result"] == {"rows": 3, "ratio": 0.5}
    assert item["finished_at"] == "2026-05-04T10:01:30Z" and item["duration_ms"] == 1500
    assert [a["status"] for a in item["attempts"]] == ["SUCCEEDED"]
    assert "att_pk" not in item and "att_sk" not in item
    assert item["expires_at"] == int(end.timestamp()) + 7 * DAY
    # AND the summary shows the outcome, nothing in flight; the day counts one success
    summary = items["SUMMARY"]
    assert summary["last_outcome"]["status"] == "SUCCEEDED" and summary["streak"] == 0
    assert not [name for name in summary if name.startswith("f_")]
    day = items["DAY#2026-05-04"]
    assert day["c_succeeded_1"] == 10 ** (6 * 4)  # hour 10: block 1, slot 4
    assert day["expires_at"] == int(datetime(2026, 5, 5, tzinfo=UTC).timestamp()) + 7 * DAY
    assert [name for name in day if name.startswith("d_")]  # the duration histogram
    # AND the same write resent is recognised as ours; another outcome is refused
    assert ledger.store.finish(run, done(run, end, result={"rows": 3, "ratio": 0.5}), True)
    assert not ledger.store.finish(run, done(run, end, RunStatus.FAILED), True)
    assert ledger.store.get(run.run_id).status is RunStatus.SUCCEEDED


def test_a_finish_after_the_lease_was_taken_over_leaves_the_new_holder_alone(
    ledger: Ledger,
) -> None:
    # GIVEN a run whose lease expired and was taken by the next slot
    run = slot("report", T0)
    ledger.store.claim(run, lease(T0, 60), T0)
    later = T0 + timedelta(minutes=2)
    ledger.store.claim(slot("report", later), lease(later, 60), later)
    # WHEN the first run finishes at last
    assert ledger.store.finish(run, done(run, later + timedelta(seconds=5)), True)
    # THEN its outcome is recorded and the lease stays with the new holder
    items = by_sk(ledger.raw())
    assert items["RUN#2026-05-04T10:00:00Z"]["status"] == "SUCCEEDED"
    assert items["LOCK"]["holder"] == "report.20260504T100200Z"


def test_retries_reopen_the_run_once_from_the_previous_failed_attempt(ledger: Ledger) -> None:
    # GIVEN attempt 1 failed with a retry due in 3 days (past the 7-day retention? no: added)
    run = slot("report", T0)
    ledger.store.claim(run, lease(T0), T0)
    retry_at = "2026-05-07T10:00:00Z"
    fail = done(run, T0 + timedelta(seconds=2), RunStatus.FAILED, next_attempt_at=retry_at)
    assert ledger.store.finish(run, fail, True)
    item = by_sk(ledger.raw())["RUN#2026-05-04T10:00:00Z"]
    # THEN the run outlives the wait: TTL counts from the retry time, and it needs attention
    assert item["expires_at"] == int(datetime(2026, 5, 7, 10, tzinfo=UTC).timestamp()) + 7 * DAY
    assert item["att_pk"] == "RUNS" and item["next_attempt_at"] == retry_at
    # WHEN attempt 3 arrives first, then attempt 2 twice
    at = T0 + timedelta(minutes=1)
    third = slot("report", T0, request_id="req-3", attempt=3)
    second = replace(slot("report", T0, request_id="req-2", attempt=2), started_at=isoformat_z(at))
    again = replace(second, request_id="req-2b")
    outcomes = [ledger.store.claim(r, lease(at), at).outcome for r in (third, second, again)]
    # THEN only attempt 2's first delivery re-opens the run
    assert outcomes == [ClaimOutcome.DUPLICATE, ClaimOutcome.CLAIMED, ClaimOutcome.DUPLICATE]
    item = by_sk(ledger.raw())["RUN#2026-05-04T10:00:00Z"]
    assert (item["status"], item["attempt"], item["request_id"]) == ("RUNNING", 2, "req-2")
    assert item["next_attempt_at"] is None and item["finished_at"] is None
    # AND a DEAD finish keeps every attempt and stays in the attention index
    assert ledger.store.finish(second, done(second, at, RunStatus.DEAD), True)
    record = ledger.store.get(run.run_id)
    assert record is not None and record.status is RunStatus.DEAD
    assert [a.attempt for a in record.attempts] == [1, 2]
    assert by_sk(ledger.raw())["RUN#2026-05-04T10:00:00Z"]["att_pk"] == "RUNS"


def test_reads_history_attention_and_last_scheduled(ledger: Ledger) -> None:
    # GIVEN three slots of one job (ok, failed, running), a manual run, and another job
    store = ledger.store
    for minutes, status in ((0, RunStatus.SUCCEEDED), (5, RunStatus.FAILED), (10, None)):
        run = slot("report", T0 + timedelta(minutes=minutes))
        store.claim(run, None, T0 + timedelta(minutes=minutes))
        if status is not None:
            store.finish(run, done(run, T0 + timedelta(minutes=minutes, seconds=3), status), False)
    store.claim(manual("report", T0 + timedelta(minutes=12), "00ff00ff"), None, T0)
    store.claim(slot("other", T0 + timedelta(minutes=7)), None, T0)
    # THEN history is newest first, with --since and --status, however small the pages
    ids = [r.run_id for r in store.history("report", page_size=2)]
    assert ids == [
        "report.20260504T101200Z-00ff00ff",
        "report.20260504T101000Z",
        "report.20260504T100500Z",
        "report.20260504T100000Z",
    ]
    since = [r.run_id for r in store.history("report", since=T0 + timedelta(minutes=5))]
    assert since == ids[:3]
    failed = [r.run_id for r in store.history("report", status=RunStatus.FAILED, page_size=1)]
    assert failed == ["report.20260504T100500Z"]
    # AND attention spans jobs, newest first, filtered by status
    attention = [r.run_id for r in store.attention(T0)]
    assert attention == [
        "report.20260504T101200Z-00ff00ff",
        "report.20260504T101000Z",
        "other.20260504T100700Z",
        "report.20260504T100500Z",
    ]
    only_failed = store.attention(T0, frozenset({RunStatus.FAILED}))
    assert [r.run_id for r in only_failed] == ["report.20260504T100500Z"]
    # AND the last scheduled run is found past the manual run; unknown runs are None
    last = store.last_scheduled("report")
    assert last is not None and last.run_id == "report.20260504T101000Z"
    assert store.last_scheduled("nobody") is None
    assert store.get("report.20260504T235900Z") is None


def _random_ops(seed: int, count: int) -> list[tuple[str, Any]]:
    """A seeded mix of claims, skips and finishes over two jobs, some racing each other."""
    rng = random.Random(seed)
    ops: list[tuple[str, Any]] = []
    running: list[RunRecord] = []
    for step in range(count):
        now = T0 + timedelta(seconds=30 * step)
        job = rng.choice(["a", "b"])
        kind = rng.random()
        if kind < 0.4 or not running:
            minute = T0 + timedelta(minutes=rng.randrange(0, max(1, step // 2 + 1)))
            run = replace(
                slot(job, minute, request_id=f"r{step}"),
                started_at=isoformat_z(now),
                trigger=rng.choice(["schedule", "schedule", "manual"]),
            )
            if run.trigger == "manual":
                run = replace(run, run_id=f"{run.run_id}-{step:08x}")
            lock = rng.choice([None, lease(now, rng.choice([30, 90, 600]), exclusive=True)])
            if lock is not None and run.trigger == "manual":
                lock = replace(lock, exclusive=False)
            ops.append(("claim", (run, lock, now)))
            running.append(run)
        elif kind < 0.5:
            run = rng.choice(running)
            ops.append(("skip", (replace(run, status=RunStatus.SKIPPED), rng.choice([1, 30]))))
        elif kind < 0.85:
            run = rng.choice(running)
            status = rng.choice(
                [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.DEAD]
            )
            nxt = isoformat_z(now + timedelta(minutes=2)) if status is RunStatus.FAILED else None
            finish = done(
                run, now, status, next_attempt_at=nxt, result=rng.choice([None, [1, 2.5]])
            )
            ops.append(("finish", (run, finish, rng.random() < 0.7)))
        else:
            run = rng.choice(running)
            retry = replace(
                run,
                attempt=run.attempt + rng.choice([0, 1, 1, 2]),
                trigger="retry",
                request_id=f"r{step}",
                started_at=isoformat_z(now),
            )
            ops.append(("claim", (retry, rng.choice([None, lease(now, 90, exclusive=False)]), now)))
            running.append(retry)
    return ops


def _apply(store: Any, op: tuple[str, Any]) -> Any:
    kind, args = op
    if kind == "claim":
        claim = store.claim(*args)
        return (claim.outcome, claim.holds_lock, claim.existing)
    if kind == "skip":
        return store.record_skipped(*args)
    return store.finish(*args)


def _views(store: Any) -> dict[str, Any]:
    jobs = ("a", "b", "nobody")
    history = {job: [r.to_json() for r in store.history(job, page_size=3)] for job in jobs}
    ids = [run["run_id"] for runs in history.values() for run in runs] + ["a.20260101T000000Z"]
    days = [(job, (T0 + timedelta(days=n)).date()) for job in jobs for n in (-1, 0, 1)]
    rollups = store.day_rollups(days)
    return {
        "history": history,
        "last": {job: getattr(store.last_scheduled(job), "run_id", None) for job in jobs},
        "attention": [r.run_id for r in store.attention(T0 - timedelta(days=1))],
        "failed": [r.run_id for r in store.attention(T0, frozenset({RunStatus.FAILED}))],
        "summaries": store.summaries(list(jobs)),
        "rollups": {job: sorted(rollups[job], key=lambda d: d.day) for job in rollups},
        "many": {k: v.to_json() for k, v in store.get_many(ids).items()},
        "before": [
            store.has_runs_before(job, T0 + timedelta(minutes=m)) for job in jobs for m in (0, 3)
        ],
    }


def test_both_stores_answer_a_long_random_sequence_identically() -> None:
    # GIVEN 400 seeded operations: duplicate slots, overlapping leases, retries out of
    # order, resent and conflicting finishes, skips of claimed runs
    ops = _random_ops(seed=20261203, count=400)
    from moto import mock_aws

    from tests.functional.conftest import MotoClients

    memory = MemoryRunStore()
    with mock_aws():
        stack = create_stack(MotoClients())
        dynamo = DynamoRunStore(stack.ddb, stack.table)
        seen: set[str] = set()
        # WHEN each operation is applied to both stores in turn
        for index, op in enumerate(ops):
            answer = _apply(memory, op)
            # THEN every answer is the same
            assert answer == _apply(dynamo, op), f"operation {index}: {op[0]}"
            seen.add(f"{op[0]}:{answer[0] if op[0] == 'claim' else answer}")
        # AND so is every item, and every read
        assert memory.items() == _scan(stack)
        assert _views(memory) == _views(dynamo)
    # AND the sequence went down every path (so the comparison meant something)
    assert seen >= {
        "claim:CLAIMED",
        "claim:DUPLICATE",
        "claim:OVERLAP",
        "finish:True",
        "finish:False",
        "skip:True",
        "skip:False",
    }


def test_summaries_rollups_and_runs_before_read_alike(ledger: Ledger) -> None:
    # GIVEN a job with a failed first attempt, then a success, then a skipped slot
    store = ledger.store
    first, second = slot("report", T0), slot("report", T0 + timedelta(minutes=5))
    store.claim(first, None, T0)
    store.finish(first, done(first, T0 + timedelta(seconds=3), RunStatus.FAILED), False)
    store.claim(second, None, second.started_dt)
    store.finish(second, done(second, second.started_dt + timedelta(seconds=2)), False)
    skipped = replace(slot("report", T0 + timedelta(minutes=10)), status=RunStatus.SKIPPED)
    assert store.record_skipped(skipped, 7)
    # WHEN status and the overview read them back by key
    summary = store.summaries(["report", "nobody"])
    rollups = store.day_rollups([("report", T0.date()), ("report", date(2026, 5, 5))])
    # THEN the summary knows the newest run, the last outcome and the streak
    assert set(summary) == {"report"}
    assert summary["report"].last_run is not None
    assert summary["report"].last_run["run_id"] == skipped.run_id
    assert summary["report"].last_outcome is not None
    assert summary["report"].last_outcome["run_id"] == second.run_id
    assert (summary["report"].streak, summary["report"].in_flight) == (0, {})
    # AND the day counts one of each outcome in hour 10, the other day nothing
    [day] = rollups["report"]
    assert day.day == T0.date()
    assert day.hours == {10: {"succeeded": 1, "failed": 1, "skipped": 1}}
    assert sum(day.histogram.values()) == 2
    # AND has_runs_before sees only runs sorting before the moment
    assert not store.has_runs_before("report", T0)
    assert store.has_runs_before("report", T0 + timedelta(minutes=1))
    assert set(store.get_many([first.run_id, "report.20260101T000000Z"])) == {first.run_id}


def test_a_flush_leaves_in_the_table_what_the_dynamodb_store_would_have() -> None:
    # GIVEN the same operations on a memory store and on a DynamoDB table
    from moto import mock_aws

    from tests.functional.conftest import MotoClients

    ops = _random_ops(seed=7, count=120)
    memory = MemoryRunStore()
    with mock_aws():
        stack = create_stack(MotoClients())
        dynamo = DynamoRunStore(stack.ddb, stack.table)
        twin = replace(stack, table="twin")
        stack.ddb.create_table(**create_table_params(RunsTable(name=twin.table, arn="")))
        for op in ops[:60]:
            _apply(memory, op), _apply(dynamo, op)
        # WHEN the memory store is flushed into its own table, runs are pruned, more
        # operations follow, and it is flushed again
        assert memory.flush(twin.ddb, twin.table) > 0
        for run_id in sorted({op[1][0].run_id for op in ops[:20]}):
            memory.delete_run(run_id)
            dynamo_key = {
                "pk": {"S": run_location(run_id)[0]},
                "sk": {"S": run_location(run_id)[1]},
            }
            stack.ddb.delete_item(TableName=stack.table, Key=dynamo_key)
        for op in ops[60:]:
            _apply(memory, op), _apply(dynamo, op)
        memory.flush(twin.ddb, twin.table)
        # THEN the flushed table holds exactly the DynamoDB store's items
        assert _scan(twin) == _scan(stack) == memory.items()
        assert memory.flush(twin.ddb, twin.table) == 0  # nothing changed since


def test_raw_items_by_key_and_by_partition_read_alike(ledger: Ledger) -> None:
    # GIVEN a finished run, a skipped slot and an unknown key
    store = ledger.store
    run = slot("report", T0)
    store.claim(run, lease(T0), T0)
    store.finish(run, done(run, T0 + timedelta(seconds=3)), True)
    store.record_skipped(
        replace(slot("report", T0 + timedelta(minutes=1)), status=RunStatus.SKIPPED), 7
    )
    keys = [
        {"pk": {"S": "JOB#report"}, "sk": {"S": sk}}
        for sk in (
            "SUMMARY",
            "DAY#2026-05-04",
            "RUN#2026-05-04T10:00:00Z",
            "RUN#2099-01-01T00:00:00Z",
        )
    ]
    # WHEN the items are read by key and the job's partition is read whole
    by_key = sorted((from_item(item) for item in store.by_key(keys)), key=lambda i: i["sk"])
    partition = [from_item(item) for item in store.partition("JOB#report")]
    # THEN both answer with the items that exist, as the raw table holds them
    raw = by_sk(ledger.raw())
    assert by_key == [raw[sk] for sk in ("DAY#2026-05-04", "RUN#2026-05-04T10:00:00Z", "SUMMARY")]
    assert partition == [raw[sk] for sk in sorted(raw)]


def test_the_memory_store_reads_pauses_and_alert_states_from_the_table_behind_it() -> None:
    # GIVEN a table holding a pause and an alert state (written by their own stores), and a
    # memory store in front of it holding a run
    from moto import mock_aws

    from tests.functional.conftest import MotoClients

    with mock_aws():
        stack = create_stack(MotoClients())
        pause = {"pk": {"S": "PAUSE"}, "sk": {"S": "JOB#report"}, "reason": {"S": "migrating"}}
        alert = {"pk": {"S": "JOB#report"}, "sk": {"S": "ALERT"}, "state": {"S": "FAILING"}}
        for item in (pause, alert):
            stack.ddb.put_item(TableName=stack.table, Item=item)
        memory = MemoryRunStore(stack.table, elsewhere=DynamoRunStore(stack.ddb, stack.table))
        run = slot("report", T0)
        memory.claim(run, None, T0)
        # WHEN pauses and the job's partition are read through the memory store
        pauses = memory.by_key([{"pk": {"S": "PAUSE"}, "sk": {"S": "JOB#report"}}])
        partition = [item["sk"]["S"] for item in memory.partition("JOB#report")]
        # THEN the table's items come through beside the memory store's own
        assert pauses == [pause]
        assert [item["sk"]["S"] for item in memory.partition("PAUSE")] == ["JOB#report"]
        assert partition == ["ALERT", "RUN#2026-05-04T10:00:00Z", "SUMMARY"]
