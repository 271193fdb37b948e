"""Read YAML keeping where every value came from, and refuse duplicate keys.

``yaml.safe_load`` silently keeps the last of two equal keys, which would make one of two
jobs with the same name vanish. Here the node tree is composed first, so every mapping
key is checked and every value keeps its line and column for error messages.
No I/O beyond the text handed in; no AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class SourceMap:
    """Where each value (by its path of keys and indexes) and each key stood in the file."""

    values: dict[Path_, Mark] = field(default_factory=dict)
    keys: dict[Path_, Mark] = field(default_factory=dict)

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


def parse_yaml(text: str) -> Document:
    """Parse ``text``; syntax errors and duplicate keys come back as problems, not raised."""
    source = SourceMap()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        problem = str(exc.problem or exc.context or "invalid YAML")
        return Document(None, source, [YamlProblem(where, (), f"YAML syntax error: {problem}")])
    if root is None:
        return Document(None, source, [])
    problems: list[YamlProblem] = []
    data = _build(root, (), source, problems)
    return Document(data, source, problems)


def _build(node: yaml.Node, path: Path_, source: SourceMap, problems: list[YamlProblem]) -> Any:
    source.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(
                    YamlProblem(_mark(key_node), path, "mapping keys must be plain text")
                )
                continue
            key = str(key)
            child = (*path, key)
            if key in first_seen:
                earlier = first_seen[key]
                problems.append(
                    YamlProblem(
                        _mark(key_node),
                        child,
                        f"duplicate key {key!r} (first defined at line {earlier.line})",
                        hint="YAML keeps only the last one; rename or merge the two",
                    )
                )
                continue
            first_seen[key] = _mark(key_node)
            source.keys[child] = _mark(key_node)
            result[key] = _build(value_node, child, source, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), source, problems) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node  # a complex key; rejected by the caller
    return yaml.SafeLoader("").construct_object(node, deep=True)
