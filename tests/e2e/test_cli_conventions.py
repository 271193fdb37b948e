"""The CLI's shared conventions through the real ``main``: pasteable hints that keep the
user's flags, errors under --json as one object on stderr, the catalogue found from a
subfolder, and ``history`` of a job that does not exist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from scheduler.cli.main import ERROR_FIELDS, main
from tests.conftest import write_project
from tests.e2e.conftest import cli
from tests.functional.conftest import STAGE

TYPO = 'version: 1\njobs:\n  a:\n    shedule: "* * * * *"\n    handler: jobs.x:y\n'
GOOD = (
    "version: 1\njobs:\n  tick:\n    schedule: rate(5 minutes)\n    handler: proj.h:ok\n"
    "  tock:\n    schedule: '@daily'\n    handler: proj.h:ok\n"
)


def _quoted_command(hint_line: str) -> list[str]:
    match = re.search(r"`(cronbridge [^`]+)`", hint_line)
    assert match, hint_line
    return shlex.split(match.group(1))[1:]


def _project(root: Path) -> Path:
    write_project(root, GOOD, "proj", "def ok(payload, ctx):\n    return 1\n", module="h")
    return root


def test_the_hint_after_dash_f_keeps_it_and_works_when_pasted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a catalogue with a typo, named with -f (and a good jobs.yaml beside it)
    _project(tmp_path)
    (tmp_path / "typo.yaml").write_text(TYPO)
    monkeypatch.chdir(tmp_path)
    # WHEN a verb fails on it
    assert main(["list", "-f", "typo.yaml"]) == 1
    err = capsys.readouterr().err
    # THEN the hint names validate WITH -f typo.yaml
    hint = err.splitlines()[-1]
    argv = _quoted_command(hint)
    assert argv == ["validate", "-f", "typo.yaml"]
    # AND pasting it validates that very file (not ./jobs.yaml, which is fine)
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "unknown field 'shedule'" in out and "typo.yaml" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "-f", "typo.yaml", "--json"],
        ["next", "-f", "typo.yaml", "--json"],
        ["--json", "status", "-f", "typo.yaml"],
    ],
)
def test_errors_under_json_are_one_object_on_stderr(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "typo.yaml").write_text(TYPO)
    monkeypatch.chdir(tmp_path)
    # WHEN a verb fails under --json
    assert main(argv) == 1
    captured = capsys.readouterr()
    # THEN stdout is empty and stderr is exactly one JSON object with validate's fields
    assert captured.out == ""
    [line] = captured.err.splitlines()
    error = json.loads(line)
    assert set(ERROR_FIELDS) <= set(error)
    assert (error["file"], error["line"], error["job"]) == ("typo.yaml", 3, "a")
    assert any(p["field"] == "shedule" for p in error["problems"])


def test_usage_errors_under_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--limit", "many", "--json"]) == 1
    error = json.loads(capsys.readouterr().err)
    assert list(error) == list(ERROR_FIELDS)
    assert "--limit" in error["message"] and "cronbridge history --help" in error["hint"]


def test_verbs_find_jobs_yaml_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a project, and the user in its proj/ subfolder
    _project(tmp_path)
    monkeypatch.chdir(tmp_path / "proj")
    # WHEN they validate and list with no -f
    assert main(["validate"]) == 0
    assert f"{tmp_path / 'jobs.yaml'}: OK, 2 jobs" in capsys.readouterr().out
    # THEN the parent's catalogue is used, and its handlers resolve against its folder
    assert main(["list", "--json"]) == 0
    assert [job["name"] for job in json.loads(capsys.readouterr().out)] == ["tick", "tock"]


def test_history_of_a_job_that_does_not_exist_is_an_error(
    platform: tuple[object, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _stack, root = platform
    # WHEN history is asked for a misspelt job
    code = cli(root, "history", "tik")
    captured = capsys.readouterr()
    # THEN it says so with the near name, exit 1, and prints no table
    assert code == 1 and captured.out == ""
    assert "error: no job 'tik' in" in captured.err and "no run of it in" in captured.err
    assert "hint: did you mean 'tick'?" in captured.err


def test_run_prints_the_id_and_a_hint_that_works_when_pasted(
    platform: tuple[object, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _stack, root = platform
    # WHEN a job is started with -f, --stage and --region
    assert cli(root, "run", "tick") == 0
    captured = capsys.readouterr()
    # THEN stdout is the run id alone and stderr says how to follow it, with those flags
    run_id = captured.out.strip()
    assert run_id.startswith("tick.") and "\n" not in run_id
    show_line = next(line for line in captured.err.splitlines() if " show " in line)
    argv = shlex.split(show_line.split(": ", 1)[1])[1:]
    assert argv[:2] == ["show", run_id]
    assert {"-f", "--stage", "--region"} <= set(argv) and STAGE in argv
    # AND the pasted command works
    assert main(argv) == 0
    assert f"run:           {run_id}" in capsys.readouterr().out
