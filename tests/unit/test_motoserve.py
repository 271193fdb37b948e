"""The emulator's request serialiser: one request inside moto at a time, bodies read first."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

from scheduler.local.motoserve import serialized


class SlowBody(io.RawIOBase):
    """A request body whose client stalls before sending it."""

    def __init__(self, data: bytes, released: threading.Event) -> None:
        self._data, self._released = data, released

    def read(self, size: int = -1) -> bytes:
        self._released.wait(5)
        data, self._data = self._data, b""
        return data


def test_requests_never_overlap_inside_the_app() -> None:
    # GIVEN an app that records how many calls are inside it at once
    inside, peak, guard = [0], [0], threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with guard:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.01)
        with guard:
            inside[0] -= 1
        return [b"ok"]

    wrapped = serialized(app)
    # WHEN 8 threads call it together
    threads = [
        threading.Thread(target=wrapped, args=({"CONTENT_LENGTH": "0"}, lambda *a: None))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN only one was ever inside
    assert peak[0] == 1


def test_a_stalled_body_does_not_block_other_requests() -> None:
    # GIVEN one request whose body has not arrived yet
    released = threading.Event()
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read())
        return [b"ok"]

    wrapped = serialized(app)
    stalled = {"CONTENT_LENGTH": "5", "wsgi.input": SlowBody(b"hello", released)}
    blocker = threading.Thread(target=wrapped, args=(stalled, lambda *a: None))
    blocker.start()
    time.sleep(0.05)
    # WHEN another request arrives THEN it is served while the first still waits
    fast = {"CONTENT_LENGTH": "2", "wsgi.input": io.BytesIO(b"hi")}
    assert wrapped(fast, lambda *a: None) == [b"ok"]
    assert seen == [b"hi"]
    released.set()
    blocker.join(5)
    assert seen == [b"hi", b"hello"]
