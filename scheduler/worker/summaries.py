"""What the ledger keeps of a handler's result or exception: small JSON that never raises.

A handler owns its return value and its exceptions, and either may be hostile: a
``__str__``/``__repr__`` that raises, an object ``json`` cannot encode, a recursive
structure. These summaries run after the handler returned or raised, on the path that
records the outcome, so an exception here would lose an outcome the handler produced (the
watchdog would then report a TIMED_OUT that never happened). Every function here falls back
to a plain placeholder instead of raising. Stdlib only (cold start).
"""

from __future__ import annotations

import json
import traceback
from typing import Any

from scheduler.ledger.model import MAX_MESSAGE_CHARS, MAX_RESULT_CHARS, MAX_TRACEBACK_CHARS, trim


def safe_text(value: Any, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``str(value)``, else ``repr(value)``, else a placeholder naming its type; trimmed."""
    for render in (str, repr):
        try:
            text = render(value)
        except Exception:  # a hostile __str__/__repr__: try the next form
            continue
        if isinstance(text, str):
            return trim(text, limit)
    return f"<unprintable {type_name(value)}>"


def type_name(value: Any) -> str:
    try:
        return str(type(value).__name__)
    except Exception:
        return "object"


def result_summary(value: Any) -> Any:
    """The handler's return value as small JSON (trimmed), or None. Never raises."""
    if value is None:
        return None
    try:
        text = json.dumps(value, default=safe_text, allow_nan=False)
    except Exception:  # NaN, circular references, keys json cannot encode, ...
        text = json.dumps(safe_text(value, limit=MAX_RESULT_CHARS))
    if len(text) > MAX_RESULT_CHARS:
        return {"truncated": True, "preview": text[:MAX_RESULT_CHARS]}
    return json.loads(text)


def error_summary(exc: BaseException, traceback_text: str | None = None) -> dict[str, str]:
    """``{type, message[, traceback]}`` of an exception, trimmed to fit an item. Never raises."""
    out = {"type": type_name(exc), "message": safe_text(exc)}
    if traceback_text:
        out["traceback"] = trim(traceback_text, MAX_TRACEBACK_CHARS)
    return out


def current_traceback() -> str | None:
    """The traceback being handled, or None when even formatting it fails."""
    try:
        return traceback.format_exc()
    except Exception:
        return None
