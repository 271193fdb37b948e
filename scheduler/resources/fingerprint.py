"""The spec fingerprint every desired resource carries, so a plan can tell "unchanged".

``fingerprint`` hashes JSON-able data with sorted keys; ``Specced`` gives any tagged
dataclass its ``spec_hash`` (everything desired about it, minus the spec tag itself) and
``tags_with_spec`` (its tags plus that hash under ``cronbridge:spec``). Deploy writes the
tag, and the next plan compares it from one cheap tag listing. Pure stdlib.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from scheduler import contract


def fingerprint(value: Any) -> str:
    """A short stable hash of JSON-able data (sorted keys), used as the spec tag value.

    Dataclasses inside ``value`` are written as their fields (what ``dataclasses.asdict``
    gives, without its deep copies),
    by the encoder's ``default`` hook: the C encoder walks the dicts and lists itself,
    where a Python pass over them first took most of a no-op plan's hashing time."""
    return hashlib.sha256(spec_json(value).encode()).hexdigest()[:16]


def spec_json(value: Any) -> str:
    """The text ``fingerprint`` hashes: ``json.dumps(value, sort_keys=True,
    separators=(",", ":"), default=...)``, character for character."""
    if _ENCODE is None:  # no C encoder (another Python implementation)
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_fields_or_str)
    return "".join(_ENCODE(value, 0))


def _fields_or_str(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    return str(value)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


# The C encoder json.dumps makes for those arguments, made once instead of per call (with
# a JSONEncoder around it: about a seventh of hashing 1,000 jobs). Its arguments are
# dumps' own: no cycle check (a spec is a tree compile built; a cycle would end in
# RecursionError instead of ValueError), ASCII escapes, ":" and ",", sorted keys, no
# skipped keys, NaN allowed.
_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None, _fields_or_str, encode_basestring_ascii, None, ":", ",", True, False, True
    )
)


def spec_of(resource: Any) -> dict[str, Any]:
    """Everything desired about a resource, minus its own spec tag (which holds the hash):
    its fields, nested dataclasses left for ``fingerprint`` to write."""
    cls: type = type(resource)
    data = {name: getattr(resource, name) for name in _field_names(cls)}
    tags = dict(data.get("tags", {}))
    tags.pop(contract.TAG_SPEC_HASH, None)
    data["tags"] = tags
    return data


class Specced:
    """Mixin: ``spec_hash`` and ``tags_with_spec`` for any dataclass with a ``tags`` field."""

    @property
    def spec_hash(self) -> str:
        return fingerprint(spec_of(self))

    @property
    def tags_with_spec(self) -> dict[str, str]:
        tags: dict[str, str] = dict(getattr(self, "tags", {}))
        tags[contract.TAG_SPEC_HASH] = self.spec_hash
        return tags
