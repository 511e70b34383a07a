"""The Atom feed (RFC 4287) of published posts, as XML text: pure, no files, no HTTP.

The ``feed`` channel's adapter (:mod:`tidings.platforms.feed`) writes it as posts go out,
and the site (:mod:`tidings.site.pages`) builds it again from the ledger's ``feed`` records
at every build, so the published site serves it at ``<site>/feed/atom.xml``. Both call
:func:`atom_xml`, so the two are the same document for the same entries.

The feed names its author (the brand) and its own address; each entry's ``<id>`` is
``urn:tidings:post:<ledger id>``, the same in every build and every run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ATOM", "EPOCH", "FEED_LIMIT", "FEED_PATH", "FeedEntry", "atom_xml", "entry_id"]

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50
"""The newest entries the feed holds."""
FEED_PATH = "feed/atom.xml"
"""Where the site serves the feed, from its root."""
EPOCH = "1970-01-01T00:00:00Z"
"""The feed's ``<updated>`` while it has no entries."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold at all (not even escaped): left out of the feed."""


@dataclass(frozen=True)
class FeedEntry:
    """One published post in the feed: its ledger id, when it went out (a UTC stamp, as
    ``2026-12-20T08:03:12Z``), the text of each part as sent, and its page's address."""

    post: str
    published: str
    parts: tuple[str, ...]
    link: str


def entry_id(post: str) -> str:
    """The entry's ``<id>``: stable for the post's whole life (its ledger id)."""
    return f"urn:tidings:post:{post}"


def atom_xml(
    title: str, site_url: str | None, entries: Sequence[FeedEntry], author: str | None = None
) -> str:
    """The feed's text: the newest :data:`FEED_LIMIT` entries, newest first (ties by post
    id), so it is the same whichever order posts went out in. ``author`` defaults to
    ``title``."""
    site = (site_url or "").rstrip("/")
    ordered = sorted(entries, key=lambda e: (e.published, e.post), reverse=True)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", title)
    _add(feed, "id", f"{site}/{FEED_PATH}" if site else "urn:tidings:feed")
    _add(feed, "updated", ordered[0].published if ordered else EPOCH)
    name = ET.SubElement(feed, f"{{{ATOM}}}author")
    _add(name, "name", author or title)
    if site:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site + "/")
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{site}/{FEED_PATH}")
    for item in ordered[:FEED_LIMIT]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        first = item.parts[0].split("\n", 1)[0] if item.parts else ""
        _add(entry, "title", first[:120] or item.post)
        _add(entry, "id", entry_id(item.post))
        _add(entry, "updated", item.published)
        _add(entry, "published", item.published)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=item.link)
        content = ET.SubElement(entry, f"{{{ATOM}}}content", type="text")
        content.text = _xml_text("\n\n".join(item.parts))
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _add(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = _xml_text(text)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)
