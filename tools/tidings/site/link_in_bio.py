"""The link-in-bio page (``links/index.html``): the page a brand's Instagram bio points at,
because links in Instagram captions are not clickable.

It shows the brand's avatar (``brand/profiles/avatar.*``) and name, the buttons of brand.yaml's
``bio_links``, then a grid of the latest posts the ledger records as ``published`` on an
Instagram channel, newest first. Each picture is the exact image Instagram got, with the
post's alt text, and opens the page the post names in ``link:`` (else the post on Instagram).
Addresses on the brand's own domains carry ``utm_source=instagram&utm_medium=bio`` (and the
post's campaign) when brand.yaml's ``links.utm`` is enabled; the Instagram channel's own
``utm: false`` is about caption text, which nobody can click, so it does not apply here.

The page is a standalone HTML document, not a MkDocs page: the people who open it come from
Instagram on a phone and want the brand's links, not the team's calendar, ledger and
dashboards in the preview site's navigation; and without the theme it is one small request
plus the images, with no JavaScript and no web fonts, and every link works as plain HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from tidings.core.render import tag_own
from tidings.errors import MediaError
from tidings.site.data import SiteData
from tidings.site.links import CONTENT_REL, relative, safe_href
from tidings.site.post_page import brand_avatar
from tidings.site.templates import render_template
from tidings.workspace.ledger import LedgerState

__all__ = ["BIO_MEDIUM", "BIO_PATH", "BIO_PLATFORM", "LATEST", "Tile", "bio_page", "bio_tiles"]

BIO_PATH = "links/index.html"
"""Where the site serves the page: ``<site>/links/``."""
BIO_PLATFORM = "instagram"
"""Whose posts the grid shows, and the links' ``utm_source``."""
BIO_MEDIUM = "bio"
"""The links' ``utm_medium``."""
LATEST = 24
"""The most posts the grid shows."""
EAGER = 6
"""The first pictures (the first screen of a phone) load at once; the rest lazily."""


@dataclass(frozen=True)
class Tile:
    """One picture of the grid."""

    post_id: str
    published_at: datetime
    src: str  # site path of the image Instagram got
    alt: str
    width: int
    height: int
    href: str | None  # the post's `link:` (tagged), else the post on Instagram, else None
    target: str  # where the link leads, as people read it (``lumengrain.example/weddings``)


@dataclass(frozen=True)
class BioButton:
    label: str
    href: str


def _readable(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host + (parts.path.rstrip("/") if parts.path not in ("", "/") else "")


def bio_tiles(data: SiteData, assets: dict[str, Path]) -> list[Tile]:
    """The grid: the latest :data:`LATEST` posts published on an Instagram channel (the
    ledger's ``published`` records), newest first; posts taken down (``retract: true``) or
    past their ``expires`` are left out. Copies each image into ``assets``."""
    brand = data.ws.brand
    channels = [c for c in data.channels.values() if c.platform == BIO_PLATFORM]
    tiles: list[Tile] = []
    for post in data.ws.posts.values():
        if post.retract or (post.expires is not None and post.expires <= data.now):
            continue
        entry = data.ledger_for(post)
        if entry is None:
            continue
        published = [
            (record.published_at, channel, record)
            for channel in channels
            if (record := entry.channels.get(channel.id)) is not None
            and record.state is LedgerState.PUBLISHED
            and record.published_at is not None
        ]
        if not published:
            continue
        at, channel, record = max(published, key=lambda p: (p[0], p[1].id))
        assert at is not None  # for mypy: filtered above
        media = data.rendered(post, channel).media
        upload = data.upload(media[0], BIO_PLATFORM) if media else None
        if upload is None or isinstance(upload, MediaError):
            continue  # nothing to show (the check reports a broken image)
        src = data.site_path(upload)
        assets[src] = upload.path
        own = safe_href(post.link)
        if own is not None:
            href: str | None = tag_own(own, brand, BIO_PLATFORM, BIO_MEDIUM, post.campaign)
        else:
            href = next((safe_href(p.url) for p in record.parts if safe_href(p.url)), None)
        tiles.append(
            Tile(
                post.id,
                at,
                src,
                media[0].alt,
                upload.width,
                upload.height,
                href,
                _readable(href) if href else "",
            )
        )
    tiles.sort(key=lambda t: (t.published_at, t.post_id), reverse=True)
    return tiles[:LATEST]


def _buttons(data: SiteData) -> list[BioButton]:
    brand = data.ws.brand
    out = []
    for item in brand.bio_links if brand else ():
        href = safe_href(item.url)
        if href is not None:
            out.append(BioButton(item.label, tag_own(href, brand, BIO_PLATFORM, BIO_MEDIUM)))
    return out


def bio_page(data: SiteData, assets: dict[str, Path]) -> str | None:
    """The page's HTML, or None when the brand has neither ``bio_links`` nor an Instagram
    channel (it would have nothing to show)."""
    buttons = _buttons(data)
    if not buttons and not any(c.platform == BIO_PLATFORM for c in data.channels.values()):
        return None
    here = BIO_PATH.removesuffix("index.html")
    avatar = brand_avatar(data, assets)
    brand = data.ws.brand
    return render_template(
        "link_in_bio.html",
        brand=data.brand_name,
        language=brand.language if brand else "en",
        website=safe_href(brand.website) if brand else None,
        readable=_readable,
        avatar=relative(here, avatar) if avatar else None,
        buttons=buttons,
        tiles=[(tile, relative(here, tile.src)) for tile in bio_tiles(data, assets)],
        eager=EAGER,
        rel=CONTENT_REL,
        updated=f"{data.local(data.now):%d %B %Y}",
    )
