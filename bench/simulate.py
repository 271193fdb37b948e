"""Simulator bench: `cronbridge local simulate` on the sample and on 100 jobs for a day.

Two figures, each the real CLI as a fresh process (interpreter start and the in-process
deploy included), with its wall time and the CPU time it used (the machines are shared, so
CPU time is the steadier number):

1. the sample catalogue (``jobs.yaml``), 6 simulated hours: 2026-03-29 00:00 to 06:00 UTC;
2. 100 generated jobs every 5 minutes for one simulated day: 28,800 runs.

Then the ratio against the old path, measured in this same run: the simulator with its
run records in moto's DynamoDB table (``ledger="dynamodb"``, what `simulate` did before)
against the in-process store, both in this process on the same shorter windows (the old
path takes many minutes for the full ones), comparing the simulation loop's wall and CPU
time per attempt (deploy excluded). The old path's full-window time is extrapolated from
that per-attempt cost: say so when quoting it. Both share every other change (the
ticker's heap of next fires, the reads kept), so the ratio is the ledger's alone.
Usage: ``python bench/simulate.py [--skip-day]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CRONBRIDGE = Path(sys.executable).with_name("cronbridge")
SAMPLE_FROM, SAMPLE_TO = "2026-03-29T00:00:00Z", "2026-03-29T06:00:00Z"
DAY_FROM, DAY_TO = "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z"


def write_hundred(folder: Path, jobs: int = 100) -> Path:
    """``jobs`` jobs, every 5 minutes, each a trivial handler that succeeds."""
    package = folder / "benchjobs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "h.py").write_text(
        "def run(payload, ctx):\n    return {'shard': payload['shard']}\n"
    )
    lines = ["version: 1", "prefix: cronbridge", "jobs:"]
    for i in range(jobs):
        lines += [
            f"  job-{i:03d}:",
            "    schedule: '*/5 * * * *'",
            "    handler: benchjobs.h:run",
            f"    payload: {{shard: {i}}}",
            "    retries: 0",
        ]
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(catalogue: Path, start: str, end: str) -> dict[str, Any]:
    """One `cronbridge local simulate --json` process: wall, CPU and its summary line."""
    argv = [str(CRONBRIDGE), "local", "simulate", "-f", str(catalogue)]
    argv += ["--from", start, "--to", end, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=catalogue.parent, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "summary": summary}


def loop_seconds(
    catalogue: Path, start: str, minutes: int, ledger: str
) -> tuple[float, float, int]:
    """In this process: the simulation loop's wall and CPU time (deploy excluded) and its
    attempts. Only one virtual thread runs at a time, so the process's CPU time is the
    simulation's."""
    from scheduler.catalogue import load_catalogue
    from scheduler.cli.local import deploy_catalogue
    from scheduler.local.simulate import simulate

    deploy_cpu: list[float] = []

    def deploy(catalogue: Any, stage: str, clients: Any) -> Any:
        began = time.process_time()
        try:
            return deploy_catalogue(catalogue, stage, clients)
        finally:
            deploy_cpu.append(time.process_time() - began)

    begin = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
    cpu = time.process_time()
    result = simulate(
        load_catalogue(catalogue),
        start=begin,
        end=begin + timedelta(minutes=minutes),
        stage="sim",
        deploy=deploy,
        ledger=ledger,  # type: ignore[arg-type]
    )
    cpu = time.process_time() - cpu - sum(deploy_cpu)
    return result.wall_seconds, cpu, len(result.rows)


def compare(label: str, catalogue: Path, start: str, minutes: int, full_attempts: int) -> None:
    new_s, new_cpu, new_n = loop_seconds(catalogue, start, minutes, "memory")
    old_s, old_cpu, old_n = loop_seconds(catalogue, start, minutes, "dynamodb")
    assert new_n == old_n, (new_n, old_n)
    new_per, old_per = new_s / new_n, old_s / old_n
    print(
        f"  {label}: {minutes} simulated min, {new_n} attempts: in-process ledger {new_s:.2f} s "
        f"wall, {new_cpu:.2f} s CPU ({new_per * 1000:.1f} ms/attempt); moto DynamoDB ledger "
        f"{old_s:.2f} s wall, {old_cpu:.2f} s CPU ({old_per * 1000:.1f} ms/attempt): "
        f"{old_per / new_per:.1f}x wall, {old_cpu / new_cpu:.1f}x CPU; the old path would take "
        f"about {old_per * full_attempts:.0f} s for the full window's {full_attempts} attempts "
        "(extrapolated per attempt, deploy excluded)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-day", action="store_true", help="only the sample's 6 hours")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPU(s), load average {load:.1f} at start")

    sample = ROOT / "jobs.yaml"
    got = run_cli(sample, SAMPLE_FROM, SAMPLE_TO)
    s = got["summary"]
    print(
        f"sample catalogue, {SAMPLE_FROM} .. {SAMPLE_TO}: {s['attempts']} attempts in "
        f"{got['wall']:.1f} s wall ({got['cpu']:.1f} s CPU); goal < 10 s"
    )
    with tempfile.TemporaryDirectory(prefix="cronbridge-bench-sim-") as tmp:
        hundred = write_hundred(Path(tmp))
        if not args.skip_day:
            got = run_cli(hundred, DAY_FROM, DAY_TO)
            s = got["summary"]
            print(
                f"100 jobs every 5 minutes, {DAY_FROM} .. {DAY_TO}: {s['attempts']} attempts "
                f"in {got['wall']:.1f} s wall ({got['cpu']:.1f} s CPU); goal < 120 s"
            )
        print("against the old path (run records in moto's DynamoDB), same windows, this run:")
        from scheduler.awsclients import local_credentials_env

        os.environ.update(local_credentials_env())
        compare("sample", sample, SAMPLE_FROM, 60, 721)
        compare("100 jobs", hundred, DAY_FROM, 10, 28_800)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
