"""The local log files: ``.cronbridge/logs/<function>.log``, one line per write, tagged.

Several runs of one function (a schedule, a manual run, a retry) append to the same file
at once, so every line the local executor's child writes carries its invocation's request
id, as Lambda's own log lines do: ``<ISO time>\t<request id>\t<text>``. ``TaggedStream``
writes that format (the child wraps stdout and stderr in it before the worker is imported);
``LocalLogSource`` reads back one run's lines. Stdlib only: the child imports it at cold
start. Output a handler's subprocess writes straight to the file descriptor is not tagged
and so belongs to no run.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from scheduler.runlogs import LogLine, end_marker

SEPARATOR = "\t"


def stamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


class TaggedStream(io.TextIOBase):
    """A text stream that writes each complete line as ``time\\trequest id\\tline``.

    A partial line waits for its newline (or ``flush``), so a ``print`` split over several
    writes stays one line; each tagged line goes out in one write, and with O_APPEND one
    write is not interleaved with another process's.
    """

    def __init__(self, target: TextIO, request_id: str) -> None:
        super().__init__()
        self._target = target
        self._request_id = request_id
        self._pending = ""
        self._lock = threading.Lock()  # the watchdog thread logs too

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._emit(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._emit(self._pending)
                self._pending = ""
            self._target.flush()

    def fileno(self) -> int:
        return self._target.fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8") or "utf-8"

    def _emit(self, line: str) -> None:
        self._target.write(f"{stamp()}{SEPARATOR}{self._request_id}{SEPARATOR}{line}\n")
        self._target.flush()


def parse_line(raw: str) -> tuple[str, str, str] | None:
    """(time, request id, text) of a tagged line; None for an untagged one."""
    parts = raw.rstrip("\n").split(SEPARATOR, 2)
    if len(parts) != 3 or not parts[0].endswith("Z") or len(parts[1]) < 8:
        return None
    return parts[0], parts[1], parts[2]


class LocalLogSource:
    """One function's local log file, read from where the last ``read`` stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = ""
        self._ended: set[str] = set()

    def read(self, request_ids: dict[str, int]) -> list[LogLine]:
        if not self.path.exists():
            return []
        with self.path.open("r", encoding="utf-8", errors="replace") as handle:
            handle.seek(self._offset)
            chunk = handle.read()
            self._offset = handle.tell()
        text = self._partial + chunk
        *complete, self._partial = text.split("\n")  # a line still being written waits
        out = []
        for raw in complete:
            parsed = parse_line(raw)
            if parsed is None or parsed[1] not in request_ids:
                continue
            when, request_id, message = parsed
            if message == end_marker(request_id):
                self._ended.add(request_id)
            out.append(LogLine(when, request_id, message, request_ids[request_id]))
        return out

    def finished(self, request_id: str) -> bool:
        return request_id in self._ended
