"""CLI-at-scale bench: the offline verbs on a 1,000-job catalogue, as real subprocesses.

Writes a catalogue of N jobs (a spread of cron, AWS cron, rate and time-zone schedules,
one in five on EventBridge rules and the rest on Scheduler, payloads, env and retries,
handlers in a copy of the sample ``jobs/`` package) into a temp folder, then times
``cronbridge --help``, ``validate``, ``list`` and ``next -n 10`` there,
each as a fresh ``cronbridge`` process (what a user or CI waits for, interpreter start
included), and prints the median of R runs, wall time and CPU time (user + system of the
child: on a shared machine the steadier figure). Then ``plan`` against the local emulator
(moto's server, one request at a time) with nothing deployed, the first plan of a
1,000-job stage: as a fresh process (median of R, interleaved with ``--help``, the CLI's
start, in the same environment; with ``--before DIR``, also this tree's and DIR's plan as
``python -m scheduler``, interleaved, wall and CPU), and once more in-process with every
botocore API call timed, which splits the command's own time (after the interpreter and
the imports) into the AWS calls and the CLI's own work. Goal (issue 10): the plan under 1 s. Usage:
``python bench/cli_scale.py [--jobs 1000] [-r 5] [--no-plan] [--before DIR]``.
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


def _time(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):  # plan --detailed-exitcode style 2 is fine
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


# Run in a fresh interpreter: `cronbridge plan` against the emulator, with every botocore
# API call timed, so the command's own (non-AWS) time is the rest.
PLAN_PROBE = """
import contextlib, io, json, sys, threading, time
import botocore.client
spent = {"wall": 0.0, "calls": 0}
lock = threading.Lock()
real = botocore.client.BaseClient._make_api_call
def timed(self, name, params):
    began = time.perf_counter()
    try:
        return real(self, name, params)
    finally:
        with lock:
            spent["wall"] += time.perf_counter() - began
            spent["calls"] += 1
botocore.client.BaseClient._make_api_call = timed
began = time.perf_counter()
from scheduler.cli.main import main
imported = time.perf_counter() - began
began = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["plan", "-f", sys.argv[1], "--stage", "dev", "--endpoint-url", sys.argv[2]])
wall = time.perf_counter() - began
print(json.dumps({"code": code, "wall": wall, "api_wall": spent["wall"],
                  "calls": spent["calls"], "imported": imported}))
"""

GOAL_PLAN = 1.0


def _plan_env() -> dict[str, str]:
    from scheduler.awsclients import local_credentials_env

    env = {**os.environ, **local_credentials_env()}
    for key in ("CRONBRIDGE_LOCAL", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(key, None)
    # An installed CLI runs from cached bytecode; a shell that sets PYTHONDONTWRITEBYTECODE
    # would make every process recompile the tree (the warm-up writes it once).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def plan_on_emulator(path: Path, runs: int, before: Path | None = None) -> None:
    """The first plan of the catalogue against a fresh local emulator: fresh processes
    (median of ``runs``, beside ``--help`` in the same environment), then the probe.
    ``before``: a folder holding an older ``scheduler`` package, whose plan is timed too
    (``python -m scheduler`` with it first on the path), interleaved."""
    import socket

    from scheduler.local.emulator import Emulator

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = _plan_env()
    with Emulator(port=port) as emulator:
        plan = [str(CRONBRIDGE), "plan", "-f", str(path), "--stage", "dev"]
        plan += ["--endpoint-url", emulator.endpoint_url]
        start = [str(CRONBRIDGE), "--help"]
        # With --before, this tree's plan is also run as the older one is (python -m
        # scheduler, the tree first on the path), so the two differ only in their code.
        old = [sys.executable, "-m", "scheduler", *plan[1:]]
        old_env = {**env, "PYTHONPATH": str(before)}
        new_env = {**env, "PYTHONPATH": str(ROOT)}
        for argv in (start, plan):  # warm-up: bytecode, the code build cache
            _time(argv, path.parent, env)
        if before is not None:
            _time(old, path.parent, old_env)
            _time(old, path.parent, new_env)
        walls: dict[str, list[float]] = {"start": [], "plan": [], "before": [], "now": []}
        cpus: dict[str, list[float]] = {"plan": [], "before": [], "now": []}
        for _ in range(runs):
            if before is not None:
                for key, tree_env in (("before", old_env), ("now", new_env)):
                    wall, cpu = _time(old, path.parent, tree_env)
                    walls[key].append(wall)
                    cpus[key].append(cpu)
            walls["start"].append(_time(start, path.parent, env)[0])
            wall, cpu = _time(plan, path.parent, env)
            walls["plan"].append(wall)
            cpus["plan"].append(cpu)
        done = subprocess.run(
            [sys.executable, "-c", PLAN_PROBE, str(path), emulator.endpoint_url],
            cwd=path.parent, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"plan probe failed:\n{done.stderr}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    plan_s, start_s = statistics.median(walls["plan"]), statistics.median(walls["start"])
    print(
        f"cronbridge plan (first plan, nothing deployed, local emulator), median of {runs} "
        f"fresh processes: {plan_s:.3f} s wall (min {min(walls['plan']):.3f}), "
        f"{statistics.median(cpus['plan']):.3f} s CPU; CLI start (--help) {start_s:.3f} s"
    )
    if walls["before"]:
        print("  as `python -m scheduler plan`, interleaved (median / min wall, median CPU):")
        for key, label in (("before", "the --before tree"), ("now", "this tree")):
            print(
                f"    {label:<18} {statistics.median(walls[key]):.3f} / {min(walls[key]):.3f} s "
                f"wall, {statistics.median(cpus[key]):.3f} s CPU"
            )
        gain = statistics.median(cpus["before"]) / statistics.median(cpus["now"])
        print(f"    -> this tree takes {1 / gain:.2f}x the older one's CPU ({gain:.2f}x less)")
    print(
        f"  -> {plan_s / GOAL_PLAN:.2f}x the goal of {GOAL_PLAN:g} s for the whole process; "
        f"{plan_s - start_s:.3f} s beyond the CLI's start "
        f"({(plan_s - start_s) / GOAL_PLAN:.2f}x the goal)"
    )
    local = got["wall"] - got["api_wall"]
    print(
        f"  in-process: imports {got['imported']:.2f} s, then {got['wall']:.2f} s, of which "
        f"{got['api_wall']:.2f} s in {got['calls']:.0f} AWS calls (summed over threads) and "
        f"{local:.2f} s the CLI's own work"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=1000, help="catalogue size (default 1000)")
    ap.add_argument("-r", type=int, default=5, help="runs per command; the median is kept")
    ap.add_argument("--no-plan", action="store_true", help="skip the plan measurement")
    ap.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also time plan with the scheduler package in DIR (an older tree)",
    )
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
            plan_on_emulator(path, opts.r, opts.before)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
