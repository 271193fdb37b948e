"""libyaml's C parser gives the same data, marks and problems as the pure-Python one."""

from __future__ import annotations

import pytest
import yaml

from scheduler.catalogue import yamlevents, yamlsource
from scheduler.catalogue.yamlsource import parse_yaml
from tests.conftest import SAMPLE_CATALOGUE

TRICKY = """\
version: 1
jobs:
  job-a:
    schedule: "0 2 * * *"   # a comment
    payload: {région: "é", list: [1, 2.5, true, null, 2026-03-29], nested: {k: v}}
    env:
      A: &shared value
      B: *shared
  job-a:
    schedule: '@daily'
    description: >
      folded
      text
  ? [complex, key]
  : 1
"""


def _same(text: str) -> None:
    fast, pure = parse_yaml(text), parse_yaml(text, fast=False)
    assert fast.data == pure.data
    assert fast.source == pure.source
    assert fast.problems == pure.problems


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="no libyaml")
def test_the_c_loader_is_used_when_present() -> None:
    # GIVEN PyYAML built with libyaml (as in the dev and CI environments)
    # THEN the catalogue is composed by the C parser
    assert yamlsource._FAST_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("text", [SAMPLE_CATALOGUE.read_text(encoding="utf-8"), TRICKY])
def test_fast_and_pure_agree_on_data_marks_and_duplicates(text: str) -> None:
    # GIVEN a catalogue with anchors, non-ASCII keys, a duplicate job and a complex key
    # WHEN both parsers read it THEN values, every line/column and every problem match
    _same(text)


def test_duplicate_key_keeps_its_position_with_the_fast_parser() -> None:
    doc = parse_yaml(TRICKY)
    # THEN the duplicate job is reported at its own line, naming the first one
    dup = [p for p in doc.problems if "duplicate key" in p.message]
    assert [(p.mark.line, p.mark.column, p.message) for p in dup] == [
        (9, 3, "duplicate key 'job-a' (first defined at line 3)")
    ]
    assert doc.source.values[("jobs", "job-a", "schedule")] == yamlsource.Mark(4, 15)


@pytest.mark.parametrize(
    "text", ["version: 1\njobs: [\n", "a: b: c\n", "a:\n\t- x\n", "key: 'open\n", "- a\nb: 1\n"]
)
def test_syntax_errors_read_as_before(text: str) -> None:
    # GIVEN broken YAML WHEN read with libyaml first THEN the problem is the pure loader's
    _same(text)
    assert parse_yaml(text).problems[0].message.startswith("YAML syntax error: ")


NO_ANCHORS = """\
version: 1
jobs:
  job-a:
    schedule: "0 2 * * *"   # a comment
    payload: {région: "é", list: [1, 2.5, true, null, 2026-03-29, [a, {b: c}]], n: {k: v}}
    env: {A: !!str 12, B: '07', C: 0x1F, D: ~, E: ""}
  job-a:
    schedule: '@daily'
  ? [complex, {key: x}]
  : {dropped: [1, 2]}
  ~: null key
  2026-01-01: a date key
  1: one
  true: yes
  job-b:
    description: >
      folded
      text
    tags: {team: data}
    empty:
"""


# Well formed (read in one pass, without positions): keys of every plain type, tags,
# empty values, nesting, every quoting style.
NO_PROBLEMS = """\
version: 1
jobs:
  job-a:
    payload: {1: one, 2.5: half, true: yes, n: [1, [2, {x: ~}], {}], "q": 'single', e: ""}
    env: {A: !!str 12, B: '07', C: 0x1F, D: 2026-03-29}
    literal: |
      kept
      lines
    tags:
    empty: []
  job-b:
    description: >
      folded
      text
"""


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="no libyaml")
@pytest.mark.parametrize(
    "text", [SAMPLE_CATALOGUE.read_text(encoding="utf-8"), NO_ANCHORS, NO_PROBLEMS]
)
def test_built_from_events_as_from_the_node_tree(text: str) -> None:
    # GIVEN a catalogue without anchors: duplicates, complex, null and date keys, tags
    # WHEN it is built straight from libyaml's events
    fast = yamlevents.from_events(text, yaml.CSafeLoader)
    # THEN data, marks and problems are what the composed node tree gives (C and pure)
    assert fast is not None
    for composed in (yamlsource._compose(text, True), yamlsource._compose(text, False)):
        assert composed is not None
        source = yamlsource.SourceMap()
        problems: list[yamlsource.YamlProblem] = []
        data = yamlsource._build(composed, (), yamlsource._Builder(source, problems))
        assert (fast.data, fast.source, fast.problems) == (data, source, problems)
    if text == NO_ANCHORS:
        assert [p.message for p in fast.problems] == [
            "duplicate key 'job-a' (first defined at line 3)",
            "mapping keys must be plain text",
            "mapping keys must be plain text",
            "mapping keys must be plain text",
        ]


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="no libyaml")
@pytest.mark.parametrize(
    "text",
    [
        TRICKY,
        "a: &x 1\nb: *x\n",
        "? &k a\n: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: ]\n",
        "a: !!python/name:os.system x\n",
    ],
)
def test_anchors_documents_and_errors_take_the_composers_path(text: str) -> None:
    # GIVEN anchors or aliases (one value at two paths), two documents, a syntax error or
    # a value its tag's constructor refuses
    # WHEN built from events THEN it leaves them to the composer's path
    assert yamlevents.from_events(text, yaml.CSafeLoader) is None


def test_empty_and_null_documents() -> None:
    # GIVEN a stream with no document, and documents that are only null
    for text in ["", "# only a comment\n", "---\n", "~\n"]:
        # THEN both parsers agree (no data, no problem)
        _same(text)
        assert parse_yaml(text).data is None
