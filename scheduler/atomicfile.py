"""Write a file whole or not at all: a temporary file beside it, then one rename.

Readers in other processes (a second command, the local platform's state readers, the
build and model caches) see the old file or the new one, never half of one; a failure
leaves no temporary file behind. Stdlib only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once; errors (OSError) are the caller's to take."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
