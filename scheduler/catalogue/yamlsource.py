"""Read YAML keeping where every value came from, and refuse duplicate keys.

``yaml.safe_load`` silently keeps the last of two equal keys, which would make one of two
jobs with the same name vanish. Here the node tree is composed first, so every mapping
key is checked and every value keeps its line and column for error messages.
No I/O beyond the text handed in; no AWS.

The node tree comes from libyaml's C parser (``yaml.CSafeLoader``) when PyYAML was built
with it: about ten times faster on a 1,000-job catalogue, with the same marks (line and
column) and the same nodes. Any error re-reads the text with the pure-Python loader, so
the problems reported are exactly its messages and positions, whichever parser ran
(explained for people by ``yamlerrors.explain``). With libyaml, a document without anchors
is built straight from the parser's events (``yamlevents``), skipping the node tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

Path_ = tuple[str | int, ...]


class Mark(NamedTuple):
    """A position in the file; a tuple because a 1,000-job catalogue makes 30,000 of them."""

    line: int  # 1-based
    column: int  # 1-based


class SourceMap:
    """Where each value (by its path of keys and indexes) and each key stood in the file.

    ``fill``: how to find them when first asked (a valid catalogue never asks: its
    positions are only for reporting problems)."""

    def __init__(
        self,
        values: dict[Path_, Mark] | None = None,
        keys: dict[Path_, Mark] | None = None,
        fill: Callable[[], SourceMap] | None = None,
    ) -> None:
        self._values = {} if values is None else values
        self._keys = {} if keys is None else keys
        self._fill = fill

    @property
    def values(self) -> dict[Path_, Mark]:
        self._filled()
        return self._values

    @property
    def keys(self) -> dict[Path_, Mark]:
        self._filled()
        return self._keys

    def _filled(self) -> None:
        if self._fill is not None:
            fill, self._fill = self._fill, None
            found = fill()
            self._values, self._keys = found.values, found.keys

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceMap):
            return NotImplemented
        return (self.values, self.keys) == (other.values, other.keys)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return f"SourceMap(values={self.values!r}, keys={self.keys!r})"

    def locate(self, path: Path_) -> Mark:
        """The closest known position: the value itself, else its nearest ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.values:
                return self.values[prefix]
        return Mark(1, 1)

    def locate_key(self, path: Path_) -> Mark:
        return self.keys.get(path) or self.locate(path)


@dataclass(frozen=True)
class YamlProblem:
    mark: Mark
    path: Path_
    message: str
    hint: str | None = None


@dataclass
class Document:
    data: Any
    source: SourceMap
    problems: list[YamlProblem]


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


# None when PyYAML was installed without libyaml; the pure-Python loader then does it all.
_FAST_LOADER: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def _compose(text: str, fast: bool) -> yaml.Node | None:
    if fast and _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # libyaml words errors differently: let the pure loader raise its own
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_yaml(text: str, *, fast: bool = True) -> Document:
    """Parse ``text``; syntax errors and duplicate keys come back as problems, not raised.

    ``fast=False`` forces the pure-Python parser (the tests compare the two).
    """
    if fast and _FAST_LOADER is not None:
        # Imported here: it builds on this module's types.
        from scheduler.catalogue.yamlevents import from_events

        built = from_events(text, _FAST_LOADER)
        if built is not None:
            return built
    source = SourceMap()
    try:
        root = _compose(text, fast)
    except yaml.MarkedYAMLError as exc:
        # The parser's words name its state; explain() names the likely mistake and a fix.
        # Imported here: a valid catalogue never needs it.
        from scheduler.catalogue.yamlerrors import explain

        why = explain(exc, text)
        problem = YamlProblem(Mark(why.line, why.column), (), why.message, why.hint)
        return Document(None, source, [problem])
    if root is None:
        return Document(None, source, [])
    problems: list[YamlProblem] = []
    data = _build(root, (), _Builder(source, problems))
    return Document(data, source, problems)


_STR_TAG = "tag:yaml.org,2002:str"


class _Builder:
    """Node tree -> plain data, recording marks and duplicate keys.

    One SafeConstructor serves every scalar of the document: building a whole loader per
    scalar (reader, scanner, parser) cost more than parsing the file.
    """

    def __init__(self, source: SourceMap, problems: list[YamlProblem]) -> None:
        self.source = source
        self.problems = problems
        self.constructor = yaml.constructor.SafeConstructor()

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return node  # a complex key; rejected by the caller
        if node.tag == _STR_TAG:
            return node.value  # what the constructor returns for text, without its machinery
        return self.constructor.construct_object(node, deep=True)


def duplicate_key(mark: Mark, path: Path_, earlier: Mark) -> YamlProblem:
    """The problem of a key given twice in one mapping (both builders report it alike)."""
    return YamlProblem(
        mark,
        path,
        f"duplicate key {path[-1]!r} (first defined at line {earlier.line})",
        hint="YAML keeps only the last one; rename or merge the two",
    )


def _build(node: yaml.Node, path: Path_, builder: _Builder) -> Any:
    source, problems = builder.source, builder.problems
    source.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value:
            key = builder.scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(
                    YamlProblem(_mark(key_node), path, "mapping keys must be plain text")
                )
                continue
            key = str(key)
            child = (*path, key)
            if key in first_seen:
                problems.append(duplicate_key(_mark(key_node), child, first_seen[key]))
                continue
            first_seen[key] = _mark(key_node)
            source.keys[child] = _mark(key_node)
            result[key] = _build(value_node, child, builder)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), builder) for i, item in enumerate(node.value)]
    return builder.scalar(node)
