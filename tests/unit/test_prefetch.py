"""The prefix a plan's early listings are named for, read from the catalogue's text
(scheduler/cli/prefetch.py). A guess the loader then confirms: unclear text gives none."""

from __future__ import annotations

import pytest

from scheduler.cli.prefetch import guess_prefix


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("version: 1\nprefix: team\njobs: {}\n", "team"),
        ("version: 1\nprefix: 'team'\n", "team"),
        ('prefix: "team"   # ours\n', "team"),
        ("prefix:\tteam2\n", "team2"),
        # No prefix line: the catalogue's default prefix.
        ("version: 1\njobs:\n  a:\n    prefix: not-top-level\n", "cronbridge"),
    ],
)
def test_a_declared_or_default_prefix_is_read(text: str, prefix: str) -> None:
    # GIVEN a catalogue's text WHEN its prefix is guessed THEN it is the one declared
    assert guess_prefix(text) == prefix


@pytest.mark.parametrize(
    "text",
    [
        "prefix: team\nprefix: other\n",  # YAML would refuse or keep one; the loader decides
        "prefix: &p team\n",  # an anchor: not a plain one-word line
        "prefix: 'team\n",  # unbalanced quote
        "prefix: Team_1\n",  # not a valid prefix: validate says why, not this
        "prefix :  team\n",  # unusual spacing the line pattern does not follow
    ],
)
def test_unclear_text_gives_no_guess(text: str) -> None:
    # GIVEN text whose prefix this line reader cannot be sure of
    # WHEN it is guessed THEN there is no guess (the plan reads after loading, as before)
    assert guess_prefix(text) is None
