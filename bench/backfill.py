"""Backfill bench: 1,000 slots of one job on the emulator; slots per second, AWS calls per slot.

Starts moto's server on 127.0.0.1 (the emulator `local up` uses), deploys a one-job
catalogue into it with the production deploy code, then runs the backfill engine over
``--slots`` minutely slots with ``--max-concurrency`` slots in flight. moto runs no Lambda
code, so each ``Invoke`` is handed to the real worker runtime in a thread pool (what Lambda
would run, asynchronously), against the same emulator; the invoke itself is counted as one
call, not sent. Calls are counted with botocore's event hooks, split into the backfill's
own (its ranged Queries and the Invokes) and the workers' (claim and finish).
A second pass over the same window shows the cost of a rerun (every slot skipped).
Usage: ``python bench/backfill.py [--slots 1000] [--max-concurrency 8]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.cli.local import deploy_catalogue
from scheduler.clock import SystemClock
from scheduler.local.simenv import catalogue_on_path
from scheduler.operate.backfill import Backfill, DynamoSlotReader, summary
from scheduler.operate.slots import slots_between
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics

CATALOGUE = """\
version: 1
jobs:
  bench:
    schedule: "* * * * *"
    handler: benchjobs.handlers:ok
    retries: 0
"""


class Counting:
    """A client source whose clients count every API call, by operation."""

    def __init__(self, inner: AwsClients, counter: Counter[str]) -> None:
        self._inner = inner
        self._counter = counter
        self._seen: set[int] = set()

    def client(self, service: str) -> Any:
        client = self._inner.client(service)
        if id(client) not in self._seen:
            self._seen.add(id(client))
            client.meta.events.register(
                "before-call.*.*",
                lambda model, **_: self._counter.update([f"{service}:{model.name}"]),
            )
        return client


class ThreadedWorkerInvoker:
    """Lambda's async Invoke, emulated: the real worker runtime in a thread pool."""

    def __init__(self, env: dict[str, str], clients: Any, counter: Counter[str], n: int) -> None:
        quiet = logging.getLogger("bench.worker")
        quiet.propagate = False
        quiet.addHandler(logging.NullHandler())
        self._runtime = build_runtime(env, clients=clients, metrics=NullMetrics(), log=quiet)
        self._pool = ThreadPoolExecutor(max_workers=n)
        self._counter = counter

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        self._counter.update(["lambda:Invoke (counted, not sent)"])
        self._pool.submit(self._runtime.handle, worker_input, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _run(
    clients: AwsClients, env: dict[str, str], slots: list[Any], concurrency: int
) -> tuple[float, Counter[str], Counter[str], dict[str, Any]]:
    cli_calls: Counter[str] = Counter()
    worker_calls: Counter[str] = Counter()
    cli_clients = Counting(AwsClients(region="us-east-1"), cli_calls)
    worker_clients = Counting(AwsClients(region="us-east-1"), worker_calls)
    invoker = ThreadedWorkerInvoker(env, worker_clients, cli_calls, concurrency)
    engine = Backfill(
        job="bench",
        payload={},
        slots=slots,
        reader=DynamoSlotReader(cli_clients.client("dynamodb"), env["CRONBRIDGE_TABLE"]),
        invoker=invoker,
        clock=SystemClock(),
        max_concurrency=concurrency,
        poll_seconds=0.05,
    )
    began = time.perf_counter()
    results = engine.run()
    elapsed = time.perf_counter() - began
    invoker.close()
    return elapsed, cli_calls, worker_calls, summary(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=1000)
    parser.add_argument("--max-concurrency", type=int, default=8)
    args = parser.parse_args()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(key, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "benchjobs").mkdir()
            (root / "benchjobs" / "__init__.py").write_text("")
            (root / "benchjobs" / "handlers.py").write_text("def ok(payload, ctx):\n    return 1\n")
            (root / "jobs.yaml").write_text(CATALOGUE)
            catalogue = load_catalogue(root / "jobs.yaml")
            with catalogue_on_path(root, {"benchjobs"}):
                clients = AwsClients(region="us-east-1")
                deploy_catalogue(catalogue, "dev", clients)
                config = clients.client("lambda").get_function_configuration(
                    FunctionName="cronbridge-dev-bench"
                )
                env = dict(config["Environment"]["Variables"])
                start = datetime(2026, 3, 1, tzinfo=UTC)
                end = start + timedelta(minutes=args.slots)
                slots = slots_between("bench", "* * * * *", "UTC", start, end, limit=None)
                for label in ("first backfill", "rerun (all skipped)"):
                    elapsed, cli, worker, total = _run(clients, env, slots, args.max_concurrency)
                    n = len(slots)
                    print(f"{label}: {n} slots in {elapsed:.2f} s = {n / elapsed:.0f} slots/s")
                    counts = {k: v for k, v in total.items() if v and k != "summary"}
                    print(f"  outcomes: {counts}")
                    print(
                        f"  backfill's calls: {sum(cli.values())} "
                        f"({sum(cli.values()) / n:.2f}/slot) {dict(cli)}"
                    )
                    print(
                        f"  workers' calls:   {sum(worker.values())} "
                        f"({sum(worker.values()) / n:.2f}/slot) {dict(worker)}"
                    )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
