"""``status`` and ``history`` across 1,000 jobs against the local emulator, before and after.

Starts the emulator (moto's server, as ``local up`` does), creates the stage's runs table
with the deploy code's definition, writes a catalogue of ``--jobs`` jobs, and records
``--runs`` finished runs per job (about 5 % failed) with the summaries and day rollups
the worker's writes keep (``bench/ledger_seed.py``: the worker's own update builders,
without moto's slow transactions). Then, on the same emulator and table:

* baseline: health read the way ``status`` read it before summaries (one newest-runs
  Query per job, one after another) and cross-job ``history`` merging every job's Query;
* now: ``scheduler.health.read_health`` (summaries and pause records by key,
  BatchGetItem) and ``history_across`` with the summaries' newest stamps;
* the real CLI: ``cronbridge status`` and ``cronbridge history`` as fresh processes
  (interpreter start and catalogue load included), the figure the issue asks for, against
  the local emulator and, seeded the same, against moto's server as shipped (``--stock``:
  without ``scheduler.local.motofast``'s read speed-ups); both must print the same JSON.

Run: .venv/bin/python bench/status_scale.py [--jobs 1000 --runs 3 --repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ui_overview import STAGE, CountingClients, free_port

CRONBRIDGE = Path(sys.executable).with_name("cronbridge")


def write_catalogue(root: Path, jobs: int) -> None:
    (root / "benchjobs").mkdir()
    (root / "benchjobs" / "__init__.py").write_text("")
    (root / "benchjobs" / "handlers.py").write_text("def run(payload, ctx):\n    return 1\n")
    lines = ["version: 1", "prefix: cronbridge", "jobs:"]
    for i in range(jobs):
        lines += [
            f"  job-{i:04d}:",
            f'    schedule: "{i % 60} * * * *"',
            "    handler: benchjobs.handlers:run",
            # an EventBridge bus takes 300 rules by default; Scheduler takes the rest
            "    backend: scheduler",
        ]
    (root / "jobs.yaml").write_text("\n".join(lines) + "\n")


def record_runs(ddb: Any, table: str, catalogue: Any, runs: int, now: datetime) -> int:
    """``runs`` hourly slots per job, with summaries and rollups (``ledger_seed``)."""
    from ledger_seed import finished_run, seed

    rng = random.Random(11)
    runs_by_job = {}
    for job in catalogue.jobs.values():
        minute = int(job.schedule.split()[0])
        last = now.replace(minute=minute, second=0, microsecond=0)
        if last >= now:
            last -= timedelta(hours=1)
        slots = [last - timedelta(hours=back) for back in range(runs - 1, -1, -1)]
        runs_by_job[job.name] = [finished_run(job.name, slot, rng, 0.05) for slot in slots]
    return seed(ddb, table, runs_by_job, summarized=runs)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def cli(root: Path, endpoint: str, *verb: str) -> tuple[float, str]:
    command = [str(CRONBRIDGE), *verb, "--json", "-f", str(root / "jobs.yaml")]
    command += ["--stage", STAGE, "--region", "us-east-1", "--endpoint-url", endpoint]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode not in (0, 1):  # status exits 1 when a job is unhealthy
        raise SystemExit(f"{' '.join(verb)} failed: {done.stderr.strip()}")
    return elapsed, done.stdout


def stock_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    """moto's server as shipped (serialised as the emulator is, no read speed-ups)."""
    from scheduler.local.emulator import endpoint_ready

    command = [sys.executable, "-m", "scheduler.local.motoserve", "127.0.0.1", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen([*command, "--stock"], stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while not endpoint_ready(f"http://127.0.0.1:{port}") and time.monotonic() < deadline:
        time.sleep(0.1)
    return process


def seed_table(endpoint: str, catalogue: Any, runs: int, now: datetime) -> tuple[Any, int]:
    """(counting clients, runs recorded) for a stage table created and seeded at ``endpoint``."""
    from scheduler import names
    from scheduler.deploy.executor import create_table_params
    from scheduler.resources import RunsTable

    clients = CountingClients(endpoint)
    table = names.runs_table(catalogue.prefix, STAGE)
    clients.inner.client("dynamodb").create_table(
        **create_table_params(RunsTable(name=table, arn=""))
    )
    return clients, record_runs(clients.inner.client("dynamodb"), table, catalogue, runs, now)


def time_cli(root: Path, endpoints: dict[str, str], now: datetime, repeat: int) -> list[str]:
    """Each verb as a fresh process against each server; lines to print."""
    lines, answers = [], {}
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for verb in (("status", "--now", stamp), ("history",)):
        walls = {}
        for server, endpoint in endpoints.items():
            runs = [cli(root, endpoint, *verb) for _ in range(repeat)]
            walls[server] = statistics.median(wall for wall, _out in runs)
            answers[server] = {out for _wall, out in runs}
        same = answers["emulator"] == answers["stock moto"] and len(answers["emulator"]) == 1
        fast, stock = walls["emulator"], walls["stock moto"]
        lines.append(
            f"cronbridge {verb[0]:8s} (fresh process, median of {repeat}): {fast:.2f} s against "
            f"the local emulator, {stock:.2f} s against stock moto ({stock / fast:.1f}x); "
            f"same answer: {same}; goal under 2 s: {'met' if fast < 2 else 'not met'}"
        )
    return lines


def measure(store: Any, clients: Any, jobs: list[Any], now: datetime, repeat: int) -> list[str]:
    """Time the reads before and now on the same table; lines to print."""
    from scheduler.health import job_health, read_health, recent_runs
    from scheduler.ledger.query import history_across

    names = [job.name for job in jobs]

    def before_status() -> list[dict[str, Any]]:
        return [job_health(job, recent_runs(store, job.name), now) for job in jobs]

    def now_status() -> list[dict[str, Any]]:
        rows = read_health(store, jobs, now)
        return [rows[name] for name in names]

    def before_history() -> list[str]:
        return [r.run_id for r in history_across(store, names, limit=20)]

    def now_history() -> list[str]:
        summaries = store.summaries(names)
        newest = {job: s.newest_run_id() or "" for job, s in summaries.items()}
        runs = history_across(store, names, limit=20, newest=newest)
        return [r.run_id for r in runs]

    lines, results, seconds = [], {}, {}
    for label, fn in (
        ("status, before (Query per job)", before_status),
        ("status, now (summaries by key)", now_status),
        ("history, before (Query per job)", before_history),
        ("history, now (newest jobs only)", now_history),
    ):
        clients.calls.clear()
        seconds[label], results[label] = timed(fn, repeat)
        calls = sum(clients.calls.values()) // repeat
        lines.append(f"{label:34s} {seconds[label]:7.2f} s  {calls:5d} AWS calls")
    for verb in ("status", "history"):
        before, after = (k for k in seconds if k.startswith(verb))
        same = results[before] == results[after]
        ratio = seconds[before] / seconds[after]
        lines.append(f"{verb} read {ratio:.1f}x faster than before, same answer: {same}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="runs recorded per job")
    parser.add_argument("--repeat", type=int, default=3, help="median of N timings")
    args = parser.parse_args()

    from scheduler import names
    from scheduler.awsclients import local_credentials_env
    from scheduler.catalogue import load_catalogue
    from scheduler.ledger import DynamoRunStore
    from scheduler.local.emulator import Emulator

    os.environ.update(local_credentials_env())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_catalogue(root, args.jobs)
        catalogue = load_catalogue(root / "jobs.yaml")
        emulator = Emulator(free_port(), log_path=root / "moto.log")
        emulator.start()
        stock_port = free_port()
        stock = stock_server(stock_port, root / "stock.log")
        try:
            now = datetime.now(UTC)
            began = time.perf_counter()
            clients, recorded = seed_table(emulator.endpoint_url, catalogue, args.runs, now)
            seeded = time.perf_counter() - began
            seed_table(f"http://127.0.0.1:{stock_port}", catalogue, args.runs, now)
            table = names.runs_table(catalogue.prefix, STAGE)
            store = DynamoRunStore(clients.client("dynamodb"), table)
            lines = measure(store, clients, list(catalogue.jobs.values()), now, args.repeat)
            endpoints = {
                "emulator": emulator.endpoint_url,
                "stock moto": f"http://127.0.0.1:{stock_port}",
            }
            lines += time_cli(root, endpoints, now, args.repeat)
        finally:
            emulator.stop()
            stock.terminate()
            stock.wait(10)

    print(f"# status/history at scale ({platform.python_version()}, {platform.machine()})")
    print(
        f"{args.jobs} jobs, {recorded} runs recorded through the ledger in {seeded:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
