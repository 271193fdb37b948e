"""The web UI never rides in a function's code zip: the zip holds the worker's and the
handler's import closure, and the worker never imports the UI (test_import_layers guards
that), nor is its third-party stack (Starlette, uvicorn, Jinja2) ever bundled."""

from __future__ import annotations

import io
import zipfile

from scheduler.deploy.zipbuild import build_zip
from tests.conftest import REPO_ROOT


def test_the_ui_and_its_web_stack_stay_out_of_the_code_zip() -> None:
    # GIVEN the sample project's code zip for all its handlers
    modules = ["jobs.cleanup", "jobs.digest", "jobs.heartbeat", "jobs.partner_sync", "jobs.reports"]
    data = build_zip(REPO_ROOT, modules)
    entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    # THEN no UI module, template or stylesheet is in it
    assert not [e.filename for e in entries if e.filename.startswith("scheduler/ui/")]
    # AND no web library is bundled either
    tops = {e.filename.split("/")[0] for e in entries}
    assert not tops & {"starlette", "uvicorn", "jinja2", "markupsafe", "multipart"}
