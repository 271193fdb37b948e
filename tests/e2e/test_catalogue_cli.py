"""End to end: the catalogue verbs (validate, list, next, schema) as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.cli.main import main
from tests.conftest import REPO_ROOT, SAMPLE_CATALOGUE


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_sample_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "validate", "-f", str(SAMPLE_CATALOGUE), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True and data["errors"] == []
    # flaky-sync's 10 s demo retry is fine locally but rounded to a minute on AWS
    assert [(w["job"], w["field"]) for w in data["warnings"]] == [("flaky-sync", "retries.delay")]


def test_validate_reports_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a catalogue with two bad jobs
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "version: 1\njobs:\n  a: {schedule: '61 * * * *', handler: 'x:y'}\n"
        "  b: {schedule: '@daily', handler: 'x:y', timezone: Asia/Tokyo}\n"
    )
    # WHEN validated as JSON
    code, out, _ = run_cli(capsys, "validate", "-f", str(path), "--json")
    data = json.loads(out)
    # THEN exit 1 and every error carries the documented keys
    assert code == 1 and data["valid"] is False
    assert {e["job"] for e in data["errors"]} == {"a", "b"}
    for error in data["errors"]:
        assert set(error) == {"file", "line", "column", "job", "field", "message", "hint"}
    fields = sorted(e["field"] for e in data["errors"])
    assert fields == ["handler", "handler", "schedule", "timezone"]


def test_list_json_has_expressions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "list", "-f", str(SAMPLE_CATALOGUE), "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["nightly-report"]["expressions"] == ["cron(0 2 * * ? *)"]
    assert rows["nightly-report"]["description"] == "At 02:00, every day"
    # Standard cron ORs day-of-month and day-of-week: two rules keep that meaning.
    assert len(rows["month-end-close"]["expressions"]) == 2
    assert rows["cleanup-tmp"]["enabled"] is False
    for row in rows.values():
        assert {
            "name",
            "schedule",
            "timezone",
            "handler",
            "enabled",
            "backend",
            "expressions",
        } <= set(row)


def test_next_for_jobs_skips_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "next",
        "-f",
        str(SAMPLE_CATALOGUE),
        "--after",
        "2026-03-28T00:00:00Z",
        "-n",
        "2",
        "--json",
        "nightly-report",
        "cleanup-tmp",
        "berlin-opening-digest",
    )
    assert code == 0
    assert json.loads(out) == {
        "nightly-report": ["2026-03-28T02:00:00Z", "2026-03-29T02:00:00Z"],
        "cleanup-tmp": [],
        # Saturday -> Monday; Berlin is on CEST (UTC+2) after 2026-03-29.
        "berlin-opening-digest": ["2026-03-30T05:30:00Z", "2026-03-31T05:30:00Z"],
    }


def test_next_for_expression_across_berlin_spring_forward(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 02:30 local, which does not exist in Berlin on 2026-03-29
    code, out, _ = run_cli(
        capsys,
        "next",
        "--schedule",
        "30 2 * * *",
        "--timezone",
        "Europe/Berlin",
        "--after",
        "2026-03-28T00:00:00Z",
        "-n",
        "3",
        "--json",
    )
    # THEN that day is skipped
    assert code == 0
    assert json.loads(out) == [
        "2026-03-28T01:30:00Z",
        "2026-03-30T00:30:00Z",
        "2026-03-31T00:30:00Z",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["next", "--schedule", "61 * * * *"], "error: --schedule '61 * * * *': minute"),
        (["next", "--schedule", "@daily", "--timezone", "Mars/Base"], "unknown time zone"),
        (["next", "--after", "tomorrow"], "not an ISO-8601 time"),
        (["next", "-n", "0"], "-n 0"),
        (["next", "no-such-job"], "no job named 'no-such-job'"),
        (["validate", "-f", "/nonexistent/jobs.yaml"], "no such file"),
        (["list", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_with_hint_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    if "-f" not in argv and argv[0] != "list":
        argv = [*argv, "-f", str(SAMPLE_CATALOGUE)]
    code, _, err = run_cli(capsys, *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert err.count("\n") == 2 and "hint: " in err


def test_schema_and_real_console_script(tmp_path: Path) -> None:
    # GIVEN the installed CLI run as a user would, via python -m
    target = tmp_path / "schema.json"
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "schema", "-o", str(target)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text())["title"] == "cronbridge jobs.yaml"


def test_debug_shows_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler", "validate", "-f", str(tmp_path / "x.yaml"), "--debug"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "error: " in proc.stderr


def test_validate_explains_a_yaml_syntax_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a catalogue whose cron expression is not quoted (YAML reads '*' as an alias)
    path = tmp_path / "jobs.yaml"
    path.write_text("version: 1\njobs:\n  a:\n    schedule: */5 * * * *\n    handler: x:y\n")
    # WHEN validated THEN one line: FILE:LINE:COL, the mistake and the fix; exit 1
    code, out, _ = run_cli(capsys, "validate", "-f", str(path))
    assert code == 1
    assert (
        f"{path}:4:15: YAML syntax error: a value starting with '*' is read as a YAML alias" in out
    )
    assert 'hint: quote the value: schedule: "*/5 * * * *"' in out
