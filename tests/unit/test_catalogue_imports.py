"""Which handler imports the Lambda function will lack: read with ast, never executed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.catalogue.imports import missing_imports
from scheduler.catalogue.requirements import read_requirements


def project(tmp_path: Path, files: dict[str, str], requirements: str | None = None) -> Path:
    for name, text in {"jobs/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    return tmp_path


CASES = [
    # handler source, requirements.txt (None: no file), modules reported
    ("import json, os.path\nfrom collections import abc\n", None, []),
    ("import boto3\nimport botocore.exceptions\n", None, []),
    ("from aws_lambda_powertools import Logger\n", None, []),
    ("import scheduler.testing\n", None, []),
    ("import requests\n", None, ["requests"]),
    ("import requests\n", "requests==2.32\n", []),
    ("import requests\n", "Requests[socks] >= 2 ; python_version >= '3.8'  # http\n", []),
    ("import yaml, bs4, dateutil.tz\n", "PyYAML\nbeautifulsoup4\npython-dateutil\n", []),
    ("from google.cloud import storage\n", "google-cloud-storage\n", []),
    ("import typing_extensions\n", "typing-extensions\n", []),
    ("import requests\n", "-r base.txt\n", []),  # base.txt lists it
    ("import numpy\n", "requests\n", ["numpy"]),
    # inside a function still fails on every call that reaches it
    ("def run(p, c):\n    import pandas\n", None, ["pandas"]),
    # guarded imports are the code's own business
    ("try:\n    import ujson as json\nexcept ImportError:\n    import json\n", None, []),
    (
        "try:\n    import ujson\nexcept (ModuleNotFoundError, OSError):\n    ujson = None\n",
        None,
        [],
    ),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\n", None, []),
    # an unguarded import in the except branch is not guarded
    ("try:\n    import json\nexcept ImportError:\n    import simplejson\n", None, ["simplejson"]),
    # removed from the standard library by the runtime's Python 3.12
    ("import distutils.util\nimport imp\n", None, ["distutils", "imp"]),
    ("from __future__ import annotations\n", None, []),
]


@pytest.mark.parametrize(("source", "requirements", "expected"), CASES)
def test_missing_imports(
    tmp_path: Path, source: str, requirements: str | None, expected: list[str]
) -> None:
    # GIVEN a handler module (and maybe a requirements.txt)
    files = {"jobs/task.py": source, "base.txt": "requests\n"}
    root = project(tmp_path, files, requirements)
    # WHEN scanned THEN exactly the imports the function will lack are reported
    found = missing_imports(root, "jobs.task", frozenset({"jobs"}))
    assert sorted(m.module for m in found) == sorted(expected)


def test_follows_the_projects_own_modules(tmp_path: Path) -> None:
    # GIVEN a handler importing a sibling module (relative) that imports a third party
    root = project(
        tmp_path,
        {
            "jobs/task.py": "from . import helpers\nfrom .sub.deep import x\n",
            "jobs/helpers.py": "import requests\n",
            "jobs/sub/__init__.py": "",
            "jobs/sub/deep.py": "from ..helpers import get\nimport lxml.etree\nx = 1\n",
        },
    )
    # WHEN scanned THEN both imports are found, with the file and line that make them
    found = {m.module: (m.source.relative_to(root).as_posix(), m.line) for m in missing_imports(
        root, "jobs.task", frozenset({"jobs"}))}  # fmt: skip
    assert found == {"requests": ("jobs/helpers.py", 1), "lxml": ("jobs/sub/deep.py", 2)}


def test_a_local_package_no_handler_lives_in_is_not_packaged(tmp_path: Path) -> None:
    # GIVEN a handler importing `common`, beside jobs.yaml but not a handler package
    root = project(
        tmp_path,
        {"jobs/task.py": "from common.db import q\n", "common/__init__.py": "", "common/db.py": ""},
    )
    # WHEN scanned THEN it is reported as not packaged
    [miss] = missing_imports(root, "jobs.task", frozenset({"jobs"}))
    assert miss.module == "common" and "not packaged" in miss.reason
    # AND a handler package may import another handler package
    assert missing_imports(root, "jobs.task", frozenset({"jobs", "common"})) == []


def test_requirements_reading(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\n--index-url https://example.invalid/simple\n-e ./local\n"
        "Django==5.0\nzope.interface\npkg @ https://example.invalid/pkg.whl\n-c pins.txt\n"
        "-r requirements.txt\n"  # a cycle is read once
    )
    (tmp_path / "pins.txt").write_text("Django==5.0\n")
    reqs = read_requirements(tmp_path)
    assert reqs is not None
    assert reqs.distributions == ("Django", "zope.interface", "pkg")
    assert {"django", "zope_interface", "pkg"} <= reqs.import_names()
    assert [p.name for p in reqs.files] == ["requirements.txt", "pins.txt"]
    assert read_requirements(tmp_path / "nowhere") is None
