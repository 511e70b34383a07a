"""The preview's Bluesky link card: `tidings site build` fetches the page (into
build/cache/link-cards) and the post page shows its title, description, domain and
thumbnail; offline it shows the cached card or the text card, and never fails; a published
post shows the card its ledger record says went out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders.posts import post
from click.testing import CliRunner
from fakes.pages import OG_DESCRIPTION, OG_TITLE, PageServer
from markupsafe import escape

from tidings.cli.main import cli
from tidings.platforms.linkcard import ALLOW_PRIVATE_ENV

HELLO = "content/posts/2026/12/hello.md"
PAGE = "posts/2026/12/hello/index.html"


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def build(root: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--root", str(root), "site", "build", "--out", str(out), *extra],
        env={ALLOW_PRIVATE_ENV: "1"},
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def card_html(out: Path) -> str:
    page = (out / PAGE).read_text(encoding="utf-8")
    start = page.index('data-channel="bluesky"')
    card = page[start : page.index("</article>", start)]
    assert "data-link-card" in card
    return card


def test_the_card_shows_the_fetched_title_description_domain_and_thumb(
    make_workspace: Callable[..., Path], site: PageServer, tmp_path: Path
) -> None:
    text = post("bluesky", parts=(f"Vouchers: {site.url}/og",), media=(), link_card="true")
    root = make_workspace({HELLO: text})
    output = build(root, tmp_path / "out")
    assert "link cards: 1 fetched" in output
    card = card_html(tmp_path / "out")
    assert str(escape(OG_TITLE)) in card and OG_DESCRIPTION in card
    assert "127.0.0.1" in card  # the domain
    thumbs = list((tmp_path / "out/link-cards").iterdir())
    assert len(thumbs) == 1 and thumbs[0].name in card
    assert (root / "build/cache/link-cards/index.json").is_file()

    # offline, with the page gone: the cached card still shows, nothing is fetched
    site.seen.clear()
    del site.routes["/og"]
    build(root, tmp_path / "again", "--offline")
    assert str(escape(OG_TITLE)) in card_html(tmp_path / "again") and site.seen == []

    # the cache is fresh: a normal build does not fetch it again
    build(root, tmp_path / "third")
    assert site.seen == []


def test_a_page_that_cannot_be_fetched_shows_the_text_card(
    make_workspace: Callable[..., Path], site: PageServer, tmp_path: Path
) -> None:
    text = post("bluesky", parts=(f"Hours: {site.url}/missing",), media=(), link_card="true")
    root = make_workspace({HELLO: text})
    output = build(root, tmp_path / "out")
    assert "1 shown as text cards" in output and "404 Not Found" in output
    card = card_html(tmp_path / "out")
    assert "Text card: the page could not be fetched" in card
    assert not (tmp_path / "out/link-cards").exists()


def test_offline_without_a_cache_builds_with_text_cards(
    make_workspace: Callable[..., Path], site: PageServer, tmp_path: Path
) -> None:
    text = post("bluesky", parts=(f"Vouchers: {site.url}/og",), media=(), link_card="true")
    root = make_workspace({HELLO: text})
    build(root, tmp_path / "out", "--offline")
    assert site.seen == []
    assert "Text card: the page could not be fetched" in card_html(tmp_path / "out")


def test_a_third_party_link_is_not_fetched_and_says_how_to_opt_in(
    make_workspace: Callable[..., Path], site: PageServer, tmp_path: Path
) -> None:
    root = make_workspace({HELLO: post("bluesky", parts=(f"Review: {site.url}/og",), media=())})
    build(root, tmp_path / "out")
    assert site.seen == []
    assert "`link_card: true` fetches its page" in card_html(tmp_path / "out")


def test_a_published_post_shows_the_card_that_went_out(
    make_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    url = "https://news.example.org/a"
    root = make_workspace(
        {
            HELLO: post("bluesky", parts=(f"Read {url}",), media=(), link_card="true"),
            "ledger/2026/12/hello.yaml": (
                "post: 2026/12/hello\nchannels:\n  bluesky:\n    state: published\n"
                "    attempts: 1\n    published_at: '2026-12-10T08:00:00Z'\n"
                "    parts: [{id: 'at://did:plc:x/app.bsky.feed.post/3k', url: null}]\n"
                f"    link_card: {{url: '{url}', title: 'As sent', description: 'Sent text',"
                f" page: '{url}', thumb: false}}\n"
            ),
        }
    )
    build(root, tmp_path / "out", "--offline")
    card = card_html(tmp_path / "out")
    assert "As sent" in card and "Sent text" in card and "Link card as sent" in card
