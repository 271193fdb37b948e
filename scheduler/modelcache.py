"""botocore's data files (service models, endpoint rules), kept parsed between commands.

Every client botocore builds starts by reading its service's model: gzip-compressed JSON
parsed into ordered dicts, the same files on every run. For the seven clients of a no-op
deploy that is about 0.06 s of the command (``bench/noop_speed.py``), a tenth of it. This
file loader keeps what it parsed as a pickle in the user's cache folder and reads that
back instead, keyed by botocore's version and the data file's path, size and modification
time, so an upgraded or edited model is parsed afresh; and the list of services botocore
ships, which it otherwise builds by listing its whole data folder (``CachedLoader``). It
only ever speeds things up:
a cache that cannot be read or written is skipped, and the file is parsed as usual.

The cache is used only from a folder that is the user's own and that nobody else may
write (a pickle is code), ``$XDG_CACHE_HOME/cronbridge/botocore`` by default;
``CRONBRIDGE_MODEL_CACHE=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from pathlib import Path
from typing import Any

from botocore import __version__ as BOTOCORE_VERSION  # noqa: N812 - a constant
from botocore.loaders import JSONFileLoader, Loader, instance_cache

from scheduler.atomicfile import write_atomic

OFF_VARIABLE = "CRONBRIDGE_MODEL_CACHE"
_EXTENSIONS = (".json", ".json.gz")  # botocore's own order (loaders._JSON_OPEN_METHODS)


def default_folder() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    if os.environ.get(OFF_VARIABLE, "").lower() in ("off", "0", "false", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid, and ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cronbridge" / "botocore"


def use_model_cache(session: Any, folder: Path | None = None) -> None:
    """Make ``session`` (a botocore session) read its data files through the cache."""
    folder = folder if folder is not None else default_folder()
    if folder is None or not _private_folder(folder):
        return
    # The same search paths as the session's own loader (AWS_DATA_PATH, ~/.aws/models).
    paths = list(session.get_component("data_loader").search_paths)
    loader = CachedLoader(folder, extra_search_paths=paths, include_default_search_paths=False)
    session.register_component("data_loader", loader)


class CachedLoader(Loader):
    """botocore's loader, reading files through ``CachedFileLoader``, and keeping the list
    of services that have a given kind of file.

    botocore builds that list (``list_available_services``) by listing all ~400 service
    folders it ships, once per kind of file (models, endpoint rules, paginators) and per
    process; and once per thread when threads ask for the same kind at once, as the
    plan's concurrent listings do for paginators. It depends only on botocore's own
    data, so it is kept per botocore version; with any other data folder present
    (``~/.aws/models``, ``AWS_DATA_PATH``) botocore lists it itself, every time.
    """

    def __init__(self, folder: Path, **kwargs: Any) -> None:
        super().__init__(file_loader=CachedFileLoader(folder), **kwargs)
        self._folder = folder

    @instance_cache
    def list_available_services(self, type_name: str) -> list[str]:
        searched = [path for path in self.search_paths if os.path.isdir(path)]
        if searched != [self.BUILTIN_DATA_PATH]:
            return list(super().list_available_services(type_name))
        entry = _entry(self._folder, "services", self.BUILTIN_DATA_PATH, type_name)
        services = _read(entry)
        if not isinstance(services, list):
            services = list(super().list_available_services(type_name))
            _write(entry, services)
        return services


class CachedFileLoader(JSONFileLoader):
    """botocore's JSON file loader, with a pickle of each parsed file kept in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def load_file(self, file_path: str) -> Any:
        source = _existing(file_path)
        if source is None:
            return None
        info = os.stat(source)
        entry = _entry(self._folder, os.path.abspath(source), info.st_size, info.st_mtime_ns)
        data = _read(entry)
        if data is _MISSING:
            data = super().load_file(file_path)
            if data is not None:
                _write(entry, data)
        return data


def _existing(file_path: str) -> str | None:
    for extension in _EXTENSIONS:
        if os.path.isfile(file_path + extension):
            return file_path + extension
    return None


_MISSING = object()


def _entry(folder: Path, *key: object) -> Path:
    """The cache file for ``key``, under botocore's version (an upgrade starts afresh)."""
    text = "\0".join(str(part) for part in (BOTOCORE_VERSION, *key))
    return folder / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.pickle"


def _read(entry: Path) -> Any:
    """What ``entry`` holds, or ``_MISSING`` when it is absent or damaged (then the caller
    parses afresh and rewrites it)."""
    try:
        with open(entry, "rb") as cached:
            return pickle.load(cached)
    except Exception:
        return _MISSING


def _write(entry: Path, data: Any) -> None:
    """Keep ``data`` in ``entry``; best effort (a full disk, or a value pickle cannot hold,
    only means it is parsed again next time)."""
    with contextlib.suppress(Exception):
        write_atomic(entry, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def _private_folder(folder: Path) -> bool:
    """``folder`` exists (made if need be) and is ours alone: owned by this user, and
    writable by nobody else, nor is its parent."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (folder, folder.parent):
            info = os.stat(path)
            if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
    except OSError:
        return False
    return True
