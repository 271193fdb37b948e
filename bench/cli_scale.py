"""CLI-at-scale bench: the offline verbs on a 1,000-job catalogue, as real subprocesses.

Writes a catalogue of N jobs (a spread of cron, AWS cron, rate and time-zone schedules,
one in five on EventBridge rules and the rest on Scheduler, payloads, env and retries,
handlers in a copy of the sample ``jobs/`` package) into a temp folder, then times
``cronbridge --help``, ``validate``, ``list`` and ``next -n 10`` there,
each as a fresh ``cronbridge`` process (what a user or CI waits for, interpreter start
included), and prints the median of R runs. ``plan`` needs AWS and is not timed here.
Usage: ``python bench/cli_scale.py [--jobs 1000] [-r 5]``.
"""

from __future__ import annotations

import argparse
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


def _time(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=1000, help="catalogue size (default 1000)")
    ap.add_argument("-r", type=int, default=5, help="runs per command; the median is kept")
    opts = ap.parse_args()
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
        print(f"{'command':<26} {'median s':>9} {'min s':>7} {'max s':>7}")
        base = [str(sys.executable), "-c", "pass"]
        bare = statistics.median(_time(base, folder) for _ in range(opts.r))
        print(f"{'python -c pass':<26} {bare:>9.3f}")
        for label, argv in cases:
            times = [_time(argv, folder) for _ in range(opts.r)]
            print(
                f"{label:<26} {statistics.median(times):>9.3f} {min(times):>7.3f} "
                f"{max(times):>7.3f}"
            )


if __name__ == "__main__":
    main()
