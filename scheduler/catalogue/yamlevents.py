"""Build a catalogue's data straight from libyaml's parser events, for ``yamlsource``.

What ``yamlsource._build`` makes of the composed node tree (the same data, marks and
problems), without the tree: composing made a node per value and resolved every scalar's
tag in Python, which cost more than parsing. A first pass records no positions (only
problems need them); they are found by a second pass over the same events when first
asked for, or at once when the first pass meets a problem. Anchors, aliases and several
documents are left to the composer's path (``from_events`` returns None). No I/O; no AWS.
"""

from __future__ import annotations

from typing import Any

import yaml

from scheduler.catalogue.yamlsource import (
    _STR_TAG,
    Document,
    Mark,
    Path_,
    SourceMap,
    YamlProblem,
    _Builder,
    duplicate_key,
)


class _NeedsComposerError(Exception):
    """The stream has what only the composer handles (anchors, aliases, several documents)."""


def from_events(text: str, loader_class: type[yaml.CSafeLoader]) -> Document | None:
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
        # A mapping: the loop every key and most values of a catalogue go through, so the
        # common case (plain text, its tag already known) is spelled out here.
        result: dict[Any, Any] = {}
        next_event, tags, scalar = self.next, self.tags, yaml.ScalarEvent
        while True:
            key_event = next_event()
            if type(key_event) is not scalar or key_event.anchor is not None:
                if type(key_event) is yaml.MappingEndEvent:
                    return result
                raise _NeedsMarksError  # a complex key (or an anchored one)
            key = self.event_scalar(key_event)
            if not isinstance(key, str | int | float | bool):
                raise _NeedsMarksError  # not plain text
            key = str(key)
            if key in result:
                raise _NeedsMarksError  # a duplicate
            value = next_event()
            if (
                type(value) is scalar
                and value.anchor is None
                and value.tag is None
                and value.implicit[0]
                and tags.get(value.value) == _STR_TAG
            ):
                result[key] = value.value  # what event_scalar returns for it
            else:
                result[key] = self.bare(value)

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
                problems.append(duplicate_key(mark, child, first_seen[key]))
                self.skip(self.next())
                continue
            first_seen[key] = mark
            self.source.keys[child] = mark
            result[key] = self.value(self.next(), child)
        return result


_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
