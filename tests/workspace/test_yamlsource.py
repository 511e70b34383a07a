from __future__ import annotations

import pytest

from tidings.diagnostics import Pos
from tidings.workspace.yamlsource import YamlProblem, parse_yaml


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


def test_duplicate_keys_are_reported() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n")
    assert [(d.key, d.pos.line, d.first.line) for d in doc.duplicates] == [("a", 3, 1)]


def test_syntax_error_has_line() -> None:
    with pytest.raises(YamlProblem) as info:
        parse_yaml("a: [1, 2\nb: 3\n", line_offset=4)
    assert info.value.pos.line >= 5
