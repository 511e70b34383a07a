"""Listening (brand.yaml ``listening:``) against a real Mastodon API (mastodon-mock): the
public tag timeline for a hashtag, ``/api/v2/search?type=statuses`` for a keyword; counts
per term per day and the newest matches' links committed under ``inbox/_listening/``; never
a direct message, never the brand's own post, never the words without ``keep_text``; a rerun
adds nothing and changes no byte; the next run counts only what is new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from builders import workspaces
from builders.remotes import remote_log
from peers.appview import AppView
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer
from test_inbox import BLUESKY, MASTODON, Setup, fan, poster, run

from tidings.workspace.listening import read_listening
from tidings.workspace.validation import validator

BRAND = (
    "name: Test Studio\ntimezone: Europe/Berlin\n"
    "listening:\n  keywords: [Plagwitz portraits]\n  hashtags: ['#LeipzigWedding']\n"
)


def brand_says(server: MastodonServer, text: str) -> None:
    httpx.post(
        f"{server.base_url}/api/v1/statuses",
        headers={"Authorization": f"Bearer {server.token}"},
        data={"status": text},
    ).raise_for_status()


def files(work: Path) -> dict[str, bytes]:
    base = work / "inbox/_listening"
    return {p.relative_to(work).as_posix(): p.read_bytes() for p in sorted(base.rglob("*.yaml"))}


def test_hashtags_and_keywords_are_counted_once_by_day_with_links_only(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": MASTODON, "brand/brand.yaml": BRAND}
    )
    setup = Setup(remote, work, mastodon.env())
    ann, bob = fan(mastodon), fan(mastodon)
    tagged = ann.say("What a day #LeipzigWedding")
    said = bob.say("Loved our Plagwitz portraits session")
    bob.say("Plagwitz portraits, just between us", visibility="direct")  # never heard
    brand_says(mastodon, "Booking now #LeipzigWedding, Plagwitz portraits")  # our own
    ann.say("nothing to hear here")

    report = run(setup)
    assert report.ok, report.channels
    assert [(c.channel, c.heard) for c in report.channels] == [("mastodon", 2)]
    assert remote_log(remote)[0].startswith("inbox: 0 new item(s), 0 answered, 2 heard")
    record = read_listening(work, "mastodon", "mastodon")
    today = datetime.now(UTC).date()
    assert dict(record.counts) == {
        ("#LeipzigWedding", today): 1,
        ("Plagwitz portraits", today): 1,
    }
    assert [m.url for m in record.latest["#LeipzigWedding"]] == [tagged["url"]]
    assert [m.url for m in record.latest["Plagwitz portraits"]] == [said["url"]]
    assert record.latest["#LeipzigWedding"][0].author == f"@{ann.acct}"
    written = files(work)
    assert set(written) == {
        f"inbox/_listening/mastodon/{today:%Y-%m}.yaml",
        "inbox/_listening/mastodon/latest.yaml",
    }
    for data in written.values():
        assert not list(validator("listening").iter_errors(yaml.safe_load(data)))
        assert b"What a day" not in data and b"just between us" not in data  # no words

    # nothing new: no byte changes, no commit
    log = remote_log(remote)
    report = run(setup)
    assert report.ok and [c.heard for c in report.channels] == [0]
    assert files(work) == written and remote_log(remote) == log

    # the next run counts only the new ones
    ann.say("Again #leipzigwedding")
    bob.say("More Plagwitz portraits please")
    report = run(setup)
    assert [c.heard for c in report.channels] == [2]
    record = read_listening(work, "mastodon", "mastodon")
    assert record.counts[("#LeipzigWedding", today)] == 2
    assert record.counts[("Plagwitz portraits", today)] == 2
    assert len(record.latest["Plagwitz portraits"]) == 2


def test_the_words_are_kept_only_with_keep_text(tmp_path: Path, mastodon: MastodonServer) -> None:
    brand = BRAND + "inbox: {keep_text: true}\n"
    remote, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": MASTODON, "brand/brand.yaml": brand}
    )
    fan(mastodon).say("Dancing all night #LeipzigWedding")
    assert run(Setup(remote, work, mastodon.env())).ok
    (match,) = read_listening(work, "mastodon", "mastodon").latest["#LeipzigWedding"]
    assert match.text == "Dancing all night #LeipzigWedding"


# ---------------------------------------------------------------- Bluesky (PDS + test AppView)


@pytest.fixture(scope="module")
def appview(pds: BlueskyPDS) -> Iterator[AppView]:
    """The test AppView in front of the PDS (its searchPosts is what listening reads)."""
    server = AppView(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


def test_bluesky_search_posts_counts_terms_since_the_newest_seen(
    tmp_path: Path, pds: BlueskyPDS, bluesky_account: Account, appview: AppView
) -> None:
    brand = "name: Test Studio\ntimezone: Europe/Berlin\nlistening:\n  hashtags: [LeipzigWedding]\n"
    remote, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": BLUESKY, "brand/brand.yaml": brand}
    )
    env = {
        "BLUESKY_HANDLE": bluesky_account.handle,
        "BLUESKY_APP_PASSWORD": bluesky_account.password,
        "BLUESKY_PDS": appview.url,
    }
    setup = Setup(remote, work, env)
    ann, bob = poster(pds), poster(pds)
    t0 = datetime.now(UTC) - timedelta(hours=1)
    tagged = ann.say("First dance #LeipzigWedding", t0)
    ann.say("nothing here", t0 + timedelta(minutes=1))
    poster(pds, bluesky_account).say("Our #LeipzigWedding offer", t0 + timedelta(minutes=2))
    report = run(setup)
    assert report.ok, report.channels
    assert [(c.channel, c.heard) for c in report.channels] == [("bluesky", 1)]
    record = read_listening(work, "bluesky", "bluesky")
    (match,) = record.latest["#LeipzigWedding"]
    assert match.id == tagged["uri"] and match.author == ann.account.handle
    assert match.text is None  # no keep_text
    asked = appview.calls("app.bsky.feed.searchPosts")
    assert asked[0]["q"] == ["#LeipzigWedding"] and asked[0]["sort"] == ["latest"]

    later = bob.say("Cake! #leipzigwedding", t0 + timedelta(minutes=30))
    appview.requests.clear()
    report = run(setup)
    assert [c.heard for c in report.channels] == [1]
    assert appview.calls("app.bsky.feed.searchPosts")[0]["since"] == [
        record.positions["#LeipzigWedding"]
    ]
    record = read_listening(work, "bluesky", "bluesky")
    assert [m.id for m in record.latest["#LeipzigWedding"]] == [later["uri"], tagged["uri"]]
    assert sum(record.counts.values()) == 2
    before = files(work)
    assert run(setup).ok and files(work) == before
