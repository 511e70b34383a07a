"""The fast validator (fastjsonschema) and the explaining one (jsonschema) must agree.

tidings trusts the fast one's "valid"; if it ever accepted what jsonschema rejects, an error
would go unreported. This runs both over every real file and many mutations of each.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from tidings.workspace.sourcefiles import split_front_matter
from tidings.workspace.validation import fast_validator, validator
from tidings.workspace.yamlsource import parse_yaml

REPO = Path(__file__).parents[2]
KIND_OF = {
    "tidings.yaml": "workspace",
    "brand.yaml": "brand",
    "channels.yaml": "channels",
    "goals.yaml": "goals",
    "competitors.yaml": "competitors",
}


def _documents() -> Iterator[tuple[str, Any]]:
    for path in sorted(REPO.glob("**/*")):
        rel = path.relative_to(REPO).as_posix()
        if not path.is_file() or rel.startswith((".venv", "build", ".git")) or "expect.yaml" in rel:
            continue
        try:
            if rel.endswith(".md") and "content/posts/" in rel:
                yield "post", parse_yaml(split_front_matter(path.read_text()).front_matter).data
            elif rel.endswith(".md") and "content/ideas/" in rel:
                yield "idea", parse_yaml(split_front_matter(path.read_text()).front_matter).data
            elif "content/calendars/" in rel and rel.endswith(".yaml"):
                yield "calendar", parse_yaml(path.read_text()).data
            elif "ledger/" in rel and rel.endswith(".yaml") and "fixtures" in rel:
                yield "ledger", parse_yaml(path.read_text()).data
            elif path.name in KIND_OF:
                yield KIND_OF[path.name], parse_yaml(path.read_text()).data
        except Exception:  # broken fixtures are exercised elsewhere
            continue


def _mutations(doc: Any) -> Iterator[Any]:
    yield doc
    if isinstance(doc, dict):
        for key in list(doc):
            smaller = dict(doc)
            del smaller[key]
            yield smaller
            for wrong in (None, 7, "x", [], {}, ["x"], {"x": 1}, True, "2026-02-30 25:61"):
                changed = copy.deepcopy(doc)
                changed[key] = wrong
                yield changed
            for inner in _mutations(doc[key]):
                changed = copy.deepcopy(doc)
                changed[key] = inner
                yield changed
        yield dict(doc, extra_field=1)
    elif isinstance(doc, list) and doc:
        for inner in _mutations(doc[0]):
            yield [inner, *doc[1:]]
        yield []


def _fast_ok(kind: str, doc: Any) -> bool:
    try:
        fast_validator(kind)(copy.deepcopy(doc))
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


DOCS = list(_documents())


def test_documents_were_found() -> None:
    assert {k for k, _ in DOCS} >= {"post", "idea", "calendar", "brand", "channels", "workspace"}


@pytest.mark.parametrize("index", range(len(DOCS)))
def test_validators_agree(index: int) -> None:
    kind, doc = DOCS[index]
    for variant in _mutations(doc):
        slow_ok = validator(kind).is_valid(variant)
        assert _fast_ok(kind, variant) == slow_ok, (kind, variant)


def test_repeated_items_are_refused_and_validating_leaves_no_garbage() -> None:
    """``uniqueItems`` (a post's channels and tags) still holds with the fast validator's
    helper moved out of the function, and validating makes no reference cycle: the loader
    runs with the garbage collector off and freezes what it made, so a cycle per file
    would stay for good."""
    post = {"title": "Hi", "at": "2026-01-05 09:00", "channels": ["mastodon", "bluesky"]}
    twice = dict(post, channels=["mastodon", "mastodon"])
    assert _fast_ok("post", post) and validator("post").is_valid(post)
    assert not _fast_ok("post", twice) and not validator("post").is_valid(twice)
    assert not _fast_ok("post", dict(post, tags=["a", "b", "a"]))
    check = fast_validator("post")
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(50):
            check(post)
        assert gc.collect() == 0  # nothing unreachable: no cycle was left behind
    finally:
        if was:
            gc.enable()


def test_const_is_read_as_a_one_value_enum_where_it_is_a_keyword() -> None:
    """The fast validator is built from a copy of each schema with ``const: X`` written
    ``enum: [X]`` (see ``validation._for_fast``): only where ``const`` is a keyword, never in
    a property's name or in data (an ``enum``'s or ``examples``' values)."""
    from tidings.workspace.validation import _for_fast

    schema = {
        "type": "object",
        "properties": {
            "const": {"const": 1},  # a property called const, holding const 1
            "both": {"enum": [1, 2], "const": 2},
            "never": {"not": {"const": True}},
        },
        "$defs": {"const": {"type": "string"}},
        "dependencies": {"const": {"const": 2}, "never": ["const"]},
        "examples": [{"const": 5}],
        "enum": [{"const": 1}],
    }
    assert _for_fast(schema) == {
        "type": "object",
        "properties": {
            "const": {"enum": [1]},
            "both": {"enum": [1, 2], "allOf": [{"enum": [2]}]},
            "never": {"not": {"enum": [True]}},
        },
        "$defs": {"const": {"type": "string"}},
        "dependencies": {"const": {"enum": [2]}, "never": ["const"]},
        "examples": [{"const": 5}],
        "enum": [{"const": 1}],
    }
    schema_copy = copy.deepcopy(schema)
    _for_fast(schema)
    assert schema == schema_copy  # the cached schema is left as it was


@pytest.mark.parametrize(
    ("kind", "doc"),
    [
        ("workspace", {"format": 1}),
        (
            "metrics",
            {
                "version": 1,
                "date": "2026-12-04",
                "collected_at": "2026-12-04T05:10:00Z",
                "window_days": 90,
                "channels": {},
            },
        ),
        ("post", {"title": "Hi", "at": "2026-01-05 09:00", "channels": ["mastodon"]}),
    ],
)
def test_validators_agree_on_every_const(kind: str, doc: dict[str, Any]) -> None:
    """Each ``const`` of the schemas (``format``/``version`` 1, ``draft``/``evergreen`` not
    true) against values JSON tells apart and Python's ``==`` does not (1, 1.0, true)."""
    fields = {"workspace": ("format", "version"), "metrics": ("version",)}.get(
        kind, ("draft", "evergreen")
    )
    assert validator(kind).is_valid(doc) and _fast_ok(kind, doc)
    for name in fields:
        verdicts = set()
        for value in (1, 1.0, 2, True, False, "1", None, 0):
            variant = dict(doc, **{name: value})
            slow_ok = validator(kind).is_valid(variant)
            assert _fast_ok(kind, variant) == slow_ok, (kind, name, value)
            verdicts.add(slow_ok)
        assert verdicts == {True, False}  # the field's const told some values apart
