from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tidings.diagnostics import Pos
from tidings.workspace.sourcefiles import FileProblem, split_front_matter
from tidings.workspace.yamlsource import YamlDoc, YamlProblem, parse_yaml


def test_positions_of_nested_values_and_keys() -> None:
    doc = parse_yaml("title: x\nmedia:\n  - file: a.png\n    alt: An apple\n", line_offset=1)
    assert doc.pos(("media", 0, "alt")) == Pos(5, 10)
    assert doc.pos(("media", 0, "alt"), key=True) == Pos(5, 5)
    assert doc.pos(("media", 3, "alt")) == Pos(4, 3)  # falls back to the nearest parent


def test_times_and_clock_values_stay_text() -> None:
    doc = parse_yaml(
        "at: 2026-12-20 09:00:00\nday: 2026-12-20\ntime: 10:30\nn: 12\nf: 1.5\nsev: off\nc: NO\nd: true\n"
    )
    assert doc.data == {
        "at": "2026-12-20 09:00:00",
        "day": "2026-12-20",
        "time": "10:30",
        "n": 12,
        "f": 1.5,
        "sev": "off",
        "c": "NO",
        "d": True,
    }


SCALARS = {  # plain text as written → what YAML 1.2's core schema (our resolver) makes of it
    "12": 12,
    "0x1F": 31,
    "1.5": 1.5,
    ".inf": float("inf"),
    "true": True,
    "False": False,
    "~": None,
    "null": None,
    "off": "off",
    "yes": "yes",
    "09:00": "09:00",
    "2026-12-20": "2026-12-20",
    "12 apples": "12 apples",
    "x" * 60: "x" * 60,
}


@pytest.mark.parametrize("first", [True, False], ids=["resolved-first", "kept-from-before"])
def test_a_plain_scalar_resolves_the_same_whether_its_tag_was_kept_or_not(first: bool) -> None:
    """Short plain scalars' tags are kept between parses (keys and values repeat in every
    file): a value seen before, quoted or as a key, resolves as it did the first time."""
    from tidings.workspace import yamlsource

    if first:
        yamlsource._RESOLVED.clear()
    text = "".join(f"v{i}: {raw}\n" for i, raw in enumerate(SCALARS))
    quoted = "".join(f"q{i}: '{raw}'\n" for i, raw in enumerate(SCALARS))
    for _ in range(2):
        doc = parse_yaml(text + quoted)
        assert doc.data == {
            **{f"v{i}": want for i, want in enumerate(SCALARS.values())},
            **{f"q{i}": raw for i, raw in enumerate(SCALARS)},  # quoted: always text
        }
    keys = parse_yaml("".join(f"'{raw}': {raw}\n" for raw in ("12", "true", "~"))).data
    assert keys == {"12": 12, "true": True, "~": None}


def test_duplicate_keys_are_reported() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert [(d.key, d.pos.line, d.first.line) for d in doc.duplicates] == [("a", 3, 1)]


def test_syntax_error_has_line() -> None:
    with pytest.raises(YamlProblem) as info:
        parse_yaml("a: [1, 2\nb: 3\n", line_offset=4)
    assert info.value.pos.line >= 5


FIXTURES = Path(__file__).parents[1] / "fixtures"


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path in ``data``, plus one past each end (a missing key, an index too far)."""
    yield prefix
    yield (*prefix, "no-such-key")
    yield (*prefix, 99)
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*prefix, k if isinstance(k, int | str) else str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*prefix, i))


def _fixture_yaml() -> Iterator[tuple[str, str, int]]:
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in {".yaml", ".yml"} and "conformance" not in path.parts:
            yield str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8"), 0
        elif path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            try:
                split = split_front_matter(text)
            except FileProblem:
                continue
            yield str(path.relative_to(FIXTURES)), split.front_matter, split.fm_line_offset


class _Text:
    """An origin (what the loader keeps instead of a node tree) giving ``text`` again, or
    None once the file is no longer that text."""

    digest = "unused here"

    def __init__(self, text: str | None) -> None:
        self.text = text
        self.asked = 0

    def position(self, path: Any, key: bool) -> None:
        return None  # nothing noted: every position is parsed again

    def yaml_text(self) -> str | None:
        self.asked += 1
        return self.text


def test_positions_found_again_from_the_text_answer_as_the_node_tree_on_every_fixture() -> None:
    """The loader keeps no node tree, only where the text came from; every position the
    text parsed again gives, of every value and key in every fixture file (and of paths
    that are not there), is the node tree's, so the check result is byte-identical."""
    compared = 0
    for name, text, offset in _fixture_yaml():
        try:
            full = parse_yaml(text, offset)
        except YamlProblem:
            continue
        origin = _Text(text)
        lean = YamlDoc(full.data, None, offset, full.duplicates, origin).without_data()
        assert lean.node is None and lean.data is None, name
        for path in _paths(full.data):
            for key in (False, True):
                assert lean.pos(path, key=key) == full.pos(path, key=key), (name, path, key)
                compared += 1
        tree = lean.with_node()  # several look-ups, one parse
        asked = origin.asked
        assert tree.node is not None
        assert [tree.pos(p) for p in _paths(full.data)] == [full.pos(p) for p in _paths(full.data)]
        assert origin.asked == asked, name
    assert compared > 2000


def test_a_text_that_is_gone_gives_the_first_line_not_a_wrong_one() -> None:
    text = "a:\n  - x: 1\n    y: [1, 2]\n  - 2\nb: {c: d}\n'3': three\n"
    full = parse_yaml(text, 2)
    assert YamlDoc(None, None, 2, (), _Text(text)).pos((3,)) == Pos(8, 6)  # "3" is a key
    for gone in (None, "a: [unclosed", "a: &x 1\nb: *x\n"):
        doc = YamlDoc(None, None, 2, (), _Text(gone))
        assert doc.pos(("b", "c")) == Pos(3, 1) != full.pos(("b", "c"))
        assert doc.with_node().node is None


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("a: x\nb: [1, 2.5, true, null, {c: d}]\nat: 2026-01-01 09:00\n", True),
        ("'1': quoted keys are text\n", True),
        ("1: a number as a key\n", False),
        ("true: a boolean as a key\n", False),
        ("~: null as a key\n", False),
        ("a: !!binary aGk=\n", False),
        ("a: !!timestamp 2026-01-01\n", False),
        ("a: !!str 12\n", True),
    ],
)
def test_plain_says_whether_json_gives_the_data_back_as_it_is(text: str, plain: bool) -> None:
    """What the per-file cache keeps as JSON must come back the same; the builder notes it
    while building, instead of a second walk over every value."""
    doc = parse_yaml(text)
    assert doc.plain is plain
    if plain:
        again = json.loads(json.dumps(doc.data))
        assert again == doc.data and repr(again) == repr(doc.data)


def test_plain_holds_on_every_fixture() -> None:
    for name, text, offset in _fixture_yaml():
        try:
            doc = parse_yaml(text, offset)
        except YamlProblem:
            continue
        if doc.plain:
            assert repr(json.loads(json.dumps(doc.data))) == repr(doc.data), name
