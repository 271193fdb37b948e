"""`cronbridge local simulate`: the whole pipeline in virtual time, end to end via the CLI.

Each test writes its own catalogue and handler package into tmp_path, deploys it into an
in-process moto through the production deploy code, and reads the JSON Lines output.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli.main import main


def _project(tmp_path: Path, package: str, handlers: str, jobs: str) -> Path:
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "handlers.py").write_text(textwrap.dedent(handlers))
    path = tmp_path / "jobs.yaml"
    path.write_text("version: 1\njobs:\n" + textwrap.indent(textwrap.dedent(jobs), "  "))
    return path


def _simulate(
    capsys: pytest.CaptureFixture[str], catalogue: Path, start: str, end: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    code = main(["local", "simulate", "-f", str(catalogue), "--from", start, "--to", end, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines and lines[-1].get("summary") is True
    return lines[:-1], lines[-1]


HANDLERS = """
    import json
    from pathlib import Path

    def note(payload, ctx):
        # Record the time the handler sees: it must be the virtual time.
        with Path(payload["log"]).open("a") as fh:
            fh.write(json.dumps({"now": ctx.now().isoformat(), "attempt": ctx.attempt}) + "\\n")
        return {"ok": True}

    def always_fails(payload, ctx):
        raise RuntimeError(f"boom on attempt {ctx.attempt}")

    def slow(payload, ctx):
        ctx.sleep(payload["seconds"])
        return {"slept": payload["seconds"]}
"""


def test_dst_days_for_a_berlin_job_on_the_scheduler_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a job at 02:30 Europe/Berlin on EventBridge Scheduler
    log = tmp_path / "seen.jsonl"
    catalogue = _project(
        tmp_path,
        "dstjobs",
        HANDLERS,
        f"""
        berlin:
          schedule: "30 2 * * *"
          timezone: Europe/Berlin
          backend: scheduler
          handler: dstjobs.handlers:note
          payload: {{log: "{log}"}}
        """,
    )
    # WHEN the spring-forward days (29 March 2026: 02:00 -> 03:00) are simulated
    rows, summary = _simulate(capsys, catalogue, "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z")
    # THEN 02:30 does not exist on the 29th and is skipped (AWS Scheduler's documented DST rule)
    assert [(r["scheduled_for"], r["status"]) for r in rows] == [
        ("2026-03-28T01:30:00Z", "SUCCEEDED"),  # 02:30 CET
        ("2026-03-30T00:30:00Z", "SUCCEEDED"),  # 02:30 CEST
    ]
    assert summary["attempts"] == 2
    # AND the handler saw virtual time, not the wall clock
    seen = [json.loads(line)["now"] for line in log.read_text().splitlines()]
    assert seen == ["2026-03-28T01:30:00+00:00", "2026-03-30T00:30:00+00:00"]

    # WHEN the fall-back days (25 October 2026: 03:00 -> 02:00) are simulated
    rows, _ = _simulate(capsys, catalogue, "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z")
    # THEN the repeated 02:30 runs once, at its first occurrence
    assert [r["scheduled_for"] for r in rows] == [
        "2026-10-24T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
    ]


def test_failing_job_with_two_retries_makes_three_attempts_then_one_dead_letter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an hourly job that always fails, 2 retries with 30 s backoff doubling
    catalogue = _project(
        tmp_path,
        "retryjobs",
        HANDLERS,
        """
        doomed:
          schedule: rate(1 hour)
          handler: retryjobs.handlers:always_fails
          retries: {retries: 2, delay: 30, backoff: 2.0}
        """,
    )
    # WHEN one slot is simulated
    rows, summary = _simulate(capsys, catalogue, "2026-05-04T10:00:00Z", "2026-05-04T10:30:00Z")
    # THEN attempts run at the slot, +30 s and +30+60 s, each FAILED, the last one DEAD
    assert [(r["attempt"], r["at"], r["status"]) for r in rows] == [
        (1, "2026-05-04T10:00:00Z", "FAILED"),
        (2, "2026-05-04T10:00:30Z", "FAILED"),
        (3, "2026-05-04T10:01:30Z", "FAILED"),
    ]
    assert {r["scheduled_for"] for r in rows} == {"2026-05-04T10:00:00Z"}
    assert [r["run_status"] for r in rows] == ["RETRYING", "RETRYING", "DEAD"]
    assert "boom on attempt 3" in rows[-1]["detail"]
    # AND exactly one dead-letter message
    assert summary["dead_letters"] == 1 and summary["dead_runs"] == 1

    # AND the simulation is deterministic
    again, _ = _simulate(capsys, catalogue, "2026-05-04T10:00:00Z", "2026-05-04T10:30:00Z")
    assert again == rows


def test_overlap_skip_with_a_job_slower_than_its_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an every-minute job whose run takes 150 s, with overlap: skip
    catalogue = _project(
        tmp_path,
        "slowjobs",
        HANDLERS,
        """
        slowpoke:
          schedule: "* * * * *"
          handler: slowjobs.handlers:slow
          payload: {seconds: 150}
          timeout: 300
          overlap: skip
        """,
    )
    # WHEN five minutes are simulated
    rows, summary = _simulate(capsys, catalogue, "2026-05-04T10:00:00Z", "2026-05-04T10:05:00Z")
    # THEN fires while the previous run still runs are SKIPPED; the others run to the end
    assert [(r["scheduled_for"][11:16], r["status"]) for r in rows] == [
        ("10:00", "SUCCEEDED"),
        ("10:01", "SKIPPED"),
        ("10:02", "SKIPPED"),
        ("10:03", "SUCCEEDED"),
        ("10:04", "SKIPPED"),
    ]
    finished = {r["scheduled_for"][11:16]: r["finished_at"] for r in rows}
    assert finished["10:00"] == "2026-05-04T10:02:30Z"
    assert finished["10:03"] == "2026-05-04T10:05:30Z"  # runs past the window's end
    assert summary["by_status"] == {"SKIPPED": 3, "SUCCEEDED": 2}


def test_a_run_past_its_timeout_is_timed_out_by_the_watchdog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a job that sleeps far past its 10 s timeout, with no retries
    catalogue = _project(
        tmp_path,
        "sleepyjobs",
        HANDLERS,
        """
        sleepy:
          schedule: rate(1 hour)
          handler: sleepyjobs.handlers:slow
          payload: {seconds: 3600}
          timeout: 10
          retries: 0
        """,
    )
    # WHEN its slot is simulated
    rows, summary = _simulate(capsys, catalogue, "2026-05-04T10:00:00Z", "2026-05-04T10:01:00Z")
    # THEN the attempt is TIMED_OUT (recorded before the deadline), the run DEAD, 1 dead letter
    assert len(rows) == 1
    assert rows[0]["status"] == "TIMED_OUT" and rows[0]["run_status"] == "DEAD"
    assert rows[0]["finished_at"] <= "2026-05-04T10:00:10Z"
    assert summary["dead_letters"] == 1


def _run_with_stderr_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the real CLI in a child process whose stderr is a pseudo-terminal."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end of the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read() if proc.stdout else b""
    code = proc.wait(timeout=300)
    os.close(master)
    return code, out.decode(), b"".join(chunks).decode()


def test_progress_line_on_a_terminal_and_silence_under_json(tmp_path: Path) -> None:
    # GIVEN an every-minute job
    catalogue = _project(
        tmp_path,
        "progressjobs",
        HANDLERS,
        """
        tick:
          schedule: "* * * * *"
          handler: progressjobs.handlers:slow
          payload: {seconds: 1}
        """,
    )
    window = ["--from", "2026-05-04T10:00:00Z", "--to", "2026-05-04T10:30:00Z"]
    base = ["local", "simulate", "-f", str(catalogue), *window]
    # WHEN it is simulated with stderr on a terminal
    code, out, err = _run_with_stderr_on_a_terminal(base, tmp_path)
    # THEN stderr carries a progress line rewritten in place, blanked at the end
    assert code == 0, err
    assert "\r" in err and "simulating: 2026-05-04T10:" in err
    assert "attempt(s) in" in err and "of the window" in err
    assert err.rstrip(" ").endswith("\r")
    # AND stdout has the report only
    assert "simulating:" not in out
    assert out.strip().splitlines()[-1].startswith("simulated 2026-05-04T10:00:00Z")
    # WHEN the same runs with --json
    code, out, err = _run_with_stderr_on_a_terminal([*base, "--json"], tmp_path)
    # THEN nothing but JSON Lines: no progress on the terminal
    assert code == 0, err
    assert err == ""
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 31 and lines[-1]["summary"] is True
