"""``cronbridge backfill`` through the real CLI against moto.

moto runs no Lambda code, so the CLI gets an injected invoker that hands each worker input
to the real ``WorkerRuntime`` in-process (as ``tests/e2e/test_run_verbs.py`` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_project
from tests.e2e.conftest import cli
from tests.functional.conftest import Stack
from tests.functional.inprocess import WorkerInvoker, worker_stage

CATALOGUE = """\
version: 1
jobs:
  hourly:
    schedule: "0 * * * *"
    handler: bfjobs.handlers:ok
    payload: {source: yaml}
    retries: 0
  minutely:
    schedule: "* * * * *"
    handler: bfjobs.handlers:ok
"""

HANDLERS = """\
def ok(payload, ctx):
    return {"slot": ctx.scheduled_time.isoformat(), "trigger": ctx.trigger}
"""


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Stack, Path, WorkerInvoker]]:
    write_project(tmp_path, CATALOGUE, "bfjobs", HANDLERS)
    with worker_stage(tmp_path, "bfjobs") as (stack, invoker):
        yield stack, tmp_path, invoker


WINDOW = ["--from", "2026-03-01T00:00:00Z", "--to", "2026-03-01T04:00:00Z"]


def test_backfill_runs_each_slot_once_and_a_rerun_skips_them(platform, capsys) -> None:
    _stack, root, invoker = platform
    # WHEN four hourly slots are backfilled, with one JSON line per slot
    code = cli(root, "backfill", "hourly", *WINDOW, "--max-concurrency", "2", "--json")
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    # THEN each slot succeeded under its scheduled run id, and a summary line ends the output
    assert code == 0
    assert [x["run_id"] for x in lines[:-1]] == [f"hourly.20260301T0{h}0000Z" for h in range(4)]
    assert {x["outcome"] for x in lines[:-1]} == {"succeeded"}
    assert lines[-1]["summary"] is True and lines[-1]["succeeded"] == 4
    assert "backfill: 4/4 done" in captured.err  # progress on stderr
    assert {w["trigger"] for w in invoker.started} == {"backfill"}
    assert invoker.started[0]["payload"] == {"source": "yaml"}
    # AND the ledger shows them as backfill runs
    assert cli(root, "show", "hourly.20260301T020000Z", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["trigger"] == "backfill" and shown["status"] == "SUCCEEDED"
    # WHEN the same backfill runs again
    started = len(invoker.started)
    code = cli(root, "backfill", "hourly", *WINDOW)
    out = capsys.readouterr().out
    # THEN nothing starts and each slot is reported as already run
    assert code == 0 and len(invoker.started) == started
    assert out.count("already ran (backfill run, SUCCEEDED)") == 4
    assert "4 skipped" in out


def test_dry_run_lists_slots_and_starts_nothing(platform, capsys) -> None:
    _stack, root, invoker = platform
    code = cli(root, "backfill", "hourly", *WINDOW, "--dry-run")
    out = capsys.readouterr().out
    assert code == 0 and invoker.started == []
    assert out.count("would-run") == 4
    assert "dry run: 4 of 4 slot(s) of hourly" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["hourly", "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-01T00:00:00Z"],
            "error: --to 2026-03-01T00:00:00Z is not after --from 2026-03-02T00:00:00Z",
        ),
        (
            ["minutely", "--from", "2026-01-01T00:00:00Z", "--to", "2026-02-01T00:00:00Z"],
            "error: backfill of minutely covers more than 10,000 slots",
        ),
        (["hourly", "--from", "yesterday", "--to", "2026-03-01T00:00:00Z"], "is not an ISO"),
        (["nope", *WINDOW], "error: no job 'nope'"),
    ],
)
def test_bad_input_is_one_line_with_a_hint_and_starts_nothing(
    platform, capsys, argv: list[str], message: str
) -> None:
    _stack, root, invoker = platform
    code = cli(root, "backfill", *argv)
    err = capsys.readouterr().err
    assert code == 1 and message in err and "hint:" in err
    assert "Traceback" not in err and invoker.started == []
