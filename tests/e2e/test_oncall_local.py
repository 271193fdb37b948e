"""The on-call verbs against a real ``cronbridge local up``, driven as a person would.

One platform serves every test of the module (it takes a while to start). Pasted hints
are run exactly as printed; Ctrl-C is a real SIGINT to the CLI process; the terminal
cases run the CLI on a pseudo-terminal. Slow (a minute or two); CI runs it.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shlex
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, write_project
from tests.e2e.localup import Platform, cli_argv

pytestmark = pytest.mark.slow

JOBS = """
    version: 1
    jobs:
      tick:
        schedule: "0 0 1 1 *"
        handler: oncall.handlers:tick
        timeout: 30
      slow:
        schedule: "0 0 1 1 *"
        handler: oncall.handlers:slow
        timeout: 60
"""

HANDLERS = """
import time


def tick(payload, ctx):
    print(f"hello from {ctx.run_id}")
    ctx.logger.info("counted", extra={"rows": 3})
    return {"ok": True}


def slow(payload, ctx):
    for i in range(8):
        print(f"working {i}", flush=True)
        time.sleep(1)
    return {"ok": True}
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CRONBRIDGE_LOCAL")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("oncall")
    write_project(root, textwrap.dedent(JOBS), "oncall", textwrap.dedent(HANDLERS))
    platform = Platform(root, "--port", str(free_port()))
    try:
        platform.wait_for("one line per run event follows", timeout=120)
        yield root
    finally:
        platform.kill()


def _run(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(*args), cwd=cwd or root, env=_env(), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


class Pty:
    """The CLI on a pseudo-terminal: what it writes, as a person's terminal shows it."""

    def __init__(self, root: Path, *args: str, env: dict[str, str] | None = None) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.process = subprocess.Popen(
            cli_argv(*args), cwd=root, env=env or _env(), stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        self.text = ""

    def read_until(self, needle: str, timeout: float, after: int = 0) -> str:
        """All text so far, once ``needle`` shows up past offset ``after``."""
        deadline = time.monotonic() + timeout
        while needle not in self.text[after:] and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the CLI exited and closed the terminal
                    break
                if not chunk:
                    break
                self.text += chunk.decode(errors="replace")
        assert needle in self.text[after:], f"{needle!r} not seen in:\n{self.text}"
        return self.text

    def interrupt_and_wait(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        try:
            while True:
                ready, _, _ = select.select([self.master], [], [], 0.2)
                if not ready:
                    break
                chunk = os.read(self.master, 65536)
                if not chunk:
                    break
                self.text += chunk.decode(errors="replace")
        except OSError:
            pass
        os.close(self.master)
        return code


def _hint_commands(stderr: str) -> dict[str, list[str]]:
    """The commands a `run` hint offers, by verb: exactly what a person would paste."""
    commands = {}
    for line in stderr.splitlines():
        if "cronbridge " in line:
            argv = shlex.split(line[line.index("cronbridge ") :])
            commands[argv[1]] = argv
    return commands


def test_run_wait_prints_the_id_first_and_streams_its_log_lines(project: Path) -> None:
    # WHEN a job is run and waited for
    done = _run(project, "run", "tick", "--local", "--wait", "--timeout", "60")
    # THEN stderr starts with the run id, then carries the run's own log lines
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("started tick.") and "Ctrl-C stops waiting" in first
    run_id = first.split()[1]
    assert f"hello from {run_id}" in done.stderr
    assert "counted  rows=3" in done.stderr
    # AND stdout is the finished run
    assert f"run:           {run_id}" in done.stdout and "SUCCEEDED" in done.stdout


def test_the_hints_after_run_local_work_when_pasted(project: Path) -> None:
    # GIVEN `run tick --local` (no other flag)
    started = _run(project, "run", "tick", "--local")
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    hints = _hint_commands(started.stderr)
    # THEN the hints carry --local
    assert hints["logs"] == ["cronbridge", "logs", run_id, "--follow", "--local"]
    assert hints["show"] == ["cronbridge", "show", run_id, "--local"]
    # AND pasted, `logs --follow` prints that run's lines and ends with the run
    followed = _run(project, *hints["logs"][1:])
    assert followed.returncode == 0, followed.stderr
    assert f"hello from {run_id}" in followed.stdout
    assert "START RequestId:" in followed.stdout and "END RequestId:" in followed.stdout
    assert "hello from tick." not in followed.stdout.replace(f"hello from {run_id}", "")
    # AND pasted, `show` finds the run
    shown = _run(project, *hints["show"][1:])
    assert shown.returncode == 0 and "SUCCEEDED" in shown.stdout
    # AND from the jobs.yaml's subfolder, plain `logs RUN_ID --local` finds it too
    again = _run(project, "logs", run_id, "--local", cwd=project / "oncall")
    assert again.returncode == 0 and f"hello from {run_id}" in again.stdout


def test_ctrl_c_while_waiting_says_the_run_goes_on(project: Path) -> None:
    # GIVEN `run slow --local --wait` on a terminal
    term = Pty(project, "run", "slow", "--local", "--wait")
    term.read_until("working 1", timeout=90)
    run_id = term.text.split("started ", 1)[1].split()[0]
    # WHEN the person presses Ctrl-C
    code = term.interrupt_and_wait()
    # THEN it exits 130 and says the run goes on, and how to follow it (with --local)
    assert code == 130, term.text
    assert f"stopped waiting; {run_id} goes on" in term.text
    assert f"cronbridge logs {run_id} --follow --local" in term.text
    # AND the run does go on to succeed
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline:
        shown = _run(project, "show", run_id, "--local", "--json")
        status = json.loads(shown.stdout)["status"] if shown.returncode == 0 else None
        if status == "SUCCEEDED":
            break
        time.sleep(1)
    assert status == "SUCCEEDED"


def test_status_watch_redraws_on_a_terminal_in_colour_and_ctrl_c_exits_0(project: Path) -> None:
    term = Pty(project, "status", "--watch", "--local", "--interval", "0.5")
    # WHEN it has refreshed twice
    first = term.read_until("cronbridge status  (every 0.5s", timeout=60)
    term.read_until("cronbridge status  (every 0.5s", timeout=60, after=len(first))
    # THEN each frame clears the screen and redraws the table, health in colour
    assert term.text.count("\x1b[H\x1b[J") >= 2
    assert "\x1b[32mOK\x1b[0m" in term.text
    # AND Ctrl-C ends it with exit 0
    assert term.interrupt_and_wait() == 0
    assert "Traceback" not in term.text


def test_no_color_on_a_terminal_and_none_when_piped(project: Path) -> None:
    term = Pty(project, "status", "--local", env=_env(NO_COLOR="1"))
    term.read_until("HEALTH", timeout=60)
    term.process.wait(timeout=60)
    assert "\x1b[" not in term.text
    piped = _run(project, "status", "--local")
    assert "HEALTH" in piped.stdout and "\x1b[" not in piped.stdout


def test_history_follow_piped_appends_new_runs(project: Path) -> None:
    # GIVEN `history --follow` piped into another program
    follow = subprocess.Popen(
        cli_argv("history", "tick", "--follow", "--local", "--interval", "0.5"),
        cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(3)
        # WHEN a new run happens
        started = _run(project, "run", "tick", "--local")
        run_id = started.stdout.strip()
        assert follow.stdout is not None
        seen = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = follow.stdout.readline()
            seen.append(line)
            if line.startswith(run_id) and "SUCCEEDED" in line:
                break
        # THEN its line is appended (no screen codes), once it is SUCCEEDED
        assert any(line.startswith(run_id) and "SUCCEEDED" in line for line in seen), seen
        assert not any("\x1b[" in line for line in seen)
    finally:
        follow.send_signal(signal.SIGINT)
        code = follow.wait(timeout=30)
    # AND Ctrl-C ends it with exit 0
    assert code == 0
