"""A verb's result renders only the form that is printed (plan: its JSON or its text)."""

from __future__ import annotations

import json

import pytest

from scheduler.cli.output import Result, emit


def _result(calls: list[str]) -> Result:
    def data() -> dict[str, object]:
        calls.append("data")
        return {"stage": "dev", "changes": True}

    def text() -> str:
        calls.append("text")
        return "stage dev: 1 to create"

    return Result(data=data, text=text, exit_code=2)


def test_json_output_renders_only_the_data(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a result whose data and text are both rendered on demand
    calls: list[str] = []
    # WHEN printed for --json THEN only the data was made, and it is the JSON printed
    emit(_result(calls), as_json=True)
    assert calls == ["data"]
    assert json.loads(capsys.readouterr().out) == {"stage": "dev", "changes": True}


def test_text_output_renders_only_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[str] = []
    # WHEN printed for a person THEN only the text was made
    emit(_result(calls), as_json=False)
    assert calls == ["text"]
    assert capsys.readouterr().out == "stage dev: 1 to create\n"


def test_plain_data_is_printed_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a result holding its data (every other verb) THEN --json prints it as it is
    emit(Result(data=[{"job": "a"}]), as_json=True)
    assert json.loads(capsys.readouterr().out) == [{"job": "a"}]
