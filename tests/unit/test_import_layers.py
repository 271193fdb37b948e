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
    "scheduler.resources",
    "scheduler.deploy.planner",
    "scheduler.deploy.plan_reads",
    "scheduler.deploy.plan_jobs",
    "scheduler.deploy.plan_diff",
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


def modules_under(package: str) -> list[str]:
    """Every module of ``package`` (the package itself included), found on disk."""
    folder = REPO_ROOT.joinpath(*package.split("."))
    found = [package]
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        if parts[-1] != "__init__":
            found.append(".".join(parts))
        elif len(parts) > len(package.split(".")) + 1:
            found.append(".".join(parts[:-1]))
    return found


# Lower layers and what they must never load, however indirectly: the resource model and
# compile stand below the deploy engine, which drives them; scheduler.dlq stands below the
# CLI and the local platform, and is handed its invoker instead of importing one.
ABOVE_MODEL = ("scheduler.deploy", "scheduler.local", "boto3", "botocore")
LAYERS = {
    "scheduler.resources": ABOVE_MODEL,
    "scheduler.compile": ABOVE_MODEL,
    "scheduler.dlq": ("scheduler.local", "scheduler.invoke"),
}


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        pytest.param(m, forbidden, id=m)
        for package, forbidden in LAYERS.items()
        for m in modules_under(package)
    ],
)
def test_lower_layers_load_nothing_above_them(module: str, forbidden: tuple[str, ...]) -> None:
    # GIVEN a fresh interpreter WHEN it imports one module of a lower layer
    loaded = loaded_after_import(module)
    # THEN nothing of the layers above it came along
    assert {m for m in loaded for f in forbidden if m == f or m.startswith(f + ".")} == set()


def test_every_layer_is_walked() -> None:
    # The walk above finds each layer's modules on disk, so a new module is covered too.
    assert "scheduler.compile.compiler" in modules_under("scheduler.compile")
    assert "scheduler.resources.jobs" in modules_under("scheduler.resources")
    assert "scheduler.dlq.queue" in modules_under("scheduler.dlq")
