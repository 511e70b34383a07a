"""Link cards: what a post's link looks like as a card (title, description, image), from
the linked page's Open Graph and meta tags.

Bluesky builds no card itself: the client sends one (``app.bsky.embed.external``). The
publisher (``tidings.platforms.linkcard``) and ``tidings site build`` fetch the page; the
decisions are here, pure:

    card_link(rendered)                   the link a channel shows as a card, if any
    may_fetch(url, own_domains, opt_in)   whose pages are fetched at all
    page_url(url)                         the address fetched: the link without UTM tags
    parse_page(html, base)                HTML → PageCard (og:*, then <title> / meta description)
    thumbnail(data, max_bytes)            an image as a JPEG/PNG of at most max_bytes

A page is fetched only for links to the brand's own domains (``links.own_domains``, the
same list UTM tagging reads) or when the post says ``link_card: true``; ``link_card:
false`` never fetches. Whatever fails, the card falls back to the text card (the link
text as title, no description, no image): a card never blocks a post.
"""

from __future__ import annotations

import html as html_module
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from tidings.core.platforms import PLATFORMS
from tidings.core.render import Link, Rendered, is_own

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_TITLE",
    "PageCard",
    "ThumbError",
    "card_link",
    "may_fetch",
    "page_url",
    "parse_page",
    "thumbnail",
]

MAX_TITLE = 300
MAX_DESCRIPTION = 1000
"""Cards show short texts; longer ones are cut (with "…") so a page cannot bloat a record."""
_THUMB_SIDE = 2000  # a card shows a small picture: larger images are scaled to this first
_MAX_PIXELS = 50_000_000


@dataclass(frozen=True, slots=True)
class PageCard:
    """What a page says about itself: title and description (either may be ""), and the
    absolute address of its image (None when it names none)."""

    title: str
    description: str
    image: str | None = None


def card_link(rendered: Rendered) -> Link | None:
    """The link ``rendered`` goes out with as a card the client builds: the first link of
    the first part, on a platform whose row has ``link_card_thumb``, when the post has no
    images (a Bluesky post embeds images or a card, never both)."""
    row = PLATFORMS.get(rendered.platform)
    if row is None or row.link_card_thumb is None or rendered.media or not rendered.parts:
        return None
    links = rendered.parts[0].links
    return links[0] if links else None


def may_fetch(url: str, own_domains: tuple[str, ...], opt_in: bool | None) -> bool:
    """Whether the page of ``url`` may be fetched for a card: ``opt_in`` (the post's
    ``link_card``) True fetches any http(s) page, False none; unset, only the brand's own
    domains' pages are (so a post cannot point the publish job at anyone else's server
    unless a reviewer approved that in the post's own front matter)."""
    if urlsplit(url).scheme.lower() not in ("http", "https") or opt_in is False:
        return False
    return opt_in is True or is_own(url, own_domains)


def page_url(url: str) -> str:
    """The address fetched for ``url``'s card: without ``utm_*`` parameters (a fetch is not
    a visit from the platform) and without the fragment."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(kept), fragment=""))


class _Meta(HTMLParser):
    """Collects <title>, <meta property/name=… content=…> and stops at </head> or <body>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            found = {k.lower(): v for k, v in attrs if v is not None}
            key = (found.get("property") or found.get("name") or "").strip().lower()
            if key and "content" in found and key not in self.meta:
                self.meta[key] = found["content"]
        elif tag == "body":
            self.done = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.done:
            self.title.append(data)


def _clean(text: str, limit: int) -> str:
    text = " ".join(html_module.unescape(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_page(html: str, base: str) -> PageCard:
    """The card ``html`` (a page at ``base``) describes: ``og:title``, ``og:description``
    and ``og:image`` (``og:image:url``, ``og:image:secure_url``), falling back to
    ``twitter:*``, then ``<title>`` and ``<meta name="description">``. The image is made
    absolute against ``base``; one that is not http(s) is left out."""
    parser = _Meta()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    meta = parser.meta

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k, "").strip()), "")

    title = first("og:title", "twitter:title") or "".join(parser.title)
    description = first("og:description", "twitter:description", "description")
    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image")
    absolute = urljoin(base, image.strip()) if image else None
    if absolute and urlsplit(absolute).scheme.lower() not in ("http", "https"):
        absolute = None
    return PageCard(_clean(title, MAX_TITLE), _clean(description, MAX_DESCRIPTION), absolute)


class ThumbError(ValueError):
    """The image is not one Pillow reads, or cannot be made small enough."""


def thumbnail(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """``data`` (an image file's bytes) as the platform's card thumbnail: (bytes, MIME type).
    A JPEG or PNG that fits ``max_bytes`` goes as it is; anything else is scaled to at most
    2000 px a side and re-encoded as JPEG, smaller and at lower quality until it fits.
    Raises :class:`ThumbError`."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(BytesIO(data))
            im: Image.Image = opened
            if im.width * im.height > _MAX_PIXELS:
                raise ThumbError(f"the image has too many pixels ({im.width}×{im.height})")
            kind = opened.format
            if kind in ("JPEG", "PNG") and len(data) <= max_bytes:
                return data, f"image/{kind.lower()}"
            im.seek(0)
            im.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning) as exc:
        raise ThumbError(f"the image cannot be read ({exc})") from None
    if im.mode != "RGB":
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    im.thumbnail((_THUMB_SIDE, _THUMB_SIDE), Image.Resampling.LANCZOS)
    for _ in range(12):
        for quality in (85, 70, 55):
            buf = BytesIO()
            im.save(buf, "JPEG", quality=quality, optimize=True)
            if buf.tell() <= max_bytes:
                return buf.getvalue(), "image/jpeg"
        im = im.resize((max(1, int(im.width * 0.75)), max(1, int(im.height * 0.75))))
    raise ThumbError(f"the image cannot be made smaller than {max_bytes:,} bytes")
