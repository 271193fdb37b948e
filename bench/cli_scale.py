"""CLI-at-scale bench: the offline verbs on a 1,000-job catalogue, as real subprocesses.

Writes a catalogue of N jobs (a spread of cron, AWS cron, rate and time-zone schedules,
one in five on EventBridge rules and the rest on Scheduler, payloads, env and retries,
handlers in a copy of the sample ``jobs/`` package) into a temp folder, then times
``cronbridge --help``, ``validate``, ``list`` and ``next -n 10`` there,
each as a fresh ``cronbridge`` process (what a user or CI waits for, interpreter start
included), and prints the median of R runs, wall time and CPU time (user + system of the
child: on a shared machine the steadier figure). Then ``plan`` once, in a fresh process
against an in-process moto with nothing deployed (the first plan of a 1,000-job stage):
its wall time, and the part of it spent outside AWS calls (every botocore API call is
timed and subtracted), which is the CLI's own share. Usage:
``python bench/cli_scale.py [--jobs 1000] [-r 5] [--no-plan]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRONBRIDGE = Path(sys.executable).with_name("cronbridge")

SCHEDULES = [
    ("'*/5 * * * *'", None),
    ("'0 2 * * *'", None),
    ("'30 7 * * 1-5'", "Europe/Berlin"),
    ("'cron(0 12 ? * MON-FRI *)'", None),
    ("'cron(15 3 L * ? *)'", None),
    ("'rate(10 minutes)'", None),
    ("'0 */4 * * *'", "America/New_York"),
    ("'@daily'", None),
]
HANDLERS = ["jobs.reports:nightly", "jobs.heartbeat:beat", "jobs.cleanup:purge"]


def write_catalogue(folder: Path, jobs: int) -> Path:
    shutil.copytree(ROOT / "jobs", folder / "jobs", ignore=shutil.ignore_patterns("__pycache__"))
    lines = [
        "version: 1",
        "prefix: cronbridge",
        "defaults:",
        "  timeout: 60",
        "  memory: 256",
        "  retries: 2",
        "  tags: {team: platform}",
        "jobs:",
    ]
    for i in range(jobs):
        schedule, zone = SCHEDULES[i % len(SCHEDULES)]
        lines += [
            f"  job-{i:04d}:",
            f"    description: Generated job number {i}",
            f"    schedule: {schedule}",
            f"    handler: {HANDLERS[i % len(HANDLERS)]}",
            f"    payload: {{region: r{i % 7}, shard: {i}}}",
        ]
        if zone:
            lines += [f"    timezone: {zone}"]
        if zone or i % 5:
            # EventBridge allows 300 rules a bus by default; most jobs use Scheduler instead.
            lines += ["    backend: scheduler"]
        if i % 3 == 0:
            lines += ["    retries: {retries: 3, delay: 60, backoff: 2.0, max_delay: 900}"]
        if i % 4 == 0:
            lines += ["    env: {LOG_LEVEL: INFO}", "    tags: {team: data}"]
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _time(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):  # plan --detailed-exitcode style 2 is fine
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


# Run in a fresh interpreter: `cronbridge plan` inside moto's in-process mock, with every
# botocore API call timed, so the CLI's own (non-AWS) time is the rest.
PLAN_PROBE = """
import contextlib, io, json, os, sys, time
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
from moto import mock_aws
import botocore.client
spent = {"wall": 0.0, "calls": 0}
real = botocore.client.BaseClient._make_api_call
def timed(self, name, params):
    began = time.perf_counter()
    try:
        return real(self, name, params)
    finally:
        spent["wall"] += time.perf_counter() - began
        spent["calls"] += 1
botocore.client.BaseClient._make_api_call = timed
from scheduler.cli.main import main
with mock_aws():
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["plan", "-f", sys.argv[1], "--stage", "dev", "--region", "us-east-1"])
    wall = time.perf_counter() - began
print(json.dumps({"code": code, "wall": wall, "api_wall": spent["wall"], "calls": spent["calls"]}))
"""


def plan_local(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", PLAN_PROBE, str(path)],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"plan probe failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=1000, help="catalogue size (default 1000)")
    ap.add_argument("-r", type=int, default=5, help="runs per command; the median is kept")
    ap.add_argument("--no-plan", action="store_true", help="skip the plan measurement")
    opts = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="cronbridge-bench-") as tmp:
        folder = Path(tmp)
        path = write_catalogue(folder, opts.jobs)
        cases = [
            ("cronbridge --help", [str(CRONBRIDGE), "--help"]),
            ("cronbridge validate", [str(CRONBRIDGE), "validate", "-f", str(path)]),
            ("cronbridge list", [str(CRONBRIDGE), "list", "-f", str(path)]),
            ("cronbridge next -n 10", [str(CRONBRIDGE), "next", "-n", "10", "-f", str(path)]),
        ]
        print(f"{opts.jobs} jobs, median of {opts.r} fresh processes (goal: each under 1 s)")
        print(f"{'command':<26} {'wall s':>7} {'min s':>7} {'max s':>7} {'CPU s':>7}")
        base = [str(sys.executable), "-c", "pass"]
        for label, argv in [("python -c pass", base), *cases]:
            runs = [_time(argv, folder) for _ in range(opts.r)]
            walls = [wall for wall, _ in runs]
            cpu = statistics.median(c for _, c in runs)
            print(
                f"{label:<26} {statistics.median(walls):>7.3f} {min(walls):>7.3f} "
                f"{max(walls):>7.3f} {cpu:>7.3f}"
            )
        if not opts.no_plan:
            got = plan_local(path)
            local = got["wall"] - got["api_wall"]
            print(
                f"cronbridge plan (first plan, nothing deployed, in-process moto): "
                f"{got['wall']:.2f} s wall, of which {got['api_wall']:.2f} s in "
                f"{got['calls']:.0f} AWS calls and {local:.2f} s the CLI's own work "
                "(process start and imports not included)"
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
