"""Hostile content that would otherwise cost: YAML alias bombs and huge files.

A file that would take minutes or gigabytes to read is refused with one diagnostic, fast;
`tidings publish` stops that file only, and every other due post goes out once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from builders.posts import HELLO, channels, post
from builders.remotes import remote_file
from builders.workspaces import build_workspace, published

from tidings.workspace.ledger import dump

POSTS = "content/posts/2026/12"


def bomb(levels: int = 7) -> str:
    """YAML lines defining ``&a0`` … ``&a<levels-1>``, each ten aliases of the one before:
    the last stands for 10**levels leaves."""
    lines = ["x0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


BOMB_POST = (
    "---\ntitle: Bomb\nat: 2026-12-10 09:00\nchannels: [outbox]\n"
    + bomb()
    + "tags: *a6\n---\nBoom.\n"
)

BIG_POST = post("outbox", title="Big", media=(), parts=("x" * 30_000_000,))


def check(root: Path) -> tuple[list[dict[str, object]], float]:
    """`tidings check --format json` as a subprocess: (diagnostics, seconds)."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), "check", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - start
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout), seconds


def about(diags: list[dict[str, object]], path: str) -> list[dict[str, object]]:
    return [d for d in diags if d["path"] == path]


def test_an_alias_bomb_in_a_post_is_one_diagnostic_fast(tmp_path: Path) -> None:
    rel = f"{POSTS}/bomb.md"
    root = build_workspace(tmp_path / "ws", {rel: BOMB_POST})
    diags, seconds = check(root)
    mine = about(diags, rel)
    assert [d["code"] for d in mine] == ["yaml.anchor"], mine
    assert mine[0]["line"] == 5  # the first anchor, `x0: &a0`
    assert "anchor" in str(mine[0]["message"]) and mine[0]["suggestion"]
    assert seconds < 5


def test_a_30_mb_post_is_one_diagnostic_fast(tmp_path: Path) -> None:
    rel = f"{POSTS}/big.md"
    root = build_workspace(tmp_path / "ws", {rel: BIG_POST})
    diags, seconds = check(root)
    mine = about(diags, rel)
    assert [d["code"] for d in mine] == ["file.too-large"], mine
    assert "256 KB" in str(mine[0]["message"])
    assert "limits" in str(mine[0]["suggestion"])  # says how to raise the cap
    assert seconds < 5


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("brand/brand.yaml", "name: &n Studio\ntimezone: Europe/Berlin\nwebsite: *n\n"),
        ("content/calendars/winter.yaml", "key_dates:\n  - &d {date: 2026-12-24, name: Eve}\n"),
        ("content/ideas/spring.md", "---\ntitle: &t Spring\nstatus: open\nreason: *t\n---\n"),
        ("tidings.yaml", "version: 1\npublish: &p {lateness: 6h}\n"),
        ("ledger/2026/12/hello.yaml", "post: 2026/12/hello\nchannels: &c {}\n"),
    ],
)
def test_anchors_are_refused_in_every_yaml_people_write(
    tmp_path: Path, rel: str, text: str
) -> None:
    root = build_workspace(tmp_path / "ws", {rel: text})
    diags = about(check(root)[0], rel)
    assert [d["code"] for d in diags] == ["yaml.anchor"], diags


def test_an_alias_in_channels_yaml_is_refused(tmp_path: Path) -> None:
    text = (
        "channels:\n  outbox: &o {platform: outbox, path: build/out}\n"
        "  mastodon: {platform: mastodon}\n  bluesky: {platform: bluesky}\n  copy: *o\n"
    )
    root = build_workspace(tmp_path / "ws", {"brand/channels.yaml": text})
    diags, _ = check(root)
    mine = about(diags, "brand/channels.yaml")
    assert [(d["code"], d["line"]) for d in mine] == [("yaml.anchor", 2)], mine


def test_ampersands_and_asterisks_in_text_are_not_anchors(tmp_path: Path) -> None:
    rel = f"{POSTS}/rnd.md"
    text = post(
        "outbox",
        title='"&a2 R&D *news* & more *a1"',  # quoted: text, not an anchor or alias
        media=(),
        parts=("We *love* R&D: 2 * 3 & more. &amp; *a1",),
    )
    root = build_workspace(tmp_path / "ws", {rel: text})
    diags, _ = check(root)
    assert not [d for d in about(diags, rel) if d["severity"] == "error"], diags


def test_the_size_caps_are_set_in_tidings_yaml(tmp_path: Path) -> None:
    small, big = f"{POSTS}/small.md", f"{POSTS}/big.md"
    root = build_workspace(
        tmp_path / "ws",
        {
            "tidings.yaml": "version: 1\nlimits:\n  post_kb: 1\n  yaml_kb: 512\n",
            small: post("outbox", title="Small", media=(), parts=("short",)),
            big: post("outbox", title="Big", media=(), parts=("x" * 2000,)),
        },
    )
    diags, _ = check(root)
    assert not about(diags, small)
    mine = about(diags, big)
    assert [d["code"] for d in mine] == ["file.too-large"] and "1 KB" in str(mine[0]["message"])


def test_a_large_but_allowed_post_still_loads(tmp_path: Path) -> None:
    rel = f"{POSTS}/long.md"
    text = post("outbox", title="Long", media=(), parts=("word " * 50_000,))  # 250 KB
    root = build_workspace(
        tmp_path / "ws", {"tidings.yaml": "version: 1\nlimits:\n  post_kb: 512\n", rel: text}
    )
    diags, _ = check(root)
    assert "file.too-large" not in {d["code"] for d in about(diags, rel)}


def test_an_oversized_brand_file_is_refused(tmp_path: Path) -> None:
    text = "name: Studio\ntimezone: Europe/Berlin\n" + "# padding\n" * 120_000  # 1.2 MB
    root = build_workspace(tmp_path / "ws", {"brand/brand.yaml": text})
    diags, _ = check(root)
    mine = about(diags, "brand/brand.yaml")
    assert [d["code"] for d in mine] == ["file.too-large"] and "1024 KB" in str(mine[0]["message"])


def test_a_post_that_is_a_link_to_an_endless_device_is_refused(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    link = root / POSTS / "zero.md"
    link.symlink_to("/dev/zero")
    diags, seconds = check(root)
    mine = about(diags, f"{POSTS}/zero.md")
    assert [d["code"] for d in mine] == ["file.unreadable"], mine
    assert "not a regular file" in str(mine[0]["message"])
    assert seconds < 5


def test_the_ledger_writer_never_writes_anchors() -> None:
    shared = [{"part": 1, "id": "1"}]
    text = dump({"post": "2026/12/hello", "channels": {"a": {"parts": shared, "again": shared}}})
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text)["channels"]["a"]["again"] == shared


def run_publish(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    args = ["publish", "--push", "--now", "2026-12-10 09:05", "--now-for-real"]
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_publish_stops_the_hostile_files_only_and_fast(tmp_path: Path) -> None:
    outbox = tmp_path / "server"
    brand_channels = channels(outbox={"platform": "outbox", "path": str(outbox)})
    good = post("outbox", title="Hello", parts=("Hello from the studio.",), media=())
    remote, work = published(
        tmp_path,
        {
            "brand/channels.yaml": brand_channels,
            HELLO: good,
            f"{POSTS}/bomb.md": BOMB_POST,
            f"{POSTS}/big.md": BIG_POST,
        },
    )
    start = time.monotonic()
    done = run_publish(work)
    seconds = time.monotonic() - start
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    sent = [json.loads(line) for line in (outbox / "sent.log").read_text().splitlines()]
    assert [(s["post"], s["part"]) for s in sent] == [("2026/12/hello", 0)]
    assert remote_file(remote, "ledger/2026/12/hello.yaml") is not None
    assert remote_file(remote, "ledger/2026/12/bomb.yaml") is None
    assert remote_file(remote, "ledger/2026/12/big.yaml") is None
    assert seconds < 30
