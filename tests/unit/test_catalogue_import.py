"""Importing the catalogue leaves the process's environment as it found it (pydantic's
plugin lookup is switched off only while the catalogue's own models are built)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PROBE = (
    "import os, scheduler.catalogue, pydantic.plugin._loader as loader; "
    "print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'), loader._plugins is None)"
)


@pytest.mark.parametrize("setting", [None, "some_plugin"])
def test_the_plugin_setting_is_restored_after_import(setting: str | None) -> None:
    # GIVEN a process with or without the user's own pydantic plugin setting
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    # WHEN it imports the catalogue
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    # THEN the setting is what it was, and building our models looked up no plugin
    assert done.stdout.split() == [str(setting), "True"]
