"""Fixtures shared by the CLI end-to-end tests (tests/conftest.py has the moto server):
the sample catalogue's copy, and ``platform``, the run verbs' stage (three jobs on
in-process moto, runs made by the real worker in this process), with ``cli``/``cli_json``
to call the CLI in-process against it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli.main import main
from scheduler.worker.entry import build_runtime
from scheduler.worker.runtime import NullMetrics
from tests.conftest import copy_sample, write_project
from tests.functional.conftest import STAGE, Stack
from tests.functional.inprocess import worker_stage

# The run verbs' stage: tick succeeds, broken always fails, paused is disabled.
CATALOGUE = """\
version: 1
prefix: cronbridge
jobs:
  tick:
    description: succeeds
    schedule: "*/5 * * * *"
    handler: e2ejobs.handlers:ok
    payload: {greeting: hello}
    retries: 0
  broken:
    description: always fails
    schedule: "0 * * * *"
    handler: e2ejobs.handlers:boom
    retries: 0
  paused:
    description: disabled
    schedule: "0 3 * * *"
    handler: e2ejobs.handlers:ok
    enabled: false
"""

HANDLERS = """\
def ok(payload, ctx):
    return {"echo": payload, "run": ctx.run_id}


def boom(payload, ctx):
    raise RuntimeError("partner API said 503")
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A copy of the sample catalogue (jobs/ and jobs.yaml); returns its jobs.yaml."""
    return copy_sample(tmp_path)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Stack, Path]]:
    """The run verbs' stage and its catalogue folder."""
    write_project(tmp_path, CATALOGUE, "e2ejobs", HANDLERS)
    with worker_stage(tmp_path, "e2ejobs") as (stack, _invoker):
        yield stack, tmp_path


def cli(root: Path, *argv: str) -> int:
    """The CLI in this process, on stage ``test`` of the catalogue in ``root``."""
    return main([*argv, "-f", str(root / "jobs.yaml"), "--stage", STAGE, "--region", "us-east-1"])


def cli_json(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, Any]:
    """``cli`` with --json: the exit code and the parsed stdout (None when empty)."""
    capsys.readouterr()
    code = cli(root, *argv, "--json")
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def seed_slot(stack: Stack, job: str, handler: str, when: str, **env: str) -> dict[str, Any]:
    """Deliver a scheduled slot to the real worker, as the rule would."""
    runtime = build_runtime(
        stack.env(job, handler, **env), clients=stack.clients, metrics=NullMetrics()
    )
    return runtime.handle(
        {"job": job, "trigger": "schedule", "scheduled_time": when, "payload": {}}
    )
