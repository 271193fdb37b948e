"""requirements.txt is installed for the Lambda platform into a cache, then zipped.

pip is injected (a fake that lays out what ``pip install --target`` would), so these
tests need no network; tests/e2e/test_package_requirements.py runs the real pip offline.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from scheduler.deploy.vendor import LAMBDA_PLATFORM, VendorError, run_pip, runtime_python_version
from scheduler.deploy.zipbuild import PackageError, build_zip


class FakePip:
    """Records each pip command and installs ``<name>/__init__.py`` per requirement."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> None:
        command = list(command)
        self.commands.append(command)
        requirements = Path(command[command.index("--requirement") + 1])
        target = Path(command[command.index("--target") + 1])
        for line in requirements.read_text().splitlines():
            name = line.split("==")[0].strip().lower().replace("-", "_")
            if name:
                (target / name).mkdir()
                (target / name / "__init__.py").write_text(f"NAME = {line!r}\n")
                (target / f"{name}-1.0.dist-info").mkdir()
                (target / f"{name}-1.0.dist-info" / "METADATA").write_text(f"Name: {name}\n")
        (target / "bin").mkdir(exist_ok=True)
        (target / "bin" / "tool").write_text("#!/bin/sh\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "jobs").mkdir(parents=True)
    (root / "jobs" / "__init__.py").write_text("")
    (root / "jobs" / "fetch.py").write_text("import requests\n\ndef run(p, c):\n    return 1\n")
    (root / "requirements.txt").write_text("requests==2.32.3\n")
    return root


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "scheduler"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    return pkg


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_requirements_are_installed_for_lambda_and_zipped(project: Path, platform: Path) -> None:
    # GIVEN a requirements.txt beside jobs.yaml
    pip = FakePip()
    # WHEN the code zip is built
    data = build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    # THEN pip was asked for Lambda's platform and Python, wheels only, into a cache dir
    [command] = pip.commands
    assert command[command.index("--platform") + 1] == LAMBDA_PLATFORM == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == runtime_python_version() == "3.12"
    assert "--only-binary=:all:" in command and "--implementation" in command
    target = Path(command[command.index("--target") + 1])
    assert project / ".cronbridge" / "build" / "requirements" in target.parents
    # AND the installed package is at the zip root, beside the handlers; bin/ stays out
    listed = names(data)
    assert {"requests/__init__.py", "requests-1.0.dist-info/METADATA"} <= set(listed)
    assert "jobs/fetch.py" in listed and not [n for n in listed if n.startswith("bin/")]
    assert not [n for n in listed if n.startswith(".") or "/." in n]


def test_unchanged_requirements_reuse_the_cache_and_the_bytes(
    project: Path, platform: Path
) -> None:
    # GIVEN a zip built once
    pip = FakePip()
    first = build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    # WHEN built again with the same requirements
    second = build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    # THEN pip did not run again and the bytes are identical
    assert len(pip.commands) == 1 and first == second
    # WHEN the requirements change THEN pip runs for the new key, and the zip changes
    (project / "requirements.txt").write_text("requests==2.32.3\nsix==1.16.0\n")
    third = build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    assert len(pip.commands) == 2 and "six/__init__.py" in names(third)


def test_a_fresh_cache_gives_the_same_bytes(project: Path, platform: Path, tmp_path: Path) -> None:
    # GIVEN two machines (two caches) with the same sources and the same pip output
    one = build_zip(
        project, ["jobs.fetch"], platform=platform, pip=FakePip(), cache_dir=tmp_path / "a"
    )
    two = build_zip(
        project, ["jobs.fetch"], platform=platform, pip=FakePip(), cache_dir=tmp_path / "b"
    )
    # THEN the zips are byte-identical (fixed times and modes, sorted entries)
    assert one == two


def test_included_files_are_part_of_the_cache_key(project: Path, platform: Path) -> None:
    # GIVEN requirements.txt including a second file
    (project / "requirements.txt").write_text("-r more.txt\n")
    (project / "more.txt").write_text("requests==2.32.3\n")
    pip = FakePip()
    build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    # WHEN only the included file changes THEN pip runs again
    (project / "more.txt").write_text("requests==2.32.4\n")
    build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    assert len(pip.commands) == 2


def test_no_requirements_no_pip(project: Path, platform: Path) -> None:
    (project / "requirements.txt").unlink()
    pip = FakePip()
    build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    assert pip.commands == []


def test_failed_pip_leaves_no_cache_entry(project: Path, platform: Path) -> None:
    # GIVEN pip failing half-way
    def broken(command: Sequence[str]) -> None:
        target = Path(command[command.index("--target") + 1])
        (target / "half").mkdir()
        raise VendorError("pip could not install requirements.txt for Lambda: boom")

    # WHEN the zip is built THEN the error surfaces, and no partial entry is cached
    with pytest.raises(VendorError, match="boom"):
        build_zip(project, ["jobs.fetch"], platform=platform, pip=broken)
    pip = FakePip()
    build_zip(project, ["jobs.fetch"], platform=platform, pip=pip)
    assert len(pip.commands) == 1
    cache = project / ".cronbridge" / "build" / "requirements"
    assert [p.name for p in cache.iterdir() if not p.name.startswith(".")] != []
    assert not [p for p in cache.iterdir() if "partial" in p.name]


def test_requirement_clashing_with_a_handler_package(project: Path, platform: Path) -> None:
    # GIVEN requirements installing a top-level package named like the handlers' package
    (project / "requirements.txt").write_text("jobs==1.0\n")
    # WHEN packaged THEN one clear error
    with pytest.raises(PackageError, match="'jobs', which clashes with a handler"):
        build_zip(project, ["jobs.fetch"], platform=platform, pip=FakePip())


def test_real_pip_failure_is_one_line_with_a_hint(tmp_path: Path) -> None:
    # GIVEN a pip command that fails (an option pip does not know), run for real, offline
    command = [sys.executable, "-m", "pip", "install", "--no-such-opt", "--python-version", "3.12"]
    # WHEN run THEN the error names the platform and Python, with pip's own message
    with pytest.raises(VendorError) as info:
        run_pip(command)
    assert "manylinux2014_x86_64" in info.value.message and "3.12" in info.value.message
    assert "\n" not in info.value.message and info.value.hint
