"""Cold-start bench: import cost of the worker entry vs boto3 + powertools Logger/Metrics.

Each case runs in N fresh interpreters (``python -c``); we report the median in-process
import wall time, the median whole-process wall time and the median peak RSS
(``ru_maxrss``). It also checks that the entry's import pulled in no pydantic, yaml,
croniter, catalogue or schedule module. Usage: ``python bench/coldstart.py [-n 9]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES: list[tuple[str, str]] = [
    ("bare interpreter", "pass"),
    (
        "boto3 + powertools Logger + Metrics (baseline)",
        "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n"
        "Logger(service='b'); Metrics(namespace='b')",
    ),
    ("import scheduler.worker.entry", "import scheduler.worker.entry"),
    (
        "baseline + a dynamodb client",
        "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n"
        "Logger(service='b'); Metrics(namespace='b')\n"
        "boto3.client('dynamodb', region_name='us-east-1')",
    ),
    (
        "worker entry + a dynamodb client",
        "from scheduler.worker.entry import WorkerClients\n"
        "WorkerClients(region='us-east-1').client('dynamodb')",
    ),
    (
        "baseline + dynamodb, sqs, scheduler clients",
        "import boto3\nfrom aws_lambda_powertools import Logger, Metrics\n"
        "Logger(service='b'); Metrics(namespace='b')\n"
        "s = boto3.session.Session()\n"
        "for n in ('dynamodb', 'sqs', 'scheduler'): s.client(n, region_name='us-east-1')",
    ),
    (
        "worker entry + its runtime (first invocation: 3 clients)",
        "import os\nfrom scheduler.worker.entry import build_runtime\n"
        "build_runtime({'CRONBRIDGE_JOB': 'j', 'CRONBRIDGE_HANDLER': 'm:f', "
        "'CRONBRIDGE_TABLE': 't', 'AWS_REGION': 'us-east-1'})",
    ),
]

PROBE = """
import resource, sys, time, json
t0 = time.perf_counter()
exec(compile({code!r}, "<case>", "exec"))
dt = time.perf_counter() - t0
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "yaml", "croniter")
             or m.startswith(("scheduler.catalogue", "scheduler.schedule")))
print(json.dumps({{"import_s": dt, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "forbidden": bad}}))
"""


def measure(code: str, runs: int) -> dict[str, float | list[str]]:
    imports, walls, rss = [], [], []
    forbidden: list[str] = []
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(code=code)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        ).stdout
        walls.append(time.perf_counter() - start)
        data = json.loads(out.strip().splitlines()[-1])
        imports.append(data["import_s"])
        rss.append(data["rss_kb"] / 1024)
        forbidden = data["forbidden"]
    return {
        "import_s": statistics.median(imports),
        "wall_s": statistics.median(walls),
        "rss_mib": statistics.median(rss),
        "forbidden": forbidden,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=9, help="fresh processes per case")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; median of {args.runs} fresh processes"
    )
    results = {name: measure(code, args.runs) for name, code in CASES}
    width = max(len(n) for n in results)
    print(f"{'case':<{width}}  {'import':>8}  {'process':>8}  {'peak RSS':>9}")
    for name, r in results.items():
        print(
            f"{name:<{width}}  {r['import_s']:>7.3f}s  {r['wall_s']:>7.3f}s  "
            f"{r['rss_mib']:>6.1f} MiB"
        )
    base = results["boto3 + powertools Logger + Metrics (baseline)"]
    entry = results["import scheduler.worker.entry"]
    full_base = results["baseline + a dynamodb client"]
    full_entry = results["worker entry + a dynamodb client"]
    init_base = results["baseline + dynamodb, sqs, scheduler clients"]
    init_entry = results["worker entry + its runtime (first invocation: 3 clients)"]
    print(
        f"entry import / baseline import: {entry['import_s'] / base['import_s']:.2f}x "
        f"({(entry['import_s'] - base['import_s']) * 1000:+.0f} ms)"
    )
    print(
        f"entry + client / baseline + client: "
        f"{full_entry['import_s'] / full_base['import_s']:.2f}x "
        f"({(full_entry['import_s'] - full_base['import_s']) * 1000:+.0f} ms)"
    )
    print(
        f"entry + runtime / baseline + 3 clients: "
        f"{init_entry['import_s'] / init_base['import_s']:.2f}x "
        f"({(init_entry['import_s'] - init_base['import_s']) * 1000:+.0f} ms)"
    )
    bad = entry["forbidden"]
    print(
        f"modules the entry must not import (pydantic/yaml/croniter/catalogue/schedule): "
        f"{', '.join(bad) if bad else 'none'}"
    )  # type: ignore[arg-type]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
