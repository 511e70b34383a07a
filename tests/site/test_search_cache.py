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

from tidings.workspace.files import checked, summed

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
    pages = json.loads(checked((root / CACHE).read_bytes()))["pages"]
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
        "another page's entry",  # kept under this page's key
        "boost not a number",
        "deeply nested",
        "not json",
        "damaged, its digest not made again",
    ],
)
def test_a_stale_or_malformed_cache_is_ignored(example: Path, tmp_path: Path, spoil: str) -> None:
    cold = _build(example, tmp_path / "cold", 1)
    cache = example / CACHE
    data = json.loads(checked(cache.read_bytes()))
    forged = "<script>alert(1)</script>"
    for key, entries in data["pages"].items():
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
            elif spoil == "another page's entry":
                entry["text"] = forged
                entry["location"] = "javascript:alert(1)//" + entry["location"]
            elif spoil in ("boost not a number", "damaged, its digest not made again"):
                entry["text"] = forged
                entry["boost"] = float("nan") if spoil == "boost not a number" else 2
            elif spoil == "deeply nested":
                entry["text"] = forged
        if spoil == "deeply nested":
            data["pages"][key] = [*entries, {"x": "[" * 100_000 + "]" * 100_000}]
    if spoil == "stamp":
        data["stamp"] = "1:0:0:False"
    text = json.dumps(data)
    if spoil == "not json":
        text = checked(cache.read_bytes())[:-10]
    if spoil == "deeply nested":
        text = text.replace(
            '"' + "[" * 100_000 + "]" * 100_000 + '"', "[" * 100_000 + "]" * 100_000
        )
    written = summed(text)
    if spoil == "damaged, its digest not made again":
        written = cache.read_text(encoding="utf-8").split("\n", 1)[0] + "\n" + text
    cache.write_text(written, encoding="utf-8")
    again = _build(example, tmp_path / "again", 1)
    assert forged not in again[INDEX].decode("utf-8")
    assert [name for name in cold if cold[name] != again.get(name)] == []
    assert forged not in cache.read_text(encoding="utf-8")  # replaced by what was read
