"""`cronbridge local up` in real time: a rate(1 minute) job fires and is recorded, `--local`
verbs reach the running platform, state survives a restart, and nothing is left running.

Slow (about 80 s of wall time: it must live through a minute boundary); CI runs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scheduler.local.emulator import port_in_use
from tests.conftest import free_port, write_project
from tests.e2e.localup import Platform, cli_argv

pytestmark = pytest.mark.slow

JOBS = """
    version: 1
    jobs:
      tick:
        schedule: rate(1 minute)
        handler: upjobs.handlers:tick
        timeout: 20
"""


def _orphans(port: int, root: Path) -> list[str]:
    """Command lines of live processes of the platform on ``port`` for project ``root``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        emulator = "scheduler.local.motoserve" in cmd and cmd.rstrip().endswith(f" {port}")
        job = "scheduler.local.childrun" in cmd and _cwd(proc) == root.resolve()
        if emulator or job:
            found.append(cmd)
    return found


def _cwd(proc: Path) -> Path | None:
    try:
        return Path(os.readlink(proc / "cwd")).resolve()
    except OSError:
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_local_up_fires_records_serves_local_verbs_and_stops_clean(tmp_path: Path) -> None:
    # GIVEN a project with an every-minute job
    write_project(
        tmp_path,
        textwrap.dedent(JOBS),
        "upjobs",
        "def tick(payload, ctx):\n    return {'at': ctx.now().isoformat()}\n",
    )
    port = free_port()

    # WHEN `local up --for 70s` runs (long enough to cross a minute boundary)
    platform = Platform(tmp_path, "--port", str(port), "--for", "70s")
    try:
        _first_run(tmp_path, platform, port)
    finally:
        platform.kill()
    again = Platform(tmp_path, "--port", str(port))
    try:
        _restart(tmp_path, again, port)
    finally:
        again.kill()


def _first_run(tmp_path: Path, platform: Platform, port: int) -> None:
    platform.wait_for("one line per run event follows", timeout=30)
    assert f"http://127.0.0.1:{port}" in "\n".join(platform.lines)

    # THEN `run --local --wait` reaches it with no other flag and the run succeeds
    ran = subprocess.run(
        cli_argv("run", "tick", "--local", "--wait", "--timeout", "30", "--json"),
        check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["status"] == "SUCCEEDED"

    # AND the scheduled fire is printed as started then succeeded
    platform.wait_for("succeeded  tick  [schedule", timeout=75)
    assert platform.finish(timeout=90) == 0  # --for 70s: ends by itself
    output = "\n".join(platform.lines)
    assert "started    tick  [manual" in output and "succeeded  tick  [manual" in output

    # AND it stopped clean: no emulator, no job process, port free, local.json removed
    assert _orphans(port, tmp_path) == []
    assert not port_in_use(port)
    assert not (tmp_path / ".cronbridge" / "local.json").exists()
    saved = json.loads((tmp_path / ".cronbridge" / "state-dev.json").read_text())
    triggers = sorted(item["trigger"]["S"] for item in saved["runs"] if "trigger" in item)
    assert "manual" in triggers and "schedule" in triggers


def _restart(tmp_path: Path, again: Platform, port: int) -> None:
    # WHEN it is started again THEN the history is restored; Ctrl-C stops it cleanly
    restored = again.wait_for("state ", timeout=30)
    assert "restored" in restored and "restored 0 run" not in restored
    again.wait_for("one line per run event follows", timeout=30)
    history = subprocess.run(
        cli_argv("history", "tick", "--local", "--json"),
        check=False, cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert history.returncode == 0, history.stderr
    assert {run["trigger"] for run in json.loads(history.stdout)} >= {"manual", "schedule"}
    os.kill(again.process.pid, signal.SIGINT)
    assert again.finish(timeout=30) == 0
    assert _orphans(port, tmp_path) == [] and not port_in_use(port)


def test_banner_commands_repeat_the_catalogue_and_stage_and_work_when_pasted(
    tmp_path: Path,
) -> None:
    # GIVEN a catalogue under another name, in a folder whose name has a space
    ops = tmp_path / "ops dir"
    (ops / "upjobs").mkdir(parents=True)
    (ops / "upjobs" / "__init__.py").write_text("")
    (ops / "upjobs" / "handlers.py").write_text("def tick(payload, ctx):\n    return 1\n")
    (ops / "cron.yaml").write_text(textwrap.dedent(JOBS))
    port = free_port()
    # WHEN `local up -f "ops dir/cron.yaml" --stage qa` starts
    platform = Platform(
        tmp_path, "-f", "ops dir/cron.yaml", "--stage", "qa", "--port", str(port), "--for", "60s"
    )
    try:
        platform.wait_for("one line per run event follows", timeout=30)
        line = next(x for x in platform.lines if "cronbridge status --local" in x)
        command = line.split("#")[0].strip()
        # THEN the banner's command carries both flags, shell-quoted
        assert command == "cronbridge status --local -f 'ops dir/cron.yaml' --stage qa"
        # AND pasted into a shell in the same folder, it works
        pasted = subprocess.run(
            f"{sys.executable} -m scheduler.cli.main {command.removeprefix('cronbridge ')}",
            shell=True, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert pasted.returncode == 0, pasted.stderr
        assert "tick" in pasted.stdout
    finally:
        platform.kill()
