"""The ticker's heap of next fires: the same firings, in the same order, as evaluating all.

The ticker keeps recurring triggers in a heap by their next fire time instead of
evaluating every trigger's schedule at every step. Driven the way `local simulate` drives
it (jump to ``next_due_time``, ``fire_due`` there), it must deliver exactly the fire times
that evaluating each deployed rule alone gives. The deployed set comes from a small
in-memory stand-in for the EventBridge and Scheduler clients (pure: no moto).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.local.ticker import Firing, Ticker, due_times, parse_trigger_schedule

START = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
END = START + timedelta(days=1)
EXPRESSIONS = [
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(7 minutes)",
    "cron(*/2 * * * ? *)",
    "cron(0 2 * * ? *)",
    "cron(30 1 ? * SUN *)",
    "cron(15 */3 * * ? *)",
    "cron(0 12 L * ? *)",
]


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self._pages


class _Events:
    def __init__(self, rules: list[dict[str, Any]]) -> None:
        self.rules = rules

    def get_paginator(self, name: str) -> _Pages:
        assert name == "list_rules"
        return _Pages([{"Rules": self.rules}])

    def list_targets_by_rule(self, Rule: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        job = Rule.removeprefix("cronbridge-dev-")
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:cronbridge-dev-{job}"
        return {"Targets": [{"Id": "1", "Arn": arn, "Input": f'{{"job": "{job}"}}'}]}


class _Scheduler:
    class NotFoundError(Exception):
        pass

    def get_paginator(self, name: str) -> _Pages:
        raise self.NotFoundError("ResourceNotFound: no such group")


class _Clients:
    region_name = "us-east-1"

    def __init__(self, rules: list[dict[str, Any]]) -> None:
        self.events = _Events(rules)
        self.scheduler = _Scheduler()

    def account_id(self) -> str:
        return "123456789012"

    def client(self, service: str) -> Any:
        return {"events": self.events, "scheduler": self.scheduler}[service]


class _Clock:
    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime:
        return self.moment


def _rules(count: int) -> list[dict[str, Any]]:
    return [
        {
            "Name": f"cronbridge-dev-job{i}",
            "Arn": f"arn:aws:events:us-east-1:123456789012:rule/cronbridge-dev-job{i}",
            "ScheduleExpression": EXPRESSIONS[i % len(EXPRESSIONS)],
            "State": "DISABLED" if i % 11 == 10 else "ENABLED",
        }
        for i in range(count)
    ]


def _drive(ticker: Ticker, clock: _Clock, fired: list[Firing]) -> None:
    while (when := ticker.next_due_time()) is not None:
        clock.moment = when
        ticker.fire_due(when)


def test_heap_delivers_exactly_each_rules_own_fire_times_in_order() -> None:
    # GIVEN 40 deployed rules of 8 kinds of schedule (every 11th disabled)
    rules = _rules(40)
    clients, clock = _Clients(rules), _Clock()
    fired: list[Firing] = []
    ticker = Ticker(
        clients,
        prefix="cronbridge",
        stage="dev",
        clock=clock,  # type: ignore[arg-type]
        fire=fired.append,
        start=START - timedelta(microseconds=1),
        recurring_before=END,
    )
    ticker.refresh()
    # WHEN a simulation drives it through one day
    _drive(ticker, clock, fired)
    # THEN each enabled rule fired exactly at its own fire times in [START, END)
    expected: list[tuple[datetime, str]] = []
    for trigger in ticker.triggers():
        schedule = parse_trigger_schedule(trigger)
        assert schedule is not None
        if not trigger.enabled:
            continue
        times = due_times(trigger, schedule, START - timedelta(microseconds=1), END)
        expected += [(t, trigger.name) for t in times if t < END]
    got = [(f.scheduled_time, f.trigger.name) for f in fired]
    assert got == sorted(expected)
    assert len(got) > 2000
    assert not any(f.trigger.name.endswith("job10") for f in fired)  # disabled


def test_a_rescan_keeps_unchanged_rules_and_picks_up_a_changed_one() -> None:
    # GIVEN two every-5-minute rules, fired up to 10:00
    rules = [dict(r, ScheduleExpression="rate(5 minutes)") for r in _rules(2)]
    clients, clock = _Clients(rules), _Clock()
    fired: list[Firing] = []
    ticker = Ticker(
        clients,
        prefix="cronbridge",
        stage="dev",
        clock=clock,  # type: ignore[arg-type]
        fire=fired.append,
        start=START,
        recurring_before=START + timedelta(minutes=30),
    )
    ticker.refresh()
    clock.moment = START + timedelta(minutes=10)
    ticker.fire_due()
    # WHEN job1 is redeployed every 10 minutes and the ticker rescans
    clients.events.rules[1]["ScheduleExpression"] = "rate(10 minutes)"
    ticker.refresh()
    fired.clear()
    _drive(ticker, clock, fired)
    # THEN job0 keeps its 5 minutes, job1 fires on the new 10, and nothing twice
    minutes = [(f.trigger.name[-4:], f.scheduled_time.minute) for f in fired]
    assert minutes == [
        ("job0", 15),
        ("job0", 20),
        ("job1", 20),
        ("job0", 25),
    ]
