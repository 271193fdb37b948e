"""A handler's third-party dependency travels in the code zip; validate says when it won't.

The real pip runs, offline: the test builds a tiny pure-Python wheel by hand and points pip
at it (PIP_NO_INDEX, PIP_FIND_LINKS; PIP_CONFIG_FILE=/dev/null drops the machine's config),
so `cronbridge package` installs it exactly as it would install from PyPI.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from scheduler.cli.main import main


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: Path, name: str = "tinydep", version: str = "1.0") -> Path:
    """A valid py3-none-any wheel (the format pip installs; PEP 427), written by hand."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": b"ANSWER = 42\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, data in files.items():
            archive.writestr(arcname, data)
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "jobs").mkdir(parents=True)
    (root / "jobs" / "__init__.py").write_text("")
    (root / "jobs" / "fetch.py").write_text(
        "import tinydep\n\n\ndef run(payload, ctx):\n    return tinydep.ANSWER\n"
    )
    (root / "jobs.yaml").write_text(
        "version: 1\njobs:\n  fetch:\n    schedule: '0 2 * * *'\n    handler: jobs.fetch:run\n"
    )
    wheels = build_wheel(tmp_path / "wheels").parent
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return root


def package(capsys: pytest.CaptureFixture[str], root: Path, out: Path) -> tuple[int, dict]:
    code = main(["package", "-f", str(root / "jobs.yaml"), "-o", str(out), "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else {"err": captured.err}


def validate(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, dict]:
    code = main(["validate", "-f", str(root / "jobs.yaml"), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_requirements_are_packaged_for_lambda(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a handler importing tinydep, listed in requirements.txt
    (project / "requirements.txt").write_text("tinydep==1.0\n")
    # WHEN the stage is packaged
    code, data = package(capsys, project, tmp_path / "out")
    # THEN the zip holds tinydep at its root, where Lambda imports from
    assert code == 0, data
    archive = zipfile.ZipFile(io.BytesIO((tmp_path / "out" / "code.zip").read_bytes()))
    assert archive.read("tinydep/__init__.py") == b"ANSWER = 42\n"
    assert "tinydep-1.0.dist-info/METADATA" in archive.namelist()
    # AND a second package reuses the cached install: same bytes, same CodeSha256
    (tmp_path / "wheels" / "tinydep-1.0-py3-none-any.whl").unlink()  # pip could not rerun
    code, again = package(capsys, project, tmp_path / "out2")
    assert code == 0, again
    assert again["code_sha256"] == data["code_sha256"]
    assert (tmp_path / "out2" / "code.zip").read_bytes() == (
        tmp_path / "out" / "code.zip"
    ).read_bytes()
    # AND validate has nothing to say about the import
    assert validate(capsys, project) == (0, {"valid": True, "errors": [], "warnings": []})


def test_unsatisfiable_requirement_is_one_clear_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a requirement with no wheel anywhere pip may look
    (project / "requirements.txt").write_text("tinydep==9.9\n")
    # WHEN packaged THEN exit 1, one error naming the platform, and a hint; no traceback
    code, data = package(capsys, project, tmp_path / "out")
    assert code == 1
    assert "Traceback" not in data["err"]
    # (under --json the error is the last stderr line, one JSON object)
    error = json.loads(data["err"].splitlines()[-1])
    assert "manylinux2014_x86_64" in error["message"] + error["hint"] and error["hint"]


def test_validate_warns_about_an_import_nothing_provides(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a handler importing tinydep with no requirements.txt
    # WHEN validated THEN still valid, with one warning naming the file, line and module
    code, data = validate(capsys, project)
    assert code == 0 and data["valid"] is True
    [warning] = data["warnings"]
    assert warning["job"] == "fetch" and warning["field"] == "handler"
    assert warning["message"].startswith("jobs/fetch.py:1 imports 'tinydep', which is not in")
    assert "requirements.txt" in warning["hint"]
    # WHEN it is listed THEN the warning goes away
    (project / "requirements.txt").write_text("# deps\nTinyDep[extra]>=1.0 ; python_version>'3'\n")
    assert validate(capsys, project)[1]["warnings"] == []
