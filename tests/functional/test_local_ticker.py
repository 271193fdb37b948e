"""The local ticker against moto: it fires what is DEPLOYED (rules, schedules, one-time
retries and on-demand runs), builds inputs as AWS would, and follows a redeploy."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import apply_catalogue
from scheduler.local.invoker import LocalInvoker
from scheduler.local.ticker import Firing, Ticker

T0 = datetime(2026, 5, 4, 10, 0, 30, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def start_timer(self, seconds: float, callback: object) -> object:
        raise NotImplementedError


JOBS = """
    version: 1
    jobs:
      every-minute:
        schedule: rate(1 minute)
        handler: tickjobs.h:run
        payload: {n: 1}
      berlin:
        schedule: "5 12 * * *"
        timezone: Europe/Berlin
        backend: scheduler
        handler: tickjobs.h:run
      paused:
        schedule: "* * * * *"
        handler: tickjobs.h:run
        enabled: false
"""


def _write(root: Path, text: str) -> Path:
    (root / "tickjobs").mkdir(exist_ok=True)
    (root / "tickjobs" / "__init__.py").write_text("")
    (root / "tickjobs" / "h.py").write_text("def run(payload, ctx):\n    return payload\n")
    path = root / "jobs.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[AwsClients, Path]]:
    with mock_aws():
        clients = AwsClients(region="us-east-1")
        path = _write(tmp_path, JOBS)
        apply_catalogue(load_catalogue(path), "dev", clients, layers=())
        yield clients, path


def _ticker(clients: AwsClients, clock: FixedClock, fired: list[Firing]) -> Ticker:
    ticker = Ticker(clients, prefix="cronbridge", stage="dev", clock=clock, fire=fired.append)
    ticker.refresh()
    return ticker


def test_fires_deployed_rules_and_schedules_with_aws_shaped_input(
    deployed: tuple[AwsClients, Path],
) -> None:
    clients, _ = deployed
    clock, fired = FixedClock(T0), []
    ticker = _ticker(clients, clock, fired)
    # WHEN two hours pass (10:00:30 -> 12:00:30 UTC; 12:05 Berlin = 10:05 UTC in May)
    clock.moment = T0 + timedelta(hours=2)
    ticker.fire_due()
    # THEN the rate rule fired every minute and the Berlin schedule once; the paused job never
    by_job: dict[str, list[Firing]] = {}
    for firing in fired:
        by_job.setdefault(json.loads(firing.input_text)["job"], []).append(firing)
    assert set(by_job) == {"every-minute", "berlin"}
    assert len(by_job["every-minute"]) == 120
    assert [f.scheduled_time for f in by_job["berlin"]] == [datetime(2026, 5, 4, 10, 5, tzinfo=UTC)]
    # AND the worker input is what EventBridge's InputTransformer / Scheduler would deliver
    rule_input = json.loads(by_job["every-minute"][0].input_text)
    assert rule_input["trigger"] == "schedule"
    assert rule_input["scheduled_time"] == "2026-05-04T10:01:00Z"
    assert rule_input["payload"] == {"n": 1} and rule_input["event_id"]
    sched_input = json.loads(by_job["berlin"][0].input_text)
    assert sched_input["scheduled_time"] == "2026-05-04T10:05:00Z"
    assert "<aws.scheduler" not in by_job["berlin"][0].input_text
    assert by_job["berlin"][0].function_name == "cronbridge-dev-berlin"
    # AND nothing fires twice
    assert ticker.fire_due() == []


def test_on_demand_run_fires_once_and_its_schedule_is_deleted(
    deployed: tuple[AwsClients, Path],
) -> None:
    clients, _ = deployed
    clock, fired = FixedClock(T0), []
    ticker = _ticker(clients, clock, fired)
    # GIVEN `run --local` handed a run to the local platform
    worker_input = {
        "job": "every-minute",
        "trigger": "manual",
        "run_id": "every-minute.x",
        "scheduled_time": "2026-05-04T10:00:30Z",
        "payload": {},
    }
    LocalInvoker(clients=clients, prefix="cronbridge", stage="dev", now=T0).start(
        "every-minute", worker_input
    )
    # WHEN the ticker rescans the retries group and ticks (before the next minute)
    clock.moment = T0 + timedelta(seconds=2)
    ticker.refresh(full=False)
    ticker.fire_due()
    # THEN the run was delivered once, with exactly the input given, and the schedule is gone
    assert [json.loads(f.input_text) for f in fired] == [worker_input]
    group = "cronbridge-dev-retries"
    assert clients.client("scheduler").list_schedules(GroupName=group)["Schedules"] == []
    ticker.refresh(full=False)
    assert ticker.fire_due() == []  # fired once: never again


def test_a_redeploy_is_picked_up_on_rescan(deployed: tuple[AwsClients, Path]) -> None:
    clients, path = deployed
    clock, fired = FixedClock(T0), []
    ticker = _ticker(clients, clock, fired)
    # GIVEN the every-minute job is redeployed every five minutes instead
    path.write_text(path.read_text().replace("rate(1 minute)", "rate(5 minutes)"))
    apply_catalogue(load_catalogue(path), "dev", clients, layers=())
    # WHEN the ticker rescans and ten minutes pass
    ticker.refresh()
    clock.moment = T0 + timedelta(minutes=10)
    fired_now = ticker.fire_due()
    # THEN the deployed expression is the one that fires, not the one read before
    minutes = [
        f.scheduled_time.strftime("%H:%M")
        for f in fired_now
        if json.loads(f.input_text)["job"] == "every-minute"
    ]
    assert minutes == ["10:05", "10:10"]


def test_reading_only_the_created_retries_matches_listing_the_group(
    deployed: tuple[AwsClients, Path],
) -> None:
    # GIVEN two tickers over the same deployed stage, and three on-demand runs handed to
    # the local platform at different instants (one-time schedules in the retries group)
    clients, _ = deployed
    clock = FixedClock(T0)
    listing, named = _ticker(clients, clock, []), _ticker(clients, clock, [])
    for n, delay in enumerate((5, 20, 40)):
        run = {"job": "every-minute", "trigger": "manual", "run_id": f"every-minute.r{n}"}
        LocalInvoker(
            clients=clients, prefix="cronbridge", stage="dev", now=T0 + timedelta(seconds=delay)
        ).start("every-minute", {**run, "scheduled_time": "2026-05-04T10:00:30Z", "payload": {}})
    created = [
        s["Name"]
        for s in clients.client("scheduler").list_schedules(GroupName=listing.retry_group)[
            "Schedules"
        ]
    ]
    # WHEN one lists the group and the other reads only the schedules it was told about
    listing.refresh(full=False)
    named.add_retries(created)
    # THEN both hold the same triggers, see the same next due time and fire alike
    assert sorted(t.key for t in listing.triggers()) == sorted(t.key for t in named.triggers())
    assert listing.next_due_time() == named.next_due_time() == T0 + timedelta(seconds=5)
    clock.moment = T0 + timedelta(seconds=25)
    first = listing.fire_due()
    assert [f.input_text for f in named.fire_due()] == [f.input_text for f in first]
    assert len(first) == 2  # the third is due at +40 s
    # AND after the first ticker deleted what it fired, a later create is read alike, and a
    # fired-and-deleted schedule is neither held nor fired again by either
    assert sum(named.pending(named.retry_group, name) for name in created) == 1
    listing.refresh(full=False)
    named.add_retries([])
    assert sorted(t.key for t in listing.triggers()) == sorted(t.key for t in named.triggers())
    clock.moment = T0 + timedelta(minutes=2)
    assert [f.input_text for f in named.fire_due()] == [f.input_text for f in listing.fire_due()]
    assert listing.fire_due() == named.fire_due() == []
