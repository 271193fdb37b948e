"""Run a plan's operations on a bounded thread pool, keeping the order that matters.

The plan is a list; which operations may overlap is read from it, not declared: an
operation keyed by a job waits for the previous operation of the same job (a job's
function before its rule, its fingerprint tag last), and an unkeyed one (the stage's
shared table, queue, role, groups) is a barrier that waits for everything before it
and that everything after it waits for. Among the operations that are ready, the one
earliest in the plan starts first, so the planner's hoisting (every job's role before
any function, for IAM propagation) still holds.

A failure stops only what depends on it: the rest of that job, and every barrier after it.
Independent jobs carry on, so one bad job does not leave the others half-deployed, and
the next deploy converges (each job's fingerprint tag is written last, so a job that did
not finish still looks changed). Ctrl-C stops dispatching, lets the calls in flight
finish and report, then re-raises.

No AWS calls of its own and no printing: ``on_done`` is called on the caller's thread,
one operation at a time, so progress lines never interleave.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# Bounded by AWS more than by this machine. Lambda allows 15 control-plane requests a
# second per account and region (GetFunction aside), and a new job makes four Lambda
# writes (CreateFunction, PutFunctionEventInvokeConfig, AddPermission, TagResource): at
# most ~3.7 jobs a second. One job's chain takes ~2.5 s on AWS (eleven calls at tens of
# ms, plus one 2 s pause of the waiter, which polls every 2 s, when the new function is
# still Pending at its first poll), so 10 threads finish ~4 jobs a second: the quota.
# More threads would only buy throttling (botocore's standard retry mode absorbs the odd
# one), fewer would leave the quota unused.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html#api-requests
DEFAULT_PARALLELISM = 10
MAX_PARALLELISM = 64


@dataclass
class PoolOutcome(Generic[T]):
    """What happened to every item: done, failed (with the error), or never started."""

    done: list[T] = field(default_factory=list)
    failed: list[tuple[T, BaseException]] = field(default_factory=list)
    # Skipped because an item they wait for failed (or the run was interrupted).
    not_started: list[T] = field(default_factory=list)


def dependencies(keys: Sequence[Hashable | None]) -> list[set[int]]:
    """For each position, the earlier positions it must wait for (``None`` = barrier)."""
    deps: list[set[int]] = []
    last_of_key: dict[Hashable, int] = {}
    barrier: int | None = None
    for i, key in enumerate(keys):
        if key is None:
            # The last item of each key since the previous barrier (each waited for the
            # ones before it), or that barrier itself when nothing came between.
            mine = set(last_of_key.values())
            if not mine and barrier is not None:
                mine.add(barrier)
            barrier = i
            last_of_key.clear()
        else:
            mine = set()
            if key in last_of_key:
                mine.add(last_of_key[key])
            elif barrier is not None:
                mine.add(barrier)
            last_of_key[key] = i
        deps.append(mine)
    return deps


def run_ordered(
    items: Sequence[T],
    key: Callable[[T], Hashable | None],
    work: Callable[[T], None],
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    on_done: Callable[[T, BaseException | None], None] | None = None,
) -> PoolOutcome[T]:
    """Run ``work`` on every item (see the module docstring for the order kept).

    ``on_done(item, error)`` runs on this thread after each item finishes (error None on
    success). ``parallelism`` 1 runs one item at a time in plan order.
    """
    if parallelism < 1:
        raise ValueError(f"parallelism must be at least 1, got {parallelism}")
    deps = dependencies([key(item) for item in items])
    waiting = [len(d) for d in deps]
    dependents: list[list[int]] = [[] for _ in items]
    for i, mine in enumerate(deps):
        for j in mine:
            dependents[j].append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    outcome: PoolOutcome[T] = PoolOutcome()
    blocked: set[int] = set()

    def block(i: int) -> None:
        stack = [i]
        while stack:
            for j in dependents[stack.pop()]:
                if j not in blocked:
                    blocked.add(j)
                    stack.append(j)

    def finish(i: int, error: BaseException | None) -> None:
        if error is None:
            outcome.done.append(items[i])
            for j in dependents[i]:
                waiting[j] -= 1
                if waiting[j] == 0 and j not in blocked:
                    heapq.heappush(ready, j)
        else:
            outcome.failed.append((items[i], error))
            block(i)
        if on_done is not None:
            on_done(items[i], error)

    running: dict[Future[None], int] = {}
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="deploy") as pool:
        try:
            while ready or running:
                while ready and len(running) < parallelism:
                    i = heapq.heappop(ready)
                    running[pool.submit(work, items[i])] = i
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=running.__getitem__):
                    i = running.pop(future)
                    finish(i, future.exception())
        except KeyboardInterrupt:
            # Nothing new starts; calls in flight finish (an AWS call cannot be taken
            # back halfway) and are reported, so the user sees what was applied.
            ready.clear()
            for future in sorted(running, key=running.__getitem__):
                i = running[future]
                error = future.exception()  # waits for it
                finish(i, error)
            running.clear()
            _fill_not_started(items, outcome)
            raise
    _fill_not_started(items, outcome)
    return outcome


def _fill_not_started(items: Sequence[T], outcome: PoolOutcome[T]) -> None:
    seen = {id(x) for x in outcome.done} | {id(x) for x, _ in outcome.failed}
    outcome.not_started = [x for x in items if id(x) not in seen]
