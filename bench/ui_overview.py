"""Time the ``cronbridge ui`` overview over a large history, against the local emulator.

Starts the local emulator (moto's server, as ``local up`` does), creates the stage's runs
table and dead-letter queue with the deploy code's own definitions, and seeds ``--jobs``
jobs with ``--days`` of runs: ``--frequent`` of them every 5 minutes, the rest hourly,
about 3 % failed, with the summary and day-rollup items the worker's writes keep
(``bench/ledger_seed.py``). Then, in a fresh process each (interpreter, imports and
clients as a newly started ``cronbridge ui`` has them), it loads the overview through the
real app (Starlette's test client, real boto3 calls over HTTP to the emulator) ``--loads``
times and reports the wall time of each load and the AWS calls it made, counted with
botocore's ``before-call`` event:

* baseline: the app's first loads without its start-up warm-up (as before it had one);
* now: the app served as uvicorn serves it (its lifespan runs ``Pages.warm``: templates
  compiled, clients built, the queue's URL read), the loads made once that is done.

Run: .venv/bin/python bench/ui_overview.py [--jobs 100 --days 30 --frequent 10 --loads 3]
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import random
import socket
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
    """Every job's slots over ``days`` as finished runs, with summaries and rollups."""
    from ledger_seed import finished_run
    from ledger_seed import seed as seed_ledger

    from scheduler import names
    from scheduler.schedule import next_fire_times, parse_schedule

    rng = random.Random(7)
    start = now - timedelta(days=days)
    runs_by_job = {}
    for job in catalogue.jobs.values():
        fires = next_fire_times(parse_schedule(job.schedule), after=start, count=days * 288 + 1)
        runs_by_job[job.name] = [finished_run(job.name, f, rng, 0.03) for f in fires if f < now]
    table = names.runs_table(catalogue.prefix, STAGE)
    return seed_ledger(clients.inner.client("dynamodb"), table, runs_by_job)


def load_pages(source: Any, clients: CountingClients, loads: int, warm: bool) -> dict[str, Any]:
    """Wall time and AWS calls of each overview load through the real app (after its
    start-up warm-up if ``warm``), then the time of one more load's reads and view models
    alone (no HTTP, no template)."""
    from starlette.testclient import TestClient

    from scheduler.ui.app import UiConfig, create_app

    app = create_app(source, UiConfig())
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    out: dict[str, Any] = {"times": [], "calls": [], "warm_up": None}
    with contextlib.ExitStack() as stack:
        if warm:  # as uvicorn serves it: the lifespan runs, the warm-up thread starts
            began = time.perf_counter()
            stack.enter_context(client)
            app.state.warmed.wait(60)
            out["warm_up"] = time.perf_counter() - began
            out["warm_up_calls"] = dict(clients.calls)
        for _ in range(loads):  # the first load reads 8 days; later ones the recent days
            clients.calls.clear()
            began = time.perf_counter()
            response = client.get("/")
            out["times"].append(time.perf_counter() - began)
            assert response.status_code == 200, response.text[:500]
            out["calls"].append(dict(clients.calls))
        began = time.perf_counter()
        source.overview(datetime.now(UTC))
        out["data_only"] = time.perf_counter() - began
    return out


def attached(endpoint: str, root: Path, loads: int, warm: bool) -> None:
    """One fresh process's loads against the seeded emulator; JSON on stdout."""
    import json

    from scheduler.catalogue import load_catalogue
    from scheduler.ui.source import UiSource

    catalogue = load_catalogue(root / "jobs.yaml")
    clients = CountingClients(endpoint)
    source = UiSource(catalogue, lambda: clients, STAGE, local=True)
    print(json.dumps(load_pages(source, clients, loads, warm)))


def in_fresh_process(endpoint: str, root: Path, loads: int, warm: bool) -> dict[str, Any]:
    import json
    import subprocess
    import sys

    command = [sys.executable, __file__, "--attach", endpoint, "--root", str(root)]
    command += ["--loads", str(loads)] + (["--warm"] if warm else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"overview loads failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--frequent", type=int, default=10, help="jobs every 5 minutes")
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--attach", help=argparse.SUPPRESS)  # internal: one measuring process
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import os

    from scheduler.awsclients import local_credentials_env

    os.environ.update(local_credentials_env())
    if args.attach:
        attached(args.attach, Path(args.root), args.loads, args.warm)
        return

    from scheduler import names
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.executor import create_table_params
    from scheduler.local.emulator import Emulator
    from scheduler.resources import RunsTable

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
            endpoint = emulator.endpoint_url
            before = in_fresh_process(endpoint, root, args.loads, warm=False)
            after = in_fresh_process(endpoint, root, args.loads, warm=True)
        finally:
            emulator.stop()

    report(args, items, seeded, before, after)


def report(
    args: argparse.Namespace,
    items: int,
    seeded: float,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    import os

    print(f"# ui overview bench ({platform.python_version()}, {platform.machine()})")
    print(
        f"{args.jobs} jobs ({args.frequent} every 5 min, the rest hourly), {args.days} days: "
        f"{items} runs seeded in {seeded:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    for label, got in (("before (no start-up warm-up)", before), ("now (warmed at start)", after)):
        print(f"{label}:")
        if got["warm_up"] is not None:
            made = got["warm_up_calls"]
            print(f"  start-up warm-up: {got['warm_up']:.2f} s, {sum(made.values())} calls {made}")
        print(f"  overview loads: {', '.join(f'{t:.2f} s' for t in got['times'])}")
        for i, made in enumerate(got["calls"], 1):
            print(f"  AWS calls, load {i}: {sum(made.values())} ({made})")
        print(f"  one more load's reads and view models alone: {got['data_only']:.2f} s")
    ratio = before["times"][0] / after["times"][0]
    print(
        f"first load: {after['times'][0]:.2f} s against {before['times'][0]:.2f} s before "
        f"({ratio:.1f}x); goal under 1 s: {'met' if after['times'][0] < 1 else 'not met'}"
    )


if __name__ == "__main__":
    main()
