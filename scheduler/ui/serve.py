"""Binding the UI's socket and running uvicorn on it, in the foreground or in a thread.

The socket is bound here, before uvicorn starts, so a port already in use is one clear
error line (not uvicorn's log and exit), and ``--port 0`` yields the port actually taken.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Any

from scheduler.errors import UsageError


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another port with --port, e.g. --port 8766 (0 picks a free one)",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@dataclass
class Running:
    """A UI server started in a background thread (beside ``local up``, or in tests)."""

    server: Any
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _server(app: Any) -> Any:
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))


def serve_forever(app: Any, sock: socket.socket) -> None:
    """Serve until Ctrl-C (uvicorn handles the signal and returns)."""
    _server(app).run(sockets=[sock])


def serve_in_thread(app: Any, sock: socket.socket, host: str) -> Running:
    server = _server(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="cronbridge-ui", daemon=True
    )
    thread.start()
    return Running(server, thread, url_of(host, sock))
