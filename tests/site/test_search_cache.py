"""The search index entries kept in ``build/cache/search.json``: a second build takes them
for the pages whose HTML is unchanged and makes the same site, byte for byte; a changed
page is read again, a removed one's entries are dropped, and a kept file that is stale or
does not hold index entries is ignored. The builds run as child processes (see
``test_site_parallel.py``: a parallel build forks only from a single-threaded process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from builders.workspaces import copy_example

NOW = "2026-12-20 09:00"
CACHE = "build/cache/search.json"
POST = "content/posts/2026/12/st-nicholas-day.md"
INDEX = "search/search_index.json"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "ws")


def _build(root: Path, out: Path, jobs: int = 1) -> dict[str, bytes]:
    cmd = [sys.executable, "-m", "tidings", "--root", str(root), "site", "build", "--offline"]
    cmd += ["--out", str(out), "--now", NOW, "--jobs", str(jobs)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("2 processes" in done.stdout) == (jobs == 2), done.stdout
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _locations(site: dict[str, bytes]) -> list[str]:
    return [doc["location"] for doc in json.loads(site[INDEX])["docs"]]


def _texts(site: dict[str, bytes]) -> str:
    return " ".join(doc["text"] for doc in json.loads(site[INDEX])["docs"])


def _kept(root: Path) -> dict[str, list[dict[str, object]]]:
    pages = json.loads((root / CACHE).read_text(encoding="utf-8"))["pages"]
    assert isinstance(pages, dict)
    return pages


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_second_build_takes_the_kept_entries_and_makes_the_same_site(
    example: Path, tmp_path: Path, jobs: int
) -> None:
    first = _build(example, tmp_path / "first", jobs)
    cache = example / CACHE
    kept = _kept(example)
    entries = [e for page in kept.values() for e in page]
    posts = [loc for loc in _locations(first) if loc.startswith("posts/")]
    assert len(posts) > 50
    assert {e["location"] for e in entries} >= set(posts)  # the workers' pages handed back
    before = cache.stat().st_mtime_ns, cache.read_bytes()
    second = _build(example, tmp_path / "second", 3 - jobs)  # the other way
    assert [name for name in first if first[name] != second.get(name)] == []
    assert sorted(first) == sorted(second)
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == before  # nothing parsed anew


def test_a_changed_page_is_read_again_and_a_removed_one_dropped(
    example: Path, tmp_path: Path
) -> None:
    first = _build(example, tmp_path / "first", 2)
    assert "chocolate St. Nicholas" in _texts(first)
    post = example / POST
    post.write_text(
        post.read_text(encoding="utf-8").replace("chocolate St. Nicholas", "gingerbread star"),
        encoding="utf-8",
    )
    gone = next(p for p in sorted((example / "content/posts").rglob("*.md")) if p != post)
    gone_at = "posts/" + gone.relative_to(example / "content/posts").with_suffix("").as_posix()
    assert any(loc.startswith(gone_at + "/") for loc in _locations(first))
    gone.unlink()
    second = _build(example, tmp_path / "second", 2)
    assert "gingerbread star" in _texts(second)
    assert "chocolate St. Nicholas" not in _texts(second)
    kept = json.dumps(_kept(example))
    assert "gingerbread star" in kept
    assert "chocolate St. Nicholas" not in kept
    assert f'"{gone_at}/' not in kept
    (example / CACHE).unlink()
    cold = _build(example, tmp_path / "cold", 1)
    assert [name for name in cold if cold[name] != second.get(name)] == []
    assert sorted(cold) == sorted(second)


@pytest.mark.parametrize(
    "spoil",
    [
        "stamp",  # another plugin, or another format, kept it
        "extra key",  # not an entry the search plugin makes
        "text not a string",
        "tags not strings",
        "not json",
    ],
)
def test_a_stale_or_malformed_cache_is_ignored(example: Path, tmp_path: Path, spoil: str) -> None:
    cold = _build(example, tmp_path / "cold", 1)
    cache = example / CACHE
    data = json.loads(cache.read_text(encoding="utf-8"))
    forged = "<script>alert(1)</script>"
    for entries in data["pages"].values():
        for entry in entries:
            if spoil == "stamp":
                entry["text"] = forged
            elif spoil == "extra key":
                entry["text"] = forged
                entry["script"] = "x"
            elif spoil == "text not a string":
                entry["text"] = [forged]
            elif spoil == "tags not strings":
                entry["text"] = forged
                entry["tags"] = [{"x": forged}]
    if spoil == "stamp":
        data["stamp"] = "1:0:0:False"
    text = json.dumps(data) if spoil != "not json" else cache.read_text()[:-10]
    cache.write_text(text, encoding="utf-8")
    again = _build(example, tmp_path / "again", 1)
    assert forged not in again[INDEX].decode("utf-8")
    assert [name for name in cold if cold[name] != again.get(name)] == []
    assert forged not in cache.read_text(encoding="utf-8")  # replaced by what was read
