"""The plan's cheap reads, run at once on a few threads (``read_parallelism``, what the CLI
asks for) against moto's server as local mode serves it: the same calls and the same plan
as one by one, drift still found, and a failing read reported once with no thread left."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.engine import apply_catalogue, plan_catalogue
from scheduler.deploy.live_reads import READ_PARALLELISM, StageReads
from scheduler.errors import AwsCallError
from tests.functional.deploying import CODE

BASE = "cronbridge-dev"


class ThreadRecorder:
    """Real clients that record each call's operation and thread, and can refuse one API."""

    def __init__(self, endpoint_url: str) -> None:
        self.inner = AwsClients(region="us-east-1", endpoint_url=endpoint_url)
        self.region_name = "us-east-1"
        self.calls: list[str] = []
        self.threads: set[str] = set()
        self.refuse: str | None = None
        self.hold: str | None = None  # an API whose calls wait until ``gate`` opens
        self.gate = threading.Event()
        self._hooked: set[str] = set()
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        c = self.inner.client(service)
        if service not in self._hooked:
            c.meta.events.register("before-call.*.*", self._record)
            self._hooked.add(service)
        return c

    def _record(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls.append(model.name)
            self.threads.add(threading.current_thread().name)
        if model.name == self.hold:
            self.gate.wait(60)
        if model.name == self.refuse:
            raise ConnectionError(f"injected failure of {model.name}")


@pytest.fixture
def clients(moto_endpoint: str) -> ThreadRecorder:
    return ThreadRecorder(moto_endpoint)


def _plan(
    folder: Path, clients: ThreadRecorder, parallelism: int, *, early_prefix: str | None = None
) -> Any:
    """Plan the folder's catalogue; with ``early_prefix``, from the stage's listings started
    for that prefix before the catalogue is loaded, as cli/prefetch.py does."""
    clients.calls, clients.threads = [], set()
    early = None
    if early_prefix is not None:
        early = StageReads(AwsApi(clients), early_prefix, "dev", parallelism=READ_PARALLELISM)
    cat = load_catalogue(folder / "jobs.yaml")
    return plan_catalogue(
        cat, "dev", clients, layers=(), code=CODE, check_boundary=False,
        read_parallelism=parallelism, reads=early,
    )  # fmt: skip


def test_concurrent_reads_make_the_same_calls_and_plan(
    folder: Path, clients: ThreadRecorder
) -> None:
    # GIVEN a deployed stage
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    # WHEN it is planned one read at a time, then with eight reads at once
    one = _plan(folder, clients, 1)
    one_calls = Counter(clients.calls)
    many = _plan(folder, clients, 8)
    # THEN the reads ran on several threads, made the same calls, and the plans agree
    assert len(clients.threads) > 1
    assert Counter(clients.calls) == one_calls
    assert not one.plan.has_changes and not many.plan.has_changes
    assert many.snapshot.functions.keys() == one.snapshot.functions.keys()
    assert many.snapshot.roles.keys() == one.snapshot.roles.keys()
    assert many.snapshot.hints == one.snapshot.hints


def test_concurrent_reads_still_find_drift(folder: Path, clients: ThreadRecorder) -> None:
    # GIVEN a deployed stage where someone disabled a rule and deleted a job's role by hand
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    events = clients.inner.client("events")
    events.disable_rule(Name=f"{BASE}-heartbeat")
    iam = clients.inner.client("iam")
    role = f"{BASE}-cleanup-tmp-job"
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    iam.delete_role(RoleName=role)
    # WHEN it is planned with concurrent reads
    ctx = _plan(folder, clients, 8)
    # THEN both are planned back
    described = [op.describe() for op in ctx.plan.ops]
    assert any(f"rule {BASE}-heartbeat" in d for d in described), described
    assert any(f"role {role}" in d for d in described), described


def test_a_failing_read_is_one_error_and_leaves_no_thread(
    folder: Path, clients: ThreadRecorder
) -> None:
    # GIVEN a stage whose tagging API refuses to answer
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    clients.refuse = "GetResources"
    # WHEN it is planned with concurrent reads
    # THEN the plan fails with that read's error
    with pytest.raises(AwsCallError, match="GetResources"):
        _plan(folder, clients, 8)
    # AND the other reads end on their own, without the plan waiting for them
    deadline = time.monotonic() + 30
    while _read_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _read_threads()


def _read_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("cronbridge-read")]


def test_a_failed_plan_does_not_wait_for_a_slow_read(folder: Path, clients: ThreadRecorder) -> None:
    # GIVEN a stage whose roles listing fails while the tagging API hangs
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    clients.refuse, clients.hold = "ListRoles", "GetResources"
    # WHEN it is planned with concurrent reads
    began = time.monotonic()
    with pytest.raises(AwsCallError, match="ListRoles"):
        _plan(folder, clients, 8)
    # THEN the error comes at once, not after the hung call
    assert time.monotonic() - began < 30
    clients.gate.set()


def test_reads_started_before_the_catalogue_are_the_plans_reads(
    folder: Path, clients: ThreadRecorder
) -> None:
    # GIVEN a deployed stage, and its plan made the usual way
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    usual = _plan(folder, clients, 8)
    usual_calls = Counter(clients.calls)
    # WHEN the listings are started first, for the catalogue's prefix, and handed to the plan
    ctx = _plan(folder, clients, 8, early_prefix="cronbridge")
    # THEN the plan used them: the same calls, once each, and the same plan
    assert Counter(clients.calls) == usual_calls
    assert not ctx.plan.has_changes and not usual.plan.has_changes
    assert ctx.snapshot.roles.keys() == usual.snapshot.roles.keys()


def test_reads_named_for_another_prefix_are_dropped(folder: Path, clients: ThreadRecorder) -> None:
    # GIVEN a deployed stage
    apply_catalogue(load_catalogue(folder / "jobs.yaml"), "dev", clients, layers=(), code=CODE)
    # WHEN the plan is handed listings started for a prefix the catalogue does not have
    # (the early guess at the prefix was wrong)
    ctx = _plan(folder, clients, 8, early_prefix="other")
    # THEN it read its own stage again and planned from that: nothing to change, and the
    # stage's roles (none of which the other prefix's listing holds) were seen
    assert not ctx.plan.has_changes
    assert ctx.snapshot.roles and all(name.startswith(BASE) for name in ctx.snapshot.roles)
    assert clients.calls.count("ListRoles") == 2
