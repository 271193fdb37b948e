"""botocore's data files (service models, endpoint rules), kept parsed between commands.

Every client botocore builds starts by reading its service's model: gzip-compressed JSON
parsed into ordered dicts, the same files on every run. For the seven clients of a no-op
deploy that is about 0.06 s of the command (``bench/noop_speed.py``), a tenth of it. This
file loader keeps what it parsed as a pickle in the user's cache folder and reads that
back instead, keyed by botocore's version and the data file's path, size and modification
time, so an upgraded or edited model is parsed afresh. It only ever speeds things up:
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
import tempfile
from pathlib import Path
from typing import Any

from botocore import __version__ as BOTOCORE_VERSION  # noqa: N812 - a constant
from botocore.loaders import JSONFileLoader

OFF_VARIABLE = "CRONBRIDGE_MODEL_CACHE"
_EXTENSIONS = (".json", ".json.gz")  # botocore's own order (loaders._JSON_OPEN_METHODS)


def default_folder() -> Path | None:
    """Where the cache lives, or None when it is turned off."""
    if os.environ.get(OFF_VARIABLE, "").lower() in ("off", "0", "false", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cronbridge" / "botocore"


def use_model_cache(session: Any, folder: Path | None = None) -> None:
    """Make ``session`` (a botocore session) read its data files through the cache."""
    folder = folder if folder is not None else default_folder()
    if folder is None or not _private_folder(folder):
        return
    # The session's own loader keeps its search paths (AWS_DATA_PATH, ~/.aws/models);
    # only how a found file is read changes.
    session.get_component("data_loader").file_loader = CachedFileLoader(folder)


class CachedFileLoader(JSONFileLoader):
    """botocore's JSON file loader, with a pickle of each parsed file kept in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def load_file(self, file_path: str) -> Any:
        source = _existing(file_path)
        if source is None:
            return None
        entry = self._folder / f"{_key(source)}.pickle"
        try:
            with open(entry, "rb") as cached:
                return pickle.load(cached)
        except Exception:  # missing, or damaged: parsed afresh below, and (re)written
            pass
        data = super().load_file(file_path)
        if data is not None:
            _write(entry, data)
        return data


def _existing(file_path: str) -> str | None:
    for extension in _EXTENSIONS:
        if os.path.isfile(file_path + extension):
            return file_path + extension
    return None


def _key(source: str) -> str:
    info = os.stat(source)
    text = f"{BOTOCORE_VERSION}\0{os.path.abspath(source)}\0{info.st_size}\0{info.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _write(entry: Path, data: Any) -> None:
    """Write ``entry`` whole or not at all (another command may be reading the folder)."""
    try:
        fd, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".part")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except Exception:  # a full disk, a model pickle cannot hold: parse it next time
        with contextlib.suppress(OSError):
            os.unlink(temporary)


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
