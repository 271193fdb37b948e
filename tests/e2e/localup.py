"""`cronbridge local up` as a child process, for the end-to-end tests that need a running
platform, and the argv that runs the CLI as a user's shell would."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def cli_argv(*args: str) -> list[str]:
    """The command line of the CLI run in a child process (this interpreter)."""
    return [sys.executable, "-m", "scheduler.cli.main", *args]


class Platform:
    """A `local up` child process whose stdout lines are collected as they come."""

    def __init__(self, root: Path, *args: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(
            cli_argv("local", "up", *args),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; output so far:\n" + "\n".join(self.lines))

    def kill(self) -> None:
        """Cleanup after a failed assertion: SIGINT (clean stop), then SIGKILL."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def finish(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        if code is None:
            raise AssertionError(
                f"`local up` still running after {timeout} s; output:\n" + "\n".join(self.lines)
            )
        return code
