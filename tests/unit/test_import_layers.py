"""Imports stay one way: pure stages load no boto3; the worker loads no catalogue stack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PURE = [
    "scheduler.catalogue",
    "scheduler.catalogue.warnings",
    "scheduler.schedule",
    "scheduler.compile",
    "scheduler.deploy.model",
    "scheduler.deploy.planner",
    "scheduler.deploy.render",
    "scheduler.deploy.cloudformation",
    "scheduler.cli.validate",
    "scheduler.cli.list_jobs",
    "scheduler.cli.next_fires",
    "scheduler.health",
    "scheduler.ui.views",
    "scheduler.ui.svg",
]
WORKER_FORBIDDEN = [
    "pydantic",
    "yaml",
    "croniter",
    "scheduler.catalogue",
    "scheduler.schedule",
    # the web UI's stack
    "scheduler.ui",
    "starlette",
    "jinja2",
    "uvicorn",
]


def loaded_after_import(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing ``module``."""
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", PURE)
def test_pure_stage_imports_no_boto3(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m.split(".")[0] in {"boto3", "botocore", "moto"}}


def test_worker_entry_import_path_is_lean() -> None:
    loaded = loaded_after_import("scheduler.worker.entry")
    bad = {m for m in loaded for f in WORKER_FORBIDDEN if m == f or m.startswith(f + ".")}
    assert bad == set()
    # boto3 itself is loaded lazily, with the first client
    assert "boto3" not in loaded


def test_catalogue_checks_load_no_deploy_or_compile_code() -> None:
    # The payload size check shares scheduler.target_input with the compiler, not the
    # compiler itself: validating a catalogue loads no deploy engine.
    loaded = loaded_after_import("scheduler.catalogue")
    assert "scheduler.target_input" in loaded
    assert not {m for m in loaded if m.startswith(("scheduler.deploy", "scheduler.compile"))}


def test_dlq_gets_its_invoker_injected() -> None:
    # scheduler.dlq sits below the CLI: redrive is handed an invoker, never imports one.
    for module in ("scheduler.dlq.queue", "scheduler.dlq.undelivered"):
        assert "scheduler.invoke" not in loaded_after_import(module)
