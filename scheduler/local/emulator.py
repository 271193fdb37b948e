"""Start and stop moto's server, the local AWS emulator, as a child process on 127.0.0.1.

A child process (rather than moto's in-process ThreadedMotoServer) keeps the emulator's
threads and memory out of ours and is easy to stop completely. It runs in its own session
so a Ctrl-C in the terminal reaches only `local up`, which then snapshots state *before*
stopping the emulator. On Linux the child also gets PDEATHSIG, so even a SIGKILL of
`local up` leaves no orphaned emulator behind. Binds to 127.0.0.1 only: moto's default of
0.0.0.0 would expose an unauthenticated AWS look-alike to the network. No AWS calls.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from scheduler.errors import CronbridgeError

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
READY_TIMEOUT = 30.0


class EmulatorError(CronbridgeError):
    """The emulator could not start (port taken, moto missing, crashed at start)."""


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether the emulator could not listen on ``port``: something else is bound there.

    Binds as the emulator's server does (werkzeug sets SO_REUSEADDR), so connections in
    TIME_WAIT left by a server that just stopped do not count: on Linux a plain bind fails
    on them for a minute although a new server starts fine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def endpoint_ready(endpoint_url: str, timeout: float = 1.0) -> bool:
    """True once moto answers HTTP (any status: moto answers 404 on unknown paths)."""
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: ask the kernel to SIGTERM the emulator when `local up` dies, however it dies."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def child_preexec() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        _die_with_parent()


class Emulator:
    """One moto server child process bound to 127.0.0.1:``port``."""

    def __init__(self, port: int = DEFAULT_PORT, *, log_path: Path | None = None) -> None:
        self.port = port
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, ready_timeout: float = READY_TIMEOUT) -> None:
        if port_in_use(self.port):
            raise EmulatorError(
                f"port {self.port} on {HOST} is already in use",
                hint="pass --port to use another one, or stop the other `cronbridge local up`",
            )
        env = dict(os.environ)
        # Deploy attaches only our own inline policies, so AWS-managed policies (a slow,
        # large load in moto) stay off.
        env.pop("MOTO_IAM_LOAD_MANAGED_POLICIES", None)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        out = self._log if self._log is not None else subprocess.DEVNULL
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.local.motoserve", HOST, str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                env=env,
                start_new_session=True,  # Ctrl-C goes to `local up`, which stops us in order
                preexec_fn=child_preexec,  # noqa: PLW1509 - only sets PDEATHSIG
            )
        except OSError as exc:
            raise EmulatorError(f"cannot start moto's server: {exc}") from exc
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._close_log()
                raise EmulatorError(
                    f"moto's server exited at start (status {self._process.returncode})",
                    hint=f"see {self.log_path}" if self.log_path else "is moto[server] installed?",
                )
            if endpoint_ready(self.endpoint_url):
                return
            time.sleep(0.1)
        self.stop()
        raise EmulatorError(f"moto's server did not answer on {self.endpoint_url} in time")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the server (and anything it spawned); idempotent."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
