from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tidings.check.runner import check_workspace
from tidings.core.render import render, tag_url

POST = """---
title: Links
at: 2026-12-10 09:00
channels: [mastodon, bluesky, outbox]
campaign: winter
variants:
  outbox:
    body: Plain https://example.com/x?utm_source=news
---
Book now: https://lumengrain.example/book/winter-portraits-for-families-2026.
"""


def _ws(make_workspace: Callable[..., Path], utm: str = "enabled: true") -> object:
    root = make_workspace({"content/posts/2026/12/links.md": POST})
    brand = root / "brand/brand.yaml"
    links = f"links:\n  utm:\n    {utm}\n    medium: social\n"
    # links are tagged only on the brand's own domains: the website's, here (issue 16 item 5)
    brand.write_text(brand.read_text() + "website: https://lumengrain.example\n" + links)
    return check_workspace(root).workspace


def test_utm_tags_are_added_once(make_workspace: Callable[..., Path]) -> None:
    ws = _ws(make_workspace)
    post = ws.posts["2026/12/links"]  # type: ignore[attr-defined]
    mastodon = render(post, ws.channels["mastodon"], ws.brand)  # type: ignore[attr-defined]
    assert mastodon.parts[0].text == (
        "Book now: https://lumengrain.example/book/winter-portraits-for-families-2026"
        "?utm_source=mastodon&utm_medium=social&utm_campaign=winter."
    )
    outbox = render(post, ws.channels["outbox"], ws.brand)  # type: ignore[attr-defined]
    assert outbox.parts[0].text == "Plain https://example.com/x?utm_source=news"
    assert outbox.from_variant


def test_utm_off(make_workspace: Callable[..., Path]) -> None:
    ws = _ws(make_workspace, "enabled: false")
    post = ws.posts["2026/12/links"]  # type: ignore[attr-defined]
    assert "utm_" not in render(post, ws.channels["mastodon"], ws.brand).parts[0].text  # type: ignore[attr-defined]


def test_bluesky_shows_short_link_text_and_keeps_url_in_facet(
    make_workspace: Callable[..., Path],
) -> None:
    ws = _ws(make_workspace)
    post = ws.posts["2026/12/links"]  # type: ignore[attr-defined]
    part = render(post, ws.channels["bluesky"], ws.brand).parts[0]  # type: ignore[attr-defined]
    assert part.text == "Book now: lumengrain.example/book/winte…."
    (link,) = part.links
    assert part.text[link.start : link.end] == "lumengrain.example/book/winte…"
    assert link.url.endswith("utm_source=bluesky&utm_medium=social&utm_campaign=winter")
    start, end = part.byte_range(link)
    assert part.text.encode()[start:end].decode() == "lumengrain.example/book/winte…"


def test_tag_url_keeps_existing_query() -> None:
    assert (
        tag_url("https://a.example/p?x=1#top", "x", "social", None)
        == "https://a.example/p?x=1&utm_source=x&utm_medium=social#top"
    )
