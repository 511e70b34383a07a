"""What the metrics history says: the numbers behind the site's dashboards.

Pure: everything here works on the tidy rows of :mod:`tidings.metrics.export` (one per
snapshot, post and channel), the snapshots and the workspace; nothing reads files or draws.

*Engagement* is defined once, :data:`ENGAGEMENT`: likes + reposts + replies + quotes, the
ones the platform reports (:attr:`MetricRow.engagement`); a post whose platform reports none
of them has no engagement, which is never counted as 0. Totals use each (post, channel)'s
latest reading. Medians are over (post, channel) pairs: a post on two channels counts twice.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any, NamedTuple

from tidings.metrics.export import FollowerRow, MetricRow, RowCodec, is_count
from tidings.metrics.inbox import InboxFacts, share_history
from tidings.metrics.snapshots import CompetitorReading, Snapshot
from tidings.workspace.model import Goal

__all__ = [
    "ENGAGEMENT",
    "WEEKDAYS",
    "ChannelStats",
    "CompetitorStats",
    "GoalProgress",
    "Group",
    "Heatmap",
    "Reading",
    "Series",
    "SeriesBuilder",
    "by_campaign",
    "by_tag",
    "by_type",
    "channel_stats",
    "competitor_stats",
    "goal_progress",
    "heatmap",
    "latest",
    "median",
    "post_series",
    "projection",
]

ENGAGEMENT = "likes + reposts + replies + quotes"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NO_TAG = "(no tag)"
NO_CAMPAIGN = "(no campaign)"
DAILY_DAYS = 14
"""A post's counts over time: every day for its first two weeks, then weekly."""
TREND_DAYS = 28
"""Projections follow the trend of the last four weeks."""


def median(values: Iterable[float | None]) -> float | None:
    """The median of the known values (None is unknown, not 0); None when none is known."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def latest(rows: Iterable[MetricRow]) -> list[MetricRow]:
    """Each (post, channel)'s latest reading, sorted by post and channel. ``rows`` come
    sorted by date (as :func:`~tidings.metrics.export.post_rows` gives them)."""
    last: dict[tuple[str, str], MetricRow] = {}
    for row in rows:
        last[row.post, row.channel] = row
    return [last[key] for key in sorted(last)]


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


# ---------------------------------------------------------------- per post


class Reading(NamedTuple):
    """One post on one channel on one day: ``age`` days after publication."""

    age: int
    day: date
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    engagement: int | None


@dataclass(frozen=True)
class Series:
    """A post's readings on one channel, thinned to every day for two weeks then weekly
    (the last reading always kept)."""

    channel: str
    platform: str
    readings: tuple[Reading, ...]


def _reading(row: MetricRow, age: int) -> Reading:
    return Reading(age, row.date, row.likes, row.reposts, row.replies, row.quotes, row.engagement)


class SeriesBuilder:
    """:func:`post_series` one row at a time (rows in date order), thinning as it goes, so
    a long history never holds every reading twice.

    A history read in consecutive parts (worker processes, a part of the days each) gives
    one builder per part made with ``part=True``, merged in order with :meth:`merge`: the
    result is the one a single builder fed every row would give. A part cannot know when a
    post without a publication time started (its first reading may be in an earlier part),
    so it keeps every reading of such a post and the merge thins them."""

    def __init__(self, tz: tzinfo, *, part: bool = False) -> None:
        self.tz = tz
        self._part = part
        self._start: dict[tuple[str, str], tuple[date, str]] = {}
        self._dated: set[tuple[str, str]] = set()
        """Keys whose start is their publication time (the others: their first reading)."""
        self._kept: dict[tuple[str, str], list[Reading]] = defaultdict(list)
        self._last: dict[tuple[str, str], tuple[MetricRow, int]] = {}

    def add(self, row: MetricRow) -> None:
        key = (row.post, row.channel)
        found = self._start.get(key)
        if found is None:
            at = row.published_at
            if at:
                self._dated.add(key)
            found = self._start[key] = (
                at.astimezone(self.tz).date() if at else row.date,
                row.platform,
            )
        age = (row.date - found[0]).days
        self._last[key] = (row, age)
        if _kept(age) or (self._part and key not in self._dated):
            self._kept[key].append(_reading(row, age))

    def merge(self, later: SeriesBuilder) -> bool:
        """Add ``later``'s rows (a part read after every row here, ``part=True``). False,
        and nothing changed, when it cannot be done exactly: a post's publication time
        differs between the parts (read the history in one pass then)."""
        start = self._start
        for key, (day, _) in later._start.items():
            mine = start.get(key)
            if mine is not None and key in later._dated and mine[0] != day:
                return False
        kept = self._kept
        for key, (day, platform) in later._start.items():
            mine = start.get(key)
            if mine is None:
                start[key] = mine = (day, platform)
                if key in later._dated:
                    self._dated.add(key)
            origin = mine[0]
            readings = later._kept.get(key, ())
            if key in later._dated:  # thinned on the same start
                kept[key].extend(readings)
            else:  # every reading, aged from the part's own start
                for r in readings:
                    age = (r.day - origin).days
                    if _kept(age) or (self._part and key not in self._dated):
                        kept[key].append(r._replace(age=age))
            row, _ = later._last[key]
            self._last[key] = (row, (row.date - origin).days)
        return True

    def state(self, codec: RowCodec) -> dict[str, object]:
        """What this builder holds, as JSON (its rows by their place in ``codec``), to be
        kept between runs: :meth:`from_state` makes the same builder again."""
        return {
            "part": self._part,
            "start": [
                [post, channel, day.toordinal(), platform, (post, channel) in self._dated]
                for (post, channel), (day, platform) in self._start.items()
            ],
            "kept": [
                [post, channel, [[r.age, r.day.toordinal(), *r[2:]] for r in readings]]
                for (post, channel), readings in self._kept.items()
            ],
            "last": [
                [post, channel, codec.place(row), age]
                for (post, channel), (row, age) in self._last.items()
            ],
        }

    @classmethod
    def from_state(
        cls, tz: tzinfo, state: dict[str, Any], rows: Sequence[MetricRow]
    ) -> SeriesBuilder:
        """The builder :meth:`state` described. Raises ValueError, TypeError or IndexError
        when it does not read as one."""
        made = cls(tz, part=state["part"] is True)
        days: dict[object, date] = {}

        def day(ordinal: object) -> date:
            found = days.get(ordinal)
            if found is None:
                if type(ordinal) is not int:
                    raise ValueError("a day is a day number")
                found = days[ordinal] = date.fromordinal(ordinal)
            return found

        for post, channel, ordinal, platform, dated in state["start"]:
            if type(post) is not str or type(channel) is not str or type(platform) is not str:
                raise ValueError("a series' post, channel and platform are text")
            made._start[post, channel] = (day(ordinal), platform)
            if dated is True:
                made._dated.add((post, channel))
        for post, channel, readings in state["kept"]:
            kept = made._kept[post, channel]
            for age, ordinal, *counts in readings:
                if type(age) is not int or len(counts) != 5:
                    raise ValueError("a reading is an age, a day and five counts")
                if not all(is_count(n) for n in counts):
                    raise ValueError("a reading's counts are whole numbers or null")
                kept.append(Reading(age, day(ordinal), *counts))
        for post, channel, place, age in state["last"]:
            if type(place) is not int or place < 0 or type(age) is not int:
                raise ValueError("a series' last reading is a row and an age")
            row = rows[place]
            if (row.post, row.channel) != (post, channel):
                raise ValueError("a series' last row is of another post or channel")
            made._last[post, channel] = (row, age)
        if set(made._last) != set(made._start) or not set(made._kept) <= set(made._start):
            raise ValueError("a series without a start or a last reading")
        return made

    def result(self) -> dict[str, list[Series]]:
        out: dict[str, list[Series]] = defaultdict(list)
        for key in sorted(self._last):
            kept = self._kept.get(key, [])
            row, age = self._last[key]
            if not kept or kept[-1].day != row.date:
                kept.append(_reading(row, age))
            out[key[0]].append(Series(key[1], self._start[key][1], tuple(kept)))
        return dict(out)


def _kept(age: int) -> bool:
    """A reading ``age`` days after publication is kept: daily, then weekly."""
    return age <= DAILY_DAYS or (age - DAILY_DAYS) % 7 == 0


def post_series(rows: Iterable[MetricRow], tz: tzinfo) -> dict[str, list[Series]]:
    """Per post id, its counts over time since publication, one :class:`Series` per channel
    (rows in date order, as :func:`~tidings.metrics.export.post_rows` gives them)."""
    builder = SeriesBuilder(tz)
    for row in rows:
        builder.add(row)
    return builder.result()


# ---------------------------------------------------------------- per channel


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    platform: str
    followers: tuple[tuple[date, int], ...]
    """Followers per snapshot day (days the platform did not report them left out)."""
    posts_per_week: tuple[tuple[date, int], ...]
    """Posts published per week (its Monday), weeks without posts included."""
    posts: int
    median_engagement: float | None

    @property
    def current_followers(self) -> int | None:
        return self.followers[-1][1] if self.followers else None


def weekly_counts(days: Iterable[date]) -> tuple[tuple[date, int], ...]:
    """How many of ``days`` fall in each week from the first to the last, empty weeks as 0."""
    counts: dict[date, int] = defaultdict(int)
    for day in days:
        counts[week_of(day)] += 1
    if not counts:
        return ()
    week, last = min(counts), max(counts)
    out = []
    while week <= last:
        out.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return tuple(out)


def _local_day(row: MetricRow, tz: tzinfo) -> date:
    return row.published_at.astimezone(tz).date() if row.published_at else row.date


def channel_stats(
    totals: Sequence[MetricRow], followers: Iterable[FollowerRow], tz: tzinfo
) -> list[ChannelStats]:
    """One :class:`ChannelStats` per channel with readings or followers, sorted by id."""
    by_channel: dict[str, list[MetricRow]] = defaultdict(list)
    for row in totals:
        by_channel[row.channel].append(row)
    follower_series: dict[str, list[tuple[date, int]]] = defaultdict(list)
    platforms: dict[str, str] = {r.channel: r.platform for r in totals}
    for f in followers:
        platforms.setdefault(f.channel, f.platform)
        if f.followers is not None:
            follower_series[f.channel].append((f.date, f.followers))
    out = []
    for cid in sorted(set(by_channel) | set(follower_series)):
        rows = by_channel.get(cid, [])
        out.append(
            ChannelStats(
                cid,
                platforms[cid],
                tuple(sorted(follower_series.get(cid, []))),
                weekly_counts(_local_day(r, tz) for r in rows),
                len(rows),
                median(r.engagement for r in rows),
            )
        )
    return out


# ---------------------------------------------------------------- what works


@dataclass(frozen=True)
class Group:
    """Posts sharing a tag, a campaign or a type: how many, and their median engagement."""

    name: str
    posts: int
    median_engagement: float | None


def _groups(
    totals: Iterable[MetricRow], keys_of: Callable[[MetricRow], Iterable[str]]
) -> list[Group]:
    values: dict[str, list[int | None]] = defaultdict(list)
    for row in totals:
        for key in keys_of(row):
            values[key].append(row.engagement)
    groups = [Group(k, len(v), median(v)) for k, v in values.items()]
    groups.sort(key=lambda g: (g.median_engagement is None, -(g.median_engagement or 0), g.name))
    return groups


def by_tag(totals: Iterable[MetricRow]) -> list[Group]:
    """Engagement by content tag (pillar); a post with two tags counts under both."""
    return _groups(totals, lambda r: r.tags or (NO_TAG,))


def by_campaign(totals: Iterable[MetricRow]) -> list[Group]:
    return _groups(totals, lambda r: (r.campaign or NO_CAMPAIGN,))


def by_type(totals: Iterable[MetricRow]) -> list[Group]:
    """Engagement by what the channel got: thread, image, link or text."""
    return _groups(totals, lambda r: (r.type or "unknown",))


# ---------------------------------------------------------------- best time


@dataclass(frozen=True)
class Heatmap:
    """Median engagement by weekday (0 = Monday) and hour in the brand's timezone, and the
    number of posts behind each cell."""

    cells: dict[tuple[int, int], tuple[float, int]]

    @property
    def hours(self) -> range:
        """The hours from the earliest to the latest with posts (all 24 when empty)."""
        if not self.cells:
            return range(0)
        hours = [h for _, h in self.cells]
        return range(min(hours), max(hours) + 1)

    @property
    def highest(self) -> float:
        return max((m for m, _ in self.cells.values()), default=0.0)

    def best(self, n: int = 3) -> list[tuple[int, int, float, int]]:
        """The ``n`` cells with the highest median (ties: more posts first)."""
        ranked = sorted(self.cells.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        return [(d, h, m, c) for (d, h), (m, c) in ranked[:n]]


def heatmap(totals: Iterable[MetricRow], tz: tzinfo) -> Heatmap:
    """Readings without a publication time or without engagement are left out."""
    values: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in totals:
        if row.published_at is None or row.engagement is None:
            continue
        local = row.published_at.astimezone(tz)
        values[local.weekday(), local.hour].append(row.engagement)
    return Heatmap({k: (statistics.median(v), len(v)) for k, v in values.items()})


# ---------------------------------------------------------------- goals


@dataclass(frozen=True)
class GoalProgress:
    """Where a goal stands on ``as_of`` (the last day with data) and where the trend leads.

    ``status``: ``reached``, ``on track`` (the trend reaches the target by the goal's date),
    ``off track`` or ``no data``. ``reach_on`` is the day the trend reaches the target (None
    when it never does: flat or falling)."""

    goal: Goal
    history: tuple[tuple[date, float], ...]
    current: float | None
    as_of: date | None
    projected: float | None
    """The trend's value on the goal's date."""
    reach_on: date | None
    status: str
    unit: str

    @property
    def percent(self) -> int | None:
        if self.current is None or not self.goal.target:
            return None
        return min(100, round(100 * self.current / self.goal.target))


def projection(history: Sequence[tuple[date, float]]) -> tuple[float, float] | None:
    """Least-squares line through the last :data:`TREND_DAYS` of ``history``: (value on the
    last day, change per day); None with fewer than two days."""
    if not history:
        return None
    end = history[-1][0]
    recent = [(d, v) for d, v in history if (end - d).days < TREND_DAYS]
    if len(recent) < 2:
        return None
    xs = [(d - end).days for d, _ in recent]
    ys = [v for _, v in recent]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my - slope * mx, slope


ANSWERED_WITHIN = "% answered within the target"


def _goal_history(
    goal: Goal,
    totals: Sequence[MetricRow],
    channels: Sequence[ChannelStats],
    tz: tzinfo,
    inbox: InboxFacts | None = None,
) -> tuple[list[tuple[date, float]], str]:
    if goal.metric == "answered_within":
        return (share_history(inbox, goal.channel, tz) if inbox else []), ANSWERED_WITHIN
    wanted = [c for c in channels if goal.channel in (None, c.channel)]
    if goal.metric == "followers":
        per_day: dict[date, float] = defaultdict(float)
        seen: dict[date, int] = defaultdict(int)
        for c in wanted:
            for day, n in c.followers:
                per_day[day] += n
                seen[day] += 1
        # all channels together: only days on which every channel reported
        days = [d for d in sorted(per_day) if seen[d] == len([c for c in wanted if c.followers])]
        return [(d, per_day[d]) for d in days], "followers"
    rows = [r for r in totals if goal.channel in (None, r.channel)]
    if goal.metric == "posts_per_week":
        if goal.channel is None:  # a post on three channels is one post
            firsts: dict[str, date] = {}
            for r in rows:
                day = _local_day(r, tz)
                firsts[r.post] = min(day, firsts.get(r.post, day))
            days = list(firsts.values())
        else:
            days = [_local_day(r, tz) for r in rows]
        weeks = weekly_counts(days)
        return [(w + timedelta(days=6), float(n)) for w, n in weeks], "posts a week"
    # engagement: the median per post of the posts published each week
    by_week: dict[date, list[int | None]] = defaultdict(list)
    for r in rows:
        by_week[week_of(_local_day(r, tz))].append(r.engagement)
    history = []
    for week in sorted(by_week):
        m = median(by_week[week])
        if m is not None:
            history.append((week + timedelta(days=6), float(m)))
    return history, "median engagement per post"


def goal_progress(
    goal: Goal,
    totals: Sequence[MetricRow],
    channels: Sequence[ChannelStats],
    tz: tzinfo,
    inbox: InboxFacts | None = None,
) -> GoalProgress:
    """Where ``goal`` stands. ``answered_within`` goals are measured on ``inbox`` (the
    inbox record and brand.yaml's ``inbox.respond_within``): the share answered within the
    target per week of arrival, see :mod:`tidings.metrics.inbox`."""
    history, unit = _goal_history(goal, totals, channels, tz, inbox)
    if not history:
        return GoalProgress(goal, (), None, None, None, None, "no data", unit)
    as_of, current = history[-1]
    line = projection(history)
    projected = reach_on = None
    if current >= goal.target:
        status, reach_on = "reached", as_of
    elif line is None:
        status = "off track"
    else:
        level, slope = line
        projected = level + slope * (goal.by - as_of).days
        if slope > 0:
            reach_on = as_of + timedelta(days=max(0, int(-(-(goal.target - level) // slope))))
        status = "on track" if reach_on is not None and reach_on <= goal.by else "off track"
    return GoalProgress(goal, tuple(history), current, as_of, projected, reach_on, status, unit)


# ---------------------------------------------------------------- competitors


@dataclass(frozen=True)
class CompetitorStats:
    """One competitor account as the latest snapshot read it, and its followers over time."""

    name: str
    platform: str
    handle: str
    latest: CompetitorReading
    day: date
    followers: tuple[tuple[date, int], ...]


def competitor_stats(snapshots: Sequence[Snapshot]) -> list[CompetitorStats]:
    """Per (name, platform, handle), sorted: the latest reading and followers per day."""
    found: dict[tuple[str, str, str], tuple[date, CompetitorReading]] = {}
    followers: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    for snapshot in snapshots:
        for c in snapshot.competitors:
            key = (c.name, c.platform, c.handle)
            found[key] = (snapshot.day, c)
            if c.followers is not None:
                followers[key].append((snapshot.day, c.followers))
    return [
        CompetitorStats(*key, found[key][1], found[key][0], tuple(followers.get(key, ())))
        for key in sorted(found)
    ]
