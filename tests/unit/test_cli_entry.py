"""The ``cronbridge`` process's exit (scheduler/cli/entry.py): fast, but nothing lost.

Each case runs ``leave`` in a fresh interpreter, since it ends the process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    # Buffered output, as a CLI in a pipe has unless PYTHONUNBUFFERED is set.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output="stdout" not in kwargs,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_buffered_output_is_all_written_and_the_status_kept() -> None:
    # GIVEN a command that printed far more than one buffer's worth, without flushing
    # WHEN it leaves with status 3
    done = _python(
        "import sys\n"
        "from scheduler.cli.entry import leave\n"
        "sys.stdout.write('x' * 1_000_000)\n"
        "sys.stderr.write('warned')\n"
        "leave(3)\n"
    )
    # THEN every byte reached the pipes and the status is 3
    assert done.returncode == 3
    assert done.stdout == "x" * 1_000_000
    assert done.stderr == "warned"


def test_atexit_handlers_still_run(tmp_path: Path) -> None:
    # GIVEN an atexit handler (as logging and temporary folders register)
    marker = tmp_path / "ran"
    # WHEN the process leaves
    done = _python(
        "import atexit, pathlib\n"
        "from scheduler.cli.entry import leave\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        "leave(0)\n"
    )
    # THEN the handler ran
    assert done.returncode == 0
    assert marker.read_text() == "yes"


def test_a_running_non_daemon_thread_is_waited_for(tmp_path: Path) -> None:
    # GIVEN a thread Python would wait for at exit, still working when the CLI returns
    marker = tmp_path / "finished"
    # WHEN the process leaves
    done = _python(
        "import pathlib, threading, time\n"
        "from scheduler.cli.entry import leave\n"
        "def work():\n"
        "    time.sleep(0.5)\n"
        f"    pathlib.Path({str(marker)!r}).write_text('done')\n"
        "threading.Thread(target=work).start()\n"
        "leave(2)\n"
    )
    # THEN the thread's work was not cut short, and the status is kept
    assert done.returncode == 2
    assert marker.read_text() == "done"


def test_a_closed_output_pipe_is_an_error_status_not_a_traceback() -> None:
    # GIVEN stdout is a pipe whose reader has gone (`cronbridge list | head -1`)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        # WHEN a command that succeeded leaves with unflushed output
        done = _python(
            "import sys\n"
            "from scheduler.cli.entry import leave\n"
            "sys.stdout.write('lost')\n"
            "leave(0)\n",
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    # THEN the status says the output was not delivered, quietly
    assert done.returncode == 1
    assert done.stderr == ""


def test_a_profiler_still_gets_to_write_its_results(tmp_path: Path) -> None:
    # GIVEN the CLI's exit run under cProfile, which writes its file after the program
    script = tmp_path / "leaving.py"
    script.write_text("from scheduler.cli.entry import leave\nleave(0)\n")
    stats = tmp_path / "out.prof"
    # WHEN the program leaves
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), str(script)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # THEN the profile was written
    assert done.returncode == 0, done.stderr
    assert stats.stat().st_size > 0
