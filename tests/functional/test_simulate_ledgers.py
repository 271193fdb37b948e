"""`local simulate` with its in-process ledger tells the same story as with moto's table.

The simulator keeps run records in ``MemoryRunStore`` by default; ``ledger="dynamodb"``
keeps them in the emulator's DynamoDB table throughout. The same catalogue (retries, dead
letters, overlap skips, a watchdog timeout, a job the stage's monitor watches, tells about
and catches up after an outage) simulated both ways must give the same attempts in the
same order, the same dead letters and alerts, and - once ``run`` has flushed the memory
ledger - the very same items in the emulator's table, so whatever reads the table after
a simulation (the monitor's next round, a backfill's slot reader, a test) sees no
difference.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto import mock_aws

from scheduler import names
from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.cli.local import deploy_catalogue
from scheduler.ledger.codec import from_item
from scheduler.ledger.memory import MemoryRunStore
from scheduler.local.simenv import catalogue_on_path
from scheduler.local.simulate import Simulation

HANDLERS = """
    def ok(payload, ctx):
        return {"n": ctx.attempt}

    def flaky(payload, ctx):
        if ctx.scheduled_time.minute % 3 == 0 and ctx.attempt < 3:
            raise RuntimeError(f"flaky on attempt {ctx.attempt}")
        if ctx.scheduled_time.minute % 7 == 0:
            raise RuntimeError("down")
        return {"ok": True}

    def slow(payload, ctx):
        ctx.sleep(payload["seconds"])
        return {"slept": payload["seconds"]}
"""

JOBS = """
    version: 1
    jobs:
      tick:
        schedule: rate(1 minute)
        handler: simjobs.h:ok
        retries: 0
      flaky:
        schedule: "*/2 * * * *"
        handler: simjobs.h:flaky
        retries: {retries: 2, delay: 20, backoff: 2.0}
        notify: [dead, failing, recovered]
      slowpoke:
        schedule: "* * * * *"
        handler: simjobs.h:slow
        payload: {seconds: 150}
        timeout: 300
        overlap: skip
      sleepy:
        schedule: "*/10 * * * *"
        handler: simjobs.h:slow
        payload: {seconds: 3600}
        timeout: 10
        retries: 1
      quarterly:
        schedule: "*/15 * * * *"
        handler: simjobs.h:ok
        catchup: all
        catchup_window: 2h
"""


def _simulate(tmp_path: Path, ledger: str) -> tuple[Any, list[dict[str, Any]]]:
    """One simulation in its own emulator; its result and the runs table afterwards."""
    catalogue = load_catalogue(tmp_path / "jobs.yaml")
    start, end = datetime(2026, 5, 4, 10, 0, tzinfo=UTC), datetime(2026, 5, 4, 11, 0, tzinfo=UTC)
    outage = (datetime(2026, 5, 4, 10, 20, tzinfo=UTC), datetime(2026, 5, 4, 10, 35, tzinfo=UTC))
    with catalogue_on_path(tmp_path, {"simjobs"}), mock_aws():
        clients = AwsClients(region="us-east-1")
        deploy_catalogue(catalogue, "sim", clients)
        sim = Simulation(
            clients, prefix=catalogue.prefix, stage="sim", start=start, end=end,
            outage=outage, ledger=ledger,  # type: ignore[arg-type]
        )  # fmt: skip
        result = sim.run()
        ddb = clients.client("dynamodb")
        table = names.runs_table(catalogue.prefix, "sim")
        # (the memory run really kept its runs in process, so the comparison means something)
        store = sim.store(table)
        assert isinstance(store, MemoryRunStore) == (ledger == "memory")
        assert ledger != "memory" or len(store) > 0
        items = [
            from_item(item)
            for page in ddb.get_paginator("scan").paginate(TableName=table)
            for item in page["Items"]
        ]
    return result, sorted(items, key=lambda item: (item["pk"], item["sk"]))


def test_memory_and_dynamodb_ledgers_give_the_same_simulation_and_table(tmp_path: Path) -> None:
    # GIVEN a catalogue exercising retries, DEAD runs, overlap skips, timeouts, alerts and
    # catch-up after a 15-minute outage
    (tmp_path / "simjobs").mkdir()
    (tmp_path / "simjobs" / "__init__.py").write_text("")
    (tmp_path / "simjobs" / "h.py").write_text(textwrap.dedent(HANDLERS))
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent(JOBS))
    # WHEN it is simulated with each ledger
    memory, memory_items = _simulate(tmp_path, "memory")
    dynamo, dynamo_items = _simulate(tmp_path, "dynamodb")
    # THEN every attempt row, dead letter and alert is the same
    assert [r.to_json() for r in memory.rows] == [r.to_json() for r in dynamo.rows]
    assert memory.dead_letters == dynamo.dead_letters
    assert [a.to_json() for a in memory.alerts] == [a.to_json() for a in dynamo.alerts]
    assert memory.lost == dynamo.lost > 0
    # AND the emulator's table ends with the same items (runs kept, summaries, day rollups,
    # the monitor's alert states)
    assert memory_items == dynamo_items
    kinds = {item["sk"].split("#")[0] for item in memory_items}
    assert {"RUN", "SUMMARY", "DAY", "ALERT"} <= kinds
    # AND the catalogue went down every path the comparison is meant to cover
    statuses = {r.status for r in memory.rows}
    assert {"SUCCEEDED", "FAILED", "SKIPPED", "TIMED_OUT"} <= statuses
    assert {r.run_status for r in memory.rows} >= {"RETRYING", "DEAD"}
    assert {r.trigger for r in memory.rows} >= {"schedule", "retry", "catchup"}
    assert memory.alerts and len(memory.rows) > 100
