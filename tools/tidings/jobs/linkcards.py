"""Fill the preview's link-card cache (``build/cache/link-cards/``) before the site is built.

The site may not reach the network (it imports no platform code), so ``tidings site build``
runs this first: for every channel whose client builds link cards (Bluesky), the card of the
post's first link is fetched with the publisher's own fetch and guards
(:func:`tidings.platforms.linkcard.fetch_card`), only where the publisher would fetch it
(:func:`tidings.core.linkcard.may_fetch`), and fetched again when the cached card is older
than a day (``now`` is the real clock, never the site's ``--now``). Posts whose ledger already
records the card that went out are skipped: the site shows that one. A page that cannot be
fetched (offline, 404, …) is simply not cached: the site shows the text card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from tidings.core.linkcard import card_link, may_fetch, page_url
from tidings.core.platforms import PLATFORMS
from tidings.core.render import render
from tidings.platforms.linkcard import ALLOW_PRIVATE_ENV, fetch_card
from tidings.workspace.linkcards import load_cache, store
from tidings.workspace.loader import load_workspace
from tidings.workspace.model import Workspace

__all__ = ["CardFill", "fill_link_cards"]


@dataclass
class CardFill:
    """What one fill did: pages fetched, found fresh in the cache, and those that failed."""

    fetched: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def fill_link_cards(
    root: Path, now: datetime, env: Mapping[str, str], ws: Workspace | None = None
) -> CardFill:
    """Fetch the link cards the preview of ``root`` shows and are not cached yet. ``ws``:
    the workspace as the site build has already loaded it (else it is loaded here)."""
    if ws is None:
        ws, _ = load_workspace(root)
    fresh = load_cache(root, now)
    own = ws.brand.own_domains if ws.brand else ()
    result = CardFill()
    for post in ws.posts.values():
        entry = ws.ledger.get(post.id)
        for cid in post.channels:
            channel = ws.channels.get(cid)
            if channel is None:
                continue
            record = entry.channels.get(cid) if entry else None
            if record is not None and record.link_card is not None:
                continue
            link = card_link(render(post, channel, ws.brand))
            if link is None or not may_fetch(link.url, own, post.link_card):
                continue
            url = page_url(link.url)
            if url in fresh:
                if url not in result.cached:
                    result.cached.append(url)
                continue
            if url in result.failed or url in result.fetched:
                continue
            got = fetch_card(
                url,
                PLATFORMS[channel.platform].link_card_thumb,
                allow_private=env.get(ALLOW_PRIVATE_ENV) == "1",
                follow=partial(may_fetch, own_domains=own, opt_in=post.link_card),
            )
            if got.card is None or got.problem is not None or got.page is None:
                result.failed[url] = got.problem or "no card"
                continue
            store(root, url, got.card.title, got.card.description, got.page, now, got.thumb)
            result.fetched.append(url)
    return result
