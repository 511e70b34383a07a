"""The dashboards of the preview site, from the metrics history (``metrics/``).

    dashboards/index.md          overview: the channels at a glance, the CSV, what is where
    dashboards/channels.md       per channel: followers, posts per week, median engagement
    dashboards/what-works.md     engagement by tag, campaign and post type
    dashboards/best-time.md      median engagement by weekday × hour (brand's timezone)
    dashboards/goals.md          brand/goals.yaml: progress and projection
    dashboards/competitors.md    brand/competitors.yaml: as the snapshots read them
    metrics.csv                  exactly what `tidings metrics export --format csv` prints

and a metrics section at the end of each post page. The numbers come from
:mod:`tidings.metrics.dashboards`, their charts and tables from :mod:`.dashboard_views`; this module
reads the history once and puts the pages together.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from tidings.errors import InboxError
from tidings.metrics import dashboards as d
from tidings.metrics.export import CsvWriter, FollowerRow, MetricRow, RowMaker, follower_rows
from tidings.metrics.inbox import InboxFacts
from tidings.metrics.report import MonthRecorder
from tidings.metrics.snapshots import Snapshot
from tidings.site import dashboard_views as v
from tidings.site.charts import reserve_ids, reset_ids
from tidings.site.data import SiteData

CSV = "metrics.csv"
CSV_FILE = "build/site-data/metrics.csv"
INDEX = "dashboards/index.md"
SECTIONS = (
    ("dashboards/channels.md", "Channels", "followers, posts per week, engagement per post"),
    ("dashboards/what-works.md", "What works", "engagement by tag, campaign and post type"),
    ("dashboards/best-time.md", "Best time to post", "engagement by weekday and hour"),
    ("dashboards/goals.md", "Goals", "progress and projection for brand/goals.yaml"),
    ("dashboards/competitors.md", "Competitors", "the accounts of brand/competitors.yaml"),
)


@dataclass(frozen=True)
class Page:
    src: str
    title: str
    template: str
    context: dict[str, Any]
    in_nav: bool = False
    search: bool = False  # tables of numbers: only the overview is in the search index


class PostSections(Mapping[str, dict[str, Any]]):
    """Per post id, the context of its metrics section (posts with readings only), drawn
    when asked for: each post page's builder (a worker process, perhaps) draws its own
    chart, with the id it would have had had every chart been drawn in order."""

    def __init__(self) -> None:
        self._series: dict[str, tuple[str, list[d.Series], int | None]] = {}

    def add(self, pid: str, title: str, series: list[d.Series], chart_id: int | None) -> None:
        self._series[pid] = (title, series, chart_id)

    def __getitem__(self, pid: str) -> dict[str, Any]:
        title, series, chart_id = self._series[pid]
        return v.post_section(title, series, chart_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._series)

    def __len__(self) -> int:
        return len(self._series)


@dataclass
class Dashboards:
    pages: list[Page] = field(default_factory=list)
    post_sections: PostSections = field(default_factory=PostSections)
    """Per post id, the context of its metrics section (posts with readings only)."""
    csv: Path = Path()
    """The written ``metrics.csv`` (in ``build/site-data/``), copied into the site."""
    months: MonthRecorder = field(default_factory=MonthRecorder)
    """The same pass's readings by month, for the monthly reports."""


@dataclass
class _History:
    """What one pass over the history leaves: each (post, channel)'s latest reading, each
    post's series, followers per day, the competitors' readings, and the CSV on disk."""

    totals: list[MetricRow]
    series: dict[str, list[d.Series]]
    followers: list[FollowerRow]
    competitors: list[Snapshot]
    snapshots: int
    last_day: date | None
    months: MonthRecorder


def _read_history(data: SiteData, csv: Path) -> _History:
    """Read the history a snapshot at a time, writing ``metrics.csv`` on the way."""
    last: dict[tuple[str, str], MetricRow] = {}
    series = d.SeriesBuilder(data.tz)
    add = series.add
    months = MonthRecorder()
    add_month = months.add
    maker = RowMaker(data.ws)
    followers: list[FollowerRow] = []
    competitors: list[Snapshot] = []
    count, last_day = 0, None
    csv.parent.mkdir(parents=True, exist_ok=True)
    gc_was_on = gc.isenabled()
    gc.disable()  # many small objects and no cycles: collection passes would only cost time
    try:
        with csv.open("w", encoding="utf-8", newline="") as file:
            write = CsvWriter(file).write_many
            for snapshot in data.history():
                rows = maker.rows(snapshot)
                write(rows)
                for row in rows:
                    last[row.post, row.channel] = row
                    add(row)
                    add_month(row)
                read = follower_rows([snapshot])
                followers += read
                months.add_followers(read)
                if snapshot.competitors:
                    competitors.append(replace(snapshot, channels={}))
                count, last_day = count + 1, snapshot.day
    finally:
        if gc_was_on:
            gc.enable()
    totals = [last[key] for key in sorted(last)]
    return _History(totals, series.result(), followers, competitors, count, last_day, months)


def _inbox_facts(data: SiteData) -> InboxFacts | None:
    """What ``answered_within`` goals are measured on; None when the record does not read
    (the Inbox page says why)."""
    try:
        record = data.inbox()
    except InboxError:
        return None
    within = data.ws.brand.inbox.respond_within if data.ws.brand else None
    items = tuple(i for items in record.values() for i in items)
    return InboxFacts(items, within, data.now)


def build_dashboards(data: SiteData) -> Dashboards:
    """Every dashboard page, the post sections and the CSV, from ``data.history()``."""
    reset_ids()
    ws, tz = data.ws, data.tz
    csv = ws.root / CSV_FILE  # a file, not a string: a long history makes a big table
    history = _read_history(data, csv)
    out = Dashboards(csv=csv, months=history.months)
    totals = history.totals
    stats = d.channel_stats(totals, history.followers, tz)
    last_day = history.last_day
    common = {
        "engagement": d.ENGAGEMENT,
        "csv": CSV,
        "last_day": v.date_text(last_day) if last_day else None,
        "snapshots": history.snapshots,
        "sections": SECTIONS,
        "tzname": str(tz),
        "fmt": v.fmt,
        "day": v.date_text,
    }

    shown = [(pid, ws.posts[pid].title, s) for pid, s in history.series.items() if pid in ws.posts]
    charted = [v.has_post_chart(series) for _, _, series in shown]
    next_id = reserve_ids(sum(charted))  # the post charts come first, as drawn in this order
    for (pid, title, series), chart in zip(shown, charted, strict=True):
        out.post_sections.add(pid, title, series, next_id if chart else None)
        next_id += chart

    out.pages.append(
        Page(
            INDEX,
            "Dashboards",
            "dashboards_index.html",
            {**common, "channels": stats},
            in_nav=True,
            search=True,
        )
    )
    out.pages.append(
        Page(
            SECTIONS[0][0],
            "Channels",
            "dashboards_channels.html",
            {**common, "channels": [(s, v.channel_charts(s)) for s in stats]},
        )
    )
    groups = [
        v.group_chart("tag", "tag", d.by_tag(totals)),
        v.group_chart("campaign", "campaign", d.by_campaign(totals)),
        v.group_chart("type", "post type", d.by_type(totals)),
    ]
    out.pages.append(
        Page(
            SECTIONS[1][0],
            "What works",
            "dashboards_groups.html",
            {**common, "charts": groups, "posts": len(totals)},
        )
    )
    heat = d.heatmap(totals, tz)
    out.pages.append(
        Page(
            SECTIONS[2][0],
            "Best time to post",
            "dashboards_heatmap.html",
            {
                **common,
                "hours": list(heat.hours),
                "rows": v.heat_rows(heat),
                "best": [(d.WEEKDAYS[day], h, v.fmt(m), n) for day, h, m, n in heat.best()],
            },
        )
    )
    facts = _inbox_facts(data) if any(g.metric == "answered_within" for g in ws.goals) else None
    goals = [v.goal_view(d.goal_progress(g, totals, stats, tz, facts)) for g in ws.goals]
    out.pages.append(
        Page(SECTIONS[3][0], "Goals", "dashboards_goals.html", {**common, "goals": goals})
    )
    rivals = d.competitor_stats(history.competitors)
    out.pages.append(
        Page(
            SECTIONS[4][0],
            "Competitors",
            "dashboards_competitors.html",
            {
                **common,
                "competitors": rivals,
                "configured": ws.competitors,
                "own": v.own_accounts(stats),
                "chart": v.competitor_chart(rivals),
            },
        )
    )
    return out


__all__ = ["CSV", "Dashboards", "Page", "build_dashboards"]
