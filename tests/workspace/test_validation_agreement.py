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
