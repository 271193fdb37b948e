"""Catch-up and alerts in `cronbridge local simulate`, through the real CLI: a two-hour
outage (nothing delivered, the monitor included), then the monitor's first round after it
starts the missed slots (`catchup: latest` or `all`), each once, and tells LATE and the
recovery once each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli.main import main
from tests.e2e.test_local_simulate import _project

HANDLERS = """
    def run(payload, ctx):
        return {"slot": ctx.scheduled_time.isoformat()}
"""

START, END = "2026-12-03T00:00:00Z", "2026-12-03T04:00:00Z"
OUTAGE = "2026-12-03T01:00:00Z/2026-12-03T03:00:00Z"


def _run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str, *extra: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    jobs = f"""
        sync:
          schedule: "*/15 * * * *"
          handler: catchjobs.handlers:run
          catchup: {mode}
          catchup_window: 6h
          notify: [late, recovered]
    """
    catalogue = _project(tmp_path, "catchjobs", HANDLERS, jobs)
    args = ["local", "simulate", "-f", str(catalogue), "--from", START, "--to", END, "--json"]
    code = main([*args, *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    rows = [line for line in lines[:-1] if "alert" not in line]
    alerts = [line["alert"] for line in lines[:-1] if "alert" in line]
    return rows, alerts, lines[-1]


def _slots(rows: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """slot HH:MM -> [(trigger, status)] of every attempt."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        out.setdefault(row["scheduled_for"][11:16], []).append((row["trigger"], row["status"]))
    return out


def test_catchup_all_runs_each_slot_missed_in_a_two_hour_outage_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN a job every 15 minutes with catchup: all, and no delivery from 01:00 to 03:00
    rows, alerts, _ = _run(capsys, tmp_path, "all", "--outage", OUTAGE)
    slots = _slots(rows)
    missed = [f"{h:02d}:{m:02d}" for h in (1, 2) for m in (0, 15, 30, 45)]
    # THEN each missed slot ran exactly once, as a catch-up, at 03:00 (the monitor's round)
    for slot in missed:
        assert slots[slot] == [("catchup", "SUCCEEDED")], slot
    assert {r["at"] for r in rows if r["trigger"] == "catchup"} == {"2026-12-03T03:00:00Z"}
    # AND the slots around the outage ran as scheduled, once each
    for slot in ("00:00", "00:45", "03:00", "03:45"):
        assert slots[slot] == [("schedule", "SUCCEEDED")], slot
    assert len(rows) == 16  # every slot of [00:00, 04:00), nothing twice
    # AND LATE was told once (at the first round after the outage), then the recovery once
    assert [(a["event"], a["at"]) for a in alerts] == [
        ("late", "2026-12-03T03:00:00Z"),
        ("recovered", "2026-12-03T03:05:00Z"),
    ]
    assert "2026-12-03T01:00:00Z" in alerts[0]["what"]


def test_catchup_latest_runs_only_the_newest_missed_slot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows, _, _ = _run(capsys, tmp_path, "latest", "--outage", OUTAGE)
    slots = _slots(rows)
    # THEN of the eight missed slots only 02:45 ran, once
    assert slots["02:45"] == [("catchup", "SUCCEEDED")]
    assert not any(f"{h:02d}:{m:02d}" in slots for h in (1, 2) for m in (0, 15, 30))
    assert len(rows) == 9  # 00:00-00:45, 02:45, 03:00-03:45


def test_without_catchup_the_outage_stays_missed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows, alerts, _ = _run(capsys, tmp_path, "none", "--outage", OUTAGE)
    assert len(rows) == 8 and all(r["trigger"] == "schedule" for r in rows)
    assert [a["event"] for a in alerts] == ["late", "recovered"]


def test_an_outage_outside_the_window_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    catalogue = _project(
        tmp_path,
        "catchjobs",
        HANDLERS,
        'j: {schedule: "@hourly", handler: catchjobs.handlers:run}\n',
    )
    code = main(["local", "simulate", "-f", str(catalogue), "--from", START, "--to", END,
                 "--outage", "2026-12-03T03:00:00Z/2026-12-03T05:00:00Z"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "is not inside [--from, --to)" in err
