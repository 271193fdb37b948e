"""The code zip is deterministic, complete, and free of build leftovers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from scheduler.deploy.zipbuild import (
    PackageError,
    build_zip,
    code_sha256,
    platform_dir,
)
from scheduler.resources import powertools_layer_arn


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    _write(root / "jobs" / "__init__.py", "")
    _write(root / "jobs" / "reports.py", "def nightly(payload, ctx):\n    return 1\n")
    _write(root / "jobs" / "sub" / "helpers.py", "X = 1\n")
    _write(root / "tasks.py", "def ping(payload, ctx):\n    return 'pong'\n")
    _write(root / "jobs.yaml", "version: 1\n")
    return root


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "scheduler"
    _write(pkg / "__init__.py", "")
    _write(pkg / "worker" / "entry.py", "def handler(event, context):\n    return None\n")
    return pkg


def _names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_same_sources_give_identical_bytes(project: Path, platform: Path) -> None:
    # GIVEN one project
    # WHEN the zip is built twice, with the package list in a different order
    first = build_zip(project, ["jobs", "tasks"], platform=platform)
    second = build_zip(project, ["tasks", "jobs", "jobs"], platform=platform)
    # THEN the bytes and the CodeSha256 are identical
    assert first == second
    assert code_sha256(first) == code_sha256(second)


def test_mtime_does_not_change_the_bytes(project: Path, platform: Path) -> None:
    # GIVEN a zip built once
    before = build_zip(project, ["jobs"], platform=platform)
    # WHEN a file is touched without changing its content
    target = project / "jobs" / "reports.py"
    target.write_text(target.read_text())
    import os

    os.utime(target, (2_000_000_000, 2_000_000_000))
    # THEN the zip is byte-identical
    assert build_zip(project, ["jobs"], platform=platform) == before


def test_changed_file_changes_the_hash(project: Path, platform: Path) -> None:
    # GIVEN a zip built once
    before = code_sha256(build_zip(project, ["jobs"], platform=platform))
    # WHEN one handler file changes
    _write(project / "jobs" / "reports.py", "def nightly(payload, ctx):\n    return 2\n")
    # THEN the hash changes
    assert code_sha256(build_zip(project, ["jobs"], platform=platform)) != before


def test_contents_sorted_with_fixed_metadata(project: Path, platform: Path) -> None:
    # GIVEN a project with a package and a single-module handler
    data = build_zip(project, ["jobs", "tasks"], platform=platform)
    archive = zipfile.ZipFile(io.BytesIO(data))
    # THEN every runtime file is there, in sorted order
    names = archive.namelist()
    assert names == sorted(names)
    assert set(names) == {
        "jobs/__init__.py",
        "jobs/reports.py",
        "jobs/sub/helpers.py",
        "scheduler/__init__.py",
        "scheduler/worker/entry.py",
        "tasks.py",
    }
    # AND every entry carries the fixed timestamp and mode
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644
    # AND jobs.yaml itself is not code, so it stays out
    assert "jobs.yaml" not in names


def test_pycache_and_hidden_files_excluded(project: Path, platform: Path) -> None:
    # GIVEN compiled caches and dotfiles beside the sources
    _write(project / "jobs" / "__pycache__" / "reports.cpython-311.pyc", "junk")
    _write(project / "jobs" / "stale.pyc", "junk")
    _write(project / "jobs" / ".DS_Store", "junk")
    _write(platform / "__pycache__" / "x.cpython-311.pyc", "junk")
    # WHEN the zip is built
    names = _names(build_zip(project, ["jobs"], platform=platform))
    # THEN none of them is in it
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/." in n]


def test_missing_handler_package_is_a_clear_error(project: Path, platform: Path) -> None:
    # GIVEN a handler naming a package that is not beside jobs.yaml
    # WHEN the zip is built THEN the error names the package and where it looked
    with pytest.raises(PackageError, match="'nightly_jobs' not found"):
        build_zip(project, ["nightly_jobs"], platform=platform)


def test_handler_package_may_not_shadow_the_platform(project: Path, platform: Path) -> None:
    # GIVEN a user folder named like the platform package beside jobs.yaml
    _write(project / "scheduler" / "mine.py", "")
    # WHEN a handler names it THEN packaging refuses: the platform would shadow it
    with pytest.raises(PackageError, match="clashes"):
        build_zip(project, ["scheduler"], platform=platform)


def test_handler_in_the_platform_package_is_fine(project: Path, platform: Path) -> None:
    # GIVEN a handler in the platform itself (no user `scheduler/` folder)
    # WHEN packaged THEN the zip is the same as without it: the platform is always there
    assert build_zip(project, ["jobs", "scheduler"], platform=platform) == build_zip(
        project, ["jobs"], platform=platform
    )
    # AND a catalogue beside the platform's own source tree (this repo) is fine too
    assert build_zip(platform.parent, ["scheduler"], platform=platform)


def test_default_platform_is_the_installed_package(project: Path) -> None:
    # GIVEN no platform override WHEN built THEN the real scheduler package is bundled
    names = _names(build_zip(project, ["jobs"]))
    assert "scheduler/__init__.py" in names
    assert "scheduler/contract.py" in names
    assert platform_dir().name == "scheduler"


def test_code_sha256_is_lambda_format() -> None:
    # Lambda reports base64(sha256), 44 characters
    assert code_sha256(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_powertools_layer_arn_shape() -> None:
    assert powertools_layer_arn("eu-west-1") == (
        "arn:aws:lambda:eu-west-1:017000801446:layer:"
        "AWSLambdaPowertoolsPythonV3-python312-x86_64:27"
    )


def test_entries_are_stored_uncompressed(project: Path, platform: Path) -> None:
    # Deflate output varies with the zlib build; stored entries make the bytes depend on
    # the sources alone.
    archive = zipfile.ZipFile(io.BytesIO(build_zip(project, ["jobs"], platform=platform)))
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
