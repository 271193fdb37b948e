"""Build each job function's code zip: small, deflated, and the same bytes for the same code.

A job's zip holds what its function runs and nothing else (closure.py): the modules
``scheduler.worker.entry`` (every function's handler) imports from the platform, the
modules the job's handler imports from the project beside ``jobs.yaml``, the non-Python
files of the handler's top-level package, and, when a ``requirements.txt`` sits beside
it, those distributions installed for the Lambda platform (``scheduler.deploy.vendor``).
So a new job's module leaves every other job's zip, and its Lambda ``CodeSha256``,
unchanged: only the jobs whose code changed get new code. Jobs whose handlers share a
module share one build (``build_zips``).

Entries are written in sorted order with a fixed timestamp and fixed permissions, and
deflated at a fixed level, with compiled caches left out: identical sources give
identical bytes on a given zlib, so deploy skips re-uploading unchanged code. (A build
host whose zlib deflates differently, zlib-ng for one, gives other bytes for the same
sources: its first deploy re-uploads each function's zip once, some 40 KB each for the
sample, and later deploys from it are no-ops again.)

File-system work (plus pip, through ``vendor``, when requirements change): no AWS calls,
no boto3. boto3 is in the Lambda runtime and powertools comes from the public Powertools
layer (``scheduler.resources.powertools_layer_arn``), so neither is bundled unless
requirements.txt asks.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scheduler.deploy.closure import (
    WORKER_ENTRY,
    ImportsOf,
    ModuleFiles,
    data_files,
    import_closure,
)
from scheduler.deploy.vendor import PipRunner, vendored_dir, vendored_entries
from scheduler.errors import CronbridgeError

PLATFORM_PACKAGE = "scheduler"

# 1980-01-01 is the earliest date a zip entry can carry; any fixed value works.
_FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# -rw-r--r-- regular file; Lambda only needs the files readable.
_FILE_MODE = 0o100644 << 16
# Deflated at a fixed level (the worker's closure shrinks from ~100 KB to ~40 KB). Lambda
# unzips standard deflate; the level only has to stay fixed for the bytes to.
_COMPRESSION = zipfile.ZIP_DEFLATED
_LEVEL = 9
# Build and editor leftovers that are never needed at run time and vary between machines.
_SKIP_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_SKIP_SUFFIXES = frozenset({".pyc", ".pyo"})


# Code goes to Lambda from S3 (plan_artifacts), where the zipped 50 MB cap of a direct
# upload does not apply; what does is 250 MB unzipped, layers included (the Powertools
# layer takes a few of those). https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_UNZIPPED = 250 * 10**6


class PackageError(CronbridgeError):
    """A handler's package could not be found or would clash with the platform."""


def platform_dir() -> Path:
    """Where the installed ``scheduler`` package lives (what goes into the zip)."""
    import scheduler

    return Path(scheduler.__file__).resolve().parent


def build_zip(
    root: Path,
    handler_modules: Sequence[str],
    *,
    platform: Path | None = None,
    pip: PipRunner | None = None,
    cache_dir: Path | None = None,
) -> bytes:
    """The zip for functions whose handlers live in ``handler_modules`` (dotted module
    names, resolved under ``root``); same sources in, same bytes out.

    ``platform`` overrides the folder of the ``scheduler`` package (tests inject a small
    fake one); by default it is the installed package. ``pip`` and ``cache_dir`` are
    handed to ``vendor.vendored_dir`` for ``root/requirements.txt``.
    """
    vendored = vendored_dir(root, pip=pip, cache_dir=cache_dir)
    return _build(root, handler_modules, (platform or platform_dir()).resolve(), vendored)


def build_zips(
    root: Path,
    handler_modules: Iterable[str],
    *,
    platform: Path | None = None,
    pip: PipRunner | None = None,
    cache_dir: Path | None = None,
) -> dict[str, bytes]:
    """Handler module -> its functions' zip, each module built once (a 1,000-job catalogue
    typically names a handful of modules)."""
    vendored = vendored_dir(root, pip=pip, cache_dir=cache_dir)
    folder = (platform or platform_dir()).resolve()
    return {m: _build(root, [m], folder, vendored) for m in sorted(set(handler_modules))}


def _build(
    root: Path, handler_modules: Sequence[str], platform: Path, vendored: Path | None
) -> bytes:
    return write_zip(package_entries(root, handler_modules, platform, vendored))


def package_entries(
    root: Path,
    handler_modules: Sequence[str],
    platform: Path,
    vendored: Path | None,
    imports: ImportsOf | None = None,
    *,
    files: ModuleFiles | None = None,
) -> dict[str, Path]:
    """Archive name -> file of everything the zip for ``handler_modules`` holds (what
    ``write_zip`` writes). ``imports``: how to learn a module's imports (closure.py; the
    plan passes a cache keyed by file content); ``files``: module lookups shared by the
    zips of one run."""
    roots = {PLATFORM_PACKAGE: platform.parent}
    tops = sorted({m.split(".")[0] for m in handler_modules})
    for top in tops:
        if top == PLATFORM_PACKAGE:
            _check_platform_handler(root, platform)
            continue  # a handler may live in the platform package itself
        _require_handler(root, top)
        roots[top] = root
    modules = [WORKER_ENTRY, *sorted(set(handler_modules))]
    entries = import_closure(roots, modules, imports, files)
    for top in tops:
        if top != PLATFORM_PACKAGE and (root / top).is_dir():
            entries.update(data_files(root / top, top, _SKIP_DIRS))
    if vendored is not None:
        entries.update(_vendored_files(vendored, {PLATFORM_PACKAGE, *tops}))
    return entries


def write_zip(entries: dict[str, Path]) -> bytes:
    """The deterministic zip of ``entries`` (sorted, fixed time and mode, fixed level)."""
    unzipped = sum(path.stat().st_size for path in entries.values())
    if unzipped > MAX_UNZIPPED:
        raise PackageError(
            f"the code unzips to {unzipped / 10**6:.0f} MB; Lambda allows at most "
            f"{MAX_UNZIPPED // 10**6} MB unzipped, layers included",
            hint="trim requirements.txt (boto3 is already in the runtime) or large data files",
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", _COMPRESSION, compresslevel=_LEVEL) as archive:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=_FIXED_DATE_TIME)
            info.external_attr = _FILE_MODE
            info.create_system = 3  # unix, so the mode above is honoured on every build host
            info.compress_type = _COMPRESSION
            archive.writestr(info, entries[arcname].read_bytes(), compresslevel=_LEVEL)
    return buffer.getvalue()


def code_sha256(data: bytes) -> str:
    """Base64 of the SHA-256 digest: the form Lambda reports as ``CodeSha256``."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _check_platform_handler(root: Path, platform: Path) -> None:
    """A ``scheduler.*`` handler is fine unless a different ``scheduler`` folder sits beside
    jobs.yaml: that one would be shadowed by the platform at run time."""
    local = root / PLATFORM_PACKAGE
    if local.exists() and local.resolve() != platform:
        raise PackageError(
            f"handler package {PLATFORM_PACKAGE!r} at {local} clashes with the cronbridge "
            "platform package",
            hint="rename your handler package (for example to `jobs`)",
        )


def _require_handler(root: Path, name: str) -> None:
    package = root / name
    module = root / f"{name}.py"
    if not package.is_dir() and not module.is_file():
        raise PackageError(
            f"handler package {name!r} not found: neither {package}/ nor {module} exists",
            hint="handler paths resolve against the folder holding jobs.yaml",
        )


def _vendored_files(folder: Path, taken: set[str]) -> dict[str, Path]:
    """The installed requirements, at the zip root where Lambda puts them on sys.path."""
    out: dict[str, Path] = {}
    for child in vendored_entries(folder):
        top = child.name.removesuffix(".py")
        if top in taken:
            raise PackageError(
                f"requirements.txt installs {top!r}, which clashes with "
                f"{'the cronbridge platform' if top == PLATFORM_PACKAGE else 'a handler'} "
                "package of the same name",
                hint="rename your package, or drop that requirement",
            )
        if child.is_dir():
            out.update(_tree(child, child.name))
        elif child.suffix not in _SKIP_SUFFIXES:
            out[child.name] = child
    return out


def _tree(folder: Path, arc_prefix: str) -> Iterator[tuple[str, Path]]:
    """Every runtime file under ``folder``, as (posix archive name, path)."""
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative.parts):
            continue
        if path.suffix in _SKIP_SUFFIXES or not path.is_file():
            continue
        yield f"{arc_prefix}/{relative.as_posix()}", path
