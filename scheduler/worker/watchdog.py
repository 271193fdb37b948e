"""The timeout watchdog: the handler and a timer race to conclude one attempt.

Lambda kills a timed-out function without running ``finally``, so the worker must record
the outcome itself before the deadline. The handler runs in a daemon thread while the
invocation's thread waits for "handler done OR timer fired"; whichever concludes first
writes the outcome (through ``Outcomes``), the other is ignored. The timer fires
``margin`` seconds before the deadline: enough for the watchdog's own calls (the final
write, arming the retry, the dead letter), each bounded by the worker's short client
timeouts (see ``scheduler.worker.entry``).

Must not import pydantic, yaml, croniter, boto3 or the catalogue (cold start).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler.clock import Clock
from scheduler.worker.inputs import WorkerInput
from scheduler.worker.outcome import AttemptRef


def margin_for(available: float, override: float | None = None) -> float:
    """Seconds before the deadline at which the watchdog concludes the attempt.

    At least ``WATCHDOG_MIN_MARGIN_SECONDS`` (its calls need real time even for a short
    job), 10% of longer timeouts up to the maximum, and never more than half of what is
    left, so an invocation with almost no time left still gives its handler a moment.
    """
    if override is not None:
        return override
    margin = max(
        float(C.WATCHDOG_MIN_MARGIN_SECONDS), min(C.WATCHDOG_MAX_MARGIN_SECONDS, 0.1 * available)
    )
    return min(margin, max(0.0, available / 2))


@dataclass
class AttemptState:
    """One in-flight attempt: who finishes it first (handler or watchdog) wins."""

    ref: AttemptRef
    inp: WorkerInput
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    failure: BaseException | None = None

    def conclude(self, write: Callable[[], dict[str, Any]]) -> None:
        """Run ``write`` (the outcome) unless the other path already concluded."""
        with self.lock:
            if self.finished:
                return  # the other path (watchdog or handler) already recorded it
            self.finished = True
        try:
            self.summary = write()
        except BaseException as exc:
            self.failure = exc
        finally:
            self.done.set()


def race(
    state: AttemptState,
    clock: Clock,
    *,
    run: Callable[[], None],
    on_timeout: Callable[[], None],
    timeout_after: float,
    threaded: bool,
    name: str,
) -> dict[str, Any]:
    """Run ``run`` (which concludes ``state``) against a timer calling ``on_timeout``."""
    timer = clock.start_timer(max(0.0, timeout_after), on_timeout)
    try:
        if threaded:
            worker = threading.Thread(target=run, daemon=True, name=name)
            worker.start()
        else:
            run()
        state.done.wait()
    finally:
        timer.cancel()
    if state.failure is not None:
        raise state.failure
    return state.summary
