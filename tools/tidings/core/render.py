"""`render(post, channel)`: exactly what a platform will receive.

The checker, the preview site and the publisher all call this one function, so the preview
shows what is sent. Rendering picks the channel's variant (or the default body), finds links
the way the platform does (its row's ``link_detection``: ``https://`` addresses only, or bare
domains too, by twitter-text's extractor), tags the links to the brand's own domains with UTM
parameters from brand.yaml (never anyone else's), and applies each platform's text conventions (Bluesky's
shortened link text with the full URL kept in a facet, LinkedIn's required escaping).
Where the platform receives escaped text, each part also carries what readers see
(``RenderedPart.shown``, ``RenderedPart.seen()``): the preview shows that, the API gets ``text``.
Rendering reads no files: the media list names each image and its alt text, and
``tidings.core.media.prepare`` makes the bytes a platform gets (the original, or a rendition).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tidings.core.platforms import PLATFORMS, Escape, LinkDetection, LinkStyle
from tidings.workspace.model import Brand, Channel, MediaRef, Post, Utm

URL = re.compile(r"https?://[^\s<>\"'`]+")
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_MAYBE_DOMAIN = re.compile(r"[\w-]\.[^\W\d_]{2,}")
"""A cheap test before twitter-text's extractor (~0.15 s to import): a name, a dot, a TLD."""
_TRAILING = ".,;:!?)]}'\""
LINKEDIN_ESCAPE = re.compile(r"([\\|{}@\[\]()<>#*_~])")
SHORT_LINK_TEXT = 30  # LinkStyle.SHORTENED: longer link texts end in "…" (the facet keeps the URL)


@dataclass(frozen=True, slots=True)
class Link:
    """A link in rendered text: ``text[start:end]`` (code points) shows ``url``."""

    start: int
    end: int
    url: str


@dataclass(frozen=True, slots=True)
class RenderedPart:
    text: str
    line: int  # where the part starts in the source file
    links: tuple[Link, ...] = ()
    shown: str | None = None
    """What readers see when the platform receives ``text`` escaped (LinkedIn's backslashes);
    None when they see ``text`` itself."""
    shown_links: tuple[Link, ...] = ()
    """The links in ``shown`` (offsets into it)."""

    def seen(self) -> RenderedPart:
        """This part as readers see it: ``shown`` with its links, or the part itself."""
        if self.shown is None:
            return self
        return RenderedPart(self.shown, self.line, self.shown_links)

    def byte_range(self, link: Link) -> tuple[int, int]:
        """UTF-8 byte offsets of a link (Bluesky facets)."""
        start = len(self.text[: link.start].encode("utf-8"))
        return start, start + len(self.text[link.start : link.end].encode("utf-8"))


@dataclass(frozen=True, slots=True)
class RenderedMedia:
    """One image of a rendered post. ``file`` is the repository-relative source path;
    ``tidings.core.media.prepare`` turns it into the exact bytes a platform gets."""

    file: str
    alt: str  # "" when the post gives none
    ref: MediaRef


@dataclass(frozen=True, slots=True)
class Rendered:
    post_id: str
    channel: str
    platform: str
    parts: tuple[RenderedPart, ...]
    media: tuple[RenderedMedia, ...]
    from_variant: bool


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of every http(s) URL, trailing punctuation left out."""
    found = []
    for m in URL.finditer(text):
        url = _trim(m.group(0))
        found.append((m.start(), m.start() + len(url), url))
    return found


def _trim(url: str) -> str:
    """``url`` without the sentence's punctuation after it (a closing bracket it opened stays)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _bare(text: str, own_domains: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Domains written without a scheme: twitter-text's extractor (which knows the real
    top-level domains), and the brand's own domains whatever their TLD (``.example``)."""
    found: list[tuple[int, int, str]] = []
    if _MAYBE_DOMAIN.search(URL.sub(" ", text)):  # else no twitter-text import (~0.15 s)
        from twitter_text.extract_urls import extract_urls_with_indices

        for entity in extract_urls_with_indices(text):
            start, end = int(entity["indices"][0]), int(entity["indices"][1])
            found.append((start, end, str(entity["url"])))
    for domain in own_domains:
        name = rf"(?:[\w-]+\.)*{re.escape(domain)}(?![\w-]|\.[\w-])"
        pattern = rf"(?<![\w.@/:-]){name}(?:/[^\s<>\"'`]*)?"
        for m in re.finditer(pattern, text, re.IGNORECASE):
            url = _trim(m.group(0))
            found.append((m.start(), m.start() + len(url), url))
    return found


def find_links(
    text: str, detection: LinkDetection, own_domains: tuple[str, ...] = ()
) -> list[tuple[int, int, str]]:
    """(start, end, full URL) of every link ``text`` holds on a platform that detects links
    as ``detection`` says: ``https://`` addresses (:func:`find_urls`), and with
    ``BARE_DOMAINS`` also domains written without a scheme (``lumengrain.studio/prices``, or
    one of ``own_domains``), whose full URL gets ``https://``."""
    return list(_links(text, detection, own_domains))


@lru_cache(maxsize=256)
def _links(
    text: str, detection: LinkDetection, own_domains: tuple[str, ...]
) -> tuple[tuple[int, int, str], ...]:
    """:func:`find_links`, kept for the texts seen last: a post's text is rendered for each of
    its channels in a row, and most of them detect links the same way."""
    found = find_urls(text)
    if detection is not LinkDetection.BARE_DOMAINS:
        return tuple(found)
    for start, end, url in sorted(_bare(text, own_domains)):
        if _SCHEME.match(url) or any(s < end and start < e for s, e, _ in found):
            continue  # addresses with a scheme are find_urls' (any host, e.g. `.example`)
        found.append((start, end, "https://" + url))
    return tuple(sorted(found))


def is_own(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one (``www.`` aside):
    ``shop.lumengrain.studio`` is ``lumengrain.studio``'s, ``lumengrain.studio.evil.example``
    and ``notlumengrain.studio`` are not."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)


@lru_cache(maxsize=4096)
def tag_url(url: str, source: str, medium: str, campaign: str | None) -> str:
    """Add utm_source/medium/campaign unless the link already carries UTM parameters (kept
    for the links seen last: a campaign's links repeat in its posts, on every channel)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key.startswith("utm_") for key, _ in query):
        return url
    query += [("utm_source", source), ("utm_medium", medium)]
    if campaign:
        query.append(("utm_campaign", campaign))
    return urlunsplit(parts._replace(query=urlencode(query)))


def tag_own(
    url: str, brand: Brand | None, source: str, medium: str, campaign: str | None = None
) -> str:
    """``url`` with UTM parameters (:func:`tag_url`) when the brand tags links
    (``links.utm.enabled``) and ``url`` is on one of its own domains; else as written. For
    links outside a post's text, such as the link-in-bio page's."""
    if brand is None or not brand.utm.enabled or not is_own(url, brand.own_domains):
        return url
    return tag_url(url, source, medium, campaign)


def _short(url: str) -> str:
    text = re.sub(r"^https?://(www\.)?", "", url)
    return text if len(text) <= SHORT_LINK_TEXT else text[: SHORT_LINK_TEXT - 1] + "…"


def render_text(
    text: str,
    platform: str,
    tag: bool,
    medium: str,
    campaign: str | None,
    own_domains: tuple[str, ...] = (),
) -> tuple[str, tuple[Link, ...]]:
    """The text ``platform`` receives and its links; with ``tag``, links to ``own_domains``
    get UTM parameters."""
    shown, links = shown_text(text, platform, tag, medium, campaign, own_domains)
    return sent_text(shown, links, platform)


def shown_text(
    text: str,
    platform: str,
    tag: bool,
    medium: str,
    campaign: str | None,
    own_domains: tuple[str, ...] = (),
) -> tuple[str, tuple[Link, ...]]:
    """The text readers of ``platform`` see and its links: links found, tagged and shortened
    as ``render_text`` does, before any escaping the platform's API needs."""
    row = PLATFORMS.get(platform)
    shorten = row is not None and row.links is LinkStyle.SHORTENED
    detection = row.link_detection if row is not None else LinkDetection.SCHEME
    out: list[str] = []
    links: list[Link] = []
    pos = 0
    length = 0
    for start, end, url in _links(text, detection, own_domains):
        before = text[pos:start]
        out.append(before)
        length += len(before)
        written = text[start:end]  # as typed: a bare domain stays bare in the text
        if tag and is_own(url, own_domains):
            url = tag_url(url, platform, medium, campaign)
            written = tag_url(written, platform, medium, campaign)
        full = url
        shown = _short(full) if shorten else written
        links.append(Link(length, length + len(shown), full))
        out.append(shown)
        length += len(shown)
        pos = end
    out.append(text[pos:])
    return "".join(out), tuple(links)


def sent_text(shown: str, links: tuple[Link, ...], platform: str) -> tuple[str, tuple[Link, ...]]:
    """What the API of ``platform`` receives for the ``shown`` text: LinkedIn's escaping
    applied (its links dropped: LinkedIn detects links itself), otherwise ``shown`` as is."""
    row = PLATFORMS.get(platform)
    if row is not None and row.escape is Escape.LINKEDIN_LITTLE:
        # the "little" text format drops everything after an unescaped reserved character
        return LINKEDIN_ESCAPE.sub(r"\\\1", shown), ()
    return shown, links


def render(post: Post, channel: Channel, brand: Brand | None = None) -> Rendered:
    """What ``channel`` receives for ``post``."""
    utm = brand.utm if brand else Utm()
    tag = utm.enabled and channel.utm
    medium = utm.medium
    own = brand.own_domains if brand else ()
    parts = []
    for part in post.parts_for(channel.id):
        seen, seen_links = shown_text(part.text, channel.platform, tag, medium, post.campaign, own)
        text, links = sent_text(seen, seen_links, channel.platform)
        if text == seen:
            parts.append(RenderedPart(text, part.line, links))
        else:
            parts.append(RenderedPart(text, part.line, links, seen, seen_links))
    variant = post.variants.get(channel.id)
    return Rendered(
        post_id=post.id,
        channel=channel.id,
        platform=channel.platform,
        parts=tuple(parts),
        media=tuple(RenderedMedia(m.file, m.alt or "", m) for m in post.media_for(channel.id)),
        from_variant=variant is not None and variant.parts is not None,
    )
