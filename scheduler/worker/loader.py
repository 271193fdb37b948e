"""Resolve ``"package.module:function"`` to the job's handler function.

Imports happen on first use, per container, and are cached: the job's own imports (which
may be heavy) are paid by the first invocation's attempt, inside the ledger's try/except,
so a broken handler module is recorded as a FAILED run rather than a crashed cold start.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

HandlerFn = Callable[[dict[str, Any], Any], Any]

_cache: dict[str, HandlerFn] = {}


class HandlerNotFoundError(ImportError):
    """The handler path does not name an importable callable."""


def load_handler(spec: str) -> HandlerFn:
    if spec in _cache:
        return _cache[spec]
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        raise HandlerNotFoundError(f"handler {spec!r} must look like 'package.module:function'")
    module = importlib.import_module(module_name)
    target: Any = module
    for part in function_name.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise HandlerNotFoundError(f"{module_name!r} has no attribute {function_name!r}")
    if not callable(target):
        raise HandlerNotFoundError(f"handler {spec!r} is not callable")
    _cache[spec] = target
    return target
