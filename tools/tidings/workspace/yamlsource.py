"""YAML parsing that keeps where every value came from.

PyYAML's C parser (libyaml) composes the node tree; we construct Python values from it
ourselves so that each value's position is recorded under its path, e.g.
``("media", 0, "alt")``. Dates and clock times stay text: YAML 1.1's implicit timestamps
and base-60 integers (``10:30`` → 630) are turned off, and only true/false are booleans
(YAML 1.2), so ``off`` or ``no`` (Norway) stay text, and tidings parses times itself in
the brand's timezone.

Anchors (``&name``) and aliases (``*name``) are refused: a few lines of them can stand for
millions of values (an "alias bomb") that every later step would walk. Text holding neither
character cannot hold either, so ordinary files pay nothing for the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import yaml

from tidings.diagnostics import Pos
from tidings.processes import quick_pickle

try:  # libyaml is much faster; the pure-Python parser gives the same nodes
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Path = tuple[str | int, ...]

_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""", re.X
)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")  # YAML 1.2: `no`, `off` stay text
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _Loader(_BaseLoader):
    """SafeLoader without implicit timestamps, base-60 numbers and yes/no/on/off booleans."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolver without path resolvers (unused here); called once per node. A
        plain scalar's tag depends on its text alone: keys and short values repeat in every
        file, so a short one's is kept (:data:`_RESOLVED`)."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                known = _RESOLVED.get(value)
                if known is not None:
                    return known
                found = _STR
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1] or "", ()):
                    if regexp.match(value):
                        found = str(tag)
                        break
                if len(value) <= _RESOLVED_TEXT and len(_RESOLVED) < _RESOLVED_MAX:
                    _RESOLVED[value] = found
                return found
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_RESOLVED: dict[str, str] = {}
"""The tag of each short plain scalar resolved so far (``at`` → str, ``true`` → bool, …)."""
_RESOLVED_TEXT = 12
"""Only texts this short are kept: keys, channel ids, tags, booleans repeat; titles and
times mostly do not (with 40, 10,000 posts' front matter left 10,573 entries and parsed
slower than with 12: 0.442 s against 0.427 s, best of 6; nothing kept: 0.467 s)."""
_RESOLVED_MAX = 20_000
"""A bound on what is kept, whatever the repository holds (at most a few MB)."""


def _strip_resolvers() -> None:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    dropped = {
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
    }
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, rx) for tag, rx in resolvers if tag not in dropped]
    _Loader.yaml_implicit_resolvers = table
    _Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    _Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    _Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


_strip_resolvers()


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class YamlProblem(Exception):
    """The text is not YAML we can read; carries where, why, its check code and the fix."""

    def __init__(
        self,
        pos: Pos,
        message: str,
        code: str = "yaml.syntax",
        suggestion: str = "fix the YAML syntax at this line",
    ) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.code = code
        self.suggestion = suggestion


ANCHOR_MESSAGE = (
    "YAML anchors (`&name`) and aliases (`*name`) are not allowed: a few lines of them can "
    "stand for millions of values"
)
ANCHOR_FIX = "write each value out in full; to start a text with `&` or `*`, put it in quotes"


def _first_anchor(text: str) -> tuple[int, int] | None:
    """Where the first anchor or alias is (0-based line and column), or None. Only the event stream is read (linear in
    the text), never the values an alias would repeat; a syntax error before any anchor is
    left for the composer to report."""
    if "&" not in text and "*" not in text:
        return None
    loader = _Loader(text)
    try:
        while loader.check_event():
            event: Any = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                return event.start_mark.line, event.start_mark.column
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


@quick_pickle
@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    pos: Pos
    first: Pos


class Origin(Protocol):
    """Where a kept document's text came from (the loader's is ``loader._Origin``)."""

    @property
    def digest(self) -> str:
        """A digest of the text that was parsed."""

    def yaml_text(self) -> str | None:
        """The text again, or None when the file is no longer the text that was parsed."""

    def position(self, path: Path, key: bool) -> Pos | None:
        """A position known without parsing (noted at the first parse), else None."""


@quick_pickle
@dataclass(frozen=True, slots=True)
class YamlDoc:
    """Parsed YAML plus where its values are, from which any value's or key's position is found.

    Positions are looked up only when a diagnostic needs one, so loading thousands of
    valid files pays nothing for them. They come from the node tree (``node``) while it is
    kept, else from the text parsed again (``origin``): what the loader keeps is the data
    and its origin, no tree, and only files asked for a position (those with a diagnostic)
    are ever parsed twice. A document with neither gives its first line.
    """

    data: Any
    node: yaml.Node | None = field(default=None, repr=False)
    line_offset: int = 0
    duplicates: tuple[DuplicateKey, ...] = ()
    origin: Origin | None = field(default=None, repr=False, compare=False)
    """Where the text came from, to find positions again without the node tree (a file that
    is no longer that text gives the first line rather than a wrong one)."""
    plain: bool = field(default=False, compare=False)
    """Whether JSON gives ``data`` back as it is (text keys; text, numbers, true/false, null,
    lists and mappings): noted while the values were built, for what keeps them as JSON."""

    def with_node(self) -> YamlDoc:
        """This document with its node tree (parsed again from ``origin`` if need be), for
        several look-ups in a row (the loader's, of every variant's and rotation's body
        line); the tree is for those look-ups only, never kept."""
        if self.node is not None or self.origin is None:
            return self
        node = _reparsed(self.origin)
        return self if node is None else replace(self, node=node)

    def without_data(self) -> YamlDoc:
        """The same positions without the parsed values: what an object built from them
        keeps, so that a loaded workspace does not hold every file's data twice (nor, with
        an ``origin``, its node tree: positions are found again from the text)."""
        node = None if self.origin is not None else self.node
        return YamlDoc(None, node, self.line_offset, self.duplicates, self.origin, self.plain)

    def pos(self, path: Path, *, key: bool = False) -> Pos:
        """The position of ``path`` (its key with ``key=True``), else its nearest parent's."""
        node = self.node
        if node is None and self.origin is not None:
            hit = self.origin.position(path, key)
            if hit is not None:
                return hit
            node = _reparsed(self.origin)
        if node is None:
            return Pos(1 + self.line_offset, 1)
        found: yaml.Node = node
        for i, part in enumerate(path):
            child = _child(found, part)
            if child is None:
                break
            key_node, value_node = child
            if key and i == len(path) - 1 and key_node is not None:
                found = key_node
                break
            found = value_node
        mark = found.start_mark
        return Pos(mark.line + 1 + self.line_offset, mark.column + 1)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Source:
    """Where an object came from: a repository-relative path and its parsed YAML."""

    path: str
    doc: YamlDoc = field(default_factory=lambda: YamlDoc(None), repr=False, compare=False)
    base: Path = ()

    def pos(self, *keys: str | int, key: bool = False) -> Pos:
        return self.doc.pos((*self.base, *keys), key=key)


_last: tuple[Origin | None, yaml.Node | None] = (None, None)
"""The origin parsed again last and its tree, as one value (read and replaced whole, so a
thread never takes another's tree): a file's diagnostics are usually asked for their
positions one after another (one tree held, whatever the number of files)."""


def _reparsed(origin: Origin) -> yaml.Node | None:
    """The node tree of ``origin``'s text, parsed again; None on any doubt (then a look-up
    gives the document's first line)."""
    global _last
    seen, node = _last
    if seen is origin:
        return node
    try:
        text = origin.yaml_text()
        node = parse_yaml(text).node if text is not None else None
    except (OSError, YamlProblem):
        node = None
    _last = (origin, node)
    return node


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None


def parse_yaml(text: str, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document. ``line_offset`` shifts reported lines (front matter).

    Raises :class:`YamlProblem` for bad syntax, and (code ``yaml.anchor``) for any anchor or
    alias."""
    anchor = _first_anchor(text)
    if anchor is not None:
        pos = Pos(anchor[0] + 1 + line_offset, anchor[1] + 1)
        raise YamlProblem(pos, ANCHOR_MESSAGE, "yaml.anchor", ANCHOR_FIX)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(None, None, line_offset)
        builder = _Builder(loader, line_offset)
        data = builder.build(node)
        plain = builder.plain
    except yaml.MarkedYAMLError as exc:
        mark = _problem_mark(exc, text)
        pos = Pos(mark.line + 1 + line_offset, mark.column + 1) if mark else Pos(1 + line_offset)
        raise YamlProblem(pos, _yaml_message(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Pos(1 + line_offset, 1), str(exc)) from None
    except (TypeError, ValueError) as exc:  # e.g. a list used as a mapping key
        raise YamlProblem(Pos(1 + line_offset, 1), f"cannot read this YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDoc(data, node, line_offset, tuple(builder.duplicates), plain=plain)


_NULL = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Builds Python values from the node tree in one pass, noting duplicate keys.

    Plain strings, nulls and booleans (nearly every value in our files) are built here;
    numbers and anything unusual go through PyYAML's own constructor.
    """

    def __init__(self, loader: _Loader, offset: int) -> None:
        self.loader = loader
        self.offset = offset + 1
        self.duplicates: list[DuplicateKey] = []
        self.done: dict[int, Any] = {}
        self.plain = True  # see YamlDoc.plain

    def _pos(self, node: yaml.Node) -> Pos:
        return Pos(node.start_mark.line + self.offset, node.start_mark.column + 1)

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag == _NULL:
                return None
            if tag == _BOOL_TAG:
                return node.value.lower() == "true"
            value = self.loader.construct_object(node, deep=True)
            if type(value) not in (int, float, str):
                self.plain = False  # e.g. `!!binary` (bytes), `!!timestamp` (a datetime)
            return value
        if id(node) in self.done:  # an alias of a node already built
            return self.done[id(node)]
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self.done[id(node)] = items
            items.extend(self.build(item) for item in node.value)
            return items
        mapping: dict[Any, Any] = {}
        self.done[id(node)] = mapping
        first_seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise yaml.MarkedYAMLError(
                    problem="merge keys (`<<`) are not supported; write the fields out",
                    problem_mark=key_node.start_mark,
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(
                    problem="a key must be plain text, not a list or mapping",
                    problem_mark=key_node.start_mark,
                )
            key = key_node.value if key_node.tag == _STR else self.loader.construct_object(key_node)
            if type(key) is not str:
                self.plain = False  # `1: x`, `true: x`, `~: x`: JSON would make text of it
            if key in first_seen:
                self.duplicates.append(
                    DuplicateKey(str(key), self._pos(key_node), self._pos(first_seen[key]))
                )
            else:
                first_seen[key] = key_node
            mapping[key] = self.build(value_node)
        return mapping


_OPENED = ("while parsing a flow", "while scanning a quoted scalar")
"""Contexts that open something (``[``, ``{``, a quote) whose missing end is found only later,
often at the end of the text: the line that opened it is where the mistake is."""


def _problem_mark(exc: yaml.MarkedYAMLError, text: str) -> Any:
    """Where to report a syntax error: where the problem is, unless it was found only at the
    end of the text or after an unclosed list, mapping or quote (then where that opened)."""
    problem, context = exc.problem_mark, exc.context_mark
    if context is None:
        return problem
    at_end = problem is None or problem.index >= len(text.rstrip())
    if at_end or (exc.context or "").startswith(_OPENED):
        return context
    return problem


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    text = "; ".join(parts) if parts else "this is not valid YAML"
    if "mapping values are not allowed" in text:
        text += " (a value holding ': ' must be quoted)"
    elif "found character '\\t'" in text:
        text += " (indent with spaces, not tabs)"
    return text
