"""`validate` on timing AWS cannot honour: a timeout inside the watchdog's margin, a retry
delay under EventBridge Scheduler's one-minute precision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli.main import main


def test_a_timeout_within_the_watchdog_margin_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a job with a 3 s timeout (the watchdog concludes 3 s before the deadline)
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "version: 1\njobs:\n  quick: {schedule: '@daily', handler: 'x:y', timeout: 3}\n"
    )
    # WHEN validated
    code = main(["validate", "-f", str(path)])
    out = capsys.readouterr().out
    # THEN one error names the field, the reason and a fix
    assert code == 1
    assert "job 'quick': timeout: 3 s leaves the handler no time" in out
    assert "use timeout: 5 or more" in out


def test_a_sub_minute_retry_delay_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a job retried after 30 s and one after 90 s
    (tmp_path / "x.py").write_text("def y(payload, ctx):\n    return None\n")
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "version: 1\njobs:\n"
        "  fast: {schedule: '@daily', handler: 'x:y', retries: {retries: 2, delay: 30}}\n"
        "  slow: {schedule: '@daily', handler: 'x:y', retries: {retries: 2, delay: 90}}\n"
    )
    # WHEN validated
    code = main(["validate", "-f", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    # THEN the catalogue is valid, with one warning for the 30 s delay only
    assert code == 0 and data["valid"] is True
    (warning,) = data["warnings"]
    assert (warning["job"], warning["field"]) == ("fast", "retries.delay")
    assert "next whole minute" in warning["message"]
