"""The per-file cache of `tidings check` (build/cache/files.json, tidings/workspace/filecache.py).

Every test runs the real command and compares its whole JSON report with a run that does
not use the cache: a cache can make a check faster, never different.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.workspace.filecache import (
    FILE,
    FileCache,
    read_entries,
    write_entries,
    write_lines,
)
from tidings.workspace.loader import load_workspace
from tidings.workspace.model import Part, Post
from tidings.workspace.sourcefiles import split_front_matter
from tidings.workspace.yamlsource import parse_yaml

FIXTURES = Path(__file__).parents[1] / "fixtures"
POST = "content/posts/2026/12/hello.md"
SECOND = "content/posts/2026/12/second.md"
SECOND_TEXT = """---
title: Second
at: 2026-12-11 09:00
channels: [mastodon]
campaign: winter
tags: [studio]
---
A second post, with a sentence of its own.
"""


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def age(root: Path, seconds: float = 600) -> None:
    """Date every file back, as files checked out a while ago are (the cache takes a file
    changed in the last two seconds by its text only)."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file() and "build" not in path.parts:
            os.utime(path, (past, past))


def stamp(root: Path) -> str:
    head = (root / FILE).read_bytes().split(b"\n", 1)[0]
    found: str = json.loads(head)["stamp"]
    return found


def entries(root: Path) -> dict[str, list[object]]:
    return read_entries(root / FILE, stamp(root))


def rewrite(root: Path, change: Callable[[dict[str, list[object]]], None]) -> None:
    """Change the entries and write them as the engine would (stamp and digest)."""
    found = entries(root)
    assert found
    change(found)
    write_entries(root / FILE, stamp(root), found)


@pytest.fixture
def ws(make_workspace: Callable[..., Path]) -> Path:
    root = make_workspace({SECOND: SECOND_TEXT})
    age(root)
    return root


def test_the_cache_changes_nothing_but_speed(ws: Path) -> None:
    """No cache, a first run that writes it, a second that reads it, and after deleting
    build/cache: the same report, byte for byte."""
    plain = check(ws, "--no-cache")
    assert not (ws / FILE).exists()
    first = check(ws)
    kept = entries(ws)
    assert {POST, SECOND, "brand/brand.yaml", "content/ideas/spring.md"} <= set(kept)
    assert check(ws) == first == plain
    shutil.rmtree(ws / "build" / "cache")
    assert check(ws) == plain


@pytest.mark.parametrize("case", sorted(p.name for p in (FIXTURES / "invalid").iterdir())[:40:3])
def test_fixture_cases_report_the_same_from_the_cache(
    case: str, make_workspace: Callable[..., Path]
) -> None:
    root = make_workspace(FIXTURES / "invalid" / case)
    age(root)
    plain = check(root, "--no-cache")
    assert check(root) == plain  # writes the cache
    assert check(root) == plain  # reads it


def test_a_file_with_a_problem_is_never_kept(ws: Path) -> None:
    (ws / SECOND).write_text(SECOND_TEXT.replace("title: Second\n", ""), encoding="utf-8")
    age(ws)
    code, out = check(ws)
    assert code == 1 and "`title`" in out
    assert SECOND not in entries(ws) and POST in entries(ws)
    assert check(ws) == (code, out)


def test_a_changed_file_is_read_again(ws: Path) -> None:
    check(ws)
    (ws / SECOND).write_text(SECOND_TEXT.replace("title: Second", "title: [Second]"), "utf-8")
    age(ws, 300)  # another time, as any edit gives
    code, out = check(ws)
    assert code == 1 and "title must be text" in out
    assert (code, out) == check(ws, "--no-cache")


def test_an_edit_within_the_same_second_is_found_by_its_text(ws: Path) -> None:
    """A file written in the last seconds is kept with its text's digest only, so an edit
    of the same size at the same time (a coarse file system clock) is still seen."""
    (ws / SECOND).write_text(SECOND_TEXT, encoding="utf-8")  # just now: racy
    check(ws)
    before = (ws / SECOND).stat()
    (ws / SECOND).write_text(SECOND_TEXT.replace("mastodon]", "mastodom]"), encoding="utf-8")
    os.utime(ws / SECOND, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (ws / SECOND).stat().st_size == before.st_size
    code, out = check(ws)
    assert code == 1 and "mastodom" in out


def test_an_entry_taken_back_by_its_text_just_after_a_checkout_is_kept_by_its_text_only(
    ws: Path,
) -> None:
    """A fresh checkout writes every file just before the check: an entry taken back by its
    text then gets the file's time, but not its size (as a new entry written within the
    last seconds does), so an edit of the same size within the same tick is still seen."""
    check(ws)
    now = time.time_ns()
    for path in ws.rglob("*"):
        if path.is_file() and "build" not in path.parts:
            os.utime(path, ns=(now, now))  # "checked out" this instant: other times, racy
    check(ws)
    kept = entries(ws)[SECOND]
    assert kept[1] == -1 and kept[2] == (ws / SECOND).stat().st_mtime_ns
    (ws / SECOND).write_text(SECOND_TEXT.replace("mastodon]", "mastodom]"), encoding="utf-8")
    os.utime(ws / SECOND, ns=(now, now))
    code, out = check(ws)
    assert code == 1 and "mastodom" in out
    age(ws, 60)  # a while later: kept by size and time again
    (ws / SECOND).write_text(SECOND_TEXT, encoding="utf-8")
    age(ws, 60)
    check(ws)
    assert entries(ws)[SECOND][1] == (ws / SECOND).stat().st_size


def test_an_entry_written_in_another_json_layout_is_read_whole(ws: Path) -> None:
    """A line is read as JSON, whatever its layout: an entry written with spaces (as another
    JSON writer would) is taken back for an unchanged file like the engine's own."""
    assert check(ws)[0] == 0
    found = entries(ws)
    plant_channel(found)
    spaced = [json.dumps([rel, entry]).encode() + b"\n" for rel, entry in found.items()]
    assert spaced[0].startswith(b'["') and b'", ["' in spaced[0]  # not how the engine writes
    write_lines(ws / FILE, stamp(ws), spaced)
    code, out = check(ws)
    assert code == 1 and "nochannel" in out  # the planted entry was taken


def plant_channel(found: dict[str, list[object]]) -> None:
    """What the cache says SECOND holds: a channel the file does not name."""
    data = found[SECOND][5]
    assert isinstance(data, dict)
    data["channels"] = ["mastodon", "nochannel"]


def test_an_unchanged_file_is_not_parsed_again(ws: Path) -> None:
    """Shown with a planted entry: while the file keeps its size and time, what the cache
    says is what the check sees (here, a channel the file does not name)."""
    assert check(ws)[0] == 0
    rewrite(ws, plant_channel)
    code, out = check(ws)
    assert code == 1 and "nochannel" in out
    assert check(ws, "--no-cache")[0] == 0


@pytest.mark.parametrize("rel", ["brand/brand.yaml", "brand/channels.yaml", "tidings.yaml"])
def test_a_changed_brand_or_configuration_empties_the_cache(ws: Path, rel: str) -> None:
    check(ws)
    rewrite(ws, plant_channel)
    assert check(ws)[0] == 1
    with (ws / rel).open("a", encoding="utf-8") as fh:
        fh.write("\n# changed\n")
    assert check(ws) == check(ws, "--no-cache")
    assert check(ws)[0] == 0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json at all",
        b'{"stamp": "x"}\n{}',
        b"\xff\xfe garbage",
        b'{"stamp": 1, "sum": []}\n[1, 2, 3]',
        b"[" * 100_000,
    ],
    ids=["empty", "text", "other-stamp", "binary", "wrong-shapes", "deep"],
)
def test_a_corrupt_cache_is_a_miss(ws: Path, content: bytes) -> None:
    plain = check(ws, "--no-cache")
    (ws / FILE).parent.mkdir(parents=True, exist_ok=True)
    (ws / FILE).write_bytes(content)
    assert check(ws) == plain
    assert check(ws) == plain  # and it was replaced by a good one
    assert POST in entries(ws)


def test_a_cache_cut_short_or_edited_by_hand_is_a_miss(ws: Path) -> None:
    plain = check(ws, "--no-cache")
    check(ws)
    text = (ws / FILE).read_text(encoding="utf-8")
    assert '"title":"Second"' in text
    (ws / FILE).write_text(text.replace('"title":"Second"', '"title":"Edited"'), "utf-8")
    assert check(ws) == plain
    (ws / FILE).write_text(text[: len(text) // 2], encoding="utf-8")
    assert check(ws) == plain


def test_entries_of_the_wrong_shape_are_misses(ws: Path) -> None:
    plain = check(ws, "--no-cache")
    check(ws)

    def spoil(found: dict[str, list[object]]) -> None:
        found[POST] = ["post", "a", None]
        found[SECOND][0] = "ledger"  # another kind
        found["brand/brand.yaml"][4] = "one"  # line offset not a number

    rewrite(ws, spoil)
    assert check(ws) == plain


def test_a_planted_entry_for_a_fresh_checkout_is_checked_against_the_schema(ws: Path) -> None:
    """After a fresh checkout (other file times) entries are taken by the file's text, and
    may come from elsewhere (a CI cache): one whose data breaks the schema is not taken."""
    check(ws)

    def plant(found: dict[str, list[object]]) -> None:
        data = found[SECOND][5]
        assert isinstance(data, dict)
        data["title"] = ["not", "text"]
        data["channels"] = "everywhere"

    rewrite(ws, plant)
    age(ws, 60)  # "checked out" again: same text, other times
    assert check(ws) == check(ws, "--no-cache")


def test_a_planted_pickle_is_never_run(ws: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    plain = check(ws, "--no-cache")
    (ws / FILE).parent.mkdir(parents=True, exist_ok=True)
    (ws / FILE).write_bytes(pickle.dumps(Payload()))
    assert check(ws) == plain
    assert not marker.exists()


def test_a_digest_that_is_not_the_files_text_gives_the_first_line_not_a_wrong_one(
    ws: Path,
) -> None:
    """Positions are found by parsing the file again only when a diagnostic needs one, and
    only from the text the entry was made from (its digest): a file that is not that text
    puts the diagnostic at the top of the file, never on a line of some other text."""
    (ws / SECOND).write_text(SECOND_TEXT.replace("[mastodon]", "[mastodon, nochannel]"), "utf-8")
    age(ws)
    plain = check(ws, "--no-cache")
    assert '"line": 4' in plain[1]  # the channels line
    check(ws)

    def spoil(found: dict[str, list[object]]) -> None:
        found[SECOND][3] = "0" * 32

    rewrite(ws, spoil)
    code, out = check(ws)
    assert code == plain[0] and '"line": 1,' in out and '"line": 4' not in out


def test_a_cache_file_committed_to_git_is_not_used(ws: Path) -> None:
    """A pull request can add build/cache/files.json past .gitignore; such a file did not
    come from a run of the engine and is ignored."""
    check(ws)
    rewrite(ws, plant_channel)
    assert check(ws)[0] == 1  # taken while not tracked
    rewrite(ws, plant_channel)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=ws, check=True)
    subprocess.run([*git, "add", "-A"], cwd=ws, check=True)
    subprocess.run([*git, "add", "-f", FILE], cwd=ws, check=True)
    subprocess.run([*git, "commit", "-qm", "content"], cwd=ws, check=True)
    assert check(ws) == check(ws, "--no-cache")
    assert check(ws)[0] == 0


def test_only_changed_entries_are_held_and_the_rest_are_written_back_as_they_were(
    ws: Path,
) -> None:
    """A loaded cache holds where each file's line is, not the line (a large repository's
    entries would be as much memory as its posts); a file that changed is written anew and
    every other line is copied from the old cache file unchanged."""
    check(ws)
    before = entries(ws)
    cache = FileCache(ws)
    try:
        assert cache.lines and all(at >= 0 for at in cache.lines.values())  # in the file
        assert cache.get(POST, "post") is not None
        assert cache.lines[POST] >= 0  # taken, not kept in memory
    finally:
        cache.close()
    (ws / SECOND).write_text(SECOND_TEXT.replace("of its own", "of its very own"), "utf-8")
    past = time.time() - 300
    os.utime(ws / SECOND, (past, past))  # not racy: kept by its size and time
    check(ws)
    after = entries(ws)
    assert after.keys() == before.keys()
    assert "very own" in str(after[SECOND]) and "very own" not in str(before[SECOND])
    assert {k: v for k, v in after.items() if k != SECOND} == {
        k: v for k, v in before.items() if k != SECOND
    }


# What the loader works out from a post (thread parts, their hash, times in the brand's
# zone) is kept with the file's entry (its tenth item) and taken back with it: never when
# the file, the brand's zone or anything else the entry depends on changed.

VARIANT_TEXT = """---
title: Variants
at: 2026-12-12 09:30
expires: 2027-01-31
channels: [mastodon, bluesky]
variants:
  bluesky:
    at: 2026-12-12T10:00:00Z
    body: |
      A shorter part.

      ---

      And a second.
---
First part.

---

Second part.
"""
VARIANTS = "content/posts/2026/12/variants.md"


def posts(root: Path, *, cache: bool = True) -> dict[str, Post]:
    return load_workspace(root, cache=cache)[0].posts


def described(found: dict[str, Post]) -> dict[str, str]:
    """Each post as its repr, times with their zone's name: equal only if built alike."""
    return {
        pid: repr(p)
        + repr([(t, t.tzname() if t else None) for t in (p.at, p.expires)])
        + repr([(v.at, v.at.tzinfo if v.at else None) for v in p.variants.values()])
        for pid, p in found.items()
    }


@pytest.fixture
def vws(make_workspace: Callable[..., Path]) -> Path:
    root = make_workspace({SECOND: SECOND_TEXT, VARIANTS: VARIANT_TEXT})
    age(root)
    return root


def forge(found: dict[str, list[object]]) -> None:
    """What the cache says SECOND was built to: one part, the body's word "second", on
    line 99 (a part is kept as where its text is in the body, and its line)."""
    derived = found[SECOND][9]
    assert isinstance(derived, list)
    derived[0] = [[3, 9, 99]]  # the body starts with the front matter's newline


def test_what_a_post_was_built_to_is_kept_and_taken_back_unchanged(vws: Path) -> None:
    plain = described(posts(vws, cache=False))
    assert described(posts(vws)) == plain  # written
    kept = entries(vws)
    assert kept[SECOND][9] is not None and kept[VARIANTS][9] is not None
    assert described(posts(vws)) == plain  # taken back
    assert posts(vws)["2026/12/variants"].variants["bluesky"].parts is not None
    assert check(vws) == check(vws, "--no-cache")


def test_a_kept_post_is_what_an_unchanged_file_gives(vws: Path) -> None:
    """Shown with a planted value: while the file keeps its size and time, it is used."""
    posts(vws)
    rewrite(vws, forge)
    assert posts(vws)["2026/12/second"].parts == (Part("second", 99),)


def test_a_kept_post_of_an_edited_file_is_never_used(vws: Path) -> None:
    posts(vws)
    rewrite(vws, forge)
    (vws / SECOND).write_text(SECOND_TEXT.replace("09:00", "10:00"), encoding="utf-8")
    age(vws, 300)
    assert described(posts(vws)) == described(posts(vws, cache=False))
    assert posts(vws)["2026/12/second"].at == posts(vws, cache=False)["2026/12/second"].at


def test_a_kept_post_is_not_taken_with_an_entry_found_by_its_text(vws: Path) -> None:
    """After a fresh checkout (the same text, other times) the entry may come from elsewhere:
    what it says the post was built to is worked out again."""
    posts(vws)
    rewrite(vws, forge)
    age(vws, 60)
    assert described(posts(vws)) == described(posts(vws, cache=False))


def test_kept_times_follow_a_change_of_the_brand_zone(vws: Path) -> None:
    before = posts(vws)["2026/12/second"].at
    brand = vws / "brand/brand.yaml"
    brand.write_text(brand.read_text("utf-8").replace("Europe/Berlin", "America/New_York"), "utf-8")
    after = posts(vws)
    assert described(after) == described(posts(vws, cache=False))
    assert after["2026/12/second"].at != before
    assert str(after["2026/12/second"].at.tzinfo) == "America/New_York"


@pytest.mark.parametrize(
    "spoilt",
    [
        "text",
        [1, 2, 3],
        [[[0, 1]], "sha256:x", None, None, {}, []],
        [[[0, 1, "1"]], "sha256:x", None, None, {}, []],
        [[["0", 1, 1]], "sha256:x", None, None, {}, []],
        [[[0, 1, 1]], 5, None, None, {}, []],
        [[[0, 1, 1]], "sha256:x", "q2026-12-11T09:00:00", None, {}, []],
        [[[0, 1, 1]], "sha256:x", "z2026-12-11T09:00:00+01:00", None, {}, []],
        [[[0, 1, 1]], "sha256:x", "z2026-03-29T02:30:00", None, {}, []],  # skipped in Berlin
        [[[0, 1, 1]], "sha256:x", None, None, {"bluesky": [None, None]}, []],
        [[[0, 1, 1]], "sha256:x", None, None, {}, [[[0, 1, 1]]]],  # a rotation it has not
    ],
)
def test_a_spoilt_kept_post_is_worked_out_again(vws: Path, spoilt: object) -> None:
    plain = described(posts(vws, cache=False))
    posts(vws)

    def spoil(found: dict[str, list[object]]) -> None:
        found[SECOND][9] = spoilt

    rewrite(vws, spoil)
    assert described(posts(vws)) == plain


def test_the_lines_of_further_bodies_are_kept_for_a_fresh_checkout(vws: Path) -> None:
    """A variant's body starts on a line of its own: where, is kept with the entry (from the
    node tree at the first parse), so a post taken back by its text (a fresh clone with CI's
    cache, no kept post) numbers its thread parts the same without parsing its file again;
    so are where `at` and `channels` are, which most findings on a post point at."""
    plain = described(posts(vws, cache=False))
    posts(vws)
    text = (vws / VARIANTS).read_text("utf-8")
    split = split_front_matter(text)
    doc = parse_yaml(split.front_matter, split.fm_line_offset)
    at, channels = doc.pos(("at",)), doc.pos(("channels",))
    assert entries(vws)[VARIANTS][8] == {
        "variants": {"bluesky": doc.pos(("variants", "bluesky", "body")).line},
        "rotations": [],
        "at": [at.line, at.column],
        "channels": [channels.line, channels.column],
    }
    age(vws, 1200)  # another modification time: taken back by its text
    taken = posts(vws)
    assert described(taken) == plain
    assert [p.line for p in taken["2026/12/variants"].variants["bluesky"].parts or ()] == [
        p.line
        for p in load_workspace(vws, cache=False)[0]
        .posts["2026/12/variants"]
        .variants["bluesky"]
        .parts
        or ()
    ]


def test_known_positions_are_the_node_trees_on_every_post_of_the_example() -> None:
    """`at` and `channels` are answered from what the loader noted at the first parse (and
    kept): the same positions as the node tree, for the value; a key is parsed again."""
    root = Path(__file__).parents[2]
    asked = 0
    for post in load_workspace(root, cache=False)[0].posts.values():
        text = (root / post.path).read_text("utf-8")
        split = split_front_matter(text)
        tree = parse_yaml(split.front_matter, split.fm_line_offset)
        for key in ("at", "channels", "title"):
            for as_key in (False, True):
                assert post.source.pos(key, key=as_key) == tree.pos((key,), key=as_key), (
                    post.path,
                    key,
                )
                asked += 1
    assert asked > 100
