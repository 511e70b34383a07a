"""Month calendars: posts by day with their channels, campaign bars, key dates, blackouts
and empty recurring slots, as a grid for wide screens and a week list for narrow ones."""

from __future__ import annotations

import calendar as stdcal
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tidings.core.plan import Job, JobState
from tidings.core.slots import WEEKDAYS
from tidings.site.colors import css_color, text_on
from tidings.site.data import SiteData
from tidings.site.views import Chip, chip
from tidings.workspace.model import BlackoutIndex, Campaign, KeyDate, Post

CALENDAR = "calendar"


def month_src(month: date) -> str:
    return f"{CALENDAR}/{month:%Y-%m}.md"


@dataclass(frozen=True)
class Entry:
    """One post at one local time on one day, with the channels it goes to then."""

    post: Post
    time: str
    chips: tuple[Chip, ...]
    state: str  # the most telling state of its jobs
    evergreen: bool = False
    """An evergreen post in a posting slot (the queue's choice, or a send the ledger holds)."""


@dataclass(frozen=True)
class Bar:
    campaign: Campaign
    background: str
    foreground: str
    label: bool  # the name is written on the campaign's first day in each week row


@dataclass(frozen=True)
class Gap:
    slot: str
    time: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    today: bool
    entries: tuple[Entry, ...]
    key_dates: tuple[KeyDate, ...]
    blackouts: tuple[str, ...]  # reasons, with the hours when only part of the day
    bars: tuple[Bar, ...]
    gaps: tuple[Gap, ...]

    @property
    def busy(self) -> bool:
        return bool(self.entries or self.key_dates or self.blackouts or self.gaps)


@dataclass(frozen=True)
class Month:
    first: date
    weeks: tuple[tuple[Day, ...], ...]
    prev: date | None
    next: date | None
    posts: int

    @property
    def src(self) -> str:
        return month_src(self.first)


_STATE_RANK = ("failed", "blocked", "missed", "due", "pending", "scheduled", "done", "draft")


def _state(states: set[JobState]) -> str:
    names = {
        JobState.FAILED: "failed",
        JobState.BLOCKED: "blocked",
        JobState.MISSED: "missed",
        JobState.DUE: "due",
        JobState.PENDING: "pending",
        JobState.UPCOMING: "scheduled",
        JobState.DONE: "done",
        JobState.DRAFT: "draft",
    }
    found = {names[s] for s in states}
    return next(s for s in _STATE_RANK if s in found)


def entries_by_day(data: SiteData, jobs: Iterable[Job]) -> dict[date, list[Entry]]:
    """``jobs`` grouped by local day, then by (time, post): one entry with its channels."""
    grouped: dict[tuple[date, str, str], list[tuple[str, JobState]]] = defaultdict(list)
    posts: dict[str, Post] = {}
    evergreen: set[str] = set()
    for job in jobs:
        local = data.local(job.at)
        grouped[(local.date(), f"{local:%H:%M}", job.post.id)].append((job.channel, job.state))
        posts[job.post.id] = job.post
        if job.evergreen:
            evergreen.add(job.post.id)
    by_day: dict[date, list[Entry]] = defaultdict(list)
    channels = dict(data.channels)
    for (day, hhmm, pid), found in sorted(grouped.items()):
        chips = tuple(chip(cid, channels) for cid, _ in sorted(found))
        state = _state({s for _, s in found})
        by_day[day].append(Entry(posts[pid], hhmm, chips, state, pid in evergreen))
    return by_day


def _blackouts(data: SiteData, day: date) -> tuple[str, ...]:
    tz = data.tz
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=1), time(), tz)
    out = []
    for b in data.ws.blackouts:
        if b.start < end and b.end > start:
            s, e = max(b.start, start), min(b.end, end)
            if s == start and e == end:
                hours = ""
            elif e == end:
                hours = f" from {data.local(s):%H:%M}"
            elif s == start:
                hours = f" until {data.local(e):%H:%M}"
            else:
                hours = f" {data.local(s):%H:%M}–{data.local(e):%H:%M}"
            only = f" on {', '.join(b.channels)}" if b.channels else ""
            out.append(f"{b.reason}{hours}{only}")
    return tuple(out)


def _filled(data: SiteData) -> set[tuple[str, date]]:
    """(channel, local day) pairs with a post that is not a draft (as the slot rule sees it),
    a dated one or an evergreen one in a slot."""
    dated = {(cid, data.local(when).date()) for cid, when, _ in data.ws.scheduled()}
    return dated | {(j.channel, data.local(j.at).date()) for j in data.jobs if j.evergreen}


def _blacked_out(data: SiteData, at: datetime, channels: tuple[str, ...]) -> bool:
    """Every one of ``channels`` is in a blackout at ``at``: no post is wanted there."""
    blackouts = data.memo("blackouts", lambda: BlackoutIndex(data.ws.blackouts))
    return all(blackouts.covering(at, c) for c in channels)


def _gaps(data: SiteData, day: date, filled: set[tuple[str, date]]) -> tuple[Gap, ...]:
    if day < data.local(data.now).date():
        return ()
    out = []
    for cal in data.ws.calendars:
        for slot in cal.slots:
            if WEEKDAYS[day.weekday()] not in slot.days:
                continue
            channels = slot.channels or tuple(data.channels)
            at = datetime.combine(day, slot.time, data.tz)
            if not any((c, day) in filled for c in channels) and not _blacked_out(
                data, at, channels
            ):
                out.append(Gap(slot.name, f"{slot.time:%H:%M}", tuple(slot.channels)))
    return tuple(sorted(out, key=lambda g: g.time))


def _bars(data: SiteData, day: date) -> tuple[Bar, ...]:
    out = []
    for campaign in sorted(data.ws.campaigns.values(), key=lambda c: (c.start, c.id)):
        if campaign.contains(day):
            bg = css_color(campaign.color, "#5b6470")
            label = day == campaign.start or day.weekday() == 0 or day.day == 1
            out.append(Bar(campaign, bg, text_on(bg), label))
    return tuple(out)


def _month_range(data: SiteData, entries: dict[date, list[Entry]]) -> list[date]:
    days = set(entries)
    for campaign in data.ws.campaigns.values():
        days |= {campaign.start, campaign.end}
    days |= {k.day for cal in data.ws.calendars for k in cal.key_dates}
    if not days:
        days = {data.local(data.now).date()}
    first, last = min(days).replace(day=1), max(days).replace(day=1)
    months = []
    while first <= last:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def months(data: SiteData) -> list[Month]:
    """Every month from the first to the last thing scheduled, empty months included."""
    entries = entries_by_day(data, data.jobs)
    filled = _filled(data)
    key_dates: dict[date, list[KeyDate]] = defaultdict(list)
    for cal in data.ws.calendars:
        for k in cal.key_dates:
            key_dates[k.day].append(k)
    today = data.local(data.now).date()
    firsts = _month_range(data, entries)
    out = []
    for i, first in enumerate(firsts):
        weeks = []
        for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
            weeks.append(
                tuple(
                    Day(
                        day=d,
                        in_month=d.month == first.month,
                        today=d == today,
                        entries=tuple(entries.get(d, ())),
                        key_dates=tuple(key_dates.get(d, ())),
                        blackouts=_blackouts(data, d),
                        bars=_bars(data, d),
                        gaps=_gaps(data, d, filled),
                    )
                    for d in week
                )
            )
        posts = sum(
            len(v) for d, v in entries.items() if (d.year, d.month) == (first.year, first.month)
        )
        out.append(
            Month(
                first=first,
                weeks=tuple(weeks),
                prev=firsts[i - 1] if i else None,
                next=firsts[i + 1] if i + 1 < len(firsts) else None,
                posts=posts,
            )
        )
    return out


def current_month(data: SiteData, all_months: list[Month]) -> Month | None:
    """The month of ``now`` when the calendar covers it, else the nearest one."""
    if not all_months:
        return None
    today = data.local(data.now).date().replace(day=1)
    return min(all_months, key=lambda m: abs((m.first - today).days))
