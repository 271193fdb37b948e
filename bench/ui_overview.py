"""Time the ``cronbridge ui`` overview over a large history, against the local emulator.

Starts the local emulator (moto's server, as ``local up`` does), creates the stage's runs
table and dead-letter queue with the deploy code's own definitions, and seeds ``--jobs``
jobs with ``--days`` of runs: ``--frequent`` of them every 5 minutes, the rest hourly,
about 3 % failed. Then it loads the overview page through the real app (Starlette's test
client, real boto3 calls over HTTP to the emulator) a few times and reports the wall time
of each load and the AWS calls it made, counted with botocore's ``before-call`` event.

Run: .venv/bin/python bench/ui_overview.py [--jobs 100 --days 30 --frequent 10 --loads 3]
"""

from __future__ import annotations

import argparse
import platform
import random
import socket
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STAGE = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CountingClients:
    """AwsClients whose clients report every API call to one counter."""

    def __init__(self, endpoint: str) -> None:
        from scheduler.awsclients import AwsClients

        self.inner = AwsClients(region="us-east-1", endpoint_url=endpoint)
        self.calls: Counter[str] = Counter()
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        client = self.inner.client(service)
        if service not in self._hooked:
            client.meta.events.register("before-call.*.*", self._record)
            self._hooked.add(service)
        return client

    def account_id(self) -> str:
        return self.inner.account_id()

    def _record(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1


def write_catalogue(root: Path, jobs: int, frequent: int) -> None:
    (root / "benchjobs").mkdir()
    (root / "benchjobs" / "__init__.py").write_text("")
    (root / "benchjobs" / "handlers.py").write_text("def run(payload, ctx):\n    return 1\n")
    lines = ["version: 1", "prefix: cronbridge", "jobs:"]
    for i in range(jobs):
        schedule = "*/5 * * * *" if i < frequent else f"{i % 60} * * * *"
        lines += [
            f"  job-{i:03d}:",
            f'    schedule: "{schedule}"',
            "    handler: benchjobs.handlers:run",
        ]
    (root / "jobs.yaml").write_text("\n".join(lines) + "\n")


def seed(clients: Any, catalogue: Any, days: int, now: datetime) -> int:
    """Every job's slots over ``days`` as finished runs (BatchWriteItem, 25 a call)."""
    from scheduler import names
    from scheduler.ledger import DynamoRunStore, RunRecord, RunStatus, scheduled_run_id
    from scheduler.schedule import next_fire_times, parse_schedule

    ddb = clients.inner.client("dynamodb")
    store = DynamoRunStore(ddb, names.runs_table(catalogue.prefix, STAGE))
    rng = random.Random(7)
    batch: list[dict[str, Any]] = []
    count = 0
    start = now - timedelta(days=days)

    def flush() -> None:
        pending: dict[str, Any] = {store.table: batch[:]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        batch.clear()

    for job in catalogue.jobs.values():
        schedule = parse_schedule(job.schedule)
        fires = next_fire_times(schedule, after=start, count=days * 24 * 12 + 1)
        for fire in fires:
            if fire >= now:
                break
            failed = rng.random() < 0.03
            stamp = fire.strftime("%Y-%m-%dT%H:%M:%SZ")
            ms = int(rng.lognormvariate(5.5, 0.6))
            record = RunRecord(
                run_id=scheduled_run_id(job.name, fire),
                job=job.name,
                status=RunStatus.DEAD if failed else RunStatus.SUCCEEDED,
                trigger="schedule",
                scheduled_for=stamp,
                attempt=1,
                started_at=stamp,
                finished_at=stamp,
                duration_ms=ms,
                error={"type": "RuntimeError", "message": "partner down"} if failed else None,
            )
            batch.append({"PutRequest": {"Item": store._run_item(record, 30)}})
            count += 1
            if len(batch) == 25:
                flush()
    if batch:
        flush()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--frequent", type=int, default=10, help="jobs every 5 minutes")
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()

    import os

    from starlette.testclient import TestClient

    from scheduler import names
    from scheduler.awsclients import local_credentials_env
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.executor import create_table_params
    from scheduler.local.emulator import Emulator
    from scheduler.resources import RunsTable
    from scheduler.ui.app import UiConfig, create_app
    from scheduler.ui.source import UiSource

    os.environ.update(local_credentials_env())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_catalogue(root, args.jobs, args.frequent)
        catalogue = load_catalogue(root / "jobs.yaml")
        emulator = Emulator(free_port(), log_path=root / "moto.log")
        emulator.start()
        try:
            clients = CountingClients(emulator.endpoint_url)
            table = names.runs_table(catalogue.prefix, STAGE)
            clients.inner.client("dynamodb").create_table(
                **create_table_params(RunsTable(name=table, arn=""))
            )
            clients.inner.client("sqs").create_queue(
                QueueName=names.dead_letter_queue(catalogue.prefix, STAGE)
            )
            now = datetime.now(UTC)
            began = time.perf_counter()
            items = seed(clients, catalogue, args.days, now)
            seeded = time.perf_counter() - began

            source = UiSource(catalogue, lambda: clients, STAGE, local=True)
            client = TestClient(create_app(source, UiConfig()), base_url="http://127.0.0.1:8765")
            times, calls = [], []  # the first load reads every window; later ones top up
            for _ in range(args.loads):
                clients.calls.clear()
                began = time.perf_counter()
                response = client.get("/")
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text[:500]
                calls.append(dict(clients.calls))
        finally:
            emulator.stop()

    print(f"# ui overview bench ({platform.python_version()}, {platform.machine()})")
    print(
        f"{args.jobs} jobs ({args.frequent} every 5 min, the rest hourly), {args.days} days: "
        f"{items} runs seeded in {seeded:.1f} s"
    )
    print(f"overview loads: {', '.join(f'{t:.2f} s' for t in times)}")
    print(f"median {statistics.median(times):.2f} s")
    print(f"AWS calls per load: {sum(calls[-1].values())} ({calls[-1]})")


if __name__ == "__main__":
    main()
