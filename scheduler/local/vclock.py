"""A virtual clock and discrete-event loop: simulated time for `cronbridge local simulate`.

``VirtualClock`` implements the ``Clock`` protocol (scheduler/clock.py). Work runs in
*virtual threads*: real threads of which exactly one runs at a time, handed a baton by the
loop. ``sleep`` and ``start_timer`` register a wake-up at a virtual instant and give the
baton back; when every virtual thread is blocked the loop jumps time to the next wake-up.
So a simulated day takes as long as the code between sleeps, and the interleaving is
decided by (virtual time, registration order) only: the same input gives the same run.

A virtual thread can be *abandoned* (Lambda killing a function at its deadline): it is never
woken again and simply stays blocked, like a frozen process; its ``finally`` blocks do not
run, exactly as on Lambda. Abandoned threads are daemon threads, so they never keep the
interpreter alive. Code inside a virtual thread must not block on real time or on another
virtual thread by other means (``time.sleep``, locks held across a ``sleep``): that would
stall the simulation. No AWS calls, no I/O.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# A virtual thread that has not yielded for this long (real seconds) is almost certainly
# blocked on something outside the clock; failing loudly beats hanging a test run.
DEFAULT_STALL_SECONDS = 120.0


class SimulationStalledError(RuntimeError):
    """A virtual thread blocked on something other than the virtual clock."""


@dataclass
class VirtualThread:
    """One unit of simulated work; ``done`` once its function returned or raised."""

    name: str
    fn: Callable[[], Any]
    result: Any = None
    error: BaseException | None = None
    done: bool = False
    abandoned: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    _wake: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    _thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return not self.done and not self.abandoned


@dataclass(order=True)
class _Event:
    when: datetime
    seq: int
    thread: VirtualThread | None = field(compare=False, default=None)
    callback: Callable[[], Any] | None = field(compare=False, default=None)
    cancelled: bool = field(compare=False, default=False)


class _VirtualTimer:
    def __init__(self, event: _Event) -> None:
        self._event = event

    def cancel(self) -> None:
        self._event.cancelled = True


class VirtualClock:
    """The ``Clock`` of a simulation and the loop that drives its virtual threads."""

    def __init__(self, start: datetime, *, stall_seconds: float = DEFAULT_STALL_SECONDS) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start
        self._heap: list[_Event] = []
        self._seq = itertools.count()
        self._local = threading.local()
        # The loop waits here while a virtual thread holds the baton.
        self._baton_back = threading.Semaphore(0)
        self._stall_seconds = stall_seconds

    # --- Clock protocol -------------------------------------------------------------------
    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        current = self.current_thread()
        if current is None:
            raise RuntimeError("VirtualClock.sleep called outside a virtual thread")
        self._push(self._now + timedelta(seconds=max(0.0, seconds)), thread=current)
        self._yield(current)

    def start_timer(self, seconds: float, callback: Callable[[], None]) -> _VirtualTimer:
        """Run ``callback`` in a new virtual thread ``seconds`` of virtual time from now."""
        event = self._push(self._now + timedelta(seconds=max(0.0, seconds)), callback=callback)
        return _VirtualTimer(event)

    # --- driving the simulation -----------------------------------------------------------
    def spawn(self, fn: Callable[[], Any], name: str = "vthread") -> VirtualThread:
        """Start ``fn`` in a new virtual thread at the current virtual time."""
        vthread = VirtualThread(name=name, fn=fn)
        self._push(self._now, thread=vthread)
        return vthread

    def abandon(self, vthread: VirtualThread) -> None:
        """Never wake ``vthread`` again (Lambda killed it); it stays blocked, a daemon."""
        if not vthread.done:
            vthread.abandoned = True

    def current_thread(self) -> VirtualThread | None:
        return getattr(self._local, "vthread", None)

    def next_event_time(self) -> datetime | None:
        self._drop_dead_events()
        return self._heap[0].when if self._heap else None

    def step(self) -> bool:
        """Run the earliest pending event; False when nothing is pending."""
        self._drop_dead_events()
        if not self._heap:
            return False
        event = heapq.heappop(self._heap)
        self._now = max(self._now, event.when)
        if event.callback is not None:
            callback = event.callback
            self._run(VirtualThread(name="timer", fn=callback))
        elif event.thread is not None:
            self._run(event.thread)
        return True

    def run_until(self, moment: datetime) -> None:
        """Run every event due at or before ``moment``, then set the time to ``moment``."""
        while True:
            upcoming = self.next_event_time()
            if upcoming is None or upcoming > moment:
                break
            self.step()
        self._now = max(self._now, moment)

    def advance_to(self, moment: datetime) -> None:
        """Move time forward without running anything (the caller checked nothing is due)."""
        self._now = max(self._now, moment)

    # --- internals --------------------------------------------------------------------------
    def _push(
        self,
        when: datetime,
        *,
        thread: VirtualThread | None = None,
        callback: Callable[[], Any] | None = None,
    ) -> _Event:
        event = _Event(when=when, seq=next(self._seq), thread=thread, callback=callback)
        heapq.heappush(self._heap, event)
        return event

    def _drop_dead_events(self) -> None:
        while self._heap and (
            self._heap[0].cancelled
            or (self._heap[0].thread is not None and self._heap[0].thread.abandoned)
        ):
            heapq.heappop(self._heap)

    def _run(self, vthread: VirtualThread) -> None:
        """Hand the baton to ``vthread`` and wait until it sleeps again or finishes."""
        if vthread._thread is None:
            vthread.started_at = self._now
            vthread._thread = threading.Thread(
                target=self._body, args=(vthread,), name=vthread.name, daemon=True
            )
            vthread._thread.start()
        else:
            vthread._wake.release()
        if not self._baton_back.acquire(timeout=self._stall_seconds):
            raise SimulationStalledError(
                f"virtual thread {vthread.name!r} did not yield within "
                f"{self._stall_seconds:.0f} s of real time; does it block outside the clock "
                "(time.sleep, a lock)?"
            )

    def _body(self, vthread: VirtualThread) -> None:
        self._local.vthread = vthread
        try:
            vthread.result = vthread.fn()
        except BaseException as exc:  # kept for the driver to report, never lost
            vthread.error = exc
        finally:
            vthread.done = True
            vthread.finished_at = self._now
            self._baton_back.release()

    def _yield(self, vthread: VirtualThread) -> None:
        self._baton_back.release()
        vthread._wake.acquire()
