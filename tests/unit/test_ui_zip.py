"""The web UI rides in the Lambda code zip (the zip holds the whole platform package), but
only as a little inert text: the worker never imports it (test_import_layers guards that),
and its third-party stack (Starlette, uvicorn, Jinja2) is never bundled."""

from __future__ import annotations

import io
import zipfile

from scheduler.deploy.zipbuild import build_zip
from tests.conftest import REPO_ROOT


def test_the_ui_adds_little_to_the_code_zip_and_no_web_stack() -> None:
    # GIVEN the sample project's code zip
    data = build_zip(REPO_ROOT, ["jobs"])
    entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    ui_bytes = sum(e.file_size for e in entries if e.filename.startswith("scheduler/ui/"))
    # THEN the UI's modules, templates and stylesheet are a small part of it (about 55 KB)
    assert 0 < ui_bytes < 150_000
    assert ui_bytes < len(data) / 4
    # AND no web library is bundled with it
    tops = {e.filename.split("/")[0] for e in entries}
    assert not tops & {"starlette", "uvicorn", "jinja2", "markupsafe", "multipart"}
