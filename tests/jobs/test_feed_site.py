"""The Atom feed reaches the published site (issue 16 item 10): the publish job's copy lives
in its ignored ``build/``, so the site builds the feed from the ledger's ``feed`` records,
in the pages job's own fresh checkout, and a real feed parser reads it as valid Atom."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
from builders.posts import HELLO, channels, post
from builders.remotes import clone
from builders.workspaces import published
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.jobs.publish import Options, publish

OPENING = "content/posts/2026/12/opening.md"
HOSTILE = "content/posts/2026/12/hostile.md"
DAY1 = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
DAY2 = datetime(2026, 12, 11, 8, 5, tzinfo=UTC)


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """(remote, publish job's clone): two posts on the feed, published on two days."""
    brand_channels = channels(feed={"platform": "feed"})
    hello = post("feed", title="Hello", parts=("Hello from the studio.",), media=())
    opening = post(
        "feed",
        title="Opening",
        at="2026-12-11 09:00",
        parts=("We open the new studio today.", "Doors at 10 <b>&</b> coffee ]]> on us."),
        media=(),
    )
    remote, work = published(
        tmp_path / "repo",
        {"brand/channels.yaml": brand_channels, HELLO: hello, OPENING: opening},
    )
    for now in (DAY1, DAY2):
        report = publish(work, Options(now=now, push=True, env={}, sleep=[].append))
        assert report.ok, report.outcomes
    return remote, work


def site_build(root: Path, out: Path, *extra: str) -> feedparser.FeedParserDict:
    args = ["--root", str(root), "site", "build", "--out", str(out), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    feed = out / "feed/atom.xml"
    assert feed.is_file(), "the site has no feed/atom.xml"
    return feedparser.parse(feed.read_bytes())


def test_the_pages_job_publishes_a_valid_feed_built_from_the_ledger(tmp_path: Path) -> None:
    remote, work = workspace(tmp_path)
    assert (work / "build/feed/atom.xml").is_file()  # the publish job's copy: never pushed

    pages = clone(remote, tmp_path / "pages")  # the pages job: a fresh checkout of main
    assert not (pages / "build").exists()
    parsed = site_build(pages, tmp_path / "site")
    assert parsed.bozo == 0, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.author
    assert parsed.feed.id and parsed.feed.updated == "2026-12-11T08:05:00Z"
    assert [e.id for e in parsed.entries] == [
        "urn:tidings:post:2026/12/opening",
        "urn:tidings:post:2026/12/hello",
    ]
    opening, hello = parsed.entries
    assert opening.title == "We open the new studio today."
    assert opening.published == opening.updated == "2026-12-11T08:05:00Z"
    assert "Doors at 10 <b>&</b> coffee ]]> on us." in opening.content[0].value
    assert hello.content[0].value == "Hello from the studio."
    assert opening.link.endswith("posts/2026/12/opening/")

    # a second build, elsewhere and later, gives the same document: ids stay stable
    again = tmp_path / "again"
    site_build(pages, again, "--now", "2027-01-05 10:00")
    assert (again / "feed/atom.xml").read_bytes() == (tmp_path / "site/feed/atom.xml").read_bytes()

    # the adapter's local copy is the same Atom: valid, with the same entry ids
    local = feedparser.parse((work / "build/feed/atom.xml").read_bytes())
    assert local.bozo == 0, local.bozo_exception
    assert local.feed.author and [e.id for e in local.entries] == [e.id for e in parsed.entries]


def test_only_published_feed_records_are_in_the_feed(tmp_path: Path) -> None:
    """A post not yet due, and one only scheduled for the feed, are not in it; an empty feed
    is still valid Atom."""
    brand_channels = channels(feed={"platform": "feed"})
    later = post("feed", title="Later", at="2027-03-01 09:00", parts=("Not yet.",), media=())
    remote, _work = published(
        tmp_path / "repo", {"brand/channels.yaml": brand_channels, HELLO: later}
    )
    parsed = site_build(clone(remote, tmp_path / "pages"), tmp_path / "site")
    assert parsed.bozo == 0, parsed.bozo_exception
    assert parsed.entries == [] and parsed.feed.author


def test_control_characters_in_a_post_never_break_the_feed(tmp_path: Path) -> None:
    brand_channels = channels(feed={"platform": "feed"})
    hostile = post("feed", title="Odd", parts=("Bell\x07 and form\x0cfeed text.",), media=())
    remote, work = published(
        tmp_path / "repo", {"brand/channels.yaml": brand_channels, HOSTILE: hostile}
    )
    publish(work, Options(now=DAY1, push=True, env={}, sleep=[].append))
    parsed = site_build(clone(remote, tmp_path / "pages"), tmp_path / "site")
    assert parsed.bozo == 0, parsed.bozo_exception
    local = feedparser.parse((work / "build/feed/atom.xml").read_bytes())
    assert local.bozo == 0, local.bozo_exception
