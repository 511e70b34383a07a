"""The domain: frozen dataclasses built once by the loader.

Everything downstream (checks, planning, rendering, the site) takes these objects, never
paths. Times are aware datetimes; every object keeps the :class:`YamlDoc` it came from so a
diagnostic can point at the exact line and column of any field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from tidings.workspace.ledger import LedgerEntry
from tidings.workspace.yamlsource import Source as Source

LOCAL_PLATFORMS = frozenset({"outbox", "feed"})
CANNOT_DELETE = frozenset({"instagram", "slack"})
"""Platforms whose API cannot delete a post (the adapters' ``can_delete`` is False)."""


@dataclass(frozen=True)
class Settings:
    """``tidings.yaml``: workspace-wide settings."""

    lateness: timedelta = timedelta(hours=6)
    max_attempts: int = 5
    metrics_window_days: int = 90
    site_url: str | None = None


@dataclass(frozen=True)
class Brand:
    """``brand/brand.yaml``. Rule settings stay as the validated mapping in ``raw``."""

    name: str
    timezone: tzinfo
    language: str
    source: Source
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)
    severity_overrides: Mapping[str, str] = field(default_factory=dict)


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

    @property
    def is_local(self) -> bool:
        return self.platform in LOCAL_PLATFORMS


@dataclass(frozen=True)
class MediaRef:
    file: str
    alt: str | None
    source: Source


@dataclass(frozen=True)
class Part:
    """One part of a thread (a single post has one part). ``line`` is 1-based."""

    text: str
    line: int


@dataclass(frozen=True)
class Variant:
    """Per-channel overrides of a post."""

    channel: str
    source: Source
    parts: tuple[Part, ...] | None = None
    at: datetime | None = None
    media: tuple[MediaRef, ...] | None = None


@dataclass(frozen=True)
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
    variants: Mapping[str, Variant] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.source.path

    def when(self, channel: str) -> datetime | None:
        variant = self.variants.get(channel)
        return variant.at if variant is not None and variant.at is not None else self.at

    def parts_for(self, channel: str) -> tuple[Part, ...]:
        variant = self.variants.get(channel)
        return variant.parts if variant is not None and variant.parts is not None else self.parts

    def media_for(self, channel: str) -> tuple[MediaRef, ...]:
        variant = self.variants.get(channel)
        return variant.media if variant is not None and variant.media is not None else self.media


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
    ledger: Mapping[str, LedgerEntry] = field(default_factory=dict)
    post_files: frozenset[str] = frozenset()
    partial: bool = False
    unreadable: frozenset[str] = frozenset()
    """Kinds of shared file that failed to load ("channels", "calendars"): checks that
    need them stay quiet rather than report every reference as unknown."""

    @property
    def campaigns(self) -> dict[str, Campaign]:
        return {c.id: c for cal in self.calendars for c in cal.campaigns}

    @property
    def blackouts(self) -> tuple[Blackout, ...]:
        return tuple(b for cal in self.calendars for b in cal.blackouts)
