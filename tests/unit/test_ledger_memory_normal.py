"""``memory_reads.normal``: the in-process ledger's one-pass copy agrees with the codec.

The memory store keeps every value as the low-level client would return it; ``normal``
does in one pass what ``from_attr(to_attr(value))`` does in two. Pure; no moto.
"""

from __future__ import annotations

import json
from enum import Enum, StrEnum
from typing import Any

import pytest

from scheduler.ledger.codec import from_attr, to_attr
from scheduler.ledger.memory_reads import normal


class Colour(Enum):
    RED = "red"


class Mode(StrEnum):
    FAST = "fast"


VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    10**36,
    1.5,
    2.0,
    1e-9,
    "",
    "text",
    Mode.FAST,
    Colour.RED,
    (1, "a", None),
    [1, [2, (3, {"k": Mode.FAST})]],
    {"a": {"b": [1.25, {"c": None}]}, 3: "int key"},
    {"attempts": [{"attempt": 1, "status": Colour.RED, "error": {"type": "E", "message": "m"}}]},
]


@pytest.mark.parametrize("value", VALUES)
def test_normal_is_what_a_round_trip_through_the_codec_gives(value: Any) -> None:
    # GIVEN a JSON-shaped value the worker may store
    # WHEN it is normalised in one pass and round-tripped through the codec
    once, twice = normal(value), from_attr(to_attr(value))
    # THEN both are equal and serialise alike, floats staying floats (2.0 is not 2)
    assert once == twice
    assert json.dumps(once) == json.dumps(twice)
    assert "Enum" not in repr(once)  # plain text, as a response carries


def test_normal_copies_so_callers_cannot_change_the_stored_item() -> None:
    # GIVEN a nested stored value
    stored = {"payload": {"tags": ["a"]}}
    # WHEN a copy is changed
    copy = normal(stored)
    copy["payload"]["tags"].append("b")
    # THEN the stored value is untouched
    assert stored == {"payload": {"tags": ["a"]}}
