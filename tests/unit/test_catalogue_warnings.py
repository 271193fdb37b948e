"""Catalogue warnings: advice that never fails validate. Pure, no moto."""

from __future__ import annotations

from pathlib import Path

from scheduler.catalogue import load_catalogue
from scheduler.catalogue.warnings import retry_warnings


def _catalogue(tmp_path: Path, retries: str) -> Path:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "__init__.py").write_text("")
    (tmp_path / "jobs" / "work.py").write_text("def run(payload, ctx):\n    return 1\n")
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "version: 1\njobs:\n  nightly:\n    schedule: '0 2 * * *'\n"
        f"    handler: jobs.work:run\n    retries: {retries}\n"
    )
    return path


def test_a_sub_minute_retry_delay_is_a_warning_naming_the_job(tmp_path: Path) -> None:
    # GIVEN a job retried 10 s after a failure
    path = _catalogue(tmp_path, "{retries: 2, delay: 10}")
    # WHEN its warnings are computed
    warnings = retry_warnings(load_catalogue(path), path)
    # THEN one warning says AWS runs the retry at the next minute
    assert [(w["job"], w["field"]) for w in warnings] == [("nightly", "retries.delay")]
    assert "next whole minute" in warnings[0]["message"]


def test_a_minute_delay_or_no_retries_gives_no_warning(tmp_path: Path) -> None:
    # GIVEN delays AWS can honour, or no retries at all
    for n, retries in enumerate(("{retries: 2, delay: 60}", "{retries: 0, delay: 10}")):
        (tmp_path / str(n)).mkdir()
        path = _catalogue(tmp_path / str(n), retries)
        # WHEN / THEN nothing is reported
        assert retry_warnings(load_catalogue(path), path) == []
