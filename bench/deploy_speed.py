"""Deploy speed at catalogue scale against moto's server (the local emulator's, one request
at a time): a first deploy applied concurrently against one sequential pass of the same
calls, and the no-op redeploy through the real CLI against the CLI's own start.

Each first deploy gets a fresh server, so neither run finds the other's state. Both build
the code package the same way (once, from the generated catalogue's folder); only
``parallelism`` differs, so the ratio is what concurrency alone buys. ``--latency-ms``
adds a fixed wait before every request, a model of AWS's round trip (a local server
answers in about a millisecond, AWS's control plane in tens); it is off by default and
printed when used.

Where the time goes: each first deploy also reports the CPU seconds of this process (the
client: botocore building and parsing requests, the executor) and of the server process
(moto), read from /proc. A sequential pass costs about their sum (plus the added latency);
a concurrent one can go no faster than the busier of the two (each is one Python process,
held to one core by its GIL) or than their sum spread over the machine's cores, whichever
is longer: the "CPU floor" printed, and the ratio it allows, against this sequential
pass and against one on an idle machine (where it would take about its CPU: on a loaded
one it also waits to be scheduled after every request it hands over). The load average of
the machine (other work shares it) is printed before and after.

Run: .venv/bin/python bench/deploy_speed.py [--jobs 300] [--parallelism 10 [16 ...]]
     [--latency-ms 0] [--no-noop]
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
from dataclasses import dataclass
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


@dataclass
class Deploy:
    """One first deploy: wall time, what it did, and where the CPU went."""

    seconds: float
    ops: int
    calls: int
    client_cpu: float
    server_cpu: float
    uploads: int  # code objects put into the code bucket
    upload_bytes: int


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_deploy(folder: Path, parallelism: int, latency: float) -> Deploy:
    """A first deploy into a fresh emulator."""
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.codeset import code_shas
    from scheduler.deploy.engine import apply_plan, plan_catalogue
    from scheduler.deploy.ops_code import PutCodeObject
    from scheduler.local.emulator import Emulator
    from scheduler.resources.artifacts import code_key

    with Emulator(port=free_port()) as emulator:
        clients = Clients(emulator.endpoint_url, latency)
        cat = load_catalogue(folder / "jobs.yaml")
        ctx = plan_catalogue(cat, "dev", clients, layers=(), check_boundary=False)
        clients.calls = 0
        pid = emulator.pid or 0
        server0, client0 = process_cpu(pid), time.process_time()
        t0 = time.perf_counter()
        result = apply_plan(ctx, clients, parallelism=parallelism)
        seconds = time.perf_counter() - t0
        uploads = [op for op in ctx.plan.ops if isinstance(op, PutCodeObject)]
        # The bytes of each uploaded zip (built by apply), found through a job that runs it.
        job_of = {code_key(sha): job for job, sha in code_shas(ctx.codes).items()}
        return Deploy(
            seconds=seconds,
            ops=result.count,
            calls=clients.calls,
            client_cpu=time.process_time() - client0,
            server_cpu=process_cpu(pid) - server0,
            uploads=len(uploads),
            upload_bytes=sum(len(ctx.codes[job_of[op.key]]) for op in uploads),
        )


def describe(label: str, run: Deploy) -> str:
    return (
        f"{label}: {run.seconds:7.2f} s  {run.ops} ops, {run.calls} calls; CPU: client "
        f"{run.client_cpu:.2f} s, server {run.server_cpu:.2f} s"
    )


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
    parser.add_argument("--parallelism", type=int, nargs="+", default=[DEFAULT_PARALLELISM])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--no-noop", action="store_true", help="skip the no-op redeploy")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    cpus = os.cpu_count() or 1
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_catalogue(folder, args.jobs)
        seq = first_deploy(folder, 1, latency)
        runs = [(n, first_deploy(folder, n, latency)) for n in args.parallelism]
        noop = None if args.no_noop else noop_redeploy(folder, args.parallelism[0])
    load_after = os.getloadavg()

    print(
        f"machine: {platform.node()} {platform.machine()} {cpus} cpus, "
        f"python {platform.python_version()}, moto server (local emulator), "
        f"added latency {args.latency_ms:g} ms/call"
    )
    print(
        f"load average (1, 5, 15 min): before {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after {', '.join(f'{x:.2f}' for x in load_after)}"
    )
    print(f"jobs: {args.jobs}")
    print(
        f"code uploaded: {seq.uploads} object(s), {seq.upload_bytes / 1024:.1f} KiB "
        f"(the code bucket holds each distinct zip once)"
    )
    print(describe("first deploy, sequential (parallelism 1)", seq))
    # What the sequential pass would take with no other work on the machine.
    idle = seq.client_cpu + seq.server_cpu + seq.calls * latency
    for n, run in runs:
        floor = max(run.client_cpu, run.server_cpu, (run.client_cpu + run.server_cpu) / cpus)
        print(
            describe(f"first deploy, parallelism {n:<2}          ", run)
            + f"\n  -> {seq.seconds / run.seconds:.2f}x faster than sequential (goal >= 3x); "
            f"CPU floor {floor:.2f} s, so at most {seq.seconds / floor:.2f}x here, and "
            f"{idle / floor:.2f}x on an idle machine (where the sequential pass would take "
            f"about its CPU plus the added latency, {idle:.1f} s)"
        )
    if noop is not None:
        noop_s, start_s, bare_s = noop
        print(
            f"no-op redeploy (CLI): {noop_s:.2f} s; CLI start (--help): {start_s:.2f} s "
            f"(--version: {bare_s:.2f} s) -> {noop_s - start_s:.2f} s beyond start (goal < 0.5 s)"
        )


if __name__ == "__main__":
    main()
