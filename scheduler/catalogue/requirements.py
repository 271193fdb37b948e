"""``requirements.txt`` beside jobs.yaml: what it asks for, and which imports that covers.

Packaging installs the file for the Lambda platform (``scheduler.deploy.vendor``);
``validate`` uses the names here to say when a handler imports something that will not be
in the function. Reading is plain text work (no pip, no network): each requirement line's
distribution name, following ``-r`` includes. A distribution's import names are not in
the file, so they are guessed the way pip normalises names (PEP 503: case, ``-``/``_``/``.``)
plus a table of well-known distributions whose import name differs. Pure: no AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS_FILE = "requirements.txt"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")

# Distributions whose import name is not their normalised name (the common ones).
KNOWN_IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "attrs": ("attr", "attrs"),
    "beautifulsoup4": ("bs4",),
    "google-api-python-client": ("googleapiclient",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "pillow": ("PIL",),
    "protobuf": ("google",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "pyjwt": ("jwt",),
    "pymupdf": ("fitz",),
    "pyopenssl": ("OpenSSL",),
    "python-dateutil": ("dateutil",),
    "python-dotenv": ("dotenv",),
    "python-jose": ("jose",),
    "pyyaml": ("yaml",),
    "scikit-learn": ("sklearn",),
    "setuptools": ("setuptools", "pkg_resources"),
    "msgpack-python": ("msgpack",),
}


@dataclass(frozen=True)
class Requirements:
    """The requirement files read (top file first) and the distribution names they list."""

    files: tuple[Path, ...]
    distributions: tuple[str, ...]

    def import_names(self) -> frozenset[str]:
        """Top-level module names these distributions are taken to provide."""
        names: set[str] = set()
        for dist in self.distributions:
            key = canonical(dist)
            names.update(KNOWN_IMPORT_NAMES.get(key, ()))
            names.add(key.replace("-", "_"))
            if key.startswith("google-"):
                names.add("google")  # google-cloud-*, google-auth: the google namespace
        return frozenset(names)


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name: lowercase, runs of -_. become one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(root: Path) -> Requirements | None:
    """The requirements beside jobs.yaml (``root``), or None when there is no file."""
    top = root / REQUIREMENTS_FILE
    if not top.is_file():
        return None
    files: list[Path] = []
    dists: list[str] = []
    _read(top, files, dists)
    return Requirements(files=tuple(files), distributions=tuple(dists))


def _read(path: Path, files: list[Path], dists: list[str]) -> None:
    if path in files:
        return  # an include cycle: pip would loop; reading it once is enough here
    files.append(path)
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = _INCLUDE.match(line)
        if include:
            nested = (path.parent / include.group(1)).resolve()
            if nested.is_file() and line.lstrip().startswith(("-r", "--requirement")):
                _read(nested, files, dists)
            elif nested.is_file():
                files.append(nested)  # a constraints file pins versions, names nothing new
            continue
        if line.startswith("-"):
            continue  # other pip options (--index-url, -e, ...) name no distribution here
        name = _NAME.match(line)
        if name:
            dists.append(name.group(1))
