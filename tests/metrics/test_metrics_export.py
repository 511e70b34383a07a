"""The snapshot format and the tidy CSV: golden rows from hand-written snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from builders.posts import PARTS, post
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.metrics.export import follower_rows, post_rows
from tidings.metrics.snapshots import (
    ChannelReading,
    PostReading,
    Snapshot,
    dump_snapshot,
    load_snapshots,
    parse_snapshot,
)
from tidings.platforms.base import AccountCounts, Counts
from tidings.workspace.loader import load_workspace
from tidings.workspace.validation import validator

THREAD = post(
    "mastodon",
    "bluesky",
    parts=(PARTS[0], "Come by for tea."),
    media=(),
    campaign="winter",
    tags=["studio-news", "events"],
)

LINK = """---
title: Vouchers
at: 2026-12-11 09:00
channels: [mastodon, bluesky]
tags: [shop]
variants:
  bluesky:
    body: Vouchers, in a linen envelope.
---
Gift vouchers are here: https://lumengrain.example/vouchers
"""


def snapshot_file(day: str, likes: int, followers: int) -> str:
    """A snapshot as CI writes it, with a deleted post, a failed and a skipped channel."""
    return f"""{{
  "version": 1,
  "date": "{day}",
  "collected_at": "{day}T17:00:00Z",
  "window_days": 90,
  "channels": {{
    "bluesky": {{
      "platform": "bluesky",
      "state": "ok",
      "account": {{"followers": {followers + 10}, "raw": {{"followersCount": {followers + 10}}}}},
      "posts": [
        {{"post": "2026/12/hello", "remote_id": "at://did:plc:a/app.bsky.feed.post/1", "published_at": "2026-12-10T08:05:00Z", "metrics": {{"likes": {likes + 1}, "reposts": 0, "replies": 0, "quotes": 2, "views": null}}, "raw": {{"likeCount": {likes + 1}}}}},
        {{"post": "2026/12/opening", "remote_id": "at://did:plc:a/app.bsky.feed.post/2", "published_at": "2026-12-10T08:05:00Z", "metrics": {{"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "views": null}}, "raw": {{}}}},
        {{"post": "2026/12/vouchers", "remote_id": "at://did:plc:a/app.bsky.feed.post/3", "published_at": "2026-12-11T08:05:00Z", "metrics": {{"likes": 5, "reposts": 1, "replies": 0, "quotes": 0, "views": null}}, "raw": {{}}}}
      ]
    }},
    "mastodon": {{
      "platform": "mastodon",
      "state": "ok",
      "account": {{"followers": {followers}, "raw": {{"followers_count": {followers}}}}},
      "posts": [
        {{"post": "2026/11/gone", "remote_id": "7", "published_at": "2026-11-30T08:00:00Z", "metrics": {{"likes": 3, "reposts": 0, "replies": 0, "quotes": null, "views": null}}, "raw": {{}}}},
        {{"post": "2026/12/hello", "remote_id": "8", "published_at": "2026-12-10T08:05:00Z", "metrics": {{"likes": {likes}, "reposts": 1, "replies": 1, "quotes": null, "views": null}}, "raw": {{"favourites_count": {likes}}}}},
        {{"post": "2026/12/vouchers", "remote_id": "9", "published_at": "2026-12-11T08:05:00Z", "error": "the server has no such status (deleted, or private)"}}
      ]
    }},
    "x": {{"platform": "x", "state": "skipped", "error": "reading metrics from x is not supported yet", "account": null, "posts": []}}
  }}
}}
"""


GOLDEN = """\
date,post,channel,platform,published_at,campaign,tags,type,likes,reposts,replies,quotes,views,followers
2026-12-19,2026/11/gone,mastodon,mastodon,2026-11-30T08:00:00Z,,,,3,0,0,,,40
2026-12-19,2026/12/hello,bluesky,bluesky,2026-12-10T08:05:00Z,winter,,image,3,0,0,2,,50
2026-12-19,2026/12/hello,mastodon,mastodon,2026-12-10T08:05:00Z,winter,,image,2,1,1,,,40
2026-12-19,2026/12/opening,bluesky,bluesky,2026-12-10T08:05:00Z,winter,studio-news;events,thread,0,0,0,0,,50
2026-12-19,2026/12/vouchers,bluesky,bluesky,2026-12-11T08:05:00Z,,shop,text,5,1,0,0,,50
2026-12-20,2026/11/gone,mastodon,mastodon,2026-11-30T08:00:00Z,,,,3,0,0,,,42
2026-12-20,2026/12/hello,bluesky,bluesky,2026-12-10T08:05:00Z,winter,,image,8,0,0,2,,52
2026-12-20,2026/12/hello,mastodon,mastodon,2026-12-10T08:05:00Z,winter,,image,7,1,1,,,42
2026-12-20,2026/12/opening,bluesky,bluesky,2026-12-10T08:05:00Z,winter,studio-news;events,thread,0,0,0,0,,52
2026-12-20,2026/12/vouchers,bluesky,bluesky,2026-12-11T08:05:00Z,,shop,text,5,1,0,0,,52
"""


def workspace(make_workspace: Callable[..., Path]) -> Path:
    return make_workspace(
        {
            "content/posts/2026/12/opening.md": THREAD,
            "content/posts/2026/12/vouchers.md": LINK,
            # written out of order: files are read by date
            "metrics/2026/12/2026-12-20.json": snapshot_file("2026-12-20", 7, 42),
            "metrics/2026/12/2026-12-19.json": snapshot_file("2026-12-19", 2, 40),
        }
    )


def test_csv_export_golden_rows(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = workspace(make_workspace)
    result = CliRunner().invoke(cli, ["--root", str(root), "metrics", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output == GOLDEN
    out = tmp_path / "out/metrics.csv"
    to_file = CliRunner().invoke(cli, ["--root", str(root), "metrics", "export", "--out", str(out)])
    assert to_file.exit_code == 0
    assert out.read_text(encoding="utf-8") == GOLDEN


def test_rows_for_the_site(make_workspace: Callable[..., Path]) -> None:
    root = workspace(make_workspace)
    ws, _ = load_workspace(root)
    snapshots = load_snapshots(root)
    assert [s.day for s in snapshots] == [date(2026, 12, 19), date(2026, 12, 20)]
    rows = post_rows(ws, snapshots)
    hello = [r for r in rows if r.post == "2026/12/hello" and r.channel == "mastodon"]
    assert [(r.date.day, r.likes, r.quotes, r.engagement) for r in hello] == [
        (19, 2, None, 4),
        (20, 7, None, 9),
    ]
    assert hello[0].published_at == datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
    # a link post whose Bluesky variant has no link is "text" there, "link" on Mastodon
    assert {r.type for r in rows if r.post == "2026/12/vouchers"} == {"text"}
    followers = [(r.date.day, r.channel, r.followers) for r in follower_rows(snapshots)]
    assert followers == [
        (19, "bluesky", 50),
        (19, "mastodon", 40),
        (20, "bluesky", 52),
        (20, "mastodon", 42),
    ]
    assert snapshots[0].channels["x"].state == "skipped"
    assert not load_snapshots(root, since=date(2026, 12, 20))[0].channels["x"].posts


def test_a_snapshot_round_trips_one_post_a_line() -> None:
    when = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    snapshot = Snapshot(
        day=date(2026, 12, 20),
        collected_at=when,
        window_days=90,
        channels={
            "mastodon": ChannelReading(
                "mastodon",
                "mastodon",
                "ok",
                AccountCounts(3, {"followers_count": 3}),
                (
                    PostReading("b", "mastodon", "2", when, None, "gone"),
                    PostReading("a", "mastodon", "1", when, Counts(1, 0, 0, None, None, {"x": 1})),
                ),
            ),
            "bluesky": ChannelReading("bluesky", "bluesky", "failed", error="500 nope"),
        },
        path="metrics/2026/12/2026-12-20.json",
    )
    text = dump_snapshot(snapshot)
    validator("metrics").validate(json.loads(text))
    lines = text.splitlines()
    assert lines[lines.index('      "posts": [') + 1].strip().startswith('{"post": "a"')
    assert sum('"post": ' in line for line in lines) == 2
    again = parse_snapshot(text, snapshot.path)
    assert [p.post for p in again.channels["mastodon"].posts] == ["a", "b"]  # sorted
    assert list(again.channels["mastodon"].posts) == sorted(
        snapshot.channels["mastodon"].posts, key=lambda p: p.post
    )
    assert again.channels["bluesky"] == snapshot.channels["bluesky"]
    assert dump_snapshot(again) == text


def test_the_csv_view_of_the_example_validates_every_snapshot(tmp_path: Path) -> None:
    """Each row of GOLDEN comes from a snapshot the schema accepts."""
    for day, likes, followers in (("2026-12-19", 2, 40), ("2026-12-20", 7, 42)):
        validator("metrics").validate(json.loads(snapshot_file(day, likes, followers)))
