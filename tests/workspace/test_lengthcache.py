"""X lengths measured once are kept in build/cache/x-lengths.json: a later check of the same
texts gives the same result without importing twitter-text; a cache from another
twitter-text, or a broken file, is ignored."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tidings.check.runner import check_workspace
from tidings.core.textlength import x_weighted
from tidings.workspace import lengthcache

EXAMPLE = Path(__file__).parents[2]
CHANNELS = (EXAMPLE / "tests/fixtures/base/brand/channels.yaml").read_text()
TEXT = "Winter portraits 🎄 this week: book at https://lumengrain.example/book " + "x" * 230
POST = f"""---
title: Long for X
at: 2026-12-10 09:00
channels: [x]
---
{TEXT}
"""
OVERLAY = {
    "brand/channels.yaml": CHANNELS + "  x:\n    platform: x\n",
    "content/posts/2026/12/long-for-x.md": POST,
}
PROBE = """
import sys
from pathlib import Path
from tidings.check.runner import check_workspace
result = check_workspace(Path(sys.argv[1]))
codes = sorted(d.code for d in result.diagnostics if d.code == "length.x")
print("twitter_text" in sys.modules, codes)
"""


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    lengthcache.clear()
    yield
    lengthcache.clear()


def _probe(root: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_a_second_check_measures_from_the_cache(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(OVERLAY)
    assert _probe(root) == "True ['length.x']"  # measured: over 280
    cache = json.loads((root / lengthcache.FILE).read_text())
    assert x_weighted(TEXT) in cache["lengths"].values()
    assert _probe(root) == "False ['length.x']"  # same verdict, twitter-text never imported


def test_a_stale_or_broken_cache_is_ignored(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(OVERLAY)
    check_workspace(root)
    path = root / lengthcache.FILE
    data = json.loads(path.read_text())
    data["lengths"] = {key: 1 for key in data["lengths"]}  # lies, from another twitter-text
    data["stamp"] = "0:other"
    path.write_text(json.dumps(data))
    assert _probe(root) == "True ['length.x']"
    path.write_text("{not json")
    assert _probe(root) == "True ['length.x']"
    assert json.loads(path.read_text())["stamp"] == lengthcache._library_fingerprint()  # rewritten


def test_lengths_are_the_same_with_and_without_the_cache() -> None:
    texts = [TEXT, "plain ascii", "naïve café ☕ https://example.com/x", "日本語のテキスト"]
    measured = [x_weighted(t) for t in texts]
    lengthcache.clear()
    for text, length in zip(texts, measured, strict=True):
        lengthcache.put(text, length)
    assert [x_weighted(t) for t in texts] == measured
