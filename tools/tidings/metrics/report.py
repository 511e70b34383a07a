"""The monthly report's numbers: one calendar month in the brand's timezone.

Pure, like :mod:`.dashboards`, and made of the same pieces: the tidy rows of
:mod:`tidings.metrics.export` (what ``tidings metrics export`` prints), engagement as
:data:`~tidings.metrics.dashboards.ENGAGEMENT`, groups, best times and goals from
:mod:`.dashboards`. So the report and the CSV cannot disagree:

- a post's numbers for a month are its latest reading dated in that month (the CSV's
  ``date`` column is the snapshot's day in the brand's timezone);
- a channel's followers for a month are those of its last snapshot in the month;
- a channel's engagement for a month is the sum over the posts *published* in the month
  (``published_at`` in the brand's timezone) of their engagement at the month's last reading,
  and the change is against the same number for the previous month;
- goals are judged on the history up to the month's last day.

Posting (planned, published, missed, failed) comes from the planner's jobs and the ledger,
inbox response times from ``inbox/``.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from tidings.core.plan import Job, JobState
from tidings.metrics import dashboards as d
from tidings.metrics.export import (
    FollowerRow,
    MetricRow,
    RowCodec,
    follower_cells,
    followers_from_cells,
)
from tidings.workspace.inbox import InboxItem, InboxStatus
from tidings.workspace.ledger import LedgerState
from tidings.workspace.model import Campaign, Workspace

__all__ = [
    "CampaignMonth",
    "ChannelMonth",
    "InboxMonth",
    "Month",
    "MonthNumbers",
    "MonthRecorder",
    "Posting",
    "month_numbers",
]

TOP_POSTS = 5
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: ``Month.parse("2027-01")``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; raises ValueError saying what is wrong."""
        found = _MONTH.fullmatch(text.strip())
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
            raise ValueError(f"{text!r} is not a month written YYYY-MM, like 2027-01")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return self.next.first - timedelta(days=1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def prev(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def label(self) -> str:
        return f"{self.first:%B %Y}"

    def contains(self, day: date) -> bool:
        return self.year == day.year and self.month == day.month


def _local_day(row: MetricRow, tz: tzinfo) -> date:
    return row.published_at.astimezone(tz).date() if row.published_at else row.date


class MonthRecorder:
    """One pass over the tidy rows (in date order, as the history is read): for every month,
    each (post, channel)'s latest reading dated in it, and every channel's followers."""

    def __init__(self) -> None:
        self._months: dict[Month, dict[tuple[str, str], MetricRow]] = defaultdict(dict)
        self.followers: list[FollowerRow] = []

    def add(self, row: MetricRow) -> None:
        self._months[Month.of(row.date)][row.post, row.channel] = row

    def add_day(self, day: date, rows: Iterable[tuple[tuple[str, str], MetricRow]]) -> None:
        """:meth:`add` for one day's rows, given with their (post, channel) keys."""
        self._months[Month.of(day)].update(rows)

    def add_followers(self, rows: Iterable[FollowerRow]) -> None:
        self.followers.extend(rows)

    def merge(self, later: MonthRecorder) -> None:
        """Add ``later``'s readings and followers: a part of the history read after every
        row here (the history read in parts, one recorder each, merged in order)."""
        for month, rows in later._months.items():
            self._months[month].update(rows)
        self.followers.extend(later.followers)

    def state(self, codec: RowCodec) -> dict[str, object]:
        """What this recorder holds, as JSON (its rows by their place in ``codec``), to be
        kept between runs: :meth:`from_state` makes the same recorder again."""
        return {
            "months": [
                [month.year, month.month, [codec.place(row) for row in rows.values()]]
                for month, rows in self._months.items()
            ],
            "followers": follower_cells(self.followers),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], rows: Sequence[MetricRow]) -> MonthRecorder:
        """The recorder :meth:`state` described. Raises ValueError, TypeError or IndexError
        when it does not read as one."""
        made = cls()
        for year, number, places in state["months"]:
            if type(year) is not int or type(number) is not int or not 1 <= number <= 12:
                raise ValueError("a month is a year and a month number")
            month = made._months[Month(year, number)]
            for place in places:
                if type(place) is not int or place < 0:
                    raise ValueError("a month's reading is a row's place")
                row = rows[place]
                if Month.of(row.date) != Month(year, number):
                    raise ValueError("a month holds a reading of another month")
                month[row.post, row.channel] = row
        made.followers = followers_from_cells(state["followers"])
        return made

    @property
    def months(self) -> list[Month]:
        """The months with readings or followers, oldest first."""
        found = set(self._months) | {Month.of(f.date) for f in self.followers}
        return sorted(found)

    def readings(self, month: Month) -> list[MetricRow]:
        """Each (post, channel)'s latest reading in ``month``, sorted by post and channel."""
        last = self._months.get(month, {})
        return [last[key] for key in sorted(last)]

    def totals_until(self, month: Month) -> list[MetricRow]:
        """Each (post, channel)'s latest reading up to the end of ``month``."""
        last: dict[tuple[str, str], MetricRow] = {}
        for m in sorted(self._months):
            if m <= month:
                last.update(self._months[m])
        return [last[key] for key in sorted(last)]

    def followers_until(self, month: Month) -> list[FollowerRow]:
        return [f for f in self.followers if f.date <= month.last]


def record(rows: Iterable[MetricRow], followers: Iterable[FollowerRow]) -> MonthRecorder:
    """A :class:`MonthRecorder` fed with ``rows`` (date order) and ``followers``."""
    recorder = MonthRecorder()
    for row in rows:
        recorder.add(row)
    recorder.add_followers(followers)
    return recorder


# ---------------------------------------------------------------- the parts


@dataclass(frozen=True)
class ChannelMonth:
    """A channel's audience and engagement in a month and the month before."""

    channel: str
    platform: str
    followers: int | None
    followers_before: int | None
    posts: int
    """Posts published in the month with a reading."""
    engagement: int | None
    engagement_before: int | None
    median: float | None
    median_before: float | None

    @property
    def followers_change(self) -> int | None:
        if self.followers is None or self.followers_before is None:
            return None
        return self.followers - self.followers_before

    @property
    def engagement_change(self) -> int | None:
        if self.engagement is None or self.engagement_before is None:
            return None
        return self.engagement - self.engagement_before


@dataclass(frozen=True)
class Posting:
    """A channel's (post, channel) jobs planned in the month and what the ledger says of
    them: ``unrecorded`` are past jobs the ledger has no final word on, ``upcoming`` those
    still ahead."""

    channel: str
    planned: int = 0
    published: int = 0
    missed: int = 0
    failed: int = 0
    unrecorded: int = 0
    upcoming: int = 0


@dataclass(frozen=True)
class InboxMonth:
    """What arrived on a channel in the month and how fast it was answered."""

    channel: str
    arrived: int
    answered: int
    no_reply_needed: int
    median_response: timedelta | None
    slowest_response: timedelta | None


@dataclass(frozen=True)
class CampaignMonth:
    campaign: Campaign
    planned: int
    """(post, channel) jobs of the campaign planned in the month."""
    group: d.Group | None
    """Posts of the campaign published in the month: count and median engagement."""


@dataclass(frozen=True)
class MonthNumbers:
    month: Month
    channels: list[ChannelMonth]
    top: list[MetricRow]
    posting: list[Posting]
    goals: list[d.GoalProgress]
    campaigns: list[CampaignMonth]
    tags: list[d.Group]
    types: list[d.Group]
    best_times: list[tuple[int, int, float, int]]
    """(weekday, hour, median engagement, posts) of the month's best slots."""
    inbox: list[InboxMonth] | None
    """None when the workspace has no ``inbox/``."""
    published: list[MetricRow] = field(default_factory=list)
    """The month's readings of the posts published in it."""

    @property
    def has_data(self) -> bool:
        """Anything planned, read or received in the month."""
        return bool(
            self.published
            or any(p.planned for p in self.posting)
            or any(c.followers is not None for c in self.channels)
            or any(i.arrived for i in self.inbox or ())
        )


def _published_in(rows: Iterable[MetricRow], month: Month, tz: tzinfo) -> list[MetricRow]:
    return [r for r in rows if month.contains(_local_day(r, tz))]


def _sum(rows: Sequence[MetricRow]) -> int | None:
    known = [r.engagement for r in rows if r.engagement is not None]
    return sum(known) if known else None


def _last_followers(rows: Iterable[FollowerRow], month: Month) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for f in sorted(rows, key=lambda f: f.date):
        if month.contains(f.date) and f.followers is not None:
            out[f.channel] = (f.platform, f.followers)
    return out


def _channels(
    recorder: MonthRecorder, month: Month, published: Sequence[MetricRow], tz: tzinfo
) -> list[ChannelMonth]:
    before = _published_in(recorder.readings(month.prev), month.prev, tz)
    now_f = _last_followers(recorder.followers, month)
    prev_f = _last_followers(recorder.followers, month.prev)
    by_channel: dict[str, list[MetricRow]] = defaultdict(list)
    by_channel_before: dict[str, list[MetricRow]] = defaultdict(list)
    platforms: dict[str, str] = {}
    for r in published:
        by_channel[r.channel].append(r)
        platforms[r.channel] = r.platform
    for r in before:
        by_channel_before[r.channel].append(r)
    for cid, (platform, _) in now_f.items():
        platforms.setdefault(cid, platform)
    out = []
    for cid in sorted(platforms):
        rows, rows_before = by_channel.get(cid, []), by_channel_before.get(cid, [])
        out.append(
            ChannelMonth(
                cid,
                platforms[cid],
                now_f[cid][1] if cid in now_f else None,
                prev_f[cid][1] if cid in prev_f else None,
                len(rows),
                _sum(rows),
                _sum(rows_before),
                d.median(r.engagement for r in rows),
                d.median(r.engagement for r in rows_before),
            )
        )
    return out


_PUBLISHED = {LedgerState.PUBLISHED, LedgerState.RETRACTED}
_FAILED = {LedgerState.FAILED, LedgerState.UNKNOWN}


def _posting(
    ws: Workspace, jobs: Iterable[Job], month: Month, tz: tzinfo, now: datetime
) -> tuple[list[Posting], dict[str, int]]:
    """Per channel, the jobs planned in the month and their outcome; and the planned jobs
    per campaign."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    campaigns: dict[str, int] = defaultdict(int)
    for job in jobs:
        if job.state is JobState.DRAFT or not month.contains(job.at.astimezone(tz).date()):
            continue
        c = counts[job.channel]
        c["planned"] += 1
        if job.post.campaign:
            campaigns[job.post.campaign] += 1
        entry = ws.ledger.get(job.ledger_id or job.post.id)
        record = entry.channels.get(job.channel) if entry else None
        state = record.state if record else None
        if state in _PUBLISHED:
            c["published"] += 1
        elif state is LedgerState.MISSED:
            c["missed"] += 1
        elif state in _FAILED or job.state is JobState.FAILED:
            c["failed"] += 1
        elif job.at > now:
            c["upcoming"] += 1
        else:
            c["unrecorded"] += 1
    return [Posting(cid, **counts[cid]) for cid in sorted(counts)], dict(campaigns)


def _inbox(items: Mapping[str, Sequence[InboxItem]], month: Month, tz: tzinfo) -> list[InboxMonth]:
    out = []
    for cid in sorted(items):
        arrived = [i for i in items[cid] if month.contains(i.at.astimezone(tz).date())]
        if not arrived:
            continue
        times = [t for t in (i.first_response for i in arrived) if t is not None]
        out.append(
            InboxMonth(
                cid,
                len(arrived),
                len(times),
                sum(i.status is InboxStatus.NO_REPLY_NEEDED for i in arrived),
                timedelta(seconds=statistics.median(t.total_seconds() for t in times))
                if times
                else None,
                max(times) if times else None,
            )
        )
    return out


def month_numbers(
    ws: Workspace,
    month: Month,
    recorder: MonthRecorder,
    jobs: Iterable[Job],
    tz: tzinfo,
    now: datetime,
    inbox: Mapping[str, Sequence[InboxItem]] | None = None,
) -> MonthNumbers:
    """Everything the report says about ``month``. ``inbox`` is None without ``inbox/``."""
    published = _published_in(recorder.readings(month), month, tz)
    ranked = sorted(
        (r for r in published if r.engagement is not None),
        key=lambda r: (-(r.engagement or 0), r.post, r.channel),
    )
    totals = recorder.totals_until(month)
    stats = d.channel_stats(totals, recorder.followers_until(month), tz)
    posting, planned_by_campaign = _posting(ws, jobs, month, tz, now)
    by_campaign = {g.name: g for g in d.by_campaign(published)}
    campaigns = [
        CampaignMonth(c, planned_by_campaign.get(c.id, 0), by_campaign.get(c.id))
        for c in sorted(ws.campaigns.values(), key=lambda c: (c.start, c.id))
        if c.start <= month.last and c.end >= month.first
    ]
    return MonthNumbers(
        month=month,
        channels=_channels(recorder, month, published, tz),
        top=ranked[:TOP_POSTS],
        posting=posting,
        goals=[d.goal_progress(g, totals, stats, tz) for g in ws.goals],
        campaigns=campaigns,
        tags=d.by_tag(published),
        types=d.by_type(published),
        best_times=d.heatmap(published, tz).best(),
        inbox=None if inbox is None else _inbox(inbox, month, tz),
        published=published,
    )
