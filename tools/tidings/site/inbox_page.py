"""The Inbox page of the preview site, from the inbox record (``inbox/``).

    community/index.md     Inbox: what waits for an answer (oldest first, its age, where to
                           answer it and the ``tidings new reply URL`` to copy), items per
                           channel per day, first-response times per channel and week
                           (median and 90th percentile), the share answered within
                           brand.yaml ``inbox.respond_within``
    community/listening.md Listening: matches per keyword per day, the newest matches

The numbers come from :mod:`tidings.metrics.inbox`, the charts from :mod:`.charts`, each
chart beside its table like the dashboards. An item's words are shown only while
brand.yaml ``inbox.keep_text`` keeps them (:func:`tidings.core.inbox.keep_text`, applied
again here: a file written before the brand turned it off still holds them until the
next run). The page is generated under ``community/`` because ``inbox.md`` is the guide's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tidings.core.inbox import keep_text
from tidings.core.listening import LATEST, volume
from tidings.core.listening import keep_text as listening_text
from tidings.errors import InboxError
from tidings.metrics import inbox as mi
from tidings.site.charts import line_chart
from tidings.site.dashboard_views import Chart, date_text, fmt
from tidings.site.dashboards_page import Page
from tidings.site.data import SiteData
from tidings.site.views import ContentLink
from tidings.workspace.inbox import InboxItem
from tidings.workspace.listening import Match
from tidings.workspace.model import InboxSettings, Post

SHOWN = 200
"""The waiting items listed, oldest first; the page says how many more wait (a backlog of
thousands is a number to act on, not a page to scroll)."""
INBOX_PAGE = "community/index.md"
LISTENING_PAGE = "community/listening.md"

__all__ = ["INBOX_PAGE", "LISTENING_PAGE", "build_inbox", "duration_text"]


def duration_text(span: timedelta) -> str:
    """A waiting or response time as people read it: ``45 min``, ``5 h 10 min``, ``24 h``,
    ``3 d 4 h`` (days from two on)."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    if days < 2:
        days, rest = 0, minutes
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


@dataclass(frozen=True)
class WaitingRow:
    channel: str
    kind: str
    author: str
    arrived: str
    age: str
    overdue: bool
    link: ContentLink | None
    command: str | None
    text: str | None
    answers: Post | None
    """Our post it answers, when the workspace still has it."""


def _waiting_rows(data: SiteData, waiting: Sequence[mi.Waiting]) -> list[WaitingRow]:
    rows = []
    for w in waiting:
        item = w.item
        url = item.url
        rows.append(
            WaitingRow(
                item.channel,
                str(item.kind),
                item.author,
                f"{data.local(item.at):%d %b %Y %H:%M}",
                duration_text(w.age),
                w.overdue,
                ContentLink.of(url, "answer on the platform") if url else None,
                f"tidings new reply {url}" if url else None,
                item.text,
                data.ws.posts.get(item.answers) if item.answers else None,
            )
        )
    return rows


def _per_day_chart(per_day: dict[str, list[tuple[date, int]]]) -> Chart:
    channels = list(per_day)
    cells: dict[date, dict[str, int]] = {}
    for channel, days in per_day.items():
        for day, n in days:
            cells.setdefault(day, {})[channel] = n
    total = sum(n for days in per_day.values() for _, n in days)
    return Chart(
        "inbox-per-day",
        "Items per channel per day",
        line_chart(
            "Inbox items arrived per channel per day",
            f"{total} items on {len(channels)} channel(s); one line per channel.",
            [(c, [(day, float(n)) for day, n in per_day[c]]) for c in channels],
        ),
        "Items arrived per day (the brand's time zone), per channel",
        ("date", *channels),
        tuple((date_text(day), *(cells[day].get(c, 0) for c in channels)) for day in sorted(cells)),
    )


def _response_charts(weeks: Sequence[mi.ResponseWeek]) -> list[Chart]:
    if not weeks:
        return []
    channels = list(dict.fromkeys(w.channel for w in weeks))

    def lines(value: str) -> list[tuple[str, list[tuple[date | int, float]]]]:
        return [
            (c, [(w.week, float(getattr(w, value))) for w in weeks if w.channel == c])
            for c in channels
        ]

    rows = tuple(
        (date_text(w.week), w.channel, w.answered, fmt(w.median_hours), fmt(w.p90_hours))
        for w in weeks
    )
    columns = ("week of", "channel", "answered", "median (h)", "90th percentile (h)")
    return [
        Chart(
            "inbox-median",
            "Median first-response time per week",
            line_chart(
                "Median first-response time in hours, per channel, by week of arrival",
                "One line per channel and one for all channels; lower is faster.",
                lines("median_hours"),
            ),
            "First-response time per week of arrival (its Monday) and channel, in hours",
            columns,
            rows,
        ),
        Chart(
            "inbox-p90",
            "90th-percentile first-response time per week",
            line_chart(
                "90th-percentile first-response time in hours, per channel, by week of arrival",
                "Nine in ten answered items were answered within this; one line per channel.",
                lines("p90_hours"),
            ),
            "90th-percentile first-response time per week of arrival and channel, in hours",
            ("week of", "channel", "answered", "90th percentile (h)"),
            tuple((r[0], r[1], r[2], r[4]) for r in rows),
        ),
    ]


def _share_rows(
    items: dict[str, list[InboxItem]], settings: InboxSettings, data: SiteData
) -> tuple[mi.Share | None, list[tuple[str, mi.Share]]]:
    within = settings.respond_within
    if within is None:
        return None, []
    every = [i for channel in items.values() for i in channel]
    per = [(c, mi.within_share(items[c], within, data.now)) for c in sorted(items)]
    return mi.within_share(every, within, data.now), per


def build_inbox(data: SiteData) -> list[Page]:
    """The Inbox page (and the Listening page); an unreadable record is said on the page."""
    settings = data.ws.brand.inbox if data.ws.brand else InboxSettings()
    problem = None
    try:
        record = data.inbox()
    except InboxError as exc:
        record, problem = {}, f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    record = {c: keep_text(items, settings, data.now) for c, items in record.items()}
    every = [i for items in record.values() for i in items if i.at <= data.now]
    waiting = mi.unanswered(every, data.now, settings.respond_within)
    total, per_channel = _share_rows(record, settings, data)
    weeks = mi.response_weeks(every, data.tz)
    goals = [g for g in data.ws.goals if g.metric == "answered_within"]
    common: dict[str, Any] = {
        "inbox_page": INBOX_PAGE,
        "listening_page": LISTENING_PAGE,
        "problem": problem,
        "fmt": fmt,
    }
    within = settings.respond_within
    inbox = Page(
        INBOX_PAGE,
        "Inbox",
        "inbox.html",
        {
            **common,
            "recorded": len(every),
            "waiting": _waiting_rows(data, waiting[:SHOWN]),
            "waiting_total": len(waiting),
            "overdue": sum(w.overdue for w in waiting),
            "within": duration_text(within) if within else None,
            "share": total,
            "per_channel": per_channel,
            "per_day": _per_day_chart(mi.daily_counts(every, data.tz)) if every else None,
            "responses": _response_charts(weeks),
            "answered": sum(i.first_response is not None for i in every),
            "goals": goals,
            "keep_text": settings.keep_text,
        },
        in_nav=True,
        search=False,
    )
    return [inbox, _listening_page(data, settings, common)]


def _listening_page(data: SiteData, settings: InboxSettings, common: dict[str, Any]) -> Page:
    terms = data.ws.brand.listening.terms if data.ws.brand else ()
    problem = None
    try:
        records = data.listening()
    except InboxError as exc:
        records, problem = {}, f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    counts: dict[tuple[str, date], int] = {}
    latest: dict[str, list[tuple[str, Match]]] = {}
    for channel, record in sorted(records.items()):
        record = listening_text(record, settings, data.now)
        for key, n in record.counts.items():
            counts[key] = counts.get(key, 0) + n
        for term, matches in record.latest.items():
            latest.setdefault(term, []).extend((channel, m) for m in matches if m.at <= data.now)
    shown = [*terms, *sorted({t for t, _ in counts} - set(terms))]
    series = volume(counts, shown)
    chart = None
    if series:
        days = sorted({d for points in series.values() for d, _ in points})
        chart = Chart(
            "listening-volume",
            "Matches per day, per term",
            line_chart(
                "Public posts matching each listening term per day",
                f"{len(series)} term(s), all channels together; one line per term.",
                [(t, [(d, float(n)) for d, n in points]) for t, points in series.items()],
            ),
            "Public posts matching each term per day (UTC), all channels together",
            ("date", *series),
            tuple((date_text(d), *(counts.get((t, d), 0) for t in series)) for d in days),
        )
    newest = [
        (
            term,
            [
                (
                    channel,
                    ContentLink.of(m.url, "open") if m.url else None,
                    m.author,
                    f"{data.local(m.at):%d %b %Y %H:%M}",
                    m.text,
                )
                for channel, m in sorted(latest[term], key=lambda cm: cm[1].at, reverse=True)[
                    :LATEST
                ]
            ],
        )
        for term in shown
        if latest.get(term)
    ]
    return Page(
        LISTENING_PAGE,
        "Listening",
        "listening.html",
        {
            **common,
            "problem": problem,
            "terms": terms,
            "chart": chart,
            "newest": newest,
            "total": sum(counts.values()),
            "keep_text": settings.keep_text,
        },
        search=False,
    )
