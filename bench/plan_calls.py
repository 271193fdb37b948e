"""Count AWS calls of plan/deploy for 300- and 1,000-job catalogues against moto (in-process).

Generates the catalogue in a temp folder, deploys it, then measures: a no-op plan (calls,
wall time), a no-op redeploy (mutating calls), and a one-job change (which resources the
writes touch). Calls are counted with botocore's ``before-call`` event on each client.

moto does not page as AWS does (its ListFunctions returns every function in one page, its
GetResources pages by tags), so the no-op plan is also given as AWS would page it: each
listing's items divided by the page size the API allows (AWS_PAGES), every other call as
is. Goal (issue 10): at most 20 calls at 300 jobs, 50 at 1,000.
Run: .venv/bin/python bench/plan_calls.py [--jobs 300 1000]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

READ_PREFIXES = ("Get", "List", "Describe", "Query")  # DynamoDB Query reads (pauses)
GOALS = {300: 20, 1000: 50}
RULES_QUOTA = 290  # past 300 jobs, the jobs kept on EventBridge rules
# Listing -> (items key, largest page AWS returns). GetResources' page also ends at 500 tags.
AWS_PAGES = {
    "ListFunctions": ("Functions", 50),
    "GetResources": ("ResourceTagMappingList", 100),
    "ListRules": ("Rules", 100),
    "ListSchedules": ("Schedules", 100),
    "ListScheduleGroups": ("ScheduleGroups", 100),
    "ListRoles": ("Roles", 1000),
    "DescribeLogGroups": ("logGroups", 50),
}
_TOKENS = ("NextToken", "nextToken", "Marker", "PaginationToken")


class CountingClients:
    """AwsClients whose clients report every API call to one counter."""

    def __init__(self, region: str) -> None:
        from scheduler.awsclients import AwsClients

        self.inner = AwsClients(region=region)
        self.region_name = region
        self.calls: list[tuple[str, dict[str, Any]]] = []
        # One entry per listing (its continuation pages folded in): [operation, items, tags]
        self.listings: list[list[Any]] = []
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        client = self.inner.client(service)
        if service not in self._hooked:
            # before-call counts requests actually sent (each page of a paginator);
            # before-parameter-build sees the API parameters, to name what a write touches.
            client.meta.events.register("before-call.*.*", self._record)
            client.meta.events.register("before-parameter-build.*.*", self._params)
            client.meta.events.register("after-call.*.*", self._listed)
            self._hooked.add(service)
        return client

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        self._last_params = dict(params)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append((model.name, getattr(self, "_last_params", {})))

    def _listed(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name not in AWS_PAGES:
            return
        items = parsed.get(AWS_PAGES[model.name][0]) or []
        tags = sum(len(i.get("Tags") or []) for i in items if isinstance(i, dict))
        params = getattr(self, "_last_params", {})
        if any(params.get(t) for t in _TOKENS) and self.listings:
            self.listings[-1][1] += len(items)
            self.listings[-1][2] += tags
        else:
            self.listings.append([model.name, len(items), tags])

    def reset(self) -> list[tuple[str, dict[str, Any]]]:
        calls, self.calls = self.calls, []
        self.listings = []
        return calls

    def aws_calls(self, calls: list[tuple[str, dict[str, Any]]]) -> int:
        """The calls as AWS would page the same listings (see the module docstring)."""
        others = sum(1 for name, _ in calls if name not in AWS_PAGES)
        pages = 0
        for name, items, tags in self.listings:
            per_page = AWS_PAGES[name][1]
            need = math.ceil(items / per_page)
            if name == "GetResources":
                need = max(need, math.ceil(tags / 500))
            pages += max(1, need)
        return others + pages


def write_catalogue(folder: Path, jobs: int, *, changed: int | None = None) -> Path:
    shutil.copytree(
        Path(__file__).resolve().parent.parent / "jobs", folder / "jobs", dirs_exist_ok=True
    )
    lines = ["version: 1", "prefix: bench", "jobs:"]
    for i in range(jobs):
        minute = (i + (1 if changed == i else 0)) % 60
        lines += [
            f"  job-{i:03d}:",
            f'    schedule: "{minute} {i % 24} * * *"',
            "    handler: jobs.heartbeat:beat",
            f"    payload: {{n: {i}}}",
        ]
        if jobs > 300 and i >= RULES_QUOTA:
            # EventBridge allows 300 rules a bus by default (validate enforces it): the
            # rest run on EventBridge Scheduler, as a catalogue that large would.
            lines.append("    backend: scheduler")
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def mutating(calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [c for c in calls if not c[0].startswith(READ_PREFIXES)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, nargs="+", default=[300, 1000])
    sizes = parser.parse_args().jobs
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"python {platform.python_version()}, in-process moto (mock_aws)"
    )
    for n in sizes:
        measure(n)


def measure(n: int) -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    from moto import mock_aws

    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_catalogue, plan_catalogue
    from scheduler.deploy.zipbuild import build_zip

    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        folder = Path(tmp)
        cat = load_catalogue(write_catalogue(folder, n))
        clients = CountingClients("us-east-1")
        # Built once, as one CLI command does; the tree may change under a long benchmark.
        code = build_zip(cat.root, sorted({j.handler_module for j in cat.jobs.values()}))

        t0 = time.perf_counter()
        first = apply_catalogue(cat, "dev", clients, layers=(), code=code)
        first_s = time.perf_counter() - t0
        first_calls = clients.reset()

        t0 = time.perf_counter()
        ctx = plan_catalogue(cat, "dev", clients, layers=(), code=code)
        plan_s = time.perf_counter() - t0
        plan_aws = clients.aws_calls(clients.calls)
        plan_calls = clients.reset()
        assert not ctx.plan.has_changes, [op.describe() for op in ctx.plan.ops]

        t0 = time.perf_counter()
        apply_catalogue(cat, "dev", clients, layers=(), code=code)
        redeploy_s = time.perf_counter() - t0
        redeploy_calls = clients.reset()

        cat2 = load_catalogue(write_catalogue(folder, n, changed=7))
        t0 = time.perf_counter()
        apply_catalogue(cat2, "dev", clients, layers=(), code=code)
        change_s = time.perf_counter() - t0
        change_calls = clients.reset()

    print(f"jobs: {n}")
    print(
        f"first deploy:     {len(first_calls):5d} calls, {len(mutating(first_calls)):5d} "
        f"mutating, {first.count} ops, {first_s:6.2f} s"
    )
    print(
        f"no-op plan:       {len(plan_calls):5d} calls, {len(mutating(plan_calls)):5d} "
        f"mutating, {plan_s:6.2f} s   {dict(Counter(c[0] for c in plan_calls))}"
    )
    goal = GOALS.get(n)
    print(
        f"no-op plan as AWS pages it: {plan_aws} calls"
        + (f" (goal <= {goal}: {'met' if plan_aws <= goal else 'NOT met'})" if goal else "")
    )
    print(
        f"no-op redeploy:   {len(redeploy_calls):5d} calls, "
        f"{len(mutating(redeploy_calls)):5d} mutating, {redeploy_s:6.2f} s"
    )
    writes = mutating(change_calls)
    touched = sorted(
        {
            str(p.get("FunctionName") or p.get("Name") or p.get("Resource") or p.get("Rule"))
            for _, p in writes
        }
    )
    print(
        f"one-job change:   {len(change_calls):5d} calls, {len(writes):5d} mutating, "
        f"{change_s:6.2f} s   writes={[w[0] for w in writes]} touching={touched}"
    )


if __name__ == "__main__":
    main()
