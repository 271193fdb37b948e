"""The virtual clock: simulated time, one virtual thread at a time, deterministic order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.local.vclock import SimulationStalledError, VirtualClock

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_sleep_advances_virtual_time_not_real_time() -> None:
    # GIVEN a thread that sleeps a simulated day
    clock = VirtualClock(T0)
    seen: list[datetime] = []

    def work() -> str:
        clock.sleep(86_400)
        seen.append(clock.now())
        return "done"

    vthread = clock.spawn(work)
    # WHEN the loop runs everything
    while clock.step():
        pass
    # THEN the thread woke a day later in virtual time and returned its result
    assert seen == [_at(86_400)]
    assert vthread.done and vthread.result == "done"
    assert vthread.started_at == T0 and vthread.finished_at == _at(86_400)


def test_threads_interleave_by_virtual_time_then_registration_order() -> None:
    # GIVEN two threads sleeping in steps of different lengths
    clock = VirtualClock(T0)
    log: list[tuple[str, float]] = []

    def worker(name: str, step: float, count: int) -> None:
        for _ in range(count):
            clock.sleep(step)
            log.append((name, (clock.now() - T0).total_seconds()))

    clock.spawn(lambda: worker("a", 10, 3), "a")
    clock.spawn(lambda: worker("b", 15, 2), "b")
    # WHEN run to the end
    clock.run_until(_at(1000))
    # THEN wake-ups are ordered by time; the tie at 30 s goes to the earlier registration
    assert log == [("a", 10), ("b", 15), ("a", 20), ("b", 30), ("a", 30)]
    assert clock.now() == _at(1000)


def test_timer_fires_in_virtual_time_unless_cancelled() -> None:
    clock = VirtualClock(T0)
    fired: list[datetime] = []
    # GIVEN one timer kept and one cancelled
    clock.start_timer(55, lambda: fired.append(clock.now()))
    clock.start_timer(30, lambda: fired.append(clock.now())).cancel()
    # WHEN the loop runs
    clock.run_until(_at(120))
    # THEN only the kept timer fired, at its virtual time
    assert fired == [_at(55)]


def test_abandoned_thread_never_wakes_and_its_finally_does_not_run() -> None:
    # GIVEN a slow job and a deadline timer that abandons it (Lambda's kill)
    clock = VirtualClock(T0)
    trace: list[str] = []

    def slow() -> None:
        try:
            clock.sleep(300)
            trace.append("woke")
        finally:
            trace.append("finally")

    vthread = clock.spawn(slow, "slow")
    clock.start_timer(60, lambda: clock.abandon(vthread))
    # WHEN the simulation runs well past the sleep
    clock.run_until(_at(600))
    # THEN the thread was frozen at the deadline, like a killed process
    assert trace == []
    assert vthread.abandoned and not vthread.done
    assert clock.next_event_time() is None


def test_errors_in_virtual_threads_are_kept_for_the_driver() -> None:
    clock = VirtualClock(T0)

    def boom() -> None:
        clock.sleep(1)
        raise ValueError("bad")

    vthread = clock.spawn(boom)
    clock.run_until(_at(5))
    assert isinstance(vthread.error, ValueError)


def test_sleep_outside_a_virtual_thread_is_refused() -> None:
    with pytest.raises(RuntimeError):
        VirtualClock(T0).sleep(1)


def test_a_thread_blocking_outside_the_clock_is_reported_not_hung() -> None:
    import threading

    # GIVEN a thread that blocks on a real event that nobody sets
    clock = VirtualClock(T0, stall_seconds=0.2)
    never = threading.Event()
    clock.spawn(never.wait)
    # WHEN the loop hands it the baton THEN the stall is reported
    with pytest.raises(SimulationStalledError):
        clock.step()
    never.set()
