"""One page per post: a card per channel drawn after the platform's own post (its row's
``card`` layout and ``accent`` colour; the brand's avatar from ``brand/profiles/``) with exactly
what ``render`` gives that channel as its readers will see it (LinkedIn's API escaping left
out), a meter per text
limit counting what the platform receives, the images with their alt text, where the platform
folds long text behind "see more", the post's check results and its ledger state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tidings.check.rules.profiles import AVATAR_NAMES
from tidings.core.linkcard import card_link, may_fetch, page_url
from tidings.core.newreply import quoted_text
from tidings.core.plan import Job
from tidings.core.platforms import PLATFORMS, Card
from tidings.core.render import Rendered, RenderedPart
from tidings.core.textlength import text_limits
from tidings.errors import MediaError
from tidings.site.colors import css_color, text_on
from tidings.site.data import SiteData
from tidings.site.folds import fold_at
from tidings.site.views import (
    Chip,
    ContentLink,
    DiagnosticView,
    chip,
    diagnostic_view,
    state_class,
    state_label,
)
from tidings.workspace import layout
from tidings.workspace.ledger import ChannelRecord
from tidings.workspace.model import Post

POST_PAGES = "posts"
AVATAR_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")  # what every browser shows
AVATAR_DIR = "profile"  # where the site serves the brand's avatar


def post_src(post_id: str) -> str:
    return f"{POST_PAGES}/{post_id}.md"


@dataclass(frozen=True)
class Segment:
    text: str
    href: str | None = None
    after_fold: bool = False


@dataclass(frozen=True)
class Meter:
    name: str
    used: int
    maximum: int

    @property
    def over(self) -> bool:
        return self.used > self.maximum

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.maximum)) if self.maximum else 100


@dataclass(frozen=True)
class PartView:
    number: int
    text: str
    segments: tuple[Segment, ...]
    meters: tuple[Meter, ...]
    fold_label: str | None
    line: int


@dataclass(frozen=True)
class MediaView:
    src: str | None  # site path of the exact file the platform gets
    alt: str
    note: str
    problem: str | None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class LinkCardView:
    """The link card under a post (Bluesky): as sent (the ledger's record) once published,
    else as fetched at build time, else the text card; ``note`` says which."""

    href: str | None
    domain: str
    title: str
    description: str
    thumb: str | None  # site path of the thumbnail
    note: str


@dataclass(frozen=True)
class CardView:
    chip: Chip
    account: str
    label: str  # the platform as people know it
    layout: str  # its row's Card layout (the template and CSS draw each)
    accent: str  # its row's colour and the text colour that reads on it
    on_accent: str
    name: str  # the display name: the brand's
    comment_threads: bool  # a thread's later parts are comments on the first
    avatar: str | None  # site path of the brand's avatar, None: its initial on the channel colour
    when: str
    state: str
    state_class: str
    note: str
    from_variant: bool
    parts: tuple[PartView, ...]
    media: tuple[MediaView, ...]
    diagnostics: tuple[DiagnosticView, ...]
    record: ChannelRecord | None
    published: tuple[ContentLink, ...]
    link_card: LinkCardView | None = None

    @property
    def is_thread(self) -> bool:
        return len(self.parts) > 1


def _segments(part: RenderedPart, cut: int | None) -> tuple[Segment, ...]:
    text = part.text
    if cut is not None:
        for link in part.links:  # never fold inside a link
            if link.start < cut < link.end:
                cut = link.end
    bounds = sorted({0, len(text), *([cut] if cut is not None else [])})
    pieces: list[tuple[int, int, str | None]] = []
    pos = 0
    for link in part.links:
        if link.start > pos:
            pieces.append((pos, link.start, None))
        pieces.append((link.start, link.end, link.url))
        pos = link.end
    if pos < len(text):
        pieces.append((pos, len(text), None))
    out: list[Segment] = []
    for start, end, url in pieces:
        inner = [b for b in bounds if start < b < end]
        for a, b in zip([start, *inner], [*inner, end], strict=True):
            after = cut is not None and a >= cut
            out.append(Segment(text[a:b], ContentLink.of(url).href if url else None, after))
    return tuple(out)


def _meters(part: RenderedPart, platform: str, max_characters: int | None) -> tuple[Meter, ...]:
    return tuple(
        Meter(limit.name, limit.count(part.text), limit.maximum)
        for limit in text_limits(platform, max_characters)
    )


def _media(data: SiteData, rendered: Rendered, assets: dict[str, Path]) -> tuple[MediaView, ...]:
    out = []
    for item in rendered.media:
        upload = data.upload(item, rendered.platform)
        if isinstance(upload, MediaError):
            out.append(MediaView(None, item.alt, item.file, upload.message))
            continue
        path = data.site_path(upload)
        assets[path] = upload.path
        kind = upload.mime.split("/")[-1].upper()
        changed = "" if upload.path.name == Path(item.file).name else " (a rendition made for it)"
        note = f"{upload.width}×{upload.height} {kind}, {upload.size / 1000:,.0f} kB{changed}"
        out.append(MediaView(path, item.alt, note, None, upload.width, upload.height))
    return tuple(out)


def _link_card(
    data: SiteData,
    post: Post,
    rendered: Rendered,
    record: ChannelRecord | None,
    assets: dict[str, Path],
) -> LinkCardView | None:
    link = card_link(rendered)
    if link is None:
        return None
    shown = rendered.parts[0].text[link.start : link.end]
    domain = (urlsplit(link.url).hostname or "").removeprefix("www.")
    href = ContentLink.of(link.url).href
    cached = data.link_cards.get(page_url(link.url))
    thumb = None
    if cached is not None and cached.thumb is not None:
        thumb = f"link-cards/{cached.thumb.name}"
        assets[thumb] = cached.thumb
    sent = record.link_card if record is not None else None
    if sent is not None and sent.url == link.url:
        note = (
            "Link card as sent"
            if sent.page
            else f"Sent as a text card{f' ({sent.problem})' if sent.problem else ''}"
        )
        return LinkCardView(
            href, domain, sent.title, sent.description, thumb if sent.thumb else None, note
        )
    own = data.ws.brand.own_domains if data.ws.brand else ()
    if not may_fetch(link.url, own, post.link_card):
        why = (
            "`link_card: false`"
            if post.link_card is False
            else ("not the brand's own domain; `link_card: true` fetches its page")
        )
        return LinkCardView(href, domain, shown, "", None, f"Text card: {why}")
    if cached is None:
        return LinkCardView(
            href, domain, shown, "", None, "Text card: the page could not be fetched for this build"
        )
    return LinkCardView(
        href,
        domain,
        cached.title,
        cached.description,
        thumb,
        f"Link card from the page, read {data.local(cached.fetched):%d %b %Y %H:%M}",
    )


def brand_avatar(data: SiteData, assets: dict[str, Path]) -> str | None:
    """The site path of ``brand/profiles/avatar.*`` (copied into the site), if there is one
    a browser shows."""
    found = data.memo("avatar", lambda: _avatar_file(data.ws.root / layout.PROFILES))
    if found is None:
        return None
    src, path = found
    assets[src] = path
    return src


def _avatar_file(folder: Path) -> tuple[str, Path] | None:
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if path.stem.lower() in AVATAR_NAMES and path.suffix.lower() in AVATAR_SUFFIXES:
            return f"{AVATAR_DIR}/avatar{path.suffix.lower()}", path
    return None


def card_view(
    data: SiteData, post: Post, channel_id: str, job: Job | None, assets: dict[str, Path]
) -> CardView | None:
    channel = data.channels.get(channel_id)
    if channel is None:
        return None
    rendered = data.rendered(post, channel)
    row = PLATFORMS.get(channel.platform)
    fold = row.fold if row else None
    parts = []
    for number, part in enumerate(rendered.parts, 1):
        seen = part.seen()  # what readers see; the meters count what the platform receives
        cut = fold_at(seen.text, fold) if fold and number == 1 else None
        parts.append(
            PartView(
                number,
                seen.text,
                _segments(seen, cut),
                _meters(part, channel.platform, channel.max_characters),
                fold.label if fold and cut is not None else None,
                part.line,
            )
        )
    entry = data.ledger_for(post)
    record = entry.channels.get(channel_id) if entry else None
    at = post.when(channel_id)
    accent = css_color(row.accent if row else None)
    return CardView(
        chip=chip(channel_id, dict(data.channels)),
        account=channel.account or channel_id,
        label=row.label if row else channel.platform,
        layout=(row.card if row else Card.STACKED).value,
        accent=accent,
        on_accent=text_on(accent),
        name=data.brand_name,
        comment_threads=row.comment_threads if row else False,
        avatar=brand_avatar(data, assets),
        when=f"{data.local(at):%a %d %b %Y, %H:%M %Z}" if at else "no time set",
        state=state_label(job) if job else ("draft" if post.draft else "not scheduled"),
        state_class=state_class(job) if job else "td-state-draft",
        note=job.note if job else "",
        from_variant=rendered.from_variant,
        parts=tuple(parts),
        media=_media(data, rendered, assets),
        diagnostics=tuple(
            diagnostic_view(d) for d in data.diagnostics_for(post) if d.channel == channel_id
        ),
        record=record,
        link_card=_link_card(data, post, rendered, record, assets),
        published=tuple(
            ContentLink.of(p.url, f"part {i}" if len(record.parts) > 1 else "published post")
            for i, p in enumerate(record.parts, 1)
            if p.url
        )
        if record
        else (),
    )


@dataclass(frozen=True)
class PostView:
    post: Post
    src: str
    when: str
    cards: tuple[CardView, ...]
    diagnostics: tuple[DiagnosticView, ...]
    campaign_name: str | None
    expires: str | None
    errors: int
    by_hand: str | None = None
    """The platforms among the post's channels whose APIs cannot delete (Instagram and
    Slack), as shown: "Instagram and Slack"; None when every one can."""
    quoted: str | None = None
    """A reply: the text of the item it answers, when the inbox records hold it."""


def post_view(data: SiteData, post: Post, assets: dict[str, Path]) -> PostView:
    jobs = {job.channel: job for job in data.jobs_for(post)}
    cards = [card_view(data, post, cid, jobs.get(cid), assets) for cid in post.channels]
    campaign = data.ws.campaigns.get(post.campaign) if post.campaign else None
    return PostView(
        post=post,
        src=post_src(post.id),
        when=f"{data.local(post.at):%A %d %B %Y, %H:%M %Z}"
        if post.at
        else ("as soon as it is merged" if post.is_reply else "no time set"),
        cards=tuple(c for c in cards if c is not None),
        diagnostics=tuple(diagnostic_view(d) for d in data.diagnostics_for(post)),
        campaign_name=campaign.name if campaign else None,
        expires=f"{data.local(post.expires):%d %b %Y, %H:%M}" if post.expires else None,
        errors=data.errors_for(post),
        by_hand=_cannot_delete(data, post),
        quoted=quoted_text(data.ws.root, post.in_reply_to) if post.in_reply_to else None,
    )


def _cannot_delete(data: SiteData, post: Post) -> str | None:
    labels: list[str] = []
    for cid in post.channels:
        channel = data.ws.channels.get(cid)
        row = PLATFORMS.get(channel.platform) if channel else None
        if row is not None and not row.can_delete and row.label not in labels:
            labels.append(row.label)
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
