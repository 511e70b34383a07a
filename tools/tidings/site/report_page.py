"""The monthly report: one printable page per month, in the site and on its own.

    reports/index.md        every month with data, newest first
    reports/YYYY-MM.md      one month: posting, top posts, channels, goals, inbox,
                            campaigns, what worked

The numbers come from :mod:`tidings.metrics.report` (the rows of ``tidings metrics
export``), the charts and tables from :mod:`.dashboard_views`, as on the dashboards.
:func:`standalone_html` wraps the same page in a document of its own (styles inline, charts
inline SVG: nothing fetched) for ``tidings report`` and its ``--pdf``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from markupsafe import escape

from tidings.errors import InboxError
from tidings.metrics import dashboards as d
from tidings.metrics.export import MetricRow, RowMaker, follower_rows
from tidings.metrics.report import Month, MonthNumbers, MonthRecorder, month_numbers
from tidings.site import dashboard_views as v
from tidings.site.charts import bar_chart, reset_ids
from tidings.site.data import SiteData
from tidings.site.links import absolute, page_url, safe_href
from tidings.site.post_page import post_src
from tidings.site.templates import render_template
from tidings.workspace import layout
from tidings.workspace.inbox import InboxItem

INDEX = "reports/index.md"
ASSETS = Path(__file__).parent / "assets"
STYLES = ("tidings.css", "dashboards.css", "report.css")
SECTIONS = (
    ("posting", "Posts published per channel"),
    ("top-posts", "Top posts by engagement"),
    ("channels", "Followers and engagement per channel"),
    ("goals", "Progress on goals"),
    ("inbox", "Inbox response times"),
    ("campaigns", "Campaigns that ran"),
    ("what-worked", "What worked"),
)
"""Each section's id and heading, in the page's order (the tests look for every heading)."""
EXCERPT = 160


def report_src(month: Month) -> str:
    return f"reports/{month.key}.md"


def read_recorder(data: SiteData) -> MonthRecorder:
    """The history read once into a :class:`MonthRecorder` (rows made as the export makes
    them)."""
    recorder = MonthRecorder()
    maker = RowMaker(data.ws)
    for snapshot in data.history():
        for row in maker.rows(snapshot):
            recorder.add(row)
        recorder.add_followers(follower_rows([snapshot]))
    return recorder


def read_inbox(data: SiteData) -> Mapping[str, Sequence[InboxItem]] | None:
    """The inbox's items by channel, or None when the workspace has no ``inbox/`` or its
    record does not read (the Inbox page says which file and line)."""
    if not (data.ws.root / layout.INBOX).is_dir():
        return None
    try:
        return data.inbox()
    except InboxError:
        return None


def report_months(data: SiteData, recorder: MonthRecorder) -> list[Month]:
    """The months the site has a report for: those with readings or planned posts, up to
    the month of ``data.now``."""
    found = set(recorder.months)
    found |= {Month.of(j.at.astimezone(data.tz).date()) for j in data.jobs}
    current = Month.of(data.local(data.now).date())
    return sorted(m for m in found if m <= current)


def numbers(
    data: SiteData,
    month: Month,
    recorder: MonthRecorder,
    inbox: Mapping[str, Sequence[InboxItem]] | None,
) -> MonthNumbers:
    return month_numbers(data.ws, month, recorder, data.jobs, data.tz, data.now, inbox)


# ---------------------------------------------------------------- the page's views


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + v.fmt(value)


def _duration(t: timedelta | None) -> str:
    if t is None:
        return "–"
    minutes = round(t.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    return f"{hours / 24:.1f} days"


@dataclass(frozen=True)
class TopPost:
    rank: int
    title: str
    channel: str
    engagement: str
    text: str
    url: str | None
    page: str | None
    row: MetricRow


def _top_posts(data: SiteData, n: MonthNumbers, link: Any) -> list[TopPost]:
    out = []
    for rank, row in enumerate(n.top, 1):
        post = data.ws.posts.get(row.post)
        parts = post.parts_for(row.channel) if post else ()
        text = parts[0].text if parts else ""
        if len(text) > EXCERPT:
            text = text[: EXCERPT - 1].rstrip() + "…"
        entry = data.ws.ledger.get(row.post)
        record = entry.channels.get(row.channel) if entry else None
        url = next((p.url for p in record.parts if p.url), None) if record else None
        out.append(
            TopPost(
                rank,
                post.title if post else row.post,
                row.channel,
                v.fmt(row.engagement),
                text,
                safe_href(url),
                link(post_src(row.post)) if post else None,
                row,
            )
        )
    return out


def _goal(p: d.GoalProgress, month: Month) -> dict[str, Any]:
    """The dashboards' view of a goal, its table cut to the month's rows (the chart keeps
    the whole history and the trend)."""
    view = v.goal_view(p)
    chart: v.Chart = view["chart"]
    rows = tuple(
        row for (day, _), row in zip(p.history, chart.rows, strict=True) if month.contains(day)
    )
    caption = f"{chart.caption}, {month.label}"
    return {**view, "chart": replace(chart, rows=rows, caption=caption)}


def report_context(data: SiteData, n: MonthNumbers, link: Any) -> dict[str, Any]:
    """What ``report.html`` shows of ``n``; ``link`` turns a source path into an href."""
    with_numbers = {c.channel: c.posts for c in n.channels}
    posting = v.Chart(
        "posting-chart",
        "Published per channel",
        bar_chart(
            f"Posts published per channel in {n.month.label}",
            "Published (post, channel) pairs as the ledger records them.",
            [(p.channel, float(p.published)) for p in n.posting if p.published],
        ),
        f"Posts per channel in {n.month.label}",
        (
            "channel",
            "planned",
            "published",
            "missed",
            "failed",
            "not recorded",
            "upcoming",
            "with numbers",
        ),
        tuple(
            (
                p.channel,
                p.planned,
                p.published,
                p.missed,
                p.failed,
                p.unrecorded,
                p.upcoming,
                with_numbers.get(p.channel, 0),
            )
            for p in n.posting
        ),
    )
    channels = v.Chart(
        "channels-chart",
        "Engagement per channel",
        bar_chart(
            f"Engagement of the posts published in {n.month.label}, per channel",
            f"Engagement is {d.ENGAGEMENT}, at the month's last snapshot.",
            [(c.channel, float(c.engagement)) for c in n.channels if c.engagement is not None],
        ),
        f"Followers and engagement per channel, {n.month.label} against {n.month.prev.label}",
        (
            "channel",
            "followers",
            "change",
            "posts",
            "engagement",
            "change",
            "median per post",
            f"median in {n.month.prev.first:%b}",
        ),
        tuple(
            (
                c.channel,
                v.fmt(c.followers),
                _signed(c.followers_change),
                c.posts,
                v.fmt(c.engagement),
                _signed(c.engagement_change),
                v.fmt(c.median),
                v.fmt(c.median_before),
            )
            for c in n.channels
        ),
    )
    what_worked = [
        v.group_chart("tag", "tag", n.tags),
        v.group_chart("type", "post type", n.types),
    ]
    best = [
        (d.WEEKDAYS[day], f"{hour:02d}:00", v.fmt(m), posts) for day, hour, m, posts in n.best_times
    ]
    return {
        "n": n,
        "month": n.month,
        "sections": SECTIONS,
        "posting": posting,
        "top": _top_posts(data, n, link),
        "channels": channels,
        "goals": [_goal(g, n.month) for g in n.goals],
        "inbox": [
            (i, _duration(i.median_response), _duration(i.slowest_response)) for i in n.inbox or ()
        ]
        if n.inbox is not None
        else None,
        "what_worked": what_worked,
        "best": best,
        "lead_tag": n.tags[0] if n.tags and n.tags[0].median_engagement is not None else None,
        "lead_type": n.types[0] if n.types and n.types[0].median_engagement is not None else None,
        "engagement": d.ENGAGEMENT,
        "fmt": v.fmt,
        "day": v.date_text,
        "tzname": str(data.tz),
        "brand": data.brand_name,
    }


def report_body(data: SiteData, n: MonthNumbers, link: Any) -> str:
    """The report's HTML (the page's body, as the site shows it)."""
    reset_ids()
    return render_template("report.html", **report_context(data, n, link))


def standalone_html(data: SiteData, n: MonthNumbers) -> str:
    """The report as a document of its own: styles inline, links to the published site when
    ``site.url`` is set (else post pages are not linked)."""

    def link(src: str) -> str | None:
        return absolute(data.site_url, page_url(src))

    body = report_body(data, n, link)
    css = "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in STYLES)
    language = data.ws.brand.language if data.ws.brand else "en"
    title = f"{data.brand_name}: report for {n.month.label}"
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css}</style></head>"
        f'<body class="td-report-doc"><main class="md-typeset">{body}</main></body></html>\n'
    )


__all__ = [
    "INDEX",
    "SECTIONS",
    "numbers",
    "read_inbox",
    "read_recorder",
    "report_body",
    "report_context",
    "report_months",
    "report_src",
    "standalone_html",
]
