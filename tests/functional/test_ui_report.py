"""``cronbridge report`` and ``cronbridge ui`` through the real CLI entry, against moto."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from scheduler.cli.main import main
from tests.functional.conftest import STAGE
from tests.functional.test_ui_routes import XSS_SCRIPT, Env, ui  # noqa: F401 - fixture


def cli(env: Env, *argv: str) -> int:
    return main(
        [*argv, "-f", str(env.root / "jobs.yaml"), "--stage", STAGE, "--region", "us-east-1"]
    )


def test_report_writes_one_static_file_of_every_job(ui: Env, tmp_path: Path, capsys) -> None:  # noqa: F811
    # GIVEN recent runs of two jobs (one of them failing with markup in its error)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ui.slot("tick", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    ui.slot("broken", now.strftime("%Y-%m-%dT%H:00:00Z"))  # its newest slot: FAILING
    out = tmp_path / "out" / "runs.html"
    capsys.readouterr()
    # WHEN the report is written
    code = cli(ui, "report", "-o", str(out), "--since", "1d")
    # THEN it names what it wrote, and the file holds the overview and each job's runs
    assert code == 0
    assert f"wrote {out}: 3 job(s), 2 run(s) since 1d" in capsys.readouterr().out
    text = out.read_text()
    for job in ("tick", "broken", "paused"):
        assert f'id="job-{job}"' in text
    assert 'data-health="FAILING"' in text and "RuntimeError" in text
    assert XSS_SCRIPT not in text and "<script" not in text


def test_report_rejects_a_bad_since(ui: Env, capsys) -> None:  # noqa: F811
    assert cli(ui, "report", "--since", "lately") == 1
    err = capsys.readouterr().err
    assert "--since" in err and "hint:" in err and "Traceback" not in err


def test_ui_refuses_a_port_in_use_in_one_line(ui: Env, capsys) -> None:  # noqa: F811
    # GIVEN a port already taken
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        # WHEN the ui is asked to serve there THEN one error line and a hint, exit 1
        assert cli(ui, "ui", "--port", str(port)) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "hint: pick another port" in err


@pytest.mark.parametrize("flag", [["--refresh", "0"], ["--port", "nope"]])
def test_ui_rejects_bad_flags(ui: Env, capsys, flag: list[str]) -> None:  # noqa: F811
    assert cli(ui, "ui", *flag) == 1
    assert "error:" in capsys.readouterr().err
