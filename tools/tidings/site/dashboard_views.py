"""The dashboards' numbers shaped for the page: each chart with the rows of the table that
is its accessible version, the heatmap's cells, a goal's verdict in words. Pure; the numbers
come from :mod:`tidings.metrics.dashboards`, the SVG from :mod:`.charts`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from markupsafe import Markup

from tidings.core.platforms import PLATFORMS
from tidings.metrics import dashboards as d
from tidings.site.charts import bar_chart, line_chart
from tidings.site.colors import text_on

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


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for a table: whole numbers plain, others rounded; None as an en dash."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


@cache  # the same few hundred days recur in every post's table
def date_text(day: date) -> str:
    """A date as the dashboards write it: 07 Dec 2026."""
    return f"{day:%d %b %Y}"


# ---------------------------------------------------------------- per post


def has_post_chart(series: Sequence[d.Series]) -> bool:
    """Whether :func:`post_section` draws a chart (and so takes a chart id)."""
    return any(r.engagement is not None for s in series for r in s.readings)


def post_section(
    title: str, series: Sequence[d.Series], chart_id: int | None = None
) -> dict[str, Any]:
    """The chart of engagement by day since publication, one line per channel; its table
    has a row per day and a column per channel. The latest counts get a table of their own.
    ``chart_id``: see :func:`tidings.site.charts.line_chart`."""
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
        when = date_text(next(iter(found.values())).day)
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
            chart_id,
        ),
        "Engagement by day since publication, per channel",
        ("day", "date", *channels),
        tuple(rows),
    )
    last = [(s.channel, s.readings[-1]) for s in series if s.readings]
    return {"chart": chart, "last": last, "engagement": d.ENGAGEMENT, "fmt": fmt, "day": date_text}


# ---------------------------------------------------------------- channels


def channel_charts(stats: d.ChannelStats) -> list[Chart]:
    charts = []
    if stats.followers:
        charts.append(
            Chart(
                f"{stats.channel}-followers",
                "Followers",
                line_chart(
                    f"Followers of {stats.channel} over time",
                    f"From {fmt(stats.followers[0][1])} on {date_text(stats.followers[0][0])} "
                    f"to {fmt(stats.followers[-1][1])} on {date_text(stats.followers[-1][0])}.",
                    [(stats.channel, [(day, float(n)) for day, n in stats.followers])],
                ),
                f"Followers of {stats.channel} per day",
                ("date", "followers"),
                tuple((date_text(day), fmt(n)) for day, n in stats.followers),
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
                tuple((date_text(week), n) for week, n in stats.posts_per_week),
            )
        )
    return charts


# ---------------------------------------------------------------- what works


def group_chart(key: str, what: str, groups: Sequence[d.Group]) -> Chart:
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


def goal_view(p: d.GoalProgress) -> dict[str, Any]:
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
            f"{goal.id}: {p.unit}{where}, target {fmt(goal.target)} by {date_text(goal.by)}",
            f"Status: {p.status}.",
            series,
        ),
        f"{p.unit.capitalize()}{where}",
        ("date", p.unit),
        tuple((date_text(day), fmt(value)) for day, value in history),
    )
    if p.status == "reached":
        verdict = f"Reached: {fmt(p.current)} on {date_text(p.as_of)}." if p.as_of else "Reached."
    elif p.status == "no data":
        verdict = "No data yet: it shows once snapshots hold these numbers."
    elif p.reach_on is not None and p.status == "on track":
        verdict = f"On track: at the trend of the last four weeks it is reached around {date_text(p.reach_on)}."
    elif p.reach_on is not None:
        verdict = (
            f"Off track: at the trend of the last four weeks it is reached around "
            f"{date_text(p.reach_on)}, after {date_text(goal.by)}."
        )
    else:
        verdict = "Off track: the trend of the last four weeks is flat or falling, so it is never reached at this rate."
    return {"progress": p, "chart": chart, "verdict": verdict, "where": where.strip()}


# ---------------------------------------------------------------- the whole set


def own_accounts(stats: Sequence[d.ChannelStats]) -> list[tuple[str, str, str, str, str]]:
    """Our own channels on the competitors' platforms, comparable with them: followers,
    the last four weeks' posts per week, median engagement per post."""
    out = []
    for s in stats:
        row = PLATFORMS.get(s.platform)
        if row is None or not row.competitors:
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


def competitor_chart(rivals: Sequence[d.CompetitorStats]) -> Chart:
    """The competitors' followers over time, one line per account."""
    lines = [
        (f"{c.name} ({c.platform})", [(when, float(n)) for when, n in c.followers]) for c in rivals
    ]
    return Chart(
        "competitor-followers",
        "Followers over time",
        line_chart(
            "Followers of the competitors' accounts over time", "One line per account.", lines
        ),
        "Followers of each competitor account per day",
        ("account", "date", "followers"),
        tuple(
            (name, date_text(when), fmt(n))
            for name, points in lines
            for when, n in points
            if isinstance(when, date)
        ),
    )
