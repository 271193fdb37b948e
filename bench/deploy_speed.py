"""Deploy speed at catalogue scale against moto's server (the local emulator's, one request
at a time): a first deploy applied concurrently against one sequential pass of the same
calls, and the no-op redeploy through the real CLI against the CLI's own start.

Each first deploy gets a fresh server, so neither run finds the other's state. Both build
the code package the same way (once, from the generated catalogue's folder); only
``parallelism`` differs, so the ratio is what concurrency alone buys. ``--latency-ms``
adds a fixed wait before every request, a model of AWS's round trip (a local server
answers in about a millisecond, AWS's control plane in tens); it is off by default and
printed when used.

Run: .venv/bin/python bench/deploy_speed.py [--jobs 300] [--parallelism 10] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.plan_calls import write_catalogue  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clients:
    """AwsClients on the emulator, counting calls, optionally waiting before each send."""

    def __init__(self, endpoint: str, latency: float) -> None:
        from scheduler.awsclients import AwsClients

        self.inner = AwsClients(region="us-east-1", endpoint_url=endpoint)
        self.region_name = "us-east-1"
        self.latency = latency
        self.calls = 0
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        client = self.inner.client(service)
        if service not in self._hooked:
            client.meta.events.register("before-send.*.*", self._before_send)
            self._hooked.add(service)
        return client

    def _before_send(self, **_: Any) -> None:
        self.calls += 1
        if self.latency:
            time.sleep(self.latency)


def first_deploy(folder: Path, parallelism: int, latency: float) -> tuple[float, int, int]:
    """(seconds, operations, calls) of a first deploy into a fresh emulator."""
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_plan, plan_catalogue
    from scheduler.local.emulator import Emulator

    with Emulator(port=free_port()) as emulator:
        clients = Clients(emulator.endpoint_url, latency)
        cat = load_catalogue(folder / "jobs.yaml")
        ctx = plan_catalogue(cat, "dev", clients, layers=(), check_boundary=False)
        t0 = time.perf_counter()
        result = apply_plan(ctx, clients, parallelism=parallelism)
        return time.perf_counter() - t0, result.count, clients.calls


def cli_seconds(args: list[str], env: dict[str, str], cwd: Path, runs: int = 3) -> float:
    """Median wall time of ``cronbridge ARGS`` (a fresh process each time)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "cronbridge"), *args],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def noop_redeploy(folder: Path, parallelism: int) -> tuple[float, float, float]:
    """No-op `deploy --yes`, `cronbridge --help` (the CLI's start: every verb's parser) and
    `cronbridge --version` (the bare process), seconds through the CLI, median of 3."""
    from scheduler.awsclients import local_credentials_env
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_catalogue
    from scheduler.local.emulator import Emulator

    with Emulator(port=free_port()) as emulator:
        clients = Clients(emulator.endpoint_url, 0.0)
        cat = load_catalogue(folder / "jobs.yaml")
        apply_catalogue(
            cat, "dev", clients, layers=(), check_boundary=False, parallelism=parallelism
        )
        env = {**os.environ, **local_credentials_env()}
        env.pop("CRONBRIDGE_LOCAL", None)
        deploy = ["deploy", "--yes", "--stage", "dev", "--endpoint-url", emulator.endpoint_url]
        noop = cli_seconds(deploy, env, folder)
        start = cli_seconds(["--help"], env, folder)
        bare = cli_seconds(["--version"], env, folder)
        return noop, start, bare


def main() -> None:
    from scheduler.deploy.executor_pool import DEFAULT_PARALLELISM

    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--parallelism", type=int, default=DEFAULT_PARALLELISM)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_catalogue(folder, args.jobs)
        seq_s, seq_ops, seq_calls = first_deploy(folder, 1, latency)
        par_s, par_ops, par_calls = first_deploy(folder, args.parallelism, latency)
        noop_s, start_s, bare_s = noop_redeploy(folder, args.parallelism)

    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"python {platform.python_version()}, moto server (local emulator), "
        f"added latency {args.latency_ms:g} ms/call"
    )
    print(f"jobs: {args.jobs}")
    print(
        f"first deploy, sequential (parallelism 1): {seq_s:7.2f} s  {seq_ops} ops, "
        f"{seq_calls} calls"
    )
    print(
        f"first deploy, parallelism {args.parallelism:<2}:           {par_s:7.2f} s  "
        f"{par_ops} ops, {par_calls} calls   -> {seq_s / par_s:.2f}x faster (goal >= 3x)"
    )
    print(
        f"no-op redeploy (CLI): {noop_s:.2f} s; CLI start (--help): {start_s:.2f} s "
        f"(--version: {bare_s:.2f} s) -> {noop_s - start_s:.2f} s beyond start (goal < 0.5 s)"
    )


if __name__ == "__main__":
    main()
