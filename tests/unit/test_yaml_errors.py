"""YAML syntax errors name the line, the likely mistake and a fix (pure, no files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.catalogue.loader import read_catalogue
from scheduler.catalogue.yamlsource import parse_yaml

HEAD = "version: 1\njobs:\n  nightly:\n"

CASES = [
    pytest.param(
        HEAD + "    schedule: '@daily'\n   handler: jobs.x:y\n",
        (5, 4),
        "'handler' is indented 3 spaces, which matches no key above it",
        "4 spaces like 'schedule' on line 4",
        id="dedented-key",
    ),
    pytest.param(
        HEAD + "    schedule: '@daily'\n      handler: jobs.x:y\n",
        (5, 7),
        "'handler' is indented more than 'schedule' on line 4",
        "indent 'handler' with 4 spaces",
        id="over-indented-key",
    ),
    pytest.param(
        HEAD + "\tschedule: '@daily'\n",
        (4, 1),
        "a tab character",
        "replace the tab with spaces",
        id="tab-indent",
    ),
    pytest.param(
        HEAD + "    schedule: '@daily'\n\thandler: jobs.x:y\n",
        (5, 1),
        "a tab character",
        "replace the tab with spaces",
        id="tab-after-a-value",
    ),
    pytest.param(
        HEAD + '    schedule: "0 2 * * *\n    handler: jobs.x:y\n',
        (4, 15),
        'the quote " opened here is never closed',
        'closing " on the same line',
        id="unclosed-double-quote",
    ),
    pytest.param(
        HEAD + "    description: 'it''s late\n",
        (4, 18),
        "the quote ' opened here is never closed",
        "written ''",
        id="unclosed-single-quote",
    ),
    pytest.param(
        HEAD + "    schedule: */5 * * * *\n",
        (4, 15),
        "a value starting with '*' is read as a YAML alias",
        'quote the value: schedule: "*/5 * * * *"',
        id="unquoted-cron",
    ),
    pytest.param(
        HEAD + "    schedule: @daily   # every night\n",
        (4, 15),
        "a plain value cannot start with '@'",
        'quote the value: "@daily"',
        id="unquoted-macro",
    ),
    pytest.param(
        HEAD + "    schedule:'@daily'\n    handler: jobs.x:y\n",
        (4, 13),
        "no space after the colon of 'schedule'",
        "write `schedule: '@daily'`",
        id="no-space-after-colon",
    ),
    pytest.param(
        HEAD + "    description: note: runs late\n",
        (4, 22),
        "': ' inside a plain value",
        'quote the value: description: "note: runs late"',
        id="colon-in-value",
    ),
    pytest.param(
        HEAD + "    payload: {region: eu\n    handler: jobs.x:y\n",
        (4, 14),
        "the '{' opened here is not closed with '}'",
        "close it with '}'",
        id="unclosed-flow-mapping",
    ),
    pytest.param(
        "version: 1\njobs: [\n",
        (2, 7),
        "the '[' opened here is not closed with ']'",
        "close it with ']'",
        id="unclosed-flow-sequence",
    ),
    pytest.param(
        HEAD + "    schedule: '@daily'\n  - other\n",
        (5, 3),
        "a list item ('- ') where a key was expected",
        "remove the '- '",
        id="list-item-among-keys",
    ),
]


@pytest.mark.parametrize(("text", "where", "message", "hint"), CASES)
def test_syntax_error_is_explained(
    text: str, where: tuple[int, int], message: str, hint: str
) -> None:
    # GIVEN a catalogue with one common YAML mistake
    # WHEN it is parsed (libyaml first, as the CLI does, and the pure parser)
    for fast in (True, False):
        problems = parse_yaml(text, fast=fast).problems
        # THEN one problem points where the mistake is, says what it is and how to fix it
        assert len(problems) == 1
        p = problems[0]
        assert (p.mark.line, p.mark.column) == where
        assert p.message.startswith("YAML syntax error: ")
        assert message in p.message
        assert p.hint is not None and hint in p.hint


def test_an_unknown_syntax_error_keeps_the_parsers_words() -> None:
    # GIVEN a mistake the explainer has no story for (a stray document end in a mapping)
    problems = parse_yaml("version: 1\njobs:\n  a: !!binary 1\n  b: ]\n").problems
    # THEN the parser's own words remain, with a general hint
    assert problems and problems[0].message.startswith("YAML syntax error: ")
    assert problems[0].hint


def test_duplicate_key_says_which_line_came_first() -> None:
    # GIVEN two jobs with one name
    doc = parse_yaml(HEAD + "    schedule: '@daily'\n  nightly:\n    schedule: '@hourly'\n")
    # THEN the second is reported where it stands, naming the first, with a fix
    [p] = doc.problems
    assert (p.mark.line, p.mark.column) == (5, 3)
    assert p.message == "duplicate key 'nightly' (first defined at line 3)"
    assert p.hint and "rename or merge" in p.hint


def test_rendered_with_file_line_and_column(tmp_path: Path) -> None:
    # GIVEN a catalogue file with a tab WHEN read THEN the problem renders FILE:LINE:COL
    path = tmp_path / "jobs.yaml"
    path.write_text(HEAD + "\tschedule: '@daily'\n", encoding="utf-8")
    _, problems = read_catalogue(path)
    assert [p.render() for p in problems] == [
        f"{path}:4:1: YAML syntax error: a tab character; YAML allows only spaces for "
        "indentation and after a key's colon (hint: replace the tab with spaces (indent "
        "nested keys 2 spaces deeper than their parent, siblings alike))"
    ]


def test_explaining_never_raises_on_mangled_catalogues() -> None:
    # GIVEN the sample catalogue with characters deleted, doubled or swapped for YAML ones
    import random

    from tests.conftest import SAMPLE_CATALOGUE

    sample = SAMPLE_CATALOGUE.read_text(encoding="utf-8")
    rng = random.Random(11)
    for _ in range(300):
        i = rng.randrange(len(sample))
        text = (
            sample[:i]
            + rng.choice(["", "\t", '"', "'", ":", "[", "{", "*", "  ", "- "])
            + (sample[i + 1 :])
        )
        # WHEN parsed THEN every problem has a position inside the file and a hint
        for p in parse_yaml(text).problems:
            assert 1 <= p.mark.line <= text.count("\n") + 2
            assert p.mark.column >= 1
