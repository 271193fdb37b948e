"""Each job function's code: its ``CodeSha256`` for the plan, its zip bytes for apply.

The plan compares every job's ``CodeSha256`` with what Lambda lists, so it needs each
zip's hash, not its bytes: ``job_codes`` learns the hashes from the build cache
(``buildcache``, keyed by the zip's entries' contents) and builds a zip only when the
cache does not know it. The bytes are built when apply first asks for them (a no-op
deploy never does), each module's zip once, and a zip whose hash is not the one the plan
was made with (its files changed in between) is refused rather than uploaded under the
plan's fingerprint. File-system work only: no AWS calls, no boto3.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from scheduler.deploy import vendor, zipbuild
from scheduler.deploy.buildcache import BuildCache
from scheduler.deploy.closure import ModuleFiles


class JobCodes(Mapping[str, bytes]):
    """Job -> its function's zip, built on first use; ``shas``: job -> CodeSha256."""

    def __init__(
        self,
        modules: dict[str, str],
        entries: dict[str, dict[str, Path]],
        module_shas: dict[str, str],
        built: dict[str, bytes],
    ) -> None:
        self._modules = modules  # job -> handler module
        self._entries = entries  # module -> archive name -> file
        self._module_shas = module_shas
        self._built = built
        self._lock = threading.Lock()  # apply asks from several threads
        self.shas = {job: module_shas[module] for job, module in modules.items()}

    def __getitem__(self, job: str) -> bytes:
        module = self._modules[job]
        with self._lock:
            data = self._built.get(module)
            if data is None:
                data = zipbuild.write_zip(self._entries[module])
                if zipbuild.code_sha256(data) != self._module_shas[module]:
                    raise zipbuild.PackageError(
                        f"the code of job {job!r} ({module}) changed after the plan was made",
                        hint="run the command again to plan the code as it is now",
                    )
                self._built[module] = data
        return data

    def built_modules(self) -> set[str]:
        """The handler modules whose zip has been built so far."""
        with self._lock:
            return set(self._built)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


def job_codes(
    root: Path,
    modules: dict[str, str],
    *,
    cache: BuildCache | None = None,
    platform: Path | None = None,
) -> JobCodes:
    """Codes of the jobs in ``modules`` (job -> handler module under ``root``), each module's
    zip described once and hashed from the build cache when it knows the entries.
    ``platform``: the ``scheduler`` package's folder (tests inject a small fake one)."""
    cache = cache if cache is not None else BuildCache.load(root)
    vendored = vendor.vendored_dir(root)
    platform = (platform or zipbuild.platform_dir()).resolve()
    entries: dict[str, dict[str, Path]] = {}
    shas: dict[str, str] = {}
    built: dict[str, bytes] = {}
    files = ModuleFiles()  # the zips share most modules (the worker's): each looked up once
    for module in sorted(set(modules.values())):
        found = zipbuild.package_entries(
            root, [module], platform, vendored, cache.imports_of, files=files
        )
        key = cache.zip_key(found)
        sha = cache.zip_sha(key)
        if sha is None:
            built[module] = zipbuild.write_zip(found)
            sha = zipbuild.code_sha256(built[module])
            cache.remember_zip(key, sha)
        entries[module], shas[module] = found, sha
    cache.save()
    return JobCodes(dict(modules), entries, shas, built)


def code_shas(codes: Mapping[str, bytes]) -> dict[str, str]:
    """Job -> CodeSha256 of any job -> zip mapping (``JobCodes`` knows them already)."""
    if isinstance(codes, JobCodes):
        return dict(codes.shas)
    digests = {data: zipbuild.code_sha256(data) for data in set(codes.values())}
    return {job: digests[data] for job, data in codes.items()}
