"""The site's Atom feed (``feed/atom.xml``), built from the ledger at every site build.

The ``feed`` channel's adapter writes its copy under ``build/``, which is not committed, so
the publish job's copy never reaches the site. The site builds the same document
(:func:`tidings.core.atom.atom_xml`) from what the repository holds: each post the ledger
records as ``published`` on the first ``feed`` channel of ``brand/channels.yaml``, when the
ledger says, with the text rendered for that channel (each send of an evergreen post is an
entry of its own, with the body it carried).
"""

from __future__ import annotations

from collections.abc import Mapping

from tidings.core.atom import FeedEntry, atom_xml
from tidings.core.evergreen import Send, recorded
from tidings.site.data import SiteData
from tidings.site.post_page import POST_PAGES
from tidings.workspace.layout import split_ledger_id
from tidings.workspace.ledger import LedgerEntry, LedgerState
from tidings.workspace.model import Post
from tidings.workspace.timeparse import utc_stamp

__all__ = ["feed_xml"]


def _sent(
    data: SiteData, post: Post, sends: Mapping[str, list[Send]]
) -> list[tuple[LedgerEntry, Post]]:
    """The post's ledger entries with the post as each sent it: its own entry, and for an
    evergreen post each send's (with the body that send carried). ``sends``: every recorded
    send by post id, in the ledger's order (read once, not once per post)."""
    out = []
    ledger = data.ledger_for(post)
    if ledger is not None and split_ledger_id(ledger.post_id)[1] is None:
        out.append((ledger, post))
    for send in sends.get(post.id, ()):
        entry = data.ws.ledger.get(send.ledger_id)
        if entry is not None:
            out.append((entry, post.rotated(send.rotation)))
    return out


def feed_xml(data: SiteData) -> str | None:
    """The feed's text, or None when no channel is a ``feed``."""
    channel = next((c for c in data.channels.values() if c.platform == "feed"), None)
    if channel is None:
        return None
    site = (data.site_url or "").rstrip("/")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    sends: dict[str, list[Send]] = {}
    for send in recorded(data.ws):  # what sends_of gives each post, in the same order
        sends.setdefault(send.post_id, []).append(send)
    for post in data.posts_by_time:
        for ledger, shown in _sent(data, post, sends):
            record = ledger.channels.get(channel.id)
            if record is None or ledger.post_id in seen:
                continue
            if record.state is not LedgerState.PUBLISHED or record.published_at is None:
                continue
            seen.add(ledger.post_id)
            parts = tuple(part.text for part in data.rendered(shown, channel).parts)
            page = f"{POST_PAGES}/{post.id}/"
            link = f"{site}/{page}" if site else f"../{page}"
            stamp = utc_stamp(record.published_at)
            entries.append(FeedEntry(ledger.post_id, stamp, parts, link))
    return atom_xml(data.brand_name, data.site_url, entries)
