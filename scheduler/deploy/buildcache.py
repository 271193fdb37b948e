"""What packaging learned from file contents, remembered between runs by those contents.

A no-op plan must know each job's ``CodeSha256`` without building its zip, and a zip's
import closure without parsing every module the worker imports (most of a no-op plan's
own time at 300 jobs). Both are pure functions of file contents, so they are kept in
``.cronbridge/build/code.json`` beside jobs.yaml under keys that hash those contents:

- a module's imports, keyed by its name, whether it is a package, and its bytes' SHA-256;
- a zip's ``CodeSha256``, keyed by a SHA-256 over every entry's archive name and bytes,
  the zip writer's own source and Python's and zlib's versions (what decides the bytes).

A key cannot match after any of that changed, so a stale entry is never used: an edited
module is parsed again, a changed file gives another zip key. Nothing is trusted by file
times. The file is only an accelerator: unreadable, corrupt or unwritable, it is ignored
(and rebuilt), and each entry is checked again when the zip is finally built
(``codeset``). File-system work only: no AWS, no boto3.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scheduler.atomicfile import write_atomic
from scheduler.deploy.closure import ImportsOf, file_imports

CACHE_FILE = Path(".cronbridge") / "build" / "code.json"
_VERSION = 1
# Entries kept beyond the ones this run used (older versions of edited modules, other
# branches' zips): enough for a few switches back and forth, bounded however long it lives.
_KEEP_UNUSED = 2000


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_digest(*modules: Any) -> str:
    """The SHA-256 of the given modules' own source files: a change to how imports are
    read or zips are written starts the cache afresh."""
    h = hashlib.sha256()
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


class BuildCache:
    """Content-keyed memo of module imports and zip shas; ``load`` it, use it, ``save`` it."""

    def __init__(self, path: Path | None, data: dict[str, Any] | None = None) -> None:
        from scheduler.catalogue import imports as imports_module
        from scheduler.deploy import closure, zipbuild

        self.path = path
        self.parse: ImportsOf = file_imports  # what reads a module it does not know
        self._imports_salt = _source_digest(closure, imports_module)
        self._zip_salt = "\n".join(
            [_source_digest(zipbuild), sys.version, zlib.ZLIB_RUNTIME_VERSION]
        )
        valid = (
            isinstance(data, dict)
            and data.get("version") == _VERSION
            and data.get("imports_salt") == self._imports_salt
            and data.get("zip_salt") == self._zip_salt
        )
        old: dict[str, Any] = data if valid and data is not None else {}
        self._old_imports: dict[str, list[str]] = dict(old.get("imports") or {})
        self._old_zips: dict[str, str] = dict(old.get("zips") or {})
        self._imports: dict[str, list[str]] = {}
        self._zips: dict[str, str] = {}
        self._digests: dict[Path, str] = {}
        self._changed = not valid

    @classmethod
    def load(cls, root: Path) -> BuildCache:
        path = root / CACHE_FILE
        data = None
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, data)

    def file_digest(self, path: Path) -> str:
        """SHA-256 of the file's bytes, read once per run."""
        digest = self._digests.get(path)
        if digest is None:
            digest = self._digests[path] = _digest(path.read_bytes())
        return digest

    def imports_of(self, module: str, path: Path, is_package: bool) -> Iterable[str]:
        """``closure.file_imports``, remembered by the file's content (``closure.ImportsOf``)."""
        try:
            key = f"{module}:{int(is_package)}:{self.file_digest(path)}"
        except OSError:
            return self.parse(module, path, is_package)
        names = self._imports.get(key)
        if names is None:
            names = self._old_imports.get(key)
            if names is None:
                names = list(self.parse(module, path, is_package))
                self._changed = True
            self._imports[key] = names
        return names

    def zip_key(self, entries: dict[str, Path]) -> str:
        """One SHA-256 over every entry's archive name and bytes, and the writer's salt."""
        h = hashlib.sha256(self._zip_salt.encode())
        for arcname in sorted(entries):
            h.update(b"\0" + arcname.encode() + b"\0" + self.file_digest(entries[arcname]).encode())
        return h.hexdigest()

    def zip_sha(self, key: str) -> str | None:
        sha = self._zips.get(key) or self._old_zips.get(key)
        if sha is not None:
            self._zips[key] = sha
        return sha

    def remember_zip(self, key: str, sha: str) -> None:
        if self._zips.get(key) != sha:
            self._zips[key] = sha
            self._changed = True

    def save(self) -> None:
        """Write what this run used first, then older entries up to a bound; best effort
        (a read-only checkout just does not get faster)."""
        if self.path is None or not self._changed:
            return
        data = {
            "version": _VERSION,
            "imports_salt": self._imports_salt,
            "zip_salt": self._zip_salt,
            "imports": _bounded(self._imports, self._old_imports),
            "zips": _bounded(self._zips, self._old_zips),
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode())
        self._changed = False


def _bounded(used: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    out = dict(used)
    for key, value in old.items():
        if len(out) >= len(used) + _KEEP_UNUSED:
            break
        out.setdefault(key, value)
    return out
