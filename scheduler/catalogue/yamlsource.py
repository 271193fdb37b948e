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
is built straight from the parser's events (``_from_events``), skipping the node tree.
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
        built = _from_events(text, _FAST_LOADER)
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
            result[key] = _build(value_node, child, builder)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), builder) for i, item in enumerate(node.value)]
    return builder.scalar(node)


class _NeedsComposerError(Exception):
    """The stream has what only the composer handles (anchors, aliases, several documents)."""


def _from_events(text: str, loader_class: type[yaml.CSafeLoader]) -> Document | None:
    """The document built straight from libyaml's events, or None for the composer's path.

    What ``_build`` makes of the composed node tree (the same data, marks and problems),
    without the tree: composing made a node per value and resolved every scalar's tag in
    Python, which cost more than parsing. The whole stream is parsed before anything is
    built, so a syntax error anywhere is reported as before (the composer's path reads it
    again) and never after a value's constructor error. Anchors and aliases (a value built
    twice, at two paths) and several documents take the composer's path.
    """
    loader = loader_class(text)
    try:
        events = []
        get = loader.get_event
        event = get()
        while type(event) is not yaml.StreamEndEvent:
            events.append(event)
            event = get()
        try:
            # First without positions, which only problems need: recorded when asked
            # (a second pass over the same events); a problem here starts that pass now.
            data = _EventBuilder(loader, iter(events[1:])).bare_document()  # past StreamStart
        except _NeedsMarksError:
            return _EventBuilder(loader, iter(events[1:])).document()
        return Document(data, SourceMap(fill=lambda: _marked(loader, events)), [])
    except (yaml.YAMLError, _NeedsComposerError):
        return None
    finally:
        loader.dispose()


class _NeedsMarksError(Exception):
    """The document has a problem (a duplicate or refused key), reported with positions."""


def _marked(loader: yaml.CSafeLoader, events: list[Any]) -> SourceMap:
    return _EventBuilder(loader, iter(events[1:])).document().source


class _EventBuilder(_Builder):
    """Events -> plain data, as ``_build`` walks nodes: the same marks, the same problems in
    the same order, the same scalar constructors (a node is made only for a non-text tag)."""

    def __init__(self, loader: yaml.CSafeLoader, events: Any) -> None:
        super().__init__(SourceMap(), [])
        self.events = events
        self.next = events.__next__
        self.resolve = loader.resolve
        self.tags: dict[str, str] = {}  # plain scalar -> its resolved tag

    def document(self) -> Document:
        """The stream's one document (past StreamStart; StreamEnd was not kept)."""
        event = next(self.events, None)
        if event is None:
            return Document(None, self.source, [])  # an empty stream
        data = self.value(self.next(), ())  # past DocumentStart
        self.next()  # DocumentEnd
        if next(self.events, None) is not None:
            raise _NeedsComposerError  # a second document: the composer refuses it
        return Document(data, self.source, self.problems)

    def bare_document(self) -> Any:
        """``document``'s data, without positions or problems: ``_NeedsMarksError`` at the
        first problem, where ``document`` would have recorded it."""
        if next(self.events, None) is None:
            return None  # an empty stream
        data = self.bare(self.next())  # past DocumentStart
        self.next()  # DocumentEnd
        if next(self.events, None) is not None:
            raise _NeedsComposerError  # a second document: the composer refuses it
        return data

    def bare(self, event: Any) -> Any:
        """``value`` without positions (the same data, the same constructors in order)."""
        kind = type(event)
        if kind is yaml.AliasEvent or event.anchor is not None:
            raise _NeedsComposerError
        if kind is yaml.ScalarEvent:
            return self.event_scalar(event)
        if kind is yaml.SequenceStartEvent:
            return [self.bare(item) for item in iter(self.item, None)]
        result: dict[Any, Any] = {}
        for key_event in iter(self.item, None):
            if type(key_event) is not yaml.ScalarEvent or key_event.anchor is not None:
                raise _NeedsMarksError  # a complex key (or an anchored one)
            key = self.event_scalar(key_event)
            if not isinstance(key, str | int | float | bool):
                raise _NeedsMarksError  # not plain text
            key = str(key)
            if key in result:
                raise _NeedsMarksError  # a duplicate
            result[key] = self.bare(self.next())
        return result

    def value(self, event: Any, path: Path_) -> Any:
        kind = type(event)
        if kind is yaml.AliasEvent or event.anchor is not None:
            raise _NeedsComposerError
        start = event.start_mark
        self.source.values[path] = Mark(start.line + 1, start.column + 1)
        if kind is yaml.ScalarEvent:
            return self.event_scalar(event)
        if kind is yaml.MappingStartEvent:
            return self.mapping(path)
        return [self.value(item, (*path, i)) for i, item in enumerate(iter(self.item, None))]

    def item(self) -> Any:
        """The next event, or None at the end of the sequence or mapping."""
        event = self.next()
        return None if type(event) in _ENDS else event

    def event_scalar(self, event: Any) -> Any:
        """What ``scalar`` returns for the node the composer would have made of ``event``."""
        tag = event.tag
        if tag is None or tag == "!":
            implicit = event.implicit
            if implicit[0]:  # plain: the tag depends on the text alone
                text = event.value
                tag = self.tags.get(text)
                if tag is None:
                    tag = self.tags[text] = self.resolve(yaml.ScalarNode, text, implicit)
            else:
                tag = self.resolve(yaml.ScalarNode, event.value, implicit)
        if tag == _STR_TAG:
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return self.constructor.construct_object(node, deep=True)

    def skip(self, event: Any) -> None:
        """Read past one value (a complex key, or the value of a refused key) unbuilt."""
        if type(event) is yaml.AliasEvent or event.anchor is not None:
            raise _NeedsComposerError
        if type(event) is not yaml.ScalarEvent:
            for inner in iter(self.item, None):
                self.skip(inner)

    def mapping(self, path: Path_) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Mark] = {}
        problems = self.problems
        for key_event in iter(self.item, None):
            start = key_event.start_mark
            mark = Mark(start.line + 1, start.column + 1)
            if type(key_event) is yaml.ScalarEvent and key_event.anchor is None:
                key = self.event_scalar(key_event)
            else:
                self.skip(key_event)
                key = None  # a complex key
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(YamlProblem(mark, path, "mapping keys must be plain text"))
                self.skip(self.next())
                continue
            key = str(key)
            child = (*path, key)
            if key in first_seen:
                earlier = first_seen[key]
                problems.append(
                    YamlProblem(
                        mark,
                        child,
                        f"duplicate key {key!r} (first defined at line {earlier.line})",
                        hint="YAML keeps only the last one; rename or merge the two",
                    )
                )
                self.skip(self.next())
                continue
            first_seen[key] = mark
            self.source.keys[child] = mark
            result[key] = self.value(self.next(), child)
        return result


_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
