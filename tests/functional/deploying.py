"""Deploying a catalogue to in-process moto the way the CLI does, for functional tests.

One copy of what those tests repeated: the stub code zip, plan / deploy / destroy of a
catalogue on stage ``dev`` through the real engine, and a call-recording client source.
The clients are always passed in, so each test chooses them (a recorder, a failing or a
flaky wrapper, moto's server). Fixtures that use these are in tests/functional/conftest.py.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler.awsclients import AwsClients
from scheduler.catalogue import load_catalogue
from scheduler.deploy.engine import (
    PlanContext,
    apply_catalogue,
    apply_plan,
    plan_catalogue,
    remaining_after_destroy,
)
from scheduler.deploy.executor import ApplyResult
from scheduler.deploy.ops import Plan

STAGE = "dev"  # the default stage of these helpers
# Query: the plan reads pauses; Head: S3's HeadBucket (the code bucket)
READS = ("Get", "List", "Describe", "Query", "Head")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("scheduler/__init__.py", "")
    return buf.getvalue()


# A stand-in for the code zip: the engine's per-job build is tested where it matters (those
# tests pass ``code=None``); the others need not pay for it.
CODE = _zip()


def catalogue_file(where: Path) -> Path:
    """``where`` is the catalogue file, or a folder holding jobs.yaml."""
    return where / "jobs.yaml" if where.is_dir() else where


def plan_context(where: Path, clients: Any, *, stage: str = STAGE, **kw: Any) -> PlanContext:
    """The engine's plan of the catalogue at ``where`` (no layers; ``CODE`` unless ``code=``
    is given; ``code=None`` builds each job's zip as the CLI does), with what it read;
    ``kw`` as for ``plan_catalogue``."""
    kw.setdefault("code", CODE)
    return plan_catalogue(load_catalogue(catalogue_file(where)), stage, clients, layers=(), **kw)


def plan(where: Path, clients: Any, *, stage: str = STAGE, **kw: Any) -> Plan:
    return plan_context(where, clients, stage=stage, **kw).plan


def deploy(where: Path, clients: Any, *, stage: str = STAGE, **kw: Any) -> ApplyResult:
    """Plan and apply as ``cronbridge deploy --yes`` does; ``kw`` as for ``apply_catalogue``."""
    kw.setdefault("code", CODE)
    return apply_catalogue(load_catalogue(catalogue_file(where)), stage, clients, layers=(), **kw)


def destroy(where: Path, clients: Any, *, include_data: bool = False) -> list[str]:
    """Destroy as the CLI does: apply the destroy plan, then verify; returns what is left."""
    cat = load_catalogue(catalogue_file(where))
    ctx = plan_catalogue(
        cat, STAGE, clients, layers=(), code=CODE, destroy=True, include_data=include_data
    )
    apply_plan(ctx, clients)
    return remaining_after_destroy(
        cat, STAGE, clients, include_data=include_data, sleep=lambda _s: None
    )


def edit(where: Path, change: Callable[[str], str]) -> None:
    """Rewrite the catalogue file's text with ``change``."""
    path = catalogue_file(where)
    path.write_text(change(path.read_text()))


class Recorder:
    """Clients that record every call with its API params (``before-parameter-build`` fires
    once per call, before sending), and can fail the n-th write to interrupt a deploy."""

    def __init__(self, region: str = "us-east-1", endpoint_url: str | None = None) -> None:
        self.inner = AwsClients(region=region, endpoint_url=endpoint_url)
        self.region_name = region
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_on_write: int | None = None
        self._hooked: set[str] = set()

    def client(self, service: str) -> Any:
        c = self.inner.client(service)
        if service not in self._hooked:
            c.meta.events.register("before-parameter-build.*.*", self._record)
            self._hooked.add(service)
        return c

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, params))
        if self.fail_on_write is not None and not model.name.startswith(READS):
            self.fail_on_write -= 1
            if self.fail_on_write < 0:
                self.fail_on_write = None
                raise ConnectionError("injected failure mid-apply")

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [c for c in self.calls if not c[0].startswith(READS)]
