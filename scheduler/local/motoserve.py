"""moto's server, but applying one request at a time, as DynamoDB applies each atomically.

moto's ``TransactWriteItems`` deep-copies a table before it starts and restores that copy
when a condition fails. With concurrent requests (two job processes and the ticker), a
losing claim can therefore roll back another run's write made in the meantime: a run
then stays RUNNING for ever. Real DynamoDB has no such race, so the emulator serialises
requests behind one lock; connections are still accepted concurrently.

It also applies ``scheduler.local.motofast`` (DynamoDB reads without moto's costs that
grow with the table; same answers). Run as ``python -m scheduler.local.motoserve HOST
PORT [--stock]``. Used only by local mode.

Only one lock, although only DynamoDB's transactions need it: the server is one Python
process, so its requests share one core through the GIL whatever is locked, and a deploy
measured no faster without it (bench/deploy_speed.py, README "Figures"), while moto's
backends read each other's dicts (Lambda reads IAM's roles), which unlocked threads could
change mid-iteration. What does pay is less work per request: moto works out which
service a request is for by matching its host against every service's URL patterns, after
listing its own package folder (a stat per service), twice a request; the answer depends
on the host alone, so ``emulator_app`` remembers it (a deploy's server CPU fell by about
40%).
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any


def serialized(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        # Read the whole body before taking the lock: a client interrupted mid-request
        # (Ctrl-C, a killed job) must stall only its own request, never every other one.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > 0:
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))
        with lock:
            # Drain the body under the lock too: moto may build it lazily.
            return list(app(environ, start_response))

    return handle


def emulator_app() -> Callable[..., list[bytes]]:
    """The emulator's WSGI app: moto's, remembering each host's backend, one request at a
    time."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    class Dispatcher(DomainDispatcherApplication):
        def __init__(self) -> None:
            super().__init__(create_backend_app)
            self._backend_of: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            # Called under moto's own lock; a pure function of the host.
            if host not in self._backend_of:
                self._backend_of[host] = super().get_backend_for_host(host)
            return self._backend_of[host]

    return serialized(Dispatcher())


def main(argv: list[str]) -> None:
    from moto.server import MotoRequestHandler
    from werkzeug.serving import run_simple

    host, port = argv[0], int(argv[1])
    if "--stock" not in argv[2:]:  # --stock: moto's DynamoDB as shipped (motofast's own test)
        from scheduler.local.motofast import install

        install()
    run_simple(host, port, emulator_app(), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1:])
