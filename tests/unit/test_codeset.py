"""The plan's code hashes come from the build cache without building zips, and are always
the hashes of the zips apply would upload: the cache is keyed by file contents only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.deploy import closure
from scheduler.deploy.buildcache import CACHE_FILE, BuildCache
from scheduler.deploy.codeset import code_shas, job_codes
from scheduler.deploy.zipbuild import PackageError, build_zip, code_sha256
from tests.conftest import write_file


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_file(root / "jobs" / "__init__.py", "")
    write_file(
        root / "jobs" / "reports.py", "from .sub import helpers\n\ndef nightly(p, c):\n    pass\n"
    )
    write_file(root / "jobs" / "sub" / "__init__.py", "")
    write_file(root / "jobs" / "sub" / "helpers.py", "import json\nX = 1\n")
    write_file(root / "jobs" / "other.py", "def run(payload, ctx):\n    return 2\n")
    write_file(root / "jobs.yaml", "version: 1\n")
    return root


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    pkg = tmp_path / "site" / "scheduler"
    write_file(pkg / "__init__.py", "")
    write_file(pkg / "errors.py", "")
    write_file(pkg / "worker" / "__init__.py", "")
    write_file(pkg / "worker" / "entry.py", "from scheduler import errors\n")
    return pkg


JOBS = {"a": "jobs.reports", "b": "jobs.reports", "c": "jobs.other"}


class CountingParses:
    """closure.file_imports, counting the modules it had to parse (injected, not patched)."""

    def __init__(self) -> None:
        self.parsed: list[str] = []

    def __call__(self, module: str, path: Path, is_package: bool) -> tuple[str, ...]:
        self.parsed.append(module)
        return closure.file_imports(module, path, is_package)


def _expected(project: Path, platform: Path, module: str) -> str:
    return code_sha256(build_zip(project, [module], platform=platform))


def test_the_hashes_are_those_of_the_built_zips(project: Path, platform: Path) -> None:
    # GIVEN three jobs on two handler modules, and no build cache yet
    # WHEN their codes are described
    codes = job_codes(project, JOBS, platform=platform)
    # THEN each job's CodeSha256 is its module's zip's, and the bytes match them
    reports = _expected(project, platform, "jobs.reports")
    assert codes.shas == {
        "a": reports,
        "b": reports,
        "c": _expected(project, platform, "jobs.other"),
    }
    assert code_sha256(codes["c"]) == codes.shas["c"]
    assert code_shas(codes) == codes.shas
    assert (project / CACHE_FILE).is_file()


def test_a_second_plan_parses_nothing_and_builds_nothing(project: Path, platform: Path) -> None:
    # GIVEN a first plan that filled the build cache
    first = job_codes(project, JOBS, platform=platform)
    # WHEN the same sources are planned again
    parses = CountingParses()
    cache = BuildCache.load(project)
    cache.parse = parses
    again = job_codes(project, JOBS, platform=platform, cache=cache)
    # THEN the hashes are the same, no module was parsed, and no zip was built yet
    assert again.shas == first.shas
    assert parses.parsed == []
    assert again.built_modules() == set()
    # ... until apply asks for a job's bytes, which builds exactly the planned zip
    assert code_sha256(again["a"]) == first.shas["a"]
    assert again.built_modules() == {"jobs.reports"}


def test_an_edited_module_is_read_again_and_changes_the_hash(project: Path, platform: Path) -> None:
    # GIVEN a filled build cache
    first = job_codes(project, JOBS, platform=platform)
    # WHEN a module the reports handler imports changes (same size, same second)
    write_file(project / "jobs" / "sub" / "helpers.py", "import json\nX = 2\n")
    parses = CountingParses()
    cache = BuildCache.load(project)
    cache.parse = parses
    again = job_codes(project, JOBS, platform=platform, cache=cache)
    # THEN that module alone is parsed again, and only the reports jobs' hash changes
    assert parses.parsed == ["jobs.sub.helpers"]
    assert again.shas["a"] != first.shas["a"]
    assert again.shas["a"] == _expected(project, platform, "jobs.reports")
    assert again.shas["c"] == first.shas["c"]


def test_a_new_import_is_followed(project: Path, platform: Path) -> None:
    # GIVEN a filled build cache
    job_codes(project, JOBS, platform=platform)
    # WHEN the other handler starts importing a new module of the project
    write_file(project / "jobs" / "extra.py", "Y = 1\n")
    write_file(
        project / "jobs" / "other.py", "from jobs import extra\n\ndef run(p, c):\n    pass\n"
    )
    again = job_codes(project, JOBS, platform=platform)
    # THEN its hash is that of a zip holding the new module
    assert again.shas["c"] == _expected(project, platform, "jobs.other")


def test_a_corrupt_cache_is_ignored(project: Path, platform: Path) -> None:
    # GIVEN a build cache file that is not JSON, and one whose zip entries are wrong
    path = write_file(project / CACHE_FILE, "{not json")
    # WHEN the codes are described
    codes = job_codes(project, JOBS, platform=platform)
    # THEN the hashes are right, and the file is rewritten
    assert codes.shas["a"] == _expected(project, platform, "jobs.reports")
    data = json.loads(path.read_text())
    assert data["zips"]
    # GIVEN a cache whose entries were tampered with (another format version)
    data["version"] = 0
    data["zips"] = {key: "forged" for key in data["zips"]}
    path.write_text(json.dumps(data))
    # THEN it is not trusted
    assert job_codes(project, JOBS, platform=platform).shas["a"] != "forged"


def test_code_changed_between_plan_and_apply_is_refused(project: Path, platform: Path) -> None:
    # GIVEN a plan made from a filled cache (no zip built yet)
    job_codes(project, JOBS, platform=platform)
    codes = job_codes(project, JOBS, platform=platform)
    # WHEN a handler changes before apply asks for its zip
    write_file(project / "jobs" / "other.py", "def run(payload, ctx):\n    return 3\n")
    # THEN the zip is refused rather than uploaded under the plan's hash
    with pytest.raises(PackageError, match="changed after the plan"):
        codes["c"]


def test_an_unwritable_cache_only_costs_time(project: Path, platform: Path) -> None:
    # GIVEN a project whose .cronbridge is a file, so the cache cannot be written
    write_file(project / ".cronbridge", "")
    # WHEN the codes are described twice
    # THEN both give the right hashes
    for _ in range(2):
        codes = job_codes(project, JOBS, platform=platform)
        assert codes.shas["c"] == _expected(project, platform, "jobs.other")
