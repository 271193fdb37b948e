"""Results of CLI verbs, rendered as human text or as JSON.

A verb returns a ``Result``; ``main`` prints it. Keeping rendering out of the verbs means
``--json`` output is exactly the data the text was made from, and a test can pin its keys.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    """What a verb produced: data for ``--json``, a renderer for humans, and an exit code."""

    data: Any
    text: Callable[[], str] | str = ""
    exit_code: int = 0
    # For streaming verbs: with --json, print these as JSON Lines instead of ``data``.
    json_lines: list[Any] | None = None

    def render_text(self) -> str:
        return self.text() if callable(self.text) else self.text


def emit(result: Result, *, as_json: bool) -> None:
    if as_json and result.json_lines is not None:
        for item in result.json_lines:
            sys.stdout.write(json.dumps(item, default=str) + "\n")
        return
    if as_json:
        sys.stdout.write(json.dumps(result.data, indent=2, sort_keys=False, default=str) + "\n")
        return
    text = result.render_text()
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table, like kubectl's."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def progress(line: str) -> None:
    """Progress for long work goes to stderr, so stdout stays clean for --json."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
