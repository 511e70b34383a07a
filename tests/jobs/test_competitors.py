"""Competitors (brand/competitors.yaml) read without credentials: a real Mastodon server
(mastodon-mock) and a real PDS behind the AppView fake. Two requests an account; reposts,
boosts and replies left out; an account that cannot be read is marked, the rest still read;
`tidings metrics` puts the readings into the day's snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import test_metrics
from click.testing import CliRunner
from peers.appview import AppView
from peers.bluesky import BlueskyPDS
from peers.mastodon import MastodonServer
from test_metrics import CHANNELS, bluesky_fan, mastodon_fan

from tidings.cli.main import cli
from tidings.jobs.collect_metrics import Options, collect
from tidings.metrics.competitors import summarize
from tidings.platforms.base import Caller
from tidings.platforms.competitors import mastodon_account, read_competitors
from tidings.workspace.model import Competitor, CompetitorAccount, Source
from tidings.workspace.validation import validator

NOW = datetime(2026, 12, 20, 12, tzinfo=UTC)
appview_server = test_metrics.appview_server  # the AppView fake's fixtures
appview = test_metrics.appview


def competitor(platform: str, handle: str, name: str = "Rival") -> Competitor:
    return Competitor(
        name, (CompetitorAccount(platform, handle),), Source("brand/competitors.yaml")
    )


def caller() -> Caller:
    return Caller(httpx.Client(timeout=10.0), sleep=lambda _: None, attempts=2)


# ---- pure ------------------------------------------------------------------------------------


def test_summary_counts_per_week_over_what_was_read_and_skips_unknown_counts() -> None:
    posts = [
        (NOW - timedelta(days=14), [1, 2, 0, None]),  # 3
        (NOW - timedelta(days=7), [10, None, None, None]),  # 10
        (NOW - timedelta(days=1), [None, None, None, None]),  # unknown: not a 0
        (NOW - timedelta(hours=2), [4, 1, 0, 0]),  # 5
    ]
    reading = summarize("R", "mastodon", "@r@x.social", 120, posts, NOW)
    assert (reading.posts, reading.posts_per_week, reading.median_engagement) == (4, 2.0, 5.0)
    assert reading.state == "ok" and reading.followers == 120
    empty = summarize("R", "bluesky", "r.bsky.social", None, [], NOW)
    assert (empty.posts, empty.posts_per_week, empty.median_engagement) == (0, None, None)
    one = summarize("R", "bluesky", "r", 1, [(NOW - timedelta(minutes=5), [2, 0, 0, 0])], NOW)
    assert one.posts_per_week == 7.0  # at least a day is covered


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("@northlight@photog.social", ("https://photog.social", "northlight")),
        ("northlight@photog.social", ("https://photog.social", "northlight")),
        ("https://photog.social/@northlight", ("https://photog.social", "northlight")),
        ("http://127.0.0.1:8080/@alice/", ("http://127.0.0.1:8080", "alice")),
    ],
)
def test_mastodon_handles(handle: str, expected: tuple[str, str]) -> None:
    assert mastodon_account(handle) == expected


@pytest.mark.parametrize("handle", ["@alone", "https://photog.social/", "@a@b/c", "a@b@c"])
def test_what_is_not_a_mastodon_handle_is_a_failed_reading(handle: str) -> None:
    (reading,) = read_competitors([competitor("mastodon", handle)], caller(), NOW, "http://unused")
    assert reading.state == "failed" and "not a Mastodon handle" in (reading.error or "")


# ---- against the peers -----------------------------------------------------------------------


def _status(server: MastodonServer, text: str, **extra: str) -> str:
    response = httpx.post(
        f"{server.base_url}/api/v1/statuses",
        headers={"Authorization": f"Bearer {server.token}"},
        data={"status": text, "visibility": "public", **extra},
    )
    response.raise_for_status()
    return str(response.json()["id"])


def test_a_mastodon_account_is_read_in_two_requests(mastodon: MastodonServer) -> None:
    first = _status(mastodon, "Our first post")
    second = _status(mastodon, "Our second post")
    _status(mastodon, "A reply to ourselves", in_reply_to_id=first)  # left out
    fan = mastodon_fan(mastodon)
    theirs = fan.post("/api/v1/statuses", status="a fan's own post")["id"]
    httpx.post(  # a boost of someone else's post: left out
        f"{mastodon.base_url}/api/v1/statuses/{theirs}/reblog",
        headers={"Authorization": f"Bearer {mastodon.token}"},
    ).raise_for_status()
    fan.post(f"/api/v1/statuses/{first}/favourite")
    fan.post(f"/api/v1/statuses/{first}/reblog")
    fan.post(f"/api/v1/statuses/{second}/favourite")
    c = caller()
    handle = f"{mastodon.base_url}/@testuser"
    (reading,) = read_competitors([competitor("mastodon", handle)], c, NOW, "http://unused")
    assert reading.state == "ok", reading.error
    assert reading.posts == 2
    # first: 1 like + 1 boost + 1 reply (our own reply counts: it is a reply on the server)
    assert reading.median_engagement == pytest.approx((3 + 1) / 2)
    assert reading.followers is not None and reading.posts_per_week is not None
    assert c.requests == 2


def test_a_bluesky_account_is_read_in_two_requests(pds: BlueskyPDS, appview: AppView) -> None:
    rival = bluesky_fan(pds)
    fan = bluesky_fan(pds)
    one = rival.create("app.bsky.feed.post", {"text": "Winter portraits"})
    rival.create("app.bsky.feed.post", {"text": "Wedding dates are open"})
    rival.create(
        "app.bsky.feed.post",
        {"text": "a reply", "reply": {"root": one, "parent": one}},
    )
    other = fan.create("app.bsky.feed.post", {"text": "the fan's own"})
    rival.create("app.bsky.feed.repost", {"subject": other})  # not the rival's own post
    fan.create("app.bsky.feed.like", {"subject": one})
    fan.create("app.bsky.feed.repost", {"subject": one})
    fan.create("app.bsky.graph.follow", {"subject": rival.account.did})
    c = caller()
    handle = rival.account.handle
    (reading,) = read_competitors([competitor("bluesky", handle)], c, NOW, appview.url)
    assert reading.state == "ok", reading.error
    assert (reading.followers, reading.posts) == (1, 2)
    assert reading.median_engagement == pytest.approx((3 + 0) / 2)  # like, repost, reply
    assert [name for name, _ in appview.requests] == [
        "app.bsky.actor.getProfile",
        "app.bsky.feed.getAuthorFeed",
    ]
    assert appview.calls("app.bsky.feed.getAuthorFeed")[0]["filter"] == ["posts_no_replies"]
    assert c.requests == 2


def test_one_unreadable_account_does_not_stop_the_others(
    mastodon: MastodonServer, pds: BlueskyPDS, appview: AppView
) -> None:
    _status(mastodon, "hello")
    rivals = [
        competitor("mastodon", f"{mastodon.base_url}/@nobody", "Ghost"),
        competitor("bluesky", "nobody.test", "Ghost"),
        competitor("mastodon", f"{mastodon.base_url}/@testuser", "Real"),
    ]
    readings = read_competitors(rivals, caller(), NOW, appview.url)
    assert [r.state for r in readings] == ["failed", "failed", "ok"]
    assert "404" in (readings[0].error or "") and "Profile not found" in (readings[1].error or "")
    assert readings[2].posts == 1


def test_tidings_metrics_writes_the_readings_into_the_snapshot(
    make_workspace: Callable[..., Path], mastodon: MastodonServer, pds: BlueskyPDS, appview: AppView
) -> None:
    _status(mastodon, "a post")
    rival = bluesky_fan(pds)
    rival.create("app.bsky.feed.post", {"text": "a post"})
    competitors = f"""competitors:
  - name: "<b>Rival</b> & Co"
    accounts:
      - {{platform: mastodon, handle: "{mastodon.base_url}/@testuser"}}
      - {{platform: bluesky, handle: "{rival.account.handle}"}}
"""
    root = make_workspace({"brand/channels.yaml": CHANNELS, "brand/competitors.yaml": competitors})
    # no channel credentials at all, only where the brand's AppView is
    report = collect(root, Options(now=NOW, commit=False, env={"BLUESKY_APPVIEW": appview.url}))
    data = json.loads((root / report.path).read_text(encoding="utf-8"))
    validator("metrics").validate(data)
    assert [(c["name"], c["platform"], c["state"], c["posts"]) for c in data["competitors"]] == [
        ("<b>Rival</b> & Co", "bluesky", "ok", 1),
        ("<b>Rival</b> & Co", "mastodon", "ok", 1),
    ]
    assert all(ch["state"] == "skipped" for ch in data["channels"].values())
    assert report.ok

    # the command says what it read; an unreadable competitor does not change the exit code
    (root / "brand/competitors.yaml").write_text(
        competitors
        + '  - name: Ghost\n    accounts: [{platform: bluesky, handle: "nobody.test"}]\n',
        encoding="utf-8",
    )
    runner = CliRunner(env={"BLUESKY_APPVIEW": appview.url})
    args = ["--root", str(root), "metrics", "--no-commit", "--now", "2026-12-20 13:00"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "competitor <b>Rival</b> & Co (mastodon" in result.output
    assert "1 recent posts" in result.output
    assert "competitor Ghost (bluesky nobody.test) could not be read" in result.output
