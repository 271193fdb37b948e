"""Concurrent apply against moto's server (the local emulator, which applies one request at
a time, as in-process moto's backends are not thread-safe): a failing job does not stop
the others, the error lists every failed operation, and the next deploy converges."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.awsclients import AwsClients, local_credentials_env
from scheduler.deploy.executor import ApplyFailedError
from scheduler.errors import CronbridgeError
from scheduler.local.emulator import Emulator
from tests.conftest import free_port
from tests.functional.deploying import deploy, plan_context

BASE = "cronbridge-dev"


class FailingClients:
    """Real moto clients that refuse chosen writes (API name, function name), and record
    which threads sent calls."""

    def __init__(self, endpoint_url: str) -> None:
        self.inner = AwsClients(region="us-east-1", endpoint_url=endpoint_url)
        self.region_name = "us-east-1"
        self.refuse: set[tuple[str, str]] = set()
        self.threads: set[str] = set()
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        c = self.inner.client(service)
        if service not in self._hooked:
            c.meta.events.register("before-parameter-build.*.*", self._check)
            self._hooked.add(service)
        return c

    def _check(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.threads.add(threading.current_thread().name)
        if (model.name, str(params.get("FunctionName", ""))) in self.refuse:
            raise ConnectionError(f"injected failure of {model.name}")


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[FailingClients]:
    for key, value in local_credentials_env().items():
        monkeypatch.setenv(key, value)
    with Emulator(port=free_port()) as emulator:
        yield FailingClients(emulator.endpoint_url)


def functions(clients: FailingClients) -> dict[str, dict[str, str]]:
    lam = clients.inner.client("lambda")
    out = {}
    for f in lam.list_functions()["Functions"]:
        out[f["FunctionName"]] = lam.get_function(FunctionName=f["FunctionName"])["Tags"]
    return out


def test_one_failing_job_leaves_the_others_deployed_and_a_rerun_converges(
    folder: Path, clients: FailingClients
) -> None:
    # GIVEN heartbeat's async config refused by AWS, on a concurrent first deploy
    clients.refuse = {("PutFunctionEventInvokeConfig", f"{BASE}-heartbeat")}
    lines: list[str] = []
    # WHEN deploying
    with pytest.raises(CronbridgeError, match=f"function {BASE}-heartbeat.*injected failure"):
        deploy(folder, clients, progress=lines.append, parallelism=8)
    # THEN it ran on several threads, and every other job finished: fingerprint tag written
    assert len(clients.threads) > 1
    fns = functions(clients)
    others = [n for n in fns if n != f"{BASE}-heartbeat"]
    assert others and all("cronbridge:spec" in fns[n] for n in others), fns
    # AND heartbeat stopped at the failure: no fingerprint, so it still looks changed
    assert "cronbridge:spec" not in fns[f"{BASE}-heartbeat"]
    # AND the failure is one readable progress line among one line per finished operation
    failed = [line for line in lines if "FAILED" in line]
    assert len(failed) == 1 and f"{BASE}-heartbeat" in failed[0]
    assert all(line.startswith("[") and line.count("\n") == 0 for line in lines)
    # WHEN the cause is gone and deploy runs again
    clients.refuse = set()
    deploy(folder, clients)
    # THEN the stage has converged: a deep plan finds nothing to do
    ctx = plan_context(folder, clients, refresh=True)
    assert not ctx.plan.has_changes, [op.describe() for op in ctx.plan.ops]


def test_every_failed_operation_is_listed(folder: Path, clients: FailingClients) -> None:
    # GIVEN two jobs whose function creation AWS refuses
    clients.refuse = {
        ("CreateFunction", f"{BASE}-heartbeat"),
        ("CreateFunction", f"{BASE}-nightly-report"),
    }
    # WHEN deploying
    with pytest.raises(ApplyFailedError) as caught:
        deploy(folder, clients, parallelism=8)
    # THEN the one error names both, and counts what was applied and what was not tried
    message = caught.value.message
    assert message.startswith("2 operations failed")
    assert f"create function {BASE}-heartbeat" in message
    assert f"create function {BASE}-nightly-report" in message
    result = caught.value.result
    assert result.count > 0
    assert {op.job for op in result.not_started} == {"heartbeat", "nightly-report"}
    # AND the jobs that did not fail are deployed
    assert f"{BASE}-cleanup-tmp" in functions(clients)
