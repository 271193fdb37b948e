"""A backfill under `local simulate`'s machinery: the slots `next` gives, across DST.

The catalogue is deployed into an in-process moto with the production deploy code; the
backfill engine starts each slot through ``LocalInvoker`` (a one-time schedule in the
stage's retries group, as `backfill --local` does against `local up`), and the simulator's
ticker fires those schedules into the real worker under its virtual clock. The backfill's
clock is the simulation's: waiting for a poll lets the simulation run what is due.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto import mock_aws

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.cli.local import deploy_catalogue
from scheduler.local.invoker import LocalInvoker
from scheduler.local.simenv import catalogue_on_path
from scheduler.local.simulate import Simulation
from scheduler.operate.backfill import Backfill, DynamoSlotReader
from scheduler.operate.slots import slots_between
from scheduler.schedule import next_fire_times, parse_schedule

HANDLERS = """
def note(payload, ctx):
    return {"slot": ctx.scheduled_time.isoformat(), "trigger": ctx.trigger}
"""


class SimulationClock:
    """The simulation's virtual clock; ``sleep`` runs the simulation until nothing is due."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def now(self) -> datetime:
        return self.sim.clock.now()

    def sleep(self, seconds: float) -> None:
        self.sim.run()

    def start_timer(self, seconds: float, callback: Any) -> Any:
        return self.sim.clock.start_timer(seconds, callback)


def test_backfill_over_the_berlin_spring_forward_night_runs_the_slots_next_gives(
    tmp_path: Path,
) -> None:
    # GIVEN a half-hourly Berlin job on EventBridge Scheduler, deployed to the emulator
    (tmp_path / "bfsim").mkdir()
    (tmp_path / "bfsim" / "__init__.py").write_text("")
    (tmp_path / "bfsim" / "handlers.py").write_text(HANDLERS)
    (tmp_path / "jobs.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            jobs:
              berlin:
                schedule: "0,30 1-3 * * *"
                timezone: Europe/Berlin
                backend: scheduler
                handler: bfsim.handlers:note
            """
        )
    )
    catalogue = load_catalogue(tmp_path / "jobs.yaml")
    job = catalogue.jobs["berlin"]
    # The night of 29 March 2026: Berlin jumps from 02:00 to 03:00 local time.
    start = datetime(2026, 3, 28, 22, tzinfo=UTC)
    end = datetime(2026, 3, 29, 6, tzinfo=UTC)
    now = datetime(2026, 3, 30, 12, tzinfo=UTC)  # the backfill runs later, with no slot due
    with catalogue_on_path(tmp_path, {"bfsim"}), mock_aws():
        clients = AwsClients(region="us-east-1")
        deploy_catalogue(catalogue, "dev", clients)
        sim = Simulation(
            clients, prefix="cronbridge", stage="dev", start=now, end=now + timedelta(seconds=1)
        )
        slots = slots_between("berlin", job.schedule, job.timezone, start, end, limit=None)
        # WHEN the night is backfilled, two slots at a time
        results = Backfill(
            job="berlin",
            payload={},
            slots=slots,
            reader=DynamoSlotReader(sim.clients.client("dynamodb"), "cronbridge-dev-runs"),
            invoker=LocalInvoker(clients=sim.clients, prefix="cronbridge", stage="dev", now=now),
            clock=SimulationClock(sim),
            max_concurrency=2,
        ).run()
    # THEN the slots are exactly what `next` gives: 01:00, 01:30, 03:00, 03:30 local
    # (02:00 and 02:30 do not exist that night), each run once by the worker, trigger backfill
    expected = next_fire_times(
        parse_schedule(job.schedule),
        timezone="Europe/Berlin",
        after=start - timedelta(microseconds=1),
        count=10,
    )
    expected = [t for t in expected if t < end]
    assert [r.slot.iso for r in results] == [
        "2026-03-29T00:00:00Z",  # 01:00 CET
        "2026-03-29T00:30:00Z",  # 01:30 CET
        "2026-03-29T01:00:00Z",  # 03:00 CEST
        "2026-03-29T01:30:00Z",  # 03:30 CEST
    ]
    assert [r.slot.scheduled for r in results] == expected
    assert [r.outcome for r in results] == ["succeeded"] * 4
    rows = sim.result.rows
    assert sorted(r.scheduled_for for r in rows) == [r.slot.iso for r in results]
    assert {r.trigger for r in rows} == {"backfill"}
    assert {r.run_id for r in rows} == {r.slot.run_id for r in results}
