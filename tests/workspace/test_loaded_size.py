"""What a loaded workspace keeps of each file: typed fields and positions, not the parsed
data beside them (issue 20: memory must not grow beyond a small record per post)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tidings.workspace.loader import load_workspace

SECOND = "content/posts/2026/12/second.md"
SECOND_TEXT = """---
title: Second
at: 2026-12-11 09:00
channels: [mastodon]
campaign: winter
tags: [studio]
variants:
  mastodon:
    body: The Mastodon text.
---
A second post, with a sentence of its own.
"""
LEDGER = "ledger/2026/12/second.yaml"
LEDGER_TEXT = """post: 2026/12/second
channels:
  mastodon:
    state: published
    published_at: 2026-12-11T09:00:02Z
    parts:
      - id: "1"
        url: https://example.social/@studio/1
"""


def test_posts_and_ledger_entries_keep_positions_but_not_the_parsed_data(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace({SECOND: SECOND_TEXT, LEDGER: LEDGER_TEXT})
    for cache in (False, True, True):  # without the cache, writing it, reading it
        ws, diags = load_workspace(root, cache=cache)
        assert not [d for d in diags if d.severity == "error"], diags
        post = ws.posts["2026/12/second"]
        assert post.source.doc.data is None
        assert post.variants["mastodon"].source.doc.data is None
        assert post.source.pos("channels").line == 4
        assert post.source.pos("tags", 0).line == 6
        assert post.variants["mastodon"].source.pos("body").line == 9
        entry = ws.ledger["2026/12/second"]
        assert entry.source.doc.data is None
        record = entry.channels["mastodon"]
        assert record.source.pos("parts", 0, "url").line == 8
        assert record.published_at is not None and record.parts[0].id == "1"


def test_channel_ids_and_tags_repeated_across_posts_are_one_object(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace({SECOND: SECOND_TEXT})
    ws, _ = load_workspace(root)
    first, second = ws.posts["2026/12/hello"], ws.posts["2026/12/second"]
    shared = set(first.channels) & set(second.channels)
    assert shared
    for cid in shared:
        assert first.channels[first.channels.index(cid)] is second.channels[0]
    assert second.variants["mastodon"].channel is second.channels[0]
