"""What the inbox record says: the numbers behind the site's Inbox page and the
``answered_within`` goal.

Pure: everything here works on :class:`~tidings.workspace.inbox.InboxItem` values (as
:func:`tidings.workspace.inbox.read_all` gives them), a time zone and ``now``; nothing
reads files or draws.

Definitions, each in one place:

- *unanswered*: status ``new`` (``no-reply-needed`` is a decision, not a backlog);
- *first-response time*: :attr:`InboxItem.first_response` (arrival to the brand's reply);
- the 90th percentile is the nearest-rank one (the smallest time at least 90 % of the
  answered items were answered within), so it is always a time that really happened;
- *answered within the target* (:func:`within_share`): of the items whose outcome is known,
  the share answered within ``respond_within``. Known: answered (in time or late), or still
  ``new`` longer than the target (late whatever happens next). An item still ``new`` and
  younger than the target is not counted yet, nor is one marked ``no-reply-needed``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from tidings.workspace.inbox import InboxItem, InboxStatus

__all__ = [
    "ALL",
    "InboxFacts",
    "ResponseWeek",
    "Share",
    "Waiting",
    "daily_counts",
    "nearest_rank",
    "response_weeks",
    "share_history",
    "unanswered",
    "weekly_share",
    "within_share",
]


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Waiting:
    """An unanswered item and how long it has waited at ``now``."""

    item: InboxItem
    age: timedelta
    overdue: bool
    """Waited longer than brand.yaml's ``inbox.respond_within`` (False without one)."""


def unanswered(
    items: Iterable[InboxItem], now: datetime, within: timedelta | None = None
) -> list[Waiting]:
    """Every ``new`` item, oldest first (then by channel and id), with its age."""
    found = [i for i in items if i.status is InboxStatus.NEW]
    found.sort(key=lambda i: (i.at, i.channel, i.id))
    return [
        Waiting(i, max(now - i.at, timedelta(0)), within is not None and now - i.at > within)
        for i in found
    ]


def daily_counts(items: Iterable[InboxItem], tz: tzinfo) -> dict[str, list[tuple[date, int]]]:
    """Items arrived per channel per day (the brand's time zone), days in order; a day
    with none between two with some is 0, so a chart's line falls to it."""
    per: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        per[item.channel][item.at.astimezone(tz).date()] += 1
    out: dict[str, list[tuple[date, int]]] = {}
    for channel in sorted(per):
        days = per[channel]
        first, last = min(days), max(days)
        span = (last - first).days
        out[channel] = [
            (first + timedelta(days=n), days.get(first + timedelta(days=n), 0))
            for n in range(span + 1)
        ]
    return out


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of ``values`` (not empty): the smallest value that at
    least ``percent`` % of them are at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ResponseWeek:
    """First-response times of the items that arrived in one week (its Monday) on one
    channel (or ``all``), in hours."""

    channel: str
    week: date
    answered: int
    median_hours: float
    p90_hours: float


ALL = "all channels"


def response_weeks(items: Iterable[InboxItem], tz: tzinfo) -> list[ResponseWeek]:
    """Median and 90th-percentile first-response time per channel per week of arrival,
    and for all channels together (channel :data:`ALL`); sorted by channel then week."""
    hours: dict[tuple[str, date], list[float]] = defaultdict(list)
    for item in items:
        took = item.first_response
        if took is None:
            continue
        week = _week_of(item.at.astimezone(tz).date())
        value = took.total_seconds() / 3600
        hours[item.channel, week].append(value)
        hours[ALL, week].append(value)
    return [
        ResponseWeek(
            channel,
            week,
            len(values),
            statistics.median(values),
            nearest_rank(values, 90),
        )
        for (channel, week), values in sorted(
            hours.items(), key=lambda kv: (kv[0][0] == ALL, kv[0])
        )
    ]


@dataclass(frozen=True)
class Share:
    """How many items of known outcome were answered within the target."""

    in_time: int
    counted: int
    waiting: int
    """Still ``new`` and younger than the target: not counted yet."""

    @property
    def percent(self) -> float | None:
        return None if not self.counted else 100 * self.in_time / self.counted


def within_share(items: Iterable[InboxItem], within: timedelta, now: datetime) -> Share:
    """The share answered within ``within``; see the module docstring for what counts."""
    in_time = counted = waiting = 0
    for item in items:
        if item.status is InboxStatus.ANSWERED:
            took = item.first_response
            counted += 1
            in_time += took is not None and took <= within
        elif item.status is InboxStatus.NEW:
            if now - item.at > within:
                counted += 1
            else:
                waiting += 1
    return Share(in_time, counted, waiting)


def weekly_share(
    items: Iterable[InboxItem], within: timedelta, now: datetime, tz: tzinfo
) -> list[tuple[date, Share]]:
    """:func:`within_share` of the items that arrived each week (its Monday), in order."""
    weeks: dict[date, list[InboxItem]] = defaultdict(list)
    for item in items:
        weeks[_week_of(item.at.astimezone(tz).date())].append(item)
    return [(week, within_share(weeks[week], within, now)) for week in sorted(weeks)]


@dataclass(frozen=True)
class InboxFacts:
    """What the ``answered_within`` goal is measured on: every recorded item, the brand's
    target (None when brand.yaml sets no ``inbox.respond_within``) and the moment."""

    items: tuple[InboxItem, ...]
    within: timedelta | None
    now: datetime


def share_history(facts: InboxFacts, channel: str | None, tz: tzinfo) -> list[tuple[date, float]]:
    """The ``answered_within`` goal's history: per week of arrival (dated its Sunday), the
    percentage answered within the target, weeks with no item of known outcome left out."""
    if facts.within is None:
        return []
    items = [i for i in facts.items if channel in (None, i.channel)]
    out = []
    for week, share in weekly_share(items, facts.within, facts.now, tz):
        if share.percent is not None:
            out.append((week + timedelta(days=6), share.percent))
    return out
