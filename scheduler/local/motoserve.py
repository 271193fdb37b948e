"""moto's server, but applying one request at a time, as DynamoDB applies each atomically.

moto's ``TransactWriteItems`` deep-copies a table before it starts and restores that copy
when a condition fails. With concurrent requests (two job processes and the ticker), a
losing claim can therefore roll back another run's write made in the meantime: a run
then stays RUNNING for ever. Real DynamoDB has no such race, so the emulator serialises
requests behind one lock; connections are still accepted concurrently.

It also applies ``scheduler.local.motofast`` (DynamoDB reads without moto's costs that
grow with the table; same answers). Run as ``python -m scheduler.local.motoserve HOST
PORT [--stock]``. Used only by local mode.
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


def main(argv: list[str]) -> None:
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    host, port = argv[0], int(argv[1])
    if "--stock" not in argv[2:]:  # --stock: moto as shipped (the speed-ups' own test)
        from scheduler.local.motofast import install

        install()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        serialized(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
