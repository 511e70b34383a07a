"""The dashboards of the preview site, from the metrics history (``metrics/``).

    dashboards/index.md          overview: the channels at a glance, the CSV, what is where
    dashboards/channels.md       per channel: followers, posts per week, median engagement
    dashboards/what-works.md     engagement by tag, campaign and post type
    dashboards/best-time.md      median engagement by weekday × hour (brand's timezone)
    dashboards/goals.md          brand/goals.yaml: progress and projection
    dashboards/competitors.md    brand/competitors.yaml: as the snapshots read them
    metrics.csv                  exactly what `tidings metrics export --format csv` prints

and a metrics section at the end of each post page. The numbers come from
:mod:`tidings.dashboards`; this module only shapes them into charts (:mod:`.charts`) and
the tables beside them.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import dashboards as d
from ..metrics import Snapshot
from ..metrics_export import CsvWriter, FollowerRow, MetricRow, RowMaker, follower_rows
from .charts import bar_chart, line_chart, reset_ids
from .colors import text_on
from .data import SiteData

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
HEAT_LOW, HEAT_HIGH = (239, 246, 255), (30, 64, 175)  # light to dark blue


@dataclass(frozen=True)
class Chart:
    """A chart and the table that is its accessible version: ``columns`` head ``rows``;
    each row's first cell is its header (``th scope="row"``)."""

    id: str
    title: str
    svg: Markup
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Page:
    src: str
    title: str
    template: str
    context: dict[str, Any]
    in_nav: bool = False
    search: bool = False  # tables of numbers: only the overview is in the search index


@dataclass
class Dashboards:
    pages: list[Page] = field(default_factory=list)
    post_sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per post id, the context of its metrics section (posts with readings only)."""
    csv: Path = Path()
    """The written ``metrics.csv`` (in ``build/site-data/``), copied into the site."""


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for a table: whole numbers plain, others rounded; None as an en dash."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _day(day: date) -> str:
    return f"{day:%d %b %Y}"


# ---------------------------------------------------------------- per post


def _post_section(title: str, series: Sequence[d.Series]) -> dict[str, Any]:
    """The chart of engagement by day since publication, one line per channel; its table
    has a row per day and a column per channel. The latest counts get a table of their own."""
    lines = [
        (s.channel, [(r.age, float(r.engagement)) for r in s.readings if r.engagement is not None])
        for s in series
    ]
    by_age: dict[int, dict[str, d.Reading]] = {}
    for s in series:
        for r in s.readings:
            by_age.setdefault(r.age, {})[s.channel] = r
    channels = [s.channel for s in series]
    rows = []
    for age in sorted(by_age):
        found = by_age[age]
        when = _day(next(iter(found.values())).day)
        cells = [fmt(found[c].engagement) if c in found else "" for c in channels]
        rows.append((age, when, *cells))
    chart = Chart(
        "post-metrics",
        "Engagement since publication",
        line_chart(
            f"Engagement of {title} by days since publication",
            f"One line per channel; engagement is {d.ENGAGEMENT}.",
            lines,
            "days since publication",
        ),
        "Engagement by day since publication, per channel",
        ("day", "date", *channels),
        tuple(rows),
    )
    last = [(s.channel, s.readings[-1]) for s in series if s.readings]
    return {"chart": chart, "last": last, "engagement": d.ENGAGEMENT, "fmt": fmt, "day": _day}


# ---------------------------------------------------------------- channels


def _channel_charts(stats: d.ChannelStats) -> list[Chart]:
    charts = []
    if stats.followers:
        charts.append(
            Chart(
                f"{stats.channel}-followers",
                "Followers",
                line_chart(
                    f"Followers of {stats.channel} over time",
                    f"From {fmt(stats.followers[0][1])} on {_day(stats.followers[0][0])} "
                    f"to {fmt(stats.followers[-1][1])} on {_day(stats.followers[-1][0])}.",
                    [(stats.channel, [(day, float(n)) for day, n in stats.followers])],
                ),
                f"Followers of {stats.channel} per day",
                ("date", "followers"),
                tuple((_day(day), fmt(n)) for day, n in stats.followers),
            )
        )
    if stats.posts_per_week:
        charts.append(
            Chart(
                f"{stats.channel}-posts",
                "Posts per week",
                line_chart(
                    f"Posts per week on {stats.channel}",
                    f"{stats.posts} posts with metrics over {len(stats.posts_per_week)} weeks.",
                    [("posts", [(week, float(n)) for week, n in stats.posts_per_week])],
                ),
                f"Posts on {stats.channel} per week (its Monday)",
                ("week of", "posts"),
                tuple((_day(week), n) for week, n in stats.posts_per_week),
            )
        )
    return charts


# ---------------------------------------------------------------- what works


def _group_chart(key: str, what: str, groups: Sequence[d.Group]) -> Chart:
    known = [
        (g.name, float(g.median_engagement)) for g in groups if g.median_engagement is not None
    ]
    return Chart(
        f"by-{key}",
        f"By {what}",
        bar_chart(
            f"Median engagement per post by {what}",
            f"Highest first. Engagement is {d.ENGAGEMENT}.",
            known,
        ),
        f"Median engagement per post by {what}",
        (what, "posts", "median engagement"),
        tuple((g.name, g.posts, fmt(g.median_engagement)) for g in groups),
    )


# ---------------------------------------------------------------- best time


@dataclass(frozen=True)
class HeatCell:
    text: str
    posts: int
    style: str
    label: str


def _mix(share: float) -> str:
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_rows(heat: d.Heatmap) -> list[tuple[str, list[HeatCell | None]]]:
    """One row per weekday, a cell per hour: None where nothing was posted. The colour
    scales with the median; the text colour keeps AA contrast on it."""
    top = heat.highest or 1.0
    rows = []
    for day, name in enumerate(d.WEEKDAYS):
        cells: list[HeatCell | None] = []
        for hour in heat.hours:
            found = heat.cells.get((day, hour))
            if found is None:
                cells.append(None)
                continue
            value, posts = found
            bg = _mix(value / top)
            cells.append(
                HeatCell(
                    fmt(value),
                    posts,
                    f"background-color:{bg};color:{text_on(bg)}",
                    f"{name} {hour:02d}:00: median {fmt(value)} from {posts} post"
                    + ("s" if posts != 1 else ""),
                )
            )
        rows.append((name, cells))
    return rows


# ---------------------------------------------------------------- goals


def _goal_view(p: d.GoalProgress) -> dict[str, Any]:
    goal = p.goal
    history = [(day, value) for day, value in p.history]
    series: list[tuple[str, list[tuple[date | int, float]]]] = [("actual", list(history))]
    if p.as_of is not None and p.projected is not None and p.current is not None:
        series.append(("trend", [(p.as_of, p.current), (goal.by, max(0.0, p.projected))]))
    if history:
        start = min(history[0][0], goal.by)
        series.append(
            ("target", [(start, goal.target), (max(goal.by, history[-1][0]), goal.target)])
        )
    where = f" on {goal.channel}" if goal.channel else " on all channels"
    chart = Chart(
        f"goal-{goal.id}",
        goal.id,
        line_chart(
            f"{goal.id}: {p.unit}{where}, target {fmt(goal.target)} by {_day(goal.by)}",
            f"Status: {p.status}.",
            series,
        ),
        f"{p.unit.capitalize()}{where}",
        ("date", p.unit),
        tuple((_day(day), fmt(value)) for day, value in history),
    )
    if p.status == "reached":
        verdict = f"Reached: {fmt(p.current)} on {_day(p.as_of)}." if p.as_of else "Reached."
    elif p.status == "no data":
        verdict = "No data yet: it shows once snapshots hold these numbers."
    elif p.reach_on is not None and p.status == "on track":
        verdict = f"On track: at the trend of the last four weeks it is reached around {_day(p.reach_on)}."
    elif p.reach_on is not None:
        verdict = (
            f"Off track: at the trend of the last four weeks it is reached around "
            f"{_day(p.reach_on)}, after {_day(goal.by)}."
        )
    else:
        verdict = "Off track: the trend of the last four weeks is flat or falling, so it is never reached at this rate."
    return {"progress": p, "chart": chart, "verdict": verdict, "where": where.strip()}


# ---------------------------------------------------------------- the whole set


def _own_accounts(stats: Sequence[d.ChannelStats]) -> list[tuple[str, str, str, str, str]]:
    """Our own channels on the competitors' platforms, comparable with them: followers,
    the last four weeks' posts per week, median engagement per post."""
    out = []
    for s in stats:
        if s.platform not in ("mastodon", "bluesky"):
            continue
        recent = s.posts_per_week[-4:]
        per_week = sum(n for _, n in recent) / len(recent) if recent else None
        out.append(
            (
                s.channel,
                s.platform,
                fmt(s.current_followers),
                fmt(per_week),
                fmt(s.median_engagement),
            )
        )
    return out


def build_dashboards(data: SiteData) -> Dashboards:
    """Every dashboard page, the post sections and the CSV, from ``data.history()``."""
    reset_ids()
    ws, tz = data.ws, data.tz
    # one pass over the history, a snapshot at a time: the CSV, each post's latest reading
    # and its series, followers, competitors
    last: dict[tuple[str, str], MetricRow] = {}
    series = d.SeriesBuilder(tz)
    add = series.add
    maker = RowMaker(ws)
    followers: list[FollowerRow] = []
    competitors: list[Snapshot] = []
    count, last_day = 0, None
    csv = ws.root / CSV_FILE  # a file, not a string: a long history makes a big table
    csv.parent.mkdir(parents=True, exist_ok=True)
    gc_was_on = gc.isenabled()
    gc.disable()  # many small objects and no cycles: collection passes would only cost time
    try:
        with csv.open("w", encoding="utf-8", newline="") as file:
            write = CsvWriter(file).write
            for snapshot in data.history():
                for row in maker.rows(snapshot):
                    write(row)
                    last[row.post, row.channel] = row
                    add(row)
                followers += follower_rows([snapshot])
                if snapshot.competitors:
                    competitors.append(replace(snapshot, channels={}))
                count, last_day = count + 1, snapshot.day
    finally:
        if gc_was_on:
            gc.enable()
    out = Dashboards(csv=csv)
    totals = [last[key] for key in sorted(last)]
    stats = d.channel_stats(totals, followers, tz)
    common = {
        "engagement": d.ENGAGEMENT,
        "csv": CSV,
        "last_day": _day(last_day) if last_day else None,
        "snapshots": count,
        "sections": SECTIONS,
        "tzname": str(tz),
        "fmt": fmt,
        "day": _day,
    }

    for pid, channels in series.result().items():
        post = ws.posts.get(pid)
        if post is not None:
            out.post_sections[pid] = _post_section(post.title, channels)

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
            {**common, "channels": [(s, _channel_charts(s)) for s in stats]},
        )
    )
    groups = [
        _group_chart("tag", "tag", d.by_tag(totals)),
        _group_chart("campaign", "campaign", d.by_campaign(totals)),
        _group_chart("type", "post type", d.by_type(totals)),
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
                "rows": heat_rows(heat),
                "best": [(d.WEEKDAYS[day], h, fmt(m), n) for day, h, m, n in heat.best()],
            },
        )
    )
    goals = [_goal_view(d.goal_progress(g, totals, stats, tz)) for g in ws.goals]
    out.pages.append(
        Page(SECTIONS[3][0], "Goals", "dashboards_goals.html", {**common, "goals": goals})
    )
    rivals = d.competitor_stats(competitors)
    follower_lines = [
        (f"{c.name} ({c.platform})", [(day, float(n)) for day, n in c.followers]) for c in rivals
    ]
    chart = Chart(
        "competitor-followers",
        "Followers over time",
        line_chart(
            "Followers of the competitors' accounts over time",
            "One line per account.",
            follower_lines,
        ),
        "Followers of each competitor account per day",
        ("account", "date", "followers"),
        tuple(
            (name, _day(day), fmt(n))
            for name, points in follower_lines
            for day, n in points
            if isinstance(day, date)
        ),
    )
    out.pages.append(
        Page(
            SECTIONS[4][0],
            "Competitors",
            "dashboards_competitors.html",
            {
                **common,
                "competitors": rivals,
                "configured": ws.competitors,
                "own": _own_accounts(stats),
                "chart": chart,
            },
        )
    )
    return out


__all__ = ["CSV", "Chart", "Dashboards", "Page", "build_dashboards", "fmt", "heat_rows"]
