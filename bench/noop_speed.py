"""No-op redeploy and plan through the real CLI against the local emulator, against the
CLI's own start.

Deploys a generated catalogue of N jobs (bench/plan_calls.py's) into a fresh moto server
(the local emulator's, one request at a time), then times fresh ``cronbridge`` processes
in the catalogue's folder, interleaved so that a change in the machine's load hits every
command alike: ``cronbridge --help`` (the CLI's start: the interpreter, the CLI module and
every verb's parser), a no-op ``deploy --yes`` and a ``plan`` of the deployed stage. It
checks that the deploy really was a no-op (``--json``: nothing applied) and prints the
median of R runs of each, and what the deploy and plan take beyond the start (goal of issue
10: a no-op redeploy of 300 jobs under 0.5 s beyond the start).

Run: .venv/bin/python bench/noop_speed.py [--jobs 300] [-r 5] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.plan_calls import write_catalogue  # noqa: E402

CRONBRIDGE = REPO / ".venv" / "bin" / "cronbridge"
GOAL_BEYOND_START = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, tree: Path | None = None
) -> tuple[float, str]:
    """(wall seconds, stdout) of one fresh ``cronbridge ARGS`` process; with ``tree``, the
    ``scheduler`` package of that folder instead (``python -m scheduler``, same venv)."""
    argv = [str(CRONBRIDGE), *args]
    if tree is not None:
        env = {**env, "PYTHONPATH": str(tree)}
        argv = [sys.executable, "-m", "scheduler", *args]
    began = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    if done.returncode not in (0, 2):
        raise SystemExit(f"cronbridge {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return wall, done.stdout


# The floor under any no-op plan made with botocore: a fresh interpreter that imports
# botocore, builds the seven clients the plan reads with, and sends the same listing calls
# (eight at once, as the plan does), with no cronbridge code at all.
READS_ALONE = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import botocore.session
from botocore.config import Config
endpoint, base, path, table, queue, filters = sys.argv[1:7]
session = botocore.session.Session()
config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)
def client(name):
    return session.create_client(
        name, region_name="us-east-1", endpoint_url=endpoint, config=config
    )
def pages(c, op, key, **kw):
    return [x for page in c.get_paginator(op).paginate(**kw) for x in page.get(key, [])]
def roles(c):
    found = pages(c, "list_roles", "Roles", PathPrefix=path, PaginationConfig={"PageSize": 1000})
    c.get_role(RoleName=base + "-scheduler")
    return found
def groups(c):
    pages(c, "list_schedule_groups", "ScheduleGroups", NamePrefix=base)
    return pages(
        c, "list_schedules", "Schedules", GroupName=base, PaginationConfig={"PageSize": 100}
    )
types = ["lambda:function", "dynamodb:table", "sqs:queue", "sns"]
reads = [
    ("iam", roles),
    ("resourcegroupstaggingapi", lambda c: pages(c, "get_resources", "ResourceTagMappingList",
        TagFilters=json.loads(filters), ResourceTypeFilters=types, ResourcesPerPage=100,
        TagsPerPage=500)),
    ("lambda", lambda c: pages(c, "list_functions", "Functions",
        PaginationConfig={"PageSize": 50})),
    ("events", lambda c: pages(c, "list_rules", "Rules", NamePrefix=base + "-",
        PaginationConfig={"PageSize": 100})),
    ("scheduler", groups),
    ("dynamodb", lambda c: c.describe_table(TableName=table)),
    ("sqs", lambda c: c.get_queue_url(QueueName=queue)),
]
with ThreadPoolExecutor(8) as pool:
    futures = []
    for name, read in reads:
        futures.append(pool.submit(read, client(name)))
    for future in futures:
        future.result()
"""


def reads_alone(endpoint: str, env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of READS_ALONE in a fresh interpreter."""
    from scheduler.names import ownership_tags

    filters = [{"Key": k, "Values": [v]} for k, v in sorted(ownership_tags("bench", "dev").items())]
    args = [endpoint, "bench-dev", "/cronbridge/bench/dev/", "bench-dev-runs"]
    args += ["bench-dev-dead-letter", json.dumps(filters)]
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", READS_ALONE, *args], cwd=cwd, env=env, check=True)
    return time.perf_counter() - began


def bare_python(env: dict[str, str], cwd: Path) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], cwd=cwd, env=env, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("-r", type=int, default=5, help="runs of each command (median kept)")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also time the no-op deploy with the scheduler package in DIR (an older tree, "
        "e.g. from `git archive REV scheduler | tar -x -C DIR`), interleaved in the same run",
    )
    opts = parser.parse_args()

    from scheduler.awsclients import AwsClients, local_credentials_env
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_catalogue
    from scheduler.local.emulator import Emulator

    env = {**os.environ, **local_credentials_env()}
    env.pop("CRONBRIDGE_LOCAL", None)
    env.pop("AWS_PROFILE", None)
    # An installed CLI runs from cached bytecode; a shell that sets PYTHONDONTWRITEBYTECODE
    # would make every process here recompile the whole tree (the warm-up writes it once).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.update(local_credentials_env())
    with (
        tempfile.TemporaryDirectory(prefix="cronbridge-noop-") as tmp,
        Emulator(port=free_port()) as emulator,
    ):
        folder = Path(tmp)
        write_catalogue(folder, opts.jobs)
        began = time.perf_counter()
        clients = AwsClients(region="us-east-1", endpoint_url=emulator.endpoint_url)
        catalogue = load_catalogue(folder / "jobs.yaml")
        apply_catalogue(catalogue, "dev", clients, layers=(), check_boundary=False, parallelism=10)
        deployed = time.perf_counter() - began
        aws = ["--stage", "dev", "--endpoint-url", emulator.endpoint_url]
        cases = {
            "help": ["--help"],
            "deploy": ["deploy", "--yes", "--json", *aws],
            "plan": ["plan", *aws],
        }
        reads_alone(emulator.endpoint_url, env, folder)  # the first run compiles bytecode
        # One warm-up of each (the first run of a fresh tree compiles bytecode, and the
        # first deploy writes the build cache a later deploy from the same folder reads).
        for args in cases.values():
            run_cli(args, env, folder)
        if opts.before is not None:
            run_cli(cases["deploy"], env, folder, opts.before)
        times: dict[str, list[float]] = {name: [] for name in [*cases, "python", "reads", "before"]}
        load_start = os.getloadavg()[0]
        for _ in range(opts.r):
            if opts.before is not None:
                wall, out = run_cli(cases["deploy"], env, folder, opts.before)
                times["before"].append(wall)
                _check_noop(out)
            times["python"].append(bare_python(env, folder))
            times["reads"].append(reads_alone(emulator.endpoint_url, env, folder))
            for name, args in cases.items():
                wall, out = run_cli(args, env, folder)
                times[name].append(wall)
                if name == "deploy":
                    _check_noop(out)
        load_end = os.getloadavg()[0]
    report(times, opts, deployed, (load_start, load_end))


def _check_noop(out: str) -> None:
    applied = json.loads(out).get("applied")
    if applied:  # the number of operations applied
        raise SystemExit(f"the redeploy was not a no-op: it applied {applied}")


def report(
    times: dict[str, list[float]],
    opts: argparse.Namespace,
    deployed: float,
    loads: tuple[float, float],
) -> None:
    load_start, load_end = loads
    med = {name: statistics.median(values) for name, values in times.items() if values}
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"python {platform.python_version()}, moto server (local emulator); "
        f"load average {load_start:.2f} -> {load_end:.2f}"
    )
    print(f"jobs: {opts.jobs} (first deploy {deployed:.1f} s); median of {opts.r} fresh processes")
    for name, label in [
        ("python", "python -c pass"),
        ("reads", "the reads alone (botocore, no cronbridge)"),
        ("help", "cronbridge --help (the CLI's start)"),
        ("before", "no-op deploy --yes, the --before tree"),
        ("deploy", "no-op deploy --yes"),
        ("plan", "plan (no changes)"),
    ]:
        values = times[name]
        if values:
            print(
                f"  {label:<44} {med[name]:6.3f} s  (min {min(values):.3f}, max {max(values):.3f})"
            )
    if times["before"]:
        before, now = med["before"] - med["help"], med["deploy"] - med["help"]
        print(
            f"no-op redeploy beyond start, before -> now: {before:.3f} s -> {now:.3f} s "
            f"({before / now:.2f}x less)"
        )
    beyond = med["deploy"] - med["help"]
    verdict = "met" if beyond < GOAL_BEYOND_START else "NOT met"
    print(
        f"no-op redeploy: {med['deploy']:.3f} s = CLI start {med['help']:.3f} s + {beyond:.3f} s "
        f"beyond start; {beyond / GOAL_BEYOND_START:.2f}x the goal of "
        f"{GOAL_BEYOND_START} s beyond start ({verdict})"
    )
    print(f"plan of the deployed stage: {med['plan'] - med['help']:.3f} s beyond start")
    floor = med["reads"] - med["python"]
    print(
        f"the reads alone (import botocore, build the 7 clients, send the same listings) take "
        f"{floor:.3f} s beyond a bare interpreter ({floor / GOAL_BEYOND_START:.2f}x the goal); "
        f"cronbridge's own share of the no-op deploy is {med['deploy'] - med['reads']:.3f} s"
    )


if __name__ == "__main__":
    main()
