"""Install ``requirements.txt`` for the Lambda platform, once, into a build cache.

A handler's third-party imports must travel in the function's zip: only the standard
library and boto3/botocore are in the Lambda runtime (and Powertools comes from its
layer). pip installs the file as the function will need it, whatever machine builds:
wheels only (``--only-binary=:all:``, since nothing can be compiled for Lambda here) for
``manylinux2014_x86_64`` (the functions' x86_64 architecture) and the runtime's Python
version (``LAMBDA_RUNTIME``), into ``--target``. See "Working with .zip file archives for
Python Lambda functions": https://docs.aws.amazon.com/lambda/latest/dg/python-package.html

The result is cached under ``.cronbridge/build/requirements/<key>`` beside jobs.yaml, the
key hashing the requirement files' bytes, the Python version and the platform: a deploy
with unchanged requirements neither runs pip nor downloads anything, and the zip built
from the cache is byte-identical each time. pip is run through an injectable ``PipRunner``
so tests need no network. No AWS calls.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from scheduler.catalogue.requirements import REQUIREMENTS_FILE, read_requirements
from scheduler.errors import CronbridgeError
from scheduler.resources import LAMBDA_RUNTIME

LAMBDA_PLATFORM = "manylinux2014_x86_64"
CACHE_DIR = Path(".cronbridge") / "build" / "requirements"
_COMPLETE = ".cronbridge-complete"  # hidden: never packaged (zipbuild skips dotfiles)

PipRunner = Callable[[Sequence[str]], None]


class VendorError(CronbridgeError):
    """requirements.txt could not be installed for the Lambda platform."""


def runtime_python_version(runtime: str = LAMBDA_RUNTIME) -> str:
    """``python3.12`` -> ``3.12``."""
    return runtime.removeprefix("python")


def pip_command(requirements: Path, target: Path, python_version: str) -> list[str]:
    """The pip install that fetches wheels for the Lambda platform into ``target``."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--requirement",
        str(requirements),
        "--target",
        str(target),
        "--platform",
        LAMBDA_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "--no-compile",  # .pyc would be for this interpreter, and zipbuild drops them anyway
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ]


def run_pip(command: Sequence[str]) -> None:
    """Run pip; its own settings (PIP_INDEX_URL, PIP_FIND_LINKS, pip.conf) still apply."""
    proc = subprocess.run(list(command), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [x.strip() for x in (proc.stderr or proc.stdout).splitlines() if x.strip()]
        errors = [x for x in lines if x.startswith("ERROR")] or lines or ["no output"]
        raise VendorError(
            f"pip could not install {REQUIREMENTS_FILE} for Lambda ({LAMBDA_PLATFORM}, "
            f"Python {command[command.index('--python-version') + 1]}): {errors[0]}",
            hint="every package (and dependency) needs a manylinux2014_x86_64 or pure-Python "
            "wheel for that Python version; pin a version that ships one",
        )


def vendored_dir(
    root: Path,
    *,
    pip: PipRunner | None = None,
    cache_dir: Path | None = None,
    python_version: str | None = None,
) -> Path | None:
    """The folder holding ``root/requirements.txt`` installed for Lambda, or None when
    there is no such file. Runs pip only when the cache has no entry for this key."""
    requirements = read_requirements(root)
    if requirements is None:
        return None
    version = python_version or runtime_python_version()
    digest = hashlib.sha256(f"{LAMBDA_PLATFORM}|{version}".encode())
    for path in requirements.files:
        digest.update(b"\0" + path.read_bytes())
    cache = cache_dir or root / CACHE_DIR
    done = cache / digest.hexdigest()[:32]
    if (done / _COMPLETE).is_file():
        return done
    partial = cache / f".{done.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        (pip or run_pip)(pip_command(requirements.files[0], partial, version))
        (partial / _COMPLETE).write_text("")
        shutil.rmtree(done, ignore_errors=True)  # an interrupted earlier build
        partial.rename(done)  # atomic: a cache entry is complete or absent
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return done


def vendored_entries(folder: Path) -> list[Path]:
    """The top-level entries of an installed folder that belong in the zip."""
    return [
        child
        for child in sorted(folder.iterdir())
        # bin/ holds console scripts (not importable); dotfiles are build bookkeeping
        if not child.name.startswith(".") and child.name not in {"bin", "__pycache__"}
    ]
