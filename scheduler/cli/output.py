"""Results of CLI verbs, rendered as human text or as JSON.

A verb returns a ``Result``; ``main`` prints it. Keeping rendering out of the verbs means
``--json`` output is exactly the data the text was made from, and a test can pin its keys.

The output rule (README, "Output conventions"): stdout carries the data; progress, prompts,
hints and errors go to stderr. Colour (``paint``) is used only where the stream is a
terminal, never under ``NO_COLOR`` (https://no-color.org), and ``--color`` overrides.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

COLOR_MODES = ("auto", "always", "never")
_color_mode = ["auto"]

# SGR codes by meaning, so callers say what a word is, not which colour it gets.
STYLES: dict[str, str] = {
    "ok": "32",  # green
    "add": "32",
    "warn": "33",  # yellow
    "change": "33",
    "bad": "31",  # red
    "remove": "31",
    "dim": "2",
    "bold": "1",
}
# What each health word (scheduler.health) and run status looks like.
HEALTH_STYLES = {
    "OK": "ok",
    "SUCCEEDED": "ok",
    "LATE": "warn",
    "STUCK": "warn",
    "RUNNING": "warn",
    "SKIPPED": "dim",
    "FAILING": "bad",
    "FAILED": "bad",
    "TIMED_OUT": "bad",
    "DEAD": "bad",
    "DISABLED": "dim",
}


def set_color_mode(mode: str) -> None:
    """``--color``: auto (the default), always or never; ``main`` sets it once."""
    if mode not in COLOR_MODES:
        raise ValueError(f"--color must be one of {', '.join(COLOR_MODES)}")
    _color_mode[0] = mode


def color_enabled(stream: TextIO | None = None) -> bool:
    """Whether text for ``stream`` (default stdout) may carry colour codes."""
    mode = _color_mode[0]
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR", ""):  # no-color.org: present and not empty disables
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, *, stream: TextIO | None = None) -> str:
    """``text`` in the colour of ``style`` (a key of STYLES) when colour is on, else as is."""
    code = STYLES.get(style)
    if not code or not text or not color_enabled(stream):
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def paint_health(word: str, *, stream: TextIO | None = None) -> str:
    """A health or status word (OK, FAILING, DEAD, ...) in its colour."""
    style = HEALTH_STYLES.get(word.split(" ", 1)[0])
    return paint(word, style, stream=stream) if style else word


_SGR = re.compile(r"\x1b\[[0-9;]*m")


_PLAN_MARKS = {"+": "add", "~": "change", "-": "remove"}


def paint_plan(text: str, *, stream: TextIO | None = None) -> str:
    """A rendered plan with each ``+``/``~``/``-`` line in its colour (green, yellow, red),
    as Terraform shows a plan; unchanged when colour is off for ``stream``."""
    if not color_enabled(stream):
        return text
    lines = []
    for line in text.split("\n"):
        body = line.lstrip()
        style = _PLAN_MARKS.get(body[:1]) if body[1:2] == " " else None
        lines.append(paint(line, style, stream=stream) if style else line)
    return "\n".join(lines)


def visible_len(text: str) -> int:
    """Length on screen: colour codes take no room (tables align on this)."""
    return len(_SGR.sub("", text)) if "\x1b" in text else len(text)


@dataclass
class Result:
    """What a verb produced: data for ``--json``, a renderer for humans, and an exit code."""

    data: Any  # or a function giving it, called only for --json
    text: Callable[[], str] | str = ""
    exit_code: int = 0
    # For streaming verbs: with --json, print these as JSON Lines instead of ``data``.
    json_lines: list[Any] | None = None

    def render_text(self) -> str:
        return self.text() if callable(self.text) else self.text

    def json_data(self) -> Any:
        return self.data() if callable(self.data) else self.data


def emit(result: Result, *, as_json: bool) -> None:
    if as_json and result.json_lines is not None:
        for item in result.json_lines:
            sys.stdout.write(json.dumps(item, default=str) + "\n")
        return
    if as_json:
        data = result.json_data()
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
        return
    text = result.render_text()
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table, like kubectl's."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(visible_len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c + " " * (w - visible_len(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    return "\n".join(lines)


def progress(line: str) -> None:
    """Progress for long work goes to stderr, so stdout stays clean for --json."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def hint(line: str) -> None:
    """A hint for the person (``follow it with: ...``): stderr, like progress."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
