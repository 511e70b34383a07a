"""The domain: frozen dataclasses built once by the loader.

Everything downstream (checks, planning, rendering, the site) takes these objects, never
paths. Times are aware datetimes; every object keeps the :class:`YamlDoc` it came from so a
diagnostic can point at the exact line and column of any field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Literal

from tidings.processes import quick_pickle
from tidings.workspace.inbox import Triage
from tidings.workspace.ledger import LedgerEntry
from tidings.workspace.yamlsource import Source as Source


@dataclass(frozen=True)
class Limits:
    """``tidings.yaml`` ``limits``: the largest files tidings reads, in bytes. A larger file
    is refused (``file.too-large``) before it is read."""

    post_bytes: int = 256 * 1024
    """A post or idea (Markdown with front matter)."""
    yaml_bytes: int = 1024 * 1024
    """Any YAML file: tidings.yaml, brand, channels, calendars, goals, competitors, ledger."""


@dataclass(frozen=True)
class Settings:
    """``tidings.yaml``: workspace-wide settings."""

    lateness: timedelta = timedelta(hours=6)
    interval: timedelta = timedelta(minutes=15)
    """How often the publish workflow runs (its cron schedule): the longest a due post may
    wait for the next run. ``tidings check`` and ``review`` warn about a post that would be
    past the lateness window by then."""
    max_attempts: int = 5
    metrics_window_days: int = 90
    site_url: str | None = None
    limits: Limits = Limits()


@dataclass(frozen=True)
class Voice:
    """brand.yaml ``voice``: guidance for the people who write posts, shown on the site."""

    summary: str | None = None
    do: tuple[str, ...] = ()
    dont: tuple[str, ...] = ()


@dataclass(frozen=True)
class Words:
    """brand.yaml ``words``: the word lists checked in every post."""

    banned: tuple[str, ...] = ()
    preferred: Mapping[str, str] = field(default_factory=dict)
    """Word or phrase to avoid → the word to write instead, in brand.yaml's order."""
    buzzwords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hashtags:
    """brand.yaml ``hashtags``: the hashtag policy (tags as written, with or without ``#``)."""

    max: int | None = None
    required: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()
    per_platform: Mapping[str, int] = field(default_factory=dict)
    """The caps brand.yaml sets per platform (the platforms' defaults are not merged in)."""


@dataclass(frozen=True)
class Disclosure:
    """brand.yaml ``disclosure``: posts with one of ``tags`` must show one of ``texts``."""

    tags: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Utm:
    """brand.yaml ``links.utm``: whether and how links are tagged with UTM parameters."""

    enabled: bool = False
    medium: str = "social"


@dataclass(frozen=True)
class QuietHours:
    """Local clock times in which no post should go out; ``start > end`` runs over midnight."""

    start: time
    end: time

    def contains(self, clock: time) -> bool:
        """Whether the naive local ``clock`` falls inside the quiet hours."""
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end  # across midnight, e.g. 22:00 to 07:00


@dataclass(frozen=True)
class CadenceLimits:
    """The cadence one channel keeps: brand-wide values with the channel's overrides applied."""

    quiet_hours: QuietHours | None = None
    min_gap: timedelta | None = None
    max_per_day: int | None = None
    min_per_week: int | None = None


@dataclass(frozen=True)
class Cadence:
    """brand.yaml ``cadence``: how often and when the brand posts, per channel."""

    limits: CadenceLimits = CadenceLimits()
    """The brand-wide limits, for every channel without its own entry."""
    channels: Mapping[str, CadenceLimits] = field(default_factory=dict)
    """Channel id (as written under ``cadence.channels``) → its limits, overrides applied."""

    def for_channel(self, channel: str) -> CadenceLimits:
        return self.channels.get(channel, self.limits)


@dataclass(frozen=True)
class InboxSettings:
    """brand.yaml ``inbox``: what the community inbox keeps, and the brand's response target.

    People's words are theirs: by default only an item's address, author, time and status are
    committed (the repository and its Pages site are public). ``keep_text`` keeps the text
    too, for ``keep_text_days`` after arrival (None: as long as the item is kept)."""

    keep_text: bool = False
    keep_text_days: int | None = None
    respond_within: timedelta | None = None
    """The first-response target (``24h``); None when the brand sets none."""


@dataclass(frozen=True)
class ProfileSettings:
    """brand.yaml ``profile``: what every channel's public profile should say (``tidings
    audit`` compares each account with it). Unset values are not compared."""

    name: str | None = None
    bio: str | None = None
    bios: Mapping[str, str] = field(default_factory=dict)
    """Platform name → its own bio (a shorter one for X, …)."""
    link: str | None = None

    def bio_for(self, platform: str) -> str | None:
        return self.bios.get(platform, self.bio)


@dataclass(frozen=True)
class BioLink:
    """One of brand.yaml's ``bio_links``: a button on the link-in-bio page."""

    label: str
    url: str


@dataclass(frozen=True)
class Listening:
    """brand.yaml ``listening``: the words and hashtags whose public mentions ``tidings
    inbox`` counts (where the platform has a public search)."""

    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    """Without the ``#``."""

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term as the record names it: hashtags with their ``#``, then keywords."""
        return tuple(f"#{h}" for h in self.hashtags) + self.keywords


@dataclass(frozen=True)
class Brand:
    """``brand/brand.yaml``, typed once by the loader; ``source`` points at any setting."""

    name: str
    timezone: tzinfo
    language: str
    source: Source
    website: str | None = None
    voice: Voice = Voice()
    words: Words = Words()
    max_grade: int | float | None = None
    """``reading_level.max_grade``: the highest Flesch-Kincaid grade a post may have."""
    hashtags: Hashtags = Hashtags()
    max_emoji: int | None = None
    """``emoji.max``: the most emoji one post may contain."""
    disclosure: Disclosure | None = None
    utm: Utm = Utm()
    """``links.utm``."""
    own_domains: tuple[str, ...] = ()
    """``links.own_domains`` (lower case, without ``www.``), or the domain of ``website`` when
    the list is empty: the only links UTM parameters go on (subdomains included)."""
    alt_text: Literal["required", "recommended", "optional"] = "required"
    cadence: Cadence = Cadence()
    inbox: InboxSettings = InboxSettings()
    profile: ProfileSettings = ProfileSettings()
    """``profile``, with ``name`` defaulting to the brand's name and ``link`` to ``website``."""
    evergreen_min_gap: timedelta | None = None
    """``evergreen.min_gap``: the least time between two sends of one evergreen post on one
    channel (None: a post may come round again at the next slot)."""
    listening: Listening = Listening()
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    """``rules``: check code → severity."""
    bio_links: tuple[BioLink, ...] = ()
    """``bio_links``: the buttons at the top of the link-in-bio page, in order."""


@dataclass(frozen=True)
class Channel:
    """One account on one platform, from ``brand/channels.yaml``."""

    id: str
    platform: str
    source: Source
    account: str | None = None
    credentials: Mapping[str, str] = field(default_factory=dict)
    max_characters: int | None = None
    utm: bool = True
    color: str | None = None
    media_base_url: str | None = None
    path: str | None = None
    default: bool = False
    """Whether ``tidings new post`` puts new posts here when no channels are named."""


@quick_pickle
@dataclass(frozen=True, slots=True)
class MediaRef:
    file: str
    alt: str | None
    source: Source


@quick_pickle
@dataclass(frozen=True, slots=True)
class Part:
    """One part of a thread (a single post has one part). ``line`` is 1-based."""

    text: str
    line: int


@quick_pickle
@dataclass(frozen=True, slots=True)
class Variant:
    """Per-channel overrides of a post."""

    channel: str
    source: Source
    parts: tuple[Part, ...] | None = None
    at: datetime | None = None
    media: tuple[MediaRef, ...] | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    """What only this channel's platform reads (``variants.<channel>.options``: a pin's
    ``title`` and ``link``, a Business Profile post's ``topic``, ``event``, ``offer`` and
    ``button``); the platform table's ``options`` says which keys each platform takes."""


@quick_pickle
@dataclass(frozen=True, slots=True)
class Post:
    """One post file. ``id`` is its path under ``content/posts/`` without ``.md``."""

    id: str
    title: str
    source: Source
    channels: tuple[str, ...]
    parts: tuple[Part, ...]
    content_hash: str
    at: datetime | None = None
    campaign: str | None = None
    tags: tuple[str, ...] = ()
    media: tuple[MediaRef, ...] = ()
    expires: datetime | None = None
    draft: bool = False
    retract: bool = False
    """``retract: true``: never sent, and taken down wherever it went out (a reviewed
    take-down; see ``tidings retract`` for emergencies)."""
    link_card: bool | None = None
    """``link_card:`` Bluesky's link card from the linked page: True fetches any site's page,
    False never fetches (a text card); unset, only the brand's own domains' pages."""
    link: str | None = None
    """``link:`` the page the post points readers to; the link-in-bio page opens it from the
    post's picture (Instagram captions cannot hold a clickable link)."""
    variants: Mapping[str, Variant] = field(default_factory=dict)
    in_reply_to: str | None = None
    """A reply (``content/replies/<slug>.md``): the public URL of the item it answers. Its
    channel is implied by the URL (``tidings.core.replies``); its id is ``replies/<slug>``."""
    saved: str | None = None
    """A reply's ``saved:``: the name of the saved reply (brand/replies.yaml) it sends."""
    evergreen: bool = False
    """``evergreen: true``: no ``at``; it fills the calendar's free posting slots, again and
    again (see :mod:`tidings.core.evergreen`)."""
    rotations: tuple[tuple[Part, ...], ...] = ()
    """An evergreen post's ``rotations:``: further bodies, sent in turn after the file's own."""

    @property
    def bodies(self) -> int:
        """How many bodies an evergreen post rotates through (its own and ``rotations``)."""
        return 1 + len(self.rotations)

    def rotated(self, index: int) -> Post:
        """The post as its ``index``-th send carries it: body ``index`` (modulo the number of
        bodies; 0 is the file's own) in place of the body. Channel variants' bodies stay."""
        n = index % self.bodies
        return self if n == 0 else replace(self, parts=self.rotations[n - 1])

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def is_reply(self) -> bool:
        return self.in_reply_to is not None

    def when(self, channel: str) -> datetime | None:
        variant = self.variants.get(channel)
        return variant.at if variant is not None and variant.at is not None else self.at

    def parts_for(self, channel: str) -> tuple[Part, ...]:
        variant = self.variants.get(channel)
        return variant.parts if variant is not None and variant.parts is not None else self.parts

    def options_for(self, channel: str) -> Mapping[str, object]:
        """The channel's platform options (``variants.<channel>.options``); empty if none."""
        variant = self.variants.get(channel)
        return variant.options if variant is not None else {}

    def media_for(self, channel: str) -> tuple[MediaRef, ...]:
        variant = self.variants.get(channel)
        return variant.media if variant is not None and variant.media is not None else self.media


@dataclass(frozen=True)
class SavedReply:
    """One named answer in ``brand/replies.yaml``, reusable by reply files (``saved:``)."""

    name: str
    parts: tuple[Part, ...]
    source: Source
    channels: tuple[str, ...] = ()
    """The channels it may be sent on; empty: any channel."""
    description: str | None = None
    """When to use it, for the people who answer (shown on the brand page)."""


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    start: date
    end: date
    source: Source
    description: str | None = None
    color: str | None = None

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class KeyDate:
    day: date
    name: str
    source: Source
    note: str | None = None


@dataclass(frozen=True)
class Blackout:
    """Nothing is published in ``[start, end)`` on ``channels`` (empty = every channel)."""

    start: datetime
    end: datetime
    reason: str
    source: Source
    channels: tuple[str, ...] = ()

    def covers(self, instant: datetime, channel: str) -> bool:
        if self.channels and channel not in self.channels:
            return False
        return self.start <= instant < self.end


class BlackoutIndex:
    """Blackouts by the days (UTC) they touch: the ones covering an instant are found among
    that day's few, not by asking every blackout of every calendar (a brand planning years
    ahead has hundreds, and a large repository asks for every post on every channel)."""

    LONG = 400
    """Days beyond which a blackout is asked at every instant instead of being filed under
    each of its days."""

    def __init__(self, blackouts: Iterable[Blackout]) -> None:
        self._days: dict[date, list[tuple[int, Blackout]]] = {}
        self._long: list[tuple[int, Blackout]] = []
        for i, b in enumerate(blackouts):
            if b.end <= b.start:
                continue  # covers no instant
            first = b.start.astimezone(UTC).date()
            last = (b.end - timedelta(microseconds=1)).astimezone(UTC).date()
            if (last - first).days > self.LONG:
                self._long.append((i, b))
                continue
            day = first
            while day <= last:
                self._days.setdefault(day, []).append((i, b))
                day += timedelta(days=1)

    def covering(self, instant: datetime, channel: str) -> list[Blackout]:
        """The blackouts covering ``instant`` on ``channel``, in the order they were given."""
        found = self._days.get(instant.astimezone(UTC).date(), [])
        if self._long:
            found = sorted([*found, *self._long], key=lambda item: item[0])
        return [b for _, b in found if b.covers(instant, channel)]


@dataclass(frozen=True)
class Slot:
    name: str
    days: tuple[str, ...]
    time: time
    source: Source
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calendar:
    path: str
    campaigns: tuple[Campaign, ...] = ()
    key_dates: tuple[KeyDate, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class Idea:
    id: str
    title: str
    status: str
    source: Source
    reason: str | None = None
    tags: tuple[str, ...] = ()
    created: date | None = None
    post: str | None = None
    body: str = ""


@dataclass(frozen=True)
class Goal:
    id: str
    metric: str
    target: float
    by: date
    source: Source
    channel: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class CompetitorAccount:
    platform: str
    handle: str


@dataclass(frozen=True)
class Competitor:
    name: str
    accounts: tuple[CompetitorAccount, ...]
    source: Source


@dataclass(frozen=True)
class Workspace:
    """A whole repository, loaded. ``post_files`` lists every post id found on disk,
    including those whose front matter was too broken to load."""

    root: Path
    settings: Settings
    brand: Brand | None
    channels: Mapping[str, Channel]
    posts: Mapping[str, Post]
    calendars: tuple[Calendar, ...] = ()
    ideas: Mapping[str, Idea] = field(default_factory=dict)
    goals: tuple[Goal, ...] = ()
    competitors: tuple[Competitor, ...] = ()
    saved_replies: Mapping[str, SavedReply] = field(default_factory=dict)
    """``brand/replies.yaml``: the brand's saved replies by name."""
    ledger: Mapping[str, LedgerEntry] = field(default_factory=dict)
    triage: tuple[Triage, ...] = ()
    """``content/inbox.yaml``: inbox items people marked ``no-reply-needed``."""
    inbox_urls: frozenset[str] | None = None
    """The address of every item ``inbox/`` records, read only when ``triage`` has entries
    (None when it was not read, or could not be)."""
    post_files: frozenset[str] = frozenset()
    partial: bool = False
    unreadable: frozenset[str] = frozenset()
    """Kinds of shared file that failed to load ("channels", "calendars"): checks that
    need them stay quiet rather than report every reference as unknown."""
    renamed: tuple[tuple[str, str], ...] = ()
    """Post renames git's history shows, ``(old id, new id)``, oldest first (read by
    ``jobs/git.py``); empty when the files were read without git. See ``core.plan.renames``."""

    @property
    def campaigns(self) -> dict[str, Campaign]:
        return {c.id: c for cal in self.calendars for c in cal.campaigns}

    @property
    def blackouts(self) -> tuple[Blackout, ...]:
        return tuple(b for cal in self.calendars for b in cal.blackouts)

    def scheduled(self) -> Iterator[tuple[str, datetime, Post]]:
        """Every (channel, time, post) at which a post that is not a draft goes to a
        channel, in the order of the posts and of their channels."""
        for post in self.posts.values():
            if post.draft:
                continue
            for channel in post.channels:
                when = post.when(channel)
                if when is not None:
                    yield channel, when, post
