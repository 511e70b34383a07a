"""The preview site for replies: a reply's page shows the item it answers (its URL, and the
quoted text when the inbox records hold it), escaped; the brand page lists the saved replies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from builders.posts import reply

from tidings.site import build_pages, collect

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
URL = "https://mock.local/@alice/1122334455"


def test_a_reply_page_shows_what_it_answers_and_the_brand_page_the_saved_replies(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace(
        {
            "content/replies/passport.md": reply(URL, "Yes, every weekday."),
            "content/replies/thanks.md": reply(URL, "", saved="thanks"),
            "brand/replies.yaml": "replies:\n  thanks:\n    body: Thank you <3, truly.\n    description: For praise\n",
            "inbox/mastodon/2026-12.yaml": f"items:\n  - url: {URL}\n    text: '<script>x</script> passport?'\n",
        }
    )
    pages = {p.src_uri: p.html for p in build_pages(collect(root, NOW)).pages}
    page = next(html for src, html in pages.items() if "passport" in src)
    assert f'<a href="{URL}" rel="noopener nofollow">{URL}</a>' in page
    assert "&lt;script&gt;x&lt;/script&gt; passport?" in page and "<script>x" not in page
    assert "as soon as it is merged" in page
    brand = pages["brand.md"]
    assert "Saved replies" in brand and "Thank you &lt;3, truly." in brand
    assert "For praise" in brand
