"""Next-fire bench: our parse + next N fire times against croniter, same run, same inputs.

For each expression (standard 5-field syntax, which both libraries read the same way in
UTC) and a spread of start instants, each side parses the text and computes the next N
fire times; a round is every (expression, start) pair, and we report the best of R rounds
per expression and overall (the machine is shared, so the minimum is the least noisy
figure). It also checks that both sides return the same instants, so the race is fair.
Usage: ``python bench/next_fire.py [-n 1 10] [-r 5]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from croniter import croniter

from scheduler.schedule import next_fire_times, parse_schedule

# A spread: dense, hourly, daily, weekday lists, steps, sparse days, month/day names,
# and two day-of-month/day-of-week ORs (croniter's default day_or=True).
EXPRESSIONS = [
    "* * * * *",
    "*/5 * * * *",
    "0 * * * *",
    "15 2 * * *",
    "0 9 * * 1-5",
    "30 8,12,18 * * MON,WED,FRI",
    "0 0 1 * *",
    "0 0 29 2 *",
    "0 12 13 * 5",
    "10 4 1,15 JAN,JUL *",
    "0 */6 * * 0",
    "45 23 31 * *",
]

STARTS = [
    datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=37 * i, minutes=613 * i) for i in range(8)
]


def _ours(text: str, after: datetime, count: int) -> list[datetime]:
    return next_fire_times(parse_schedule(text), after=after, count=count)


def _croniter(text: str, after: datetime, count: int) -> list[datetime]:
    it = croniter(text, after)
    return [it.get_next(datetime) for _ in range(count)]


def _best(
    fn: Callable[[str, datetime, int], list[datetime]], text: str, count: int, rounds: int
) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for after in STARTS:
            fn(text, after, count)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "-n", type=int, nargs="+", default=[1, 10], help="fire times per call (default 1 10)"
    )
    ap.add_argument("-r", type=int, default=5, help="rounds; the best is kept (default 5)")
    opts = ap.parse_args()
    for count in opts.n:
        _run(count, opts.r)


def _run(count: int, rounds: int) -> None:
    for text in EXPRESSIONS:
        for after in STARTS:
            ours, theirs = _ours(text, after, count), _croniter(text, after, count)
            if ours != theirs:
                raise SystemExit(f"mismatch for {text!r} after {after}: {ours} != {theirs}")
    calls = len(STARTS)
    print(f"parse + next {count} fires, {calls} start instants per expression, best of {rounds}")
    print(f"{'expression':<30} {'ours us/call':>13} {'croniter us/call':>17} {'ratio':>7}")
    total_ours = total_theirs = 0.0
    for text in EXPRESSIONS:
        ours = _best(_ours, text, count, rounds)
        theirs = _best(_croniter, text, count, rounds)
        total_ours += ours
        total_theirs += theirs
        print(
            f"{text:<30} {ours / calls * 1e6:>13.1f} {theirs / calls * 1e6:>17.1f} "
            f"{theirs / ours:>6.1f}x"
        )
    print(
        f"{'all':<30} {total_ours / calls / len(EXPRESSIONS) * 1e6:>13.1f} "
        f"{total_theirs / calls / len(EXPRESSIONS) * 1e6:>17.1f} {total_theirs / total_ours:>6.1f}x"
    )
    print(f"ours is {total_theirs / total_ours:.1f}x faster than croniter (goal: 5x)\n")


if __name__ == "__main__":
    main()
