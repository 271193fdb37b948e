"""Field-by-field differences between a live and a desired resource, for the plan's ops.

``diff`` gives the ``Change`` rows each operation carries (and the rendered plan shows);
dict fields such as env and tags are compared key by key. ``conflict`` is the one error a
plan raises when one of our names is taken by a resource this stage does not own. Pure:
no AWS calls.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import Any

from scheduler import contract
from scheduler.deploy import ops as o
from scheduler.errors import CronbridgeError


class OwnershipConflictError(CronbridgeError):
    """A resource with one of our names exists but is not owned by this stage."""


def spec_tag(tags: dict[str, str] | None) -> str | None:
    """The fingerprint a resource's tags carry (None: no tags read, or no fingerprint)."""
    return None if tags is None else tags.get(contract.TAG_SPEC_HASH)


def _is_instance(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields as they are (nested dataclasses compare by value), or a dict."""
    if _is_instance(value):
        cls: type = type(value)
        return {name: getattr(value, name) for name in _field_names(cls)}
    return dict(value or {})


def _plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` makes of a field's value: the form a Change keeps."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if _is_instance(value):
        return dataclasses.asdict(value)
    return value


def diff(old: Any, new: Any, fields: Iterable[str] | None = None) -> o.Changes:
    """Field changes old -> new; dict fields (env, tags, policies) compared key by key.

    Fields are compared as they are, without copying every nested value first (a first
    plan at 1,000 jobs diffs thousands of resources); only a changed field's values are
    converted, to the plain form the rendered plan shows."""
    old_d = _fields(old)
    new_d = _fields(new)
    changes = []
    for name in fields if fields is not None else new_d:
        a, b = old_d.get(name), new_d.get(name)
        if isinstance(a, tuple | list) and isinstance(b, tuple | list):
            a, b = list(a), list(b)
        if a == b:
            continue
        a, b = _plain(a), _plain(b)
        if a == b:
            continue  # equal values of different dataclasses (asdict compared them equal)
        if isinstance(a, dict) and isinstance(b, dict) and name in ("environment", "tags"):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changes.append(o.Change(f"{name}.{key}", a.get(key), b.get(key)))
        else:
            changes.append(o.Change(name, a, b))
    return tuple(changes)


def conflict(kind: str, name: str, stage: str) -> OwnershipConflictError:
    """The error for one of our names held by a resource this stage does not own."""
    return OwnershipConflictError(
        f"{kind} {name} exists but is not tagged as owned by cronbridge stage {stage}; "
        "refusing to touch it",
        hint="rename the job or the prefix, or delete/tag that resource yourself",
    )
