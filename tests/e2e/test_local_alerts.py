"""Alerts on the local platform, through the real CLI: a run that dies under `local up`
reaches the stage's SNS topic in the emulator, and from there the event log and
`.cronbridge/alerts.log`, with the command to look closer pointed at `--local`."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import free_port, write_project
from tests.e2e.localup import Platform, cli_argv

pytestmark = pytest.mark.slow

JOBS = """
    version: 1
    jobs:
      boom:
        schedule: "@yearly"
        handler: alertjobs.handlers:boom
        timeout: 20
        retries: 0
        notify: [dead, failing, recovered]
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals, /proc")
def test_a_dead_run_under_local_up_is_alerted_to_the_log_and_the_file(tmp_path: Path) -> None:
    # GIVEN a job that always fails, with no retries, notified of dead runs
    write_project(
        tmp_path,
        textwrap.dedent(JOBS),
        "alertjobs",
        "def boom(payload, ctx):\n    raise RuntimeError('partner API returned 503')\n",
    )
    port = free_port()
    platform = Platform(tmp_path, "--port", str(port))
    try:
        platform.wait_for("one line per run event follows", timeout=60)
        # WHEN it is run on demand and dies
        ran = subprocess.run(
            cli_argv("run", "boom", "--local", "--json"),
            check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        # THEN the event log shows its alert (the worker publishes it beside the dead letter,
        # so it may print before or after the executor's own "dead" line) and the dead run
        line = platform.wait_for("alert      boom  dead:", timeout=60)
        if not any("dead       boom" in seen for seen in platform.lines):
            platform.wait_for("dead       boom", timeout=30)
        assert "RuntimeError: partner API returned 503" in line
        assert "look: cronbridge show boom." in line and line.endswith("--local")
        # AND the alert file holds the same news, once
        text = (tmp_path / ".cronbridge" / "alerts.log").read_text()
        assert text.count("alert dead") == 1, text
        assert "boom  the run of" in text and "parked in the dead-letter queue" in text
        platform.process.send_signal(signal.SIGINT)
        assert platform.finish(timeout=60) == 0
    finally:
        platform.kill()
