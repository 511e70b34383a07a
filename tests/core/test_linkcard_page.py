"""Link-card decisions, pure: which pages may be fetched, the address fetched, and what a
page's HTML says (Open Graph first, then <title> and meta description)."""

from __future__ import annotations

import pytest

from tidings.core.linkcard import may_fetch, page_url, parse_page

OWN = ("lumengrain.example",)


@pytest.mark.parametrize(
    ("url", "opt_in", "fetched"),
    [
        ("https://lumengrain.example/vouchers", None, True),
        ("https://shop.lumengrain.example/a", None, True),
        ("https://news.example.org/story", None, False),  # a third party's page: not unasked
        ("https://lumengrain.example.evil.example/", None, False),
        ("https://news.example.org/story", True, True),  # the post opts in
        ("https://lumengrain.example/vouchers", False, False),  # the post opts out
        ("ftp://lumengrain.example/file", True, False),
        ("file:///etc/passwd", True, False),
    ],
)
def test_only_own_domains_or_an_opt_in_are_fetched(
    url: str, opt_in: bool | None, fetched: bool
) -> None:
    assert may_fetch(url, OWN, opt_in) is fetched


def test_the_page_is_fetched_without_utm_tags_or_fragment() -> None:
    url = "https://lumengrain.example/p?id=3&utm_source=bluesky&utm_medium=social#top"
    assert page_url(url) == "https://lumengrain.example/p?id=3"


def test_open_graph_wins_over_title_and_the_image_is_made_absolute() -> None:
    card = parse_page(
        "<html><head><title>Plain</title>"
        '<meta property="og:title" content="Rich &amp; warm">'
        '<meta name="description" content="meta">'
        '<meta property="og:description" content="  og\n text ">'
        '<meta property="og:image" content="/img/a.jpg"></head></html>',
        "https://lumengrain.example/p/q",
    )
    assert card.title == "Rich & warm"
    assert card.description == "og text"
    assert card.image == "https://lumengrain.example/img/a.jpg"


def test_without_open_graph_the_title_and_meta_description_are_used() -> None:
    card = parse_page(
        '<head><TITLE>Hours</TITLE><meta name="Description" content="Tue–Sat"></head>'
        '<body><meta property="og:title" content="not in the head"></body>',
        "https://x.example/",
    )
    assert (card.title, card.description, card.image) == ("Hours", "Tue–Sat", None)


def test_an_image_that_is_not_http_is_left_out_and_long_texts_are_cut() -> None:
    card = parse_page(
        f'<meta property="og:image" content="javascript:alert(1)"><title>{"t" * 500}</title>',
        "https://x.example/",
    )
    assert card.image is None
    assert len(card.title) == 300 and card.title.endswith("…")
