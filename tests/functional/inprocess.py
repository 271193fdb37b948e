"""A stage on in-process moto whose worker runs in this process, for tests of the verbs and
pages that start runs (run, dlq redrive, backfill, the UI's actions).

moto runs no Lambda code, so the CLI's invoker factory seam (scheduler/invoke.py) gets a
``WorkerInvoker`` that hands each worker input to the real ``WorkerRuntime``, wired to moto
with the environment deploy gives the job's function: dependency injection, not a stub.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler import invoke
from scheduler.catalogue import load_catalogue
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import MotoClients, Stack, create_stack


def write_project(
    root: Path, package: str, handlers: str, catalogue: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``root``/jobs.yaml and a handlers module ``package``.handlers, importable for the
    test (``root`` on sys.path); returns the jobs.yaml."""
    (root / "jobs.yaml").write_text(catalogue)
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("")
    (root / package / "handlers.py").write_text(handlers)
    monkeypatch.syspath_prepend(str(root))
    return root / "jobs.yaml"


class WorkerInvoker:
    """Hands each worker input to the real runtime in this process, with the job's handler,
    retries and overlap from the catalogue; keeps the inputs and what the worker answered."""

    def __init__(self, stack: Stack, root: Path) -> None:
        self.stack = stack
        self.root = root
        self.started: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []

    def start(self, job: str, worker_input: dict[str, Any]) -> None:
        spec = load_catalogue(self.root / "jobs.yaml").jobs[job]
        env = self.stack.env(
            job, spec.handler, **{C.ENV_RETRY: spec.retries.to_env(), C.ENV_OVERLAP: spec.overlap}
        )
        runtime = build_runtime(env, clients=self.stack.clients, metrics=NullMetrics())
        self.started.append(worker_input)
        # The bytes Lambda would hand the function: the input as JSON, parsed.
        self.answers.append(runtime.handle(json.loads(json.dumps(worker_input))))


@contextlib.contextmanager
def worker_stage(root: Path, package: str) -> Iterator[tuple[Stack, WorkerInvoker]]:
    """Stage ``test``'s shared resources on in-process moto, and a ``WorkerInvoker`` for the
    catalogue at ``root`` installed as the CLI's invoker; both undone on exit, and the
    handlers ``package`` forgotten (the next test's copy has the same name)."""
    with mock_aws():
        stack = create_stack(MotoClients())
        invoker = WorkerInvoker(stack, root)
        invoke.set_invoker_factory(lambda clients, prefix, stage, local: invoker)
        try:
            yield stack, invoker
        finally:
            invoke.set_invoker_factory(None)
            for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
                sys.modules.pop(name, None)
