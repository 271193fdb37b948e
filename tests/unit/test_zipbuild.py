"""Each job's code zip is deterministic, deflated, and holds what its function runs: the
worker's and the handler's import closure, no build leftovers, nothing of other jobs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from scheduler.deploy.zipbuild import (
    PackageError,
    build_zip,
    build_zips,
    code_sha256,
    platform_dir,
)
from tests.conftest import REPO_ROOT, write_file


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_file(root / "jobs" / "__init__.py", "")
    write_file(
        root / "jobs" / "reports.py",
        "from .sub import helpers\n\ndef nightly(payload, ctx):\n    return helpers.X\n",
    )
    write_file(root / "jobs" / "sub" / "__init__.py", "")
    write_file(root / "jobs" / "sub" / "helpers.py", "import json\nX = 1\n")
    write_file(root / "jobs" / "other.py", "def run(payload, ctx):\n    return 2\n")
    write_file(root / "jobs" / "template.txt", "Dear {name}\n")
    write_file(
        root / "tasks.py", "def ping(payload, ctx):\n    import jobs.other\n    return 'pong'\n"
    )
    write_file(root / "jobs.yaml", "version: 1\n")
    return root


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "scheduler"
    write_file(pkg / "__init__.py", "")
    write_file(pkg / "errors.py", "")
    write_file(pkg / "worker" / "__init__.py", "")
    write_file(
        pkg / "worker" / "entry.py",
        "from scheduler import errors\n\ndef handler(event, context):\n    return None\n",
    )
    write_file(pkg / "cli" / "__init__.py", "")
    write_file(pkg / "cli" / "main.py", "")
    return pkg


def _names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_same_sources_give_identical_bytes(project: Path, platform: Path) -> None:
    # GIVEN one project
    # WHEN the zip is built twice, with the module list in a different order
    first = build_zip(project, ["jobs.reports", "tasks"], platform=platform)
    second = build_zip(project, ["tasks", "jobs.reports", "jobs.reports"], platform=platform)
    # THEN the bytes and the CodeSha256 are identical
    assert first == second
    assert code_sha256(first) == code_sha256(second)


def test_mtime_does_not_change_the_bytes(project: Path, platform: Path) -> None:
    # GIVEN a zip built once
    before = build_zip(project, ["jobs.reports"], platform=platform)
    # WHEN a file is touched without changing its content
    target = project / "jobs" / "reports.py"
    target.write_text(target.read_text())
    os.utime(target, (2_000_000_000, 2_000_000_000))
    # THEN the zip is byte-identical
    assert build_zip(project, ["jobs.reports"], platform=platform) == before


def test_a_change_in_an_imported_module_changes_the_hash(project: Path, platform: Path) -> None:
    # GIVEN a zip built once
    before = code_sha256(build_zip(project, ["jobs.reports"], platform=platform))
    # WHEN a module the handler imports (relatively) changes
    write_file(project / "jobs" / "sub" / "helpers.py", "X = 2\n")
    # THEN the hash changes
    assert code_sha256(build_zip(project, ["jobs.reports"], platform=platform)) != before


def test_a_new_module_of_another_job_leaves_this_job_unchanged(
    project: Path, platform: Path
) -> None:
    # GIVEN the reports job's zip
    before = build_zip(project, ["jobs.reports"], platform=platform)
    # WHEN a new job's module appears beside it, and another job's module changes
    write_file(project / "jobs" / "new_job.py", "def run(payload, ctx):\n    return 3\n")
    write_file(project / "jobs" / "other.py", "def run(payload, ctx):\n    return 4\n")
    # THEN the reports job's bytes (so its CodeSha256) are the same: no re-upload for it
    assert build_zip(project, ["jobs.reports"], platform=platform) == before


def test_the_zip_holds_the_two_import_closures_only(project: Path, platform: Path) -> None:
    # GIVEN a handler whose module imports a sibling package, and one importing in a function
    data = build_zip(project, ["jobs.reports", "tasks"], platform=platform)
    archive = zipfile.ZipFile(io.BytesIO(data))
    # THEN the worker's closure, the handlers' closures and the package's data are there,
    # in sorted order, and nothing else: not the platform's CLI, not unused modules
    names = archive.namelist()
    assert names == sorted(names)
    assert set(names) == {
        "jobs/__init__.py",
        "jobs/other.py",  # imported inside tasks.ping
        "jobs/reports.py",
        "jobs/sub/__init__.py",
        "jobs/sub/helpers.py",
        "jobs/template.txt",
        "scheduler/__init__.py",
        "scheduler/errors.py",
        "scheduler/worker/__init__.py",
        "scheduler/worker/entry.py",
        "tasks.py",
    }
    # AND every entry is deflated, with the fixed timestamp and mode
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) & 0o777 == 0o644


def test_build_zips_builds_each_module_once(project: Path, platform: Path) -> None:
    # GIVEN three jobs naming two modules WHEN built THEN one zip per module, the same
    # bytes build_zip gives
    zips = build_zips(project, ["jobs.reports", "tasks", "jobs.reports"], platform=platform)
    assert sorted(zips) == ["jobs.reports", "tasks"]
    assert zips["tasks"] == build_zip(project, ["tasks"], platform=platform)


def test_pycache_and_hidden_files_excluded(project: Path, platform: Path) -> None:
    # GIVEN compiled caches and dotfiles beside the sources
    write_file(project / "jobs" / "__pycache__" / "reports.cpython-311.pyc", "junk")
    write_file(project / "jobs" / "stale.pyc", "junk")
    write_file(project / "jobs" / ".DS_Store", "junk")
    write_file(platform / "__pycache__" / "x.cpython-311.pyc", "junk")
    # WHEN the zip is built
    names = _names(build_zip(project, ["jobs.reports"], platform=platform))
    # THEN none of them is in it
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/." in n]


def test_missing_handler_package_is_a_clear_error(project: Path, platform: Path) -> None:
    # GIVEN a handler naming a package that is not beside jobs.yaml
    # WHEN the zip is built THEN the error names the package and where it looked
    with pytest.raises(PackageError, match="'nightly_jobs' not found"):
        build_zip(project, ["nightly_jobs.x"], platform=platform)


def test_handler_package_may_not_shadow_the_platform(project: Path, platform: Path) -> None:
    # GIVEN a user folder named like the platform package beside jobs.yaml
    write_file(project / "scheduler" / "mine.py", "")
    # WHEN a handler names it THEN packaging refuses: the platform would shadow it
    with pytest.raises(PackageError, match="clashes"):
        build_zip(project, ["scheduler.mine"], platform=platform)


def test_handler_in_the_platform_package_is_fine(project: Path, platform: Path) -> None:
    # GIVEN a handler in the platform itself (no user `scheduler/` folder)
    # WHEN packaged THEN it rides with the platform's modules
    assert "scheduler/errors.py" in _names(
        build_zip(project, ["scheduler.errors"], platform=platform)
    )
    # AND a catalogue beside the platform's own source tree (this repo) is fine too
    assert build_zip(platform.parent, ["scheduler.errors"], platform=platform)


def test_default_platform_is_the_installed_package_minus_what_lambda_never_runs() -> None:
    # GIVEN the sample project WHEN its heartbeat job's zip is built
    data = build_zip(REPO_ROOT, ["jobs.heartbeat"])
    names = set(_names(data))
    # THEN the worker is there, the CLI, the emulator and the web UI are not
    assert {"scheduler/__init__.py", "scheduler/worker/entry.py", "jobs/heartbeat.py"} <= names
    assert not [n for n in names if n.startswith(("scheduler/cli/", "scheduler/ui/"))]
    assert not [n for n in names if n.startswith(("scheduler/local/", "scheduler/deploy/"))]
    assert platform_dir().name == "scheduler"
    # AND it is a small fraction of the whole platform package (which was 471 KiB stored)
    assert len(data) < 100 * 1024


def test_the_zip_alone_imports_the_worker_and_the_handler(tmp_path: Path) -> None:
    # GIVEN the sample nightly-report job's zip, unpacked as Lambda unpacks it
    task = tmp_path / "task"
    zipfile.ZipFile(io.BytesIO(build_zip(REPO_ROOT, ["jobs.reports"]))).extractall(task)
    # WHEN an interpreter sees only that folder and the third-party packages (boto3 and
    # powertools, which the runtime and its layer provide), not this source tree
    site = sysconfig.get_paths()["purelib"]
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import scheduler, scheduler.worker.entry, jobs.reports\n"
        "assert scheduler.__file__.startswith(sys.argv[1]), scheduler.__file__\n"
        "assert callable(scheduler.worker.entry.handler)\n"
    )
    run = subprocess.run(
        [sys.executable, "-S", "-c", code, str(task), site],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    # THEN the worker entry and the handler import from the zip's files alone
    assert run.returncode == 0, run.stderr


def test_code_sha256_is_lambda_format() -> None:
    # Lambda reports base64(sha256), 44 characters
    assert code_sha256(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_code_over_lambdas_unzipped_limit_is_refused(project: Path, platform: Path) -> None:
    # GIVEN a handler package holding a 251 MB data file (sparse: nothing is written)
    with (project / "jobs" / "model.bin").open("wb") as f:
        f.truncate(251 * 10**6)
    # WHEN the zip is built THEN packaging stops before deflating, naming the limit
    with pytest.raises(PackageError, match="unzips to 251 MB; Lambda allows at most 250 MB"):
        build_zip(project, ["jobs.reports"], platform=platform)


def test_shared_module_lookups_give_each_zip_its_own_closure() -> None:
    from scheduler.deploy.closure import ModuleFiles
    from scheduler.deploy.zipbuild import package_entries

    # GIVEN the sample's handler modules and the real platform, as a plan packages them
    modules = ["jobs.cleanup", "jobs.heartbeat", "jobs.reports", "scheduler.monitor.entry"]
    platform = platform_dir().resolve()
    shared = ModuleFiles()
    # WHEN their closures share one set of lookups, as job_codes has them do
    together = {m: package_entries(REPO_ROOT, [m], platform, None, files=shared) for m in modules}
    # THEN each is exactly the closure made alone, and they differ where the modules do
    alone = {m: package_entries(REPO_ROOT, [m], platform, None) for m in modules}
    assert together == alone
    assert "jobs/reports.py" in together["jobs.reports"]
    assert "jobs/reports.py" not in together["jobs.heartbeat"]
