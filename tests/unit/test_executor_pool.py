"""The deploy pool's ordering rules, on plain items (no AWS): a job's items in plan order,
shared items as barriers, earliest-first dispatch, and a failure stopping only what
depends on it."""

from __future__ import annotations

import threading
import time

import pytest

from scheduler.deploy.executor_pool import dependencies, run_ordered


def test_dependencies_chain_a_key_and_fence_at_barriers() -> None:
    # GIVEN a shared item, two jobs interleaved, another shared item, then a job again
    keys = [None, "a", "b", "a", None, "b"]
    # WHEN the dependencies are derived
    deps = dependencies(keys)
    # THEN a job waits for its previous item (or the barrier), a barrier for all before it
    assert deps == [set(), {0}, {0}, {1}, {2, 3}, {4}]


def test_items_of_one_key_never_overlap_and_keep_their_order() -> None:
    # GIVEN three jobs of four steps each, recorded with the threads that ran them
    items = [(job, step) for step in range(4) for job in "xyz"]
    active: dict[str, int] = {}
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()

    def work(item: tuple[str, int]) -> None:
        with lock:
            assert not active.get(item[0]), f"two steps of {item[0]} at once"
            active[item[0]] = 1
        time.sleep(0.005)
        with lock:
            seen.append(item)
            active[item[0]] = 0

    # WHEN run on four threads
    outcome = run_ordered(items, key=lambda i: i[0], work=work, parallelism=4)
    # THEN everything ran, and each job's steps finished in plan order
    assert len(outcome.done) == 12 and not outcome.failed
    for job in "xyz":
        assert [s for j, s in seen if j == job] == [0, 1, 2, 3]


def test_jobs_run_at_the_same_time() -> None:
    # GIVEN four independent jobs whose single step waits for all four to have started
    barrier = threading.Barrier(4, timeout=5)
    # WHEN run with parallelism 4 THEN none times out (they were concurrent)
    outcome = run_ordered(
        list("abcd"), key=lambda i: i, work=lambda _: barrier.wait(), parallelism=4
    )
    assert sorted(outcome.done) == list("abcd")


def test_barrier_waits_for_everything_before_it() -> None:
    # GIVEN job items, a shared item, then job items
    order: list[str] = []
    items = ["a1", "b1", "SHARED", "a2", "b2"]

    def work(item: str) -> None:
        time.sleep(0.01 if item == "b1" else 0)
        order.append(item)

    # WHEN run concurrently
    run_ordered(items, key=lambda i: None if i == "SHARED" else i[0], work=work, parallelism=8)
    # THEN the shared item ran after both first steps and before both second steps
    assert order.index("SHARED") > max(order.index("a1"), order.index("b1"))
    assert order.index("SHARED") < min(order.index("a2"), order.index("b2"))


def test_a_failure_stops_its_job_and_later_barriers_only() -> None:
    # GIVEN job a failing at its first step
    items = ["a1", "a2", "b1", "b2", "SHARED", "c1"]

    def work(item: str) -> None:
        if item == "a1":
            raise RuntimeError("boom")

    reported: list[tuple[str, str | None]] = []
    # WHEN run
    outcome = run_ordered(
        items,
        key=lambda i: None if i == "SHARED" else i[0],
        work=work,
        parallelism=3,
        on_done=lambda item, err: reported.append((item, None if err is None else str(err))),
    )
    # THEN job b finished, a2 and everything after the barrier never started
    assert sorted(outcome.done) == ["b1", "b2"]
    assert [(i, str(e)) for i, e in outcome.failed] == [("a1", "boom")]
    assert outcome.not_started == ["a2", "SHARED", "c1"]
    # AND on_done heard of each finished item exactly once
    assert sorted(reported) == [("a1", "boom"), ("b1", None), ("b2", None)]


def test_earliest_ready_item_starts_first_with_one_thread() -> None:
    # GIVEN the planner's hoisting: every job's role before any job's function
    items = ["role-a", "role-b", "fn-a", "fn-b"]
    order: list[str] = []
    # WHEN run one at a time
    run_ordered(items, key=lambda i: i[-1], work=order.append, parallelism=1)
    # THEN plan order is kept exactly
    assert order == items


def test_parallelism_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_ordered(["a"], key=lambda i: i, work=lambda _: None, parallelism=0)
