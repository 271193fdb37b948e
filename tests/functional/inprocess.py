"""A stage on in-process moto whose worker runs in this process, for tests of the verbs and
pages that start runs (run, dlq redrive, backfill, the UI's actions).

moto runs no Lambda code, so the CLI's invoker factory seam (scheduler/invoke.py) gets a
``WorkerInvoker`` that hands each worker input to the real ``WorkerRuntime``, wired to moto
with the environment deploy gives the job's function: dependency injection, not a stub.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moto import mock_aws

from scheduler import contract as C  # noqa: N812 - short, read everywhere
from scheduler import invoke
from scheduler.catalogue import load_catalogue
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.functional.conftest import MotoClients, Stack, create_stack


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
    catalogue at ``root`` installed as the CLI's invoker, with ``root`` on sys.path so the
    handlers ``package`` imports. All undone on exit, and ``package`` forgotten (the next
    test's copy has the same name)."""
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()  # the handlers were just written
    try:
        with mock_aws():
            stack = create_stack(MotoClients())
            invoker = WorkerInvoker(stack, root)
            invoke.set_invoker_factory(lambda clients, prefix, stage, local: invoker)
            try:
                yield stack, invoker
            finally:
                invoke.set_invoker_factory(None)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            sys.modules.pop(name, None)
