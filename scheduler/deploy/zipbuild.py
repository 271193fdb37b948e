"""Build the one deterministic code zip every job function runs from.

The zip holds the platform package (``scheduler``, whose ``scheduler.worker.entry.handler``
is every function's handler), each top-level package or module a handler names, resolved
against the folder holding ``jobs.yaml``, and, when a ``requirements.txt`` sits beside it,
those distributions installed for the Lambda platform (``scheduler.deploy.vendor``).
Entries are written in sorted order with a fixed timestamp and fixed permissions,
uncompressed (so no zlib build can change the bytes), and compiled caches are left out.
Identical sources therefore give identical bytes and an identical Lambda ``CodeSha256``,
which lets deploy skip re-uploading unchanged code.

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
from collections.abc import Iterator, Sequence
from pathlib import Path

from scheduler.deploy.vendor import PipRunner, vendored_dir, vendored_entries
from scheduler.errors import CronbridgeError

PLATFORM_PACKAGE = "scheduler"

# 1980-01-01 is the earliest date a zip entry can carry; any fixed value works.
_FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# -rw-r--r-- regular file; Lambda only needs the files readable.
_FILE_MODE = 0o100644 << 16
# Stored, not deflated: deflate output depends on the zlib build (zlib-ng, which some
# distributions ship, compresses differently), so a laptop and a CI runner could produce
# different bytes for the same sources and re-upload code that did not change. The code is
# a few hundred KB uncompressed, far below Lambda's 50 MB direct-upload limit.
_COMPRESSION = zipfile.ZIP_STORED
# Build and editor leftovers that are never needed at run time and vary between machines.
_SKIP_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_SKIP_SUFFIXES = frozenset({".pyc", ".pyo"})


# CreateFunction/UpdateFunctionCode with ZipFile: 50 MB for a direct upload.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
MAX_DIRECT_UPLOAD = 50 * 2**20


class PackageError(CronbridgeError):
    """A handler's package could not be found or would clash with the platform."""


def platform_dir() -> Path:
    """Where the installed ``scheduler`` package lives (what goes into the zip)."""
    import scheduler

    return Path(scheduler.__file__).resolve().parent


def build_zip(
    root: Path,
    top_level_packages: Sequence[str],
    *,
    platform: Path | None = None,
    pip: PipRunner | None = None,
    cache_dir: Path | None = None,
) -> bytes:
    """The deployment zip for handlers under ``root``; same sources in, same bytes out.

    ``platform`` overrides the folder of the ``scheduler`` package (tests inject a small
    fake one); by default it is the installed package. ``pip`` and ``cache_dir`` are
    handed to ``vendor.vendored_dir`` for ``root/requirements.txt``.
    """
    entries: dict[str, Path] = {}
    for arcname, path in _tree((platform or platform_dir()).resolve(), PLATFORM_PACKAGE):
        entries[arcname] = path
    platform_folder = (platform or platform_dir()).resolve()
    for name in sorted(set(top_level_packages)):
        if name == PLATFORM_PACKAGE:
            _check_platform_handler(root, platform_folder)
            continue  # already bundled: a handler may live in the platform package itself
        for arcname, path in _handler_files(root, name):
            entries[arcname] = path
    vendored = vendored_dir(root, pip=pip, cache_dir=cache_dir)
    if vendored is not None:
        entries.update(_vendored_files(vendored, {PLATFORM_PACKAGE, *top_level_packages}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", _COMPRESSION) as archive:
        for arcname in sorted(entries):
            info = zipfile.ZipInfo(arcname, date_time=_FIXED_DATE_TIME)
            info.external_attr = _FILE_MODE
            info.create_system = 3  # unix, so the mode above is honoured on every build host
            info.compress_type = _COMPRESSION
            archive.writestr(info, entries[arcname].read_bytes())
    data = buffer.getvalue()
    if len(data) > MAX_DIRECT_UPLOAD:
        raise PackageError(
            f"the code zip is {len(data) / 2**20:.1f} MiB (entries are stored uncompressed); "
            f"Lambda accepts at most {MAX_DIRECT_UPLOAD // 2**20} MiB uploaded directly",
            hint="trim requirements.txt (boto3 is already in the runtime) or large data files",
        )
    return data


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


def _handler_files(root: Path, name: str) -> Iterator[tuple[str, Path]]:
    package = root / name
    module = root / f"{name}.py"
    if package.is_dir():
        yield from _tree(package, name)
    elif module.is_file():
        yield f"{name}.py", module
    else:
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
