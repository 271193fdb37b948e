"""Explain a YAML syntax error: where it is, what is probably wrong, and how to fix it.

PyYAML's words ("mapping values are not allowed here", "expected <block end>, but found
'<block mapping start>'") describe the parser's state, not the mistake, and often point
one line after it. This module reads the parser's problem and context together with the
text around the mark and names the usual mistakes in a catalogue: bad indentation, a tab,
an unclosed quote or bracket, a value that needs quotes (``* * * * *`` is an alias to
YAML, ``@daily`` a reserved character), a ``': '`` inside a plain value, a missing space
after a key's colon. Anything else keeps the parser's own words with a general hint.
Pure: works on the text it is given; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_KEY_NO_SPACE = re.compile(r"^\s*([A-Za-z0-9_-]+):(\S.*)$")
_KEY_LINE = re.compile(r"^(\s*)(-\s+)?([^\s#:][^:#]*?):(\s|$)")


@dataclass(frozen=True)
class Explained:
    line: int  # 1-based
    column: int  # 1-based
    message: str
    hint: str


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _line(text: str, number: int) -> str:
    lines = _lines(text)
    return lines[number - 1] if 0 < number <= len(lines) else ""


def _spaces(count: int) -> str:
    return f"{count} space" if count == 1 else f"{count} spaces"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_lines_before(text: str, number: int) -> list[tuple[int, str]]:
    """(number, text) of the non-blank, non-comment lines before line ``number``, nearest first."""
    out = []
    for n in range(number - 1, 0, -1):
        line = _line(text, n)
        if line.strip() and not line.lstrip().startswith("#"):
            out.append((n, line))
    return out


def _key_of(line: str) -> str:
    match = _KEY_LINE.match(line)
    return match.group(3).strip() if match else line.strip()


def _value_from(line: str, column: int) -> str:
    """The rest of the line from ``column`` (1-based), without a trailing comment."""
    rest = line[column - 1 :]
    return re.split(r"\s+#", rest, maxsplit=1)[0].rstrip()


def explain(exc: yaml.MarkedYAMLError, text: str) -> Explained:
    """What went wrong, for a person; the mark is where to look, not where the parser stopped."""
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    pmark = exc.problem_mark or exc.context_mark
    line = pmark.line + 1 if pmark else 1
    column = pmark.column + 1 if pmark else 1
    cmark = exc.context_mark
    here = _line(text, line)

    if "\\t" in problem or "\t" in problem or "tab character" in problem:
        tab = _tab_in(text, line)
        at_line, at_col = tab if tab is not None else (line, column)
        return Explained(
            at_line,
            at_col,
            "YAML syntax error: a tab character; YAML allows only spaces for indentation "
            "and after a key's colon",
            "replace the tab with spaces (indent nested keys 2 spaces deeper than their "
            "parent, siblings alike)",
        )
    if context.startswith("while scanning a quoted scalar") and cmark is not None:
        quote = _line(text, cmark.line + 1)[cmark.column : cmark.column + 1] or '"'
        inside = '\\"' if quote == '"' else "''"
        return Explained(
            cmark.line + 1,
            cmark.column + 1,
            f"YAML syntax error: the quote {quote} opened here is never closed",
            f"end the value with a closing {quote} on the same line (a {quote} inside the "
            f"value is written {inside})",
        )
    if context.startswith("while scanning an alias") and cmark is not None:
        value = _value_from(_line(text, cmark.line + 1), cmark.column + 1)
        return Explained(
            cmark.line + 1,
            cmark.column + 1,
            "YAML syntax error: a value starting with '*' is read as a YAML alias "
            "(a reference to an &anchor), not as text",
            f'quote the value: {_key_of(_line(text, cmark.line + 1))}: "{value}"',
        )
    if "cannot start any token" in problem:
        char = here[column - 1 : column] or "?"
        value = _value_from(here, column)
        return Explained(
            line,
            column,
            f"YAML syntax error: a plain value cannot start with {char!r}, a character "
            "YAML reserves",
            f'quote the value: "{value}"',
        )
    if problem.startswith("mapping values are not allowed"):
        return _colon(text, line, column)
    if context.startswith("while parsing a flow"):
        return _flow(text, line, column, cmark if "flow node" not in context else None)
    if context.startswith("while parsing a block collection"):
        return Explained(
            line,
            column,
            "YAML syntax error: a `key: value` line among list items ('- ') of the same "
            "indentation; a block is either a list or a mapping",
            "make every line at this indentation a list item, or every one a `key: value`",
        )
    if context.startswith("while parsing a block") and (
        "expected <block end>" in problem or "did not find expected key" in problem
    ):
        return _indentation(text, line, column, problem)
    return Explained(
        line,
        column,
        f"YAML syntax error: {problem or context or 'invalid YAML'}",
        "look at this line and the one above it: indentation (spaces only, siblings "
        "aligned), a missing space after a key's colon, or a value that needs quotes",
    )


def _tab_in(text: str, line: int) -> tuple[int, int] | None:
    """The first tab on the error's line or the line before (PyYAML may stop after it)."""
    for n in (line, line - 1):
        position = _line(text, n).find("\t")
        if position >= 0:
            return n, position + 1
    return None


def _flow(text: str, line: int, column: int, opened: yaml.Mark | None) -> Explained:
    """An unclosed ``{`` or ``[``: pointed at the bracket (the parser stops at the end)."""
    if opened is not None:
        at_line, at_col = opened.line + 1, opened.column + 1
    else:
        at_line, at_col = line, column
        for n in range(line, 0, -1):
            found = max(_line(text, n).rfind("["), _line(text, n).rfind("{"))
            if found >= 0:
                at_line, at_col = n, found + 1
                break
    opener = _line(text, at_line)[at_col - 1 : at_col]
    closer = {"{": "}", "[": "]"}.get(opener)
    if closer is None:
        opener, closer = "bracket", "its closing bracket"
    return Explained(
        at_line,
        at_col,
        f"YAML syntax error: the {opener!r} opened here is not closed with {closer!r} "
        "where the parser expected it",
        f"close it with {closer!r} on the same line, separate its items with commas, or "
        "write the value as indented lines instead",
    )


def _colon(text: str, line: int, column: int) -> Explained:
    here = _line(text, line)
    before = here[: column - 1]
    if _KEY_LINE.match(before + ": ") and ":" not in before.strip():
        # The error sits on this line's own key: the mistake is on a line above it.
        previous = _content_lines_before(text, line)
        if previous:
            n, prev = previous[0]
            missing = _KEY_NO_SPACE.match(prev)
            if missing and not prev.strip().startswith(("-", '"', "'")):
                key, value = missing.group(1), missing.group(2)
                return Explained(
                    n,
                    _indent(prev) + len(key) + 1,
                    f"YAML syntax error: no space after the colon of {key!r}, so YAML reads "
                    f"'{key}:{value}' as text instead of a key",
                    f"write `{key}: {value}` (a space after the colon)",
                )
            if _indent(here) > _indent(prev):
                return _deeper(here, line, n, prev)
    key_match = _KEY_LINE.match(here)
    key = key_match.group(3).strip() if key_match else "the key"
    value_at = key_match.end() if key_match else 0
    value = _value_from(here, value_at + 1).strip()
    return Explained(
        line,
        column,
        "YAML syntax error: ': ' inside a plain value starts a second mapping on one line",
        f'quote the value: {key}: "{value}"' if key_match else "quote the value",
    )


def _deeper(here: str, line: int, n: int, prev: str) -> Explained:
    """A key indented under a line that already has its value."""
    return Explained(
        line,
        _indent(here) + 1,
        f"YAML syntax error: {_key_of(here)!r} is indented more than {_key_of(prev)!r} on "
        f"line {n}, whose value is already given",
        f"indent {_key_of(here)!r} with {_spaces(_indent(prev))}, like {_key_of(prev)!r}, "
        "or move it under a key that ends with ':'",
    )


def _indentation(text: str, line: int, column: int, problem: str) -> Explained:
    here = _line(text, line)
    stripped = here.lstrip(" ")
    previous = _content_lines_before(text, line)
    # Indentations a line here may take: those of the keys enclosing the lines above.
    levels: list[tuple[int, int, str]] = []
    floor = None
    for n, prev in previous:
        width = _indent(prev)
        if floor is None or width < floor:
            levels.append((width, n, _key_of(prev)))
            floor = width
    choices = ", ".join(f"{_spaces(w)} like {k!r} on line {n}" for w, n, k in levels[:3])
    if stripped.startswith("- ") and "'-'" in problem:
        return Explained(
            line,
            _indent(here) + 1,
            "YAML syntax error: a list item ('- ') where a key was expected",
            "jobs and their fields are `name: value` mappings, not list items; remove the "
            "'- ', or indent the item under a key that ends with ':'",
        )
    if previous and _indent(here) > _indent(previous[0][1]):
        return _deeper(here, line, *previous[0])
    return Explained(
        line,
        _indent(here) + 1,
        f"YAML syntax error: {_key_of(here)!r} is indented {_spaces(_indent(here))}, which "
        "matches no key above it",
        f"indent it like its siblings: {choices}" if choices else "fix the indentation",
    )
