"""InterruptedCallError deploys converge: cut a deploy after N AWS calls, for many N, then rerun it.

For each N, in a fresh in-process moto account: (first deploy) or (deploy, then an update
that changes, adds and removes jobs) is interrupted at its N-th AWS call, either before the
request is sent or after AWS applied it but before the answer arrived (a lost response).
Then deploy runs again, undisturbed. The trial converged when the next plan, cheap and
deep (``--refresh``), has no change at all. The interruption is a client wrapper injected
through the engine's ``clients`` parameter (botocore's before-call / after-call events),
the same path the CLI uses; nothing of cronbridge is patched.

``rows()`` returns one dict per scenario (scenario, trials, converged) for
bench/reliability.py; run alone: .venv/bin/python bench/reliability_deploy.py [--step 7]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


class InterruptedCallError(ConnectionError):
    """The injected failure: a connection lost at the N-th call."""


class CuttingClients:
    """AwsClients that raise at call number ``cut`` (1-based), before sending or after the
    answer came back (the write happened, the caller never hears of it)."""

    def __init__(self, cut: int | None, when: str = "before") -> None:
        from scheduler.awsclients import AwsClients

        self.inner = AwsClients(region="us-east-1")
        self.region_name = "us-east-1"
        self.cut = cut
        self.when = when
        self.calls = 0
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        client = self.inner.client(service)
        if service not in self._hooked:
            client.meta.events.register("before-call.*.*", self._before)
            client.meta.events.register("after-call.*.*", self._after)
            self._hooked.add(service)
        return client

    def _before(self, **_: Any) -> None:
        self.calls += 1
        if self.when == "before" and self.calls == self.cut:
            raise InterruptedCallError(f"injected: connection lost before call {self.calls}")

    def _after(self, **_: Any) -> None:
        if self.when == "after" and self.calls == self.cut:
            raise InterruptedCallError(f"injected: answer to call {self.calls} lost")


def _code() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("scheduler/__init__.py", "")
    return buf.getvalue()


CODE = _code()
UPDATE_EDITS = (
    # an existing job changes (schedule and timeout), one is removed, one is added
    ('schedule: "*/2 * * * *"', 'schedule: "*/3 * * * *"'),
    ("    timeout: 300\n", "    timeout: 240\n"),
)


def _folder(root: Path, *, updated: bool) -> Path:
    folder = root / ("updated" if updated else "base")
    if folder.exists():
        return folder / "jobs.yaml"
    folder.mkdir()
    shutil.copytree(REPO / "jobs", folder / "jobs")
    text = (REPO / "jobs.yaml").read_text()
    if updated:
        for old, new in UPDATE_EDITS:
            assert old in text, old
            text = text.replace(old, new)
        cut_from = text.index("  cleanup-tmp:")
        text = text[:cut_from] + (
            '  added-job:\n    schedule: "15 4 * * *"\n    handler: jobs.heartbeat:beat\n'
        )
    (folder / "jobs.yaml").write_text(text)
    return folder / "jobs.yaml"


def _deploy(path: Path, clients: Any) -> None:
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import apply_plan, plan_catalogue

    ctx = plan_catalogue(load_catalogue(path), "dev", clients, layers=(), code=CODE)
    apply_plan(ctx, clients, sleep=lambda _s: None)


def _converged(path: Path, clients: Any) -> bool:
    from scheduler.catalogue import load_catalogue
    from scheduler.deploy.engine import plan_catalogue

    cat = load_catalogue(path)
    for refresh in (False, True):
        plan = plan_catalogue(cat, "dev", clients, layers=(), code=CODE, refresh=refresh).plan
        if plan.has_changes:
            return False
    return True


def _calls_of(scenario: str, root: Path) -> int:
    """How many AWS calls the undisturbed deploy of ``scenario`` makes."""
    from moto import mock_aws

    with mock_aws():
        if scenario == "update":
            _deploy(_folder(root, updated=False), CuttingClients(None))
        counter = CuttingClients(None)
        _deploy(_folder(root, updated=scenario == "update"), counter)
        return counter.calls


def _trial(scenario: str, root: Path, cut: int, when: str) -> bool:
    from moto import mock_aws

    from scheduler.errors import CronbridgeError

    with mock_aws():
        if scenario == "update":
            _deploy(_folder(root, updated=False), CuttingClients(None))
        target = _folder(root, updated=scenario == "update")
        # The interruption surfaces as AwsCallError naming the lost call.
        with contextlib.suppress(CronbridgeError, InterruptedCallError):
            _deploy(target, CuttingClients(cut, when))
        try:
            _deploy(target, CuttingClients(None))
            return _converged(target, CuttingClients(None))
        except CronbridgeError as err:
            print(f"  {scenario} cut {when} call {cut}: rerun failed: {err}", file=sys.stderr)
            return False


def rows(step: int = 7) -> list[dict[str, Any]]:
    """One row per scenario: interrupted at every ``step``-th call of the deploy."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for scenario in ("first", "update"):
            total = _calls_of(scenario, root)
            for when in ("before", "after"):
                cuts = list(range(1, total + 1, step))
                converged = sum(_trial(scenario, root, n, when) for n in cuts)
                lost = "request lost" if when == "before" else "answer lost (write applied)"
                out.append(
                    {
                        "scenario": f"interrupted {scenario} deploy, {lost}, "
                        f"at call 1..{total} every {step}",
                        "trials": len(cuts),
                        "converged": converged,
                    }
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", type=int, default=7, help="interrupt at every STEP-th call")
    step = parser.parse_args().step
    t0 = time.perf_counter()
    table = rows(step)
    width = max(len(r["scenario"]) for r in table)
    print(f"{'scenario':<{width}}  trials  converged")
    for r in table:
        print(f"{r['scenario']:<{width}}  {r['trials']:>6}  {r['converged']:>9}")
    print(f"({time.perf_counter() - t0:.1f} s, in-process moto)")


if __name__ == "__main__":
    main()
