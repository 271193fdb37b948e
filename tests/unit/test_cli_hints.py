"""Pure CLI helpers: hints that keep the user's flags, the parent-folder catalogue search,
the JSON error object, and when colour is on."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from scheduler.catalogue import Problem
from scheduler.cli import output
from scheduler.cli.common import catalogue_path, command, find_catalogue, unknown_job
from scheduler.cli.main import ERROR_FIELDS, error_fields, with_context_flags
from scheduler.errors import CatalogueError, UsageError


def _args(**given: object) -> argparse.Namespace:
    base = dict.fromkeys(("file", "stage", "region", "endpoint_url", "profile", "local"))
    return argparse.Namespace(**{**base, **given})


def test_command_keeps_the_context_flags_the_verb_takes() -> None:
    # GIVEN a command line with every context flag
    args = _args(
        file="my jobs.yaml",
        stage="prod",
        region="eu-west-1",
        endpoint_url="http://127.0.0.1:4566",
        profile="ops",
        local=True,
    )
    # WHEN a hint names `show` (AWS + file flags) and `validate` (file only)
    show = command(args, "show", "tick.20260101T000000Z")
    validate = command(args, "validate")
    # THEN each keeps exactly the flags its verb accepts, shell-quoted
    assert show == (
        "cronbridge show tick.20260101T000000Z -f 'my jobs.yaml' --stage prod "
        "--region eu-west-1 --endpoint-url http://127.0.0.1:4566 --profile ops --local"
    )
    assert validate == "cronbridge validate -f 'my jobs.yaml'"


def test_command_adds_nothing_the_user_did_not_give_and_is_idempotent() -> None:
    assert command(_args(), "history", "tick") == "cronbridge history tick"
    args = _args(local=True, stage="dev")
    once = command(args, "dlq", "list")
    assert once == "cronbridge dlq list --stage dev --local"
    assert command(args, "dlq", "list", "--local", "--stage", "dev") == (
        "cronbridge dlq list --local --stage dev"
    )
    # AND `local up` takes --stage but not --local
    assert command(args, "local", "up") == "cronbridge local up --stage dev"


def test_hints_from_deep_code_get_the_flags_centrally() -> None:
    args = _args(file="typo.yaml")
    hint = with_context_flags("run `cronbridge validate` to see every problem", args)
    assert hint == "run `cronbridge validate -f typo.yaml` to see every problem"
    two = with_context_flags("try `cronbridge plan` then `cronbridge deploy`", _args(local=True))
    assert two == "try `cronbridge plan --local` then `cronbridge deploy --local`"
    assert with_context_flags("see `jq`", args) == "see `jq`"


def test_catalogue_is_found_in_the_nearest_parent(tmp_path: Path) -> None:
    # GIVEN a project whose jobs.yaml is two folders up
    (tmp_path / "jobs.yaml").write_text("version: 1\n")
    deep = tmp_path / "jobs" / "sub"
    deep.mkdir(parents=True)
    # THEN the search finds it, and the working folder's own wins when there is one
    assert find_catalogue(deep) == tmp_path / "jobs.yaml"
    assert find_catalogue(tmp_path) == Path("jobs.yaml")
    # AND -f is taken as given
    assert catalogue_path(_args(file="other.yaml")) == Path("other.yaml")


def test_no_catalogue_anywhere_names_the_expected_file(tmp_path: Path) -> None:
    assert find_catalogue(tmp_path / "nowhere") == Path("jobs.yaml")


def test_unknown_job_names_the_near_ones() -> None:
    error = unknown_job("heartbeet", ["heartbeat", "flaky-sync"], "jobs.yaml")
    assert error.message == "no job 'heartbeet' in jobs.yaml"
    assert error.hint == "did you mean 'heartbeat'?"
    far = unknown_job("zzz", ["heartbeat"], "jobs.yaml")
    assert far.hint == "jobs: heartbeat"


def test_error_fields_match_validate_json_errors() -> None:
    # GIVEN a plain error and a catalogue error
    plain = error_fields(UsageError("bad flag", hint="use --x"), "use --x")
    problem = Problem("jobs.yaml", 4, 5, "a", "shedule", "unknown field", "did you mean?")
    catalogue = error_fields(CatalogueError("jobs.yaml:4:5 ...", [problem]), "run validate")
    # THEN both carry exactly validate's error fields (plus the problems list)
    assert list(plain) == list(ERROR_FIELDS)
    assert plain["message"] == "bad flag" and plain["file"] is None
    assert set(catalogue) == {*ERROR_FIELDS, "problems"}
    assert catalogue["line"] == 4 and catalogue["field"] == "shedule"
    assert catalogue["problems"] == [problem.to_json()]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _auto_colour() -> object:
    yield
    output.set_color_mode("auto")


def test_colour_only_on_a_terminal_and_never_under_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    # GIVEN a terminal THEN words are coloured; a pipe gets none
    assert output.paint_health("FAILING", stream=_Tty()) == "\x1b[31mFAILING\x1b[0m"
    assert output.paint_health("FAILING", stream=io.StringIO()) == "FAILING"
    # AND NO_COLOR (any non-empty value) turns it off even on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert output.paint_health("OK", stream=_Tty()) == "OK"
    # AND --color always / never override both
    output.set_color_mode("always")
    assert output.paint("+", "add", stream=io.StringIO()) == "\x1b[32m+\x1b[0m"
    output.set_color_mode("never")
    monkeypatch.delenv("NO_COLOR")
    assert output.paint("+", "add", stream=_Tty()) == "+"


def test_tables_align_on_visible_width() -> None:
    output.set_color_mode("always")
    text = output.table(["A", "B"], [[output.paint("OK", "ok"), "x"], ["FAILING", "y"]])
    lines = [output._SGR.sub("", line) for line in text.splitlines()]
    assert lines == ["A        B", "OK       x", "FAILING  y"]


def test_plan_lines_take_the_colour_of_their_change() -> None:
    # GIVEN a rendered plan with a create, an update and a delete
    text = "job:\n  + role r\n  ~ function f\n      timeout: 10 -> 20\n  - rule x"
    # WHEN colour is on THEN +, ~ and - lines are green, yellow and red, the rest plain
    output.set_color_mode("always")
    lines = output.paint_plan(text).split("\n")
    assert lines[0] == "job:"
    assert lines[1] == "\x1b[32m  + role r\x1b[0m"
    assert lines[2] == "\x1b[33m  ~ function f\x1b[0m"
    assert lines[3] == "      timeout: 10 -> 20"
    assert lines[4] == "\x1b[31m  - rule x\x1b[0m"
    # WHEN colour is off THEN the text is unchanged
    output.set_color_mode("never")
    assert output.paint_plan(text) == text
