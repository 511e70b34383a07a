"""The dashboards' numbers (tidings.metrics.dashboards), without a site: medians that skip unknown
counts, the latest reading per post, weekday × hour in the brand's timezone across DST,
goal projections, post types, competitors; and the example brand's metrics history."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tidings.metrics import dashboards as d
from tidings.metrics.export import FollowerRow, MetricRow, post_type
from tidings.metrics.snapshots import (
    ChannelReading,
    CompetitorReading,
    Snapshot,
    dump_snapshot,
    iter_snapshots,
    keep_readings,
    load_snapshots,
    parse_snapshot,
    snapshot_files,
)
from tidings.workspace.loader import load_workspace
from tidings.workspace.model import Goal, Source
from tidings.workspace.validation import validator

REPO = Path(__file__).parents[2]
BERLIN = ZoneInfo("Europe/Berlin")


def row(
    post: str = "p",
    day: date = date(2026, 12, 20),
    *,
    channel: str = "mastodon",
    at: datetime | None = datetime(2026, 12, 14, 9, tzinfo=UTC),
    likes: int | None = 1,
    reposts: int | None = 0,
    replies: int | None = 0,
    quotes: int | None = None,
    tags: tuple[str, ...] = (),
    campaign: str | None = None,
    kind: str | None = "text",
) -> MetricRow:
    return MetricRow(
        day,
        post,
        channel,
        channel,
        at,
        campaign,
        tags,
        kind,
        likes,
        reposts,
        replies,
        quotes,
        None,
        100,
    )


def goal(metric: str, target: float, by: date, channel: str | None = "mastodon") -> Goal:
    return Goal("g", metric, target, by, Source("brand/goals.yaml"), channel)


# ---- engagement, medians, latest ----------------------------------------------------------


def test_unknown_counts_are_left_out_never_zero() -> None:
    assert row(likes=3, reposts=None, replies=2, quotes=None).engagement == 5
    nothing = row(likes=None, reposts=None, replies=None, quotes=None)
    assert nothing.engagement is None
    assert d.median([None, 4, None, 10]) == 7
    assert d.median([None, None]) is None
    assert d.median([]) is None
    # a post without any reported count does not pull a group's median to 0
    groups = d.by_tag(
        [
            row("a", likes=8, tags=("tips",)),
            row("b", likes=None, reposts=None, replies=None, tags=("tips",)),
        ]
    )
    assert groups == [d.Group("tips", 2, 8)]
    unknown = d.by_tag([row("b", likes=None, reposts=None, replies=None, tags=("x",))])
    assert unknown == [d.Group("x", 1, None)]


def test_totals_use_each_posts_latest_reading() -> None:
    rows = [
        row("a", date(2026, 12, 15), likes=1),
        row("b", date(2026, 12, 15), likes=7),
        row("a", date(2026, 12, 16), likes=5),
        row("a", date(2026, 12, 16), channel="bluesky", likes=2),
    ]
    latest = d.latest(rows)
    assert [(r.post, r.channel, r.likes) for r in latest] == [
        ("a", "bluesky", 2),
        ("a", "mastodon", 5),
        ("b", "mastodon", 7),
    ]


def test_groups_by_tag_campaign_and_type_highest_median_first() -> None:
    rows = [
        row("a", likes=10, tags=("tips", "news"), campaign="winter", kind="thread"),
        row("b", likes=2, tags=("news",), kind="image"),
        row("c", likes=4, campaign="winter", kind="image"),
    ]
    assert d.by_tag(rows) == [
        d.Group("tips", 1, 10),
        d.Group("news", 2, 6),
        d.Group("(no tag)", 1, 4),
    ]
    assert d.by_campaign(rows) == [d.Group("winter", 2, 7), d.Group("(no campaign)", 1, 2)]
    assert d.by_type(rows) == [d.Group("thread", 1, 10), d.Group("image", 2, 3)]


def test_post_types_of_the_example_posts() -> None:
    ws, _ = load_workspace(REPO)
    expected = {
        "2026/12/tip-back-up-your-photos": "thread",
        "2026/12/holiday-opening-hours": "image",
        "2026/12/mini-sessions-last-slots": "link",
        "2026/12/tip-christmas-table": "text",
    }
    assert {pid: post_type(ws.posts[pid], "mastodon") for pid in expected} == expected


# ---- best time ------------------------------------------------------------------------------


def test_weekday_and_hour_are_the_brands_across_dst() -> None:
    rows = [
        # 09:00 in Leipzig, winter (UTC+1) and summer (UTC+2): the same cell
        row("winter", at=datetime(2026, 12, 14, 8, tzinfo=UTC), likes=4),  # Mon 09:00 CET
        row("summer", at=datetime(2026, 6, 15, 7, tzinfo=UTC), likes=8),  # Mon 09:00 CEST
        # Sunday 23:30 UTC is Monday 00:30 in Leipzig
        row("late", at=datetime(2026, 12, 13, 23, 30, tzinfo=UTC), likes=3),
        # the morning clocks went forward: 01:30 UTC is 03:30 CEST, Sunday
        row("dst", at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC), likes=1),
        row("unknown", likes=None, reposts=None, replies=None),
        row("no-time", at=None, likes=50),
    ]
    heat = d.heatmap(rows, BERLIN)
    assert heat.cells == {(0, 9): (6, 2), (0, 0): (3, 1), (6, 3): (1, 1)}
    assert list(heat.hours) == list(range(0, 10))
    assert heat.best(1) == [(0, 9, 6, 2)]
    assert d.heatmap([], BERLIN).hours == range(0)


# ---- channels -------------------------------------------------------------------------------


def test_channel_stats_followers_posts_per_week_and_median() -> None:
    totals = [
        row("a", at=datetime(2026, 12, 1, 9, tzinfo=UTC), likes=2),  # Tue: week of 30 Nov
        row("b", at=datetime(2026, 12, 3, 9, tzinfo=UTC), likes=4),
        row("c", at=datetime(2026, 12, 16, 9, tzinfo=UTC), likes=None, reposts=None, replies=None),
    ]
    followers = [
        FollowerRow(date(2026, 12, 1), "mastodon", "mastodon", 100),
        FollowerRow(date(2026, 12, 2), "mastodon", "mastodon", None),  # not reported: left out
        FollowerRow(date(2026, 12, 3), "mastodon", "mastodon", 104),
        FollowerRow(date(2026, 12, 3), "bluesky", "bluesky", 50),
    ]
    bluesky, mastodon = d.channel_stats(totals, followers, BERLIN)
    assert (
        bluesky.posts == 0 and bluesky.current_followers == 50 and bluesky.median_engagement is None
    )
    assert mastodon.followers == ((date(2026, 12, 1), 100), (date(2026, 12, 3), 104))
    assert mastodon.posts_per_week == (
        (date(2026, 11, 30), 2),
        (date(2026, 12, 7), 0),
        (date(2026, 12, 14), 1),
    )
    assert mastodon.posts == 3 and mastodon.median_engagement == 3


def test_post_series_counts_days_since_publication_thinned_after_two_weeks() -> None:
    published = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 2 Dec 00:30 in Leipzig: day 0
    rows = [
        row("a", date(2026, 12, 2) + timedelta(days=n), at=published, likes=n) for n in range(40)
    ]
    (series,) = d.post_series(rows, BERLIN)["a"]
    ages = [r.age for r in series.readings]
    assert ages[:15] == list(range(15))
    assert ages[15:] == [21, 28, 35, 39]  # weekly after two weeks, and the last one
    assert series.readings[-1].engagement == 39


def _in_parts(rows: list[MetricRow], cuts: list[int]) -> d.SeriesBuilder | None:
    """A builder per run of ``rows`` (cut before each index in ``cuts``), merged in order;
    None when a merge says it cannot be exact."""
    whole = d.SeriesBuilder(BERLIN)
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        part = d.SeriesBuilder(BERLIN, part=True)
        for r in rows[start:end]:
            part.add(r)
        if not whole.merge(part):
            return None
    return whole


def test_series_read_in_parts_and_merged_are_the_series_read_in_one_pass() -> None:
    published = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    rows = []
    for n in range(60):
        day = date(2026, 12, 2) + timedelta(days=n)
        rows.append(row("a", day, at=published, likes=n))  # published: aged from then
        if n >= 3:  # no publication time: aged from its first reading, in an earlier part
            rows.append(row("b", day, at=None, likes=2 * n))
        if n >= 20:  # no publication time, its first reading in a later part
            rows.append(row("c", day, channel="bluesky", at=None, likes=n))
        if n in (5, 41):  # read twice, weeks apart
            rows.append(row("d", day, channel="bluesky", at=published, likes=n))
    one = d.post_series(rows, BERLIN)
    for cuts in ([1], [10, 25], [19, 20, 21, 50], list(range(1, len(rows)))):
        merged = _in_parts(rows, cuts)
        assert merged is not None and merged.result() == one, cuts
    assert [r.age for r in one["b"][0].readings][-3:] == [42, 49, 56]  # from its first day


def test_series_parts_that_disagree_on_a_publication_time_do_not_merge() -> None:
    first, later = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 3, 9, tzinfo=UTC)
    rows = [
        row("a", date(2026, 12, 2) + timedelta(days=n), at=first if n < 10 else later)
        for n in range(20)
    ]
    assert _in_parts(rows, [15]) is None  # the second part would age from 3 December
    late = [r._replace(published_at=None if r.date.day < 12 else first) for r in rows]
    assert _in_parts(late, [15]) is None  # a time only later: one pass ages from day one
    merged = _in_parts(rows, [5])  # both parts start with the first publication time
    assert merged is not None and merged.result() == d.post_series(rows, BERLIN)


# ---- goals ----------------------------------------------------------------------------------


def _followers(start: date, values: list[int]) -> list[FollowerRow]:
    return [
        FollowerRow(start + timedelta(days=i), "mastodon", "mastodon", v)
        for i, v in enumerate(values)
    ]


def test_projection_is_the_least_squares_line_of_the_last_four_weeks() -> None:
    history = [(date(2026, 12, 1) + timedelta(days=i), 100.0 + 10 * i) for i in range(60)]
    history[0] = (history[0][0], 10_000.0)  # older than four weeks: ignored
    level, slope = d.projection(history) or (0, 0)
    assert slope == pytest.approx(10) and level == pytest.approx(690)
    assert d.projection(history[:1]) is None


def test_goal_on_track_off_track_reached_and_no_data() -> None:
    start = date(2027, 1, 1)
    stats = d.channel_stats([], _followers(start, [500 + 10 * i for i in range(30)]), BERLIN)
    # 790 on 30 Jan, +10 a day: 1000 on 20 Feb
    on = d.goal_progress(goal("followers", 1000, date(2027, 3, 31)), [], stats, BERLIN)
    assert (on.status, on.current, on.as_of, on.reach_on) == (
        "on track",
        790,
        date(2027, 1, 30),
        date(2027, 2, 20),
    )
    assert on.projected == pytest.approx(790 + 10 * 60) and on.percent == 79
    late = d.goal_progress(goal("followers", 1000, date(2027, 2, 10)), [], stats, BERLIN)
    assert (late.status, late.reach_on) == ("off track", date(2027, 2, 20))
    done = d.goal_progress(goal("followers", 700, date(2027, 2, 10)), [], stats, BERLIN)
    assert done.status == "reached" and done.percent == 100
    flat = d.channel_stats([], _followers(start, [500] * 30), BERLIN)
    never = d.goal_progress(goal("followers", 1000, date(2027, 3, 31)), [], flat, BERLIN)
    assert (never.status, never.reach_on) == ("off track", None)
    nothing = d.goal_progress(
        goal("followers", 1000, date(2027, 3, 31), "bluesky"), [], stats, BERLIN
    )
    assert nothing.status == "no data" and nothing.current is None and nothing.percent is None


def test_posts_per_week_goal_counts_a_post_on_many_channels_once() -> None:
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    totals = [
        row(f"p{i}", channel=c, at=monday + timedelta(days=i))
        for i in range(4)
        for c in ("mastodon", "bluesky")
    ]
    everywhere = d.goal_progress(
        goal("posts_per_week", 4, date(2027, 1, 31), None), totals, [], BERLIN
    )
    assert everywhere.history == ((date(2026, 12, 13), 4.0),) and everywhere.status == "reached"
    one = d.goal_progress(goal("engagement", 5, date(2027, 1, 31)), totals, [], BERLIN)
    assert one.current == 1 and one.unit == "median engagement per post"


# ---- competitors and the snapshot format ---------------------------------------------------


def _snapshot(day: date, competitors: tuple[CompetitorReading, ...]) -> Snapshot:
    collected = datetime.combine(day, datetime.min.time(), UTC)
    channels = {"mastodon": ChannelReading("mastodon", "mastodon", "ok")}
    return Snapshot(day, collected, 90, channels, "", competitors)


def test_competitor_readings_round_trip_and_validate() -> None:
    readings = (
        CompetitorReading("North", "mastodon", "@n@x.social", "ok", 812, 40, 3.5, 11.0),
        CompetitorReading("North", "bluesky", "n.bsky.social", "failed", error="no such account"),
    )
    text = dump_snapshot(_snapshot(date(2026, 12, 20), readings))
    validator("metrics").validate(json.loads(text))
    back = parse_snapshot(text, "x.json", validate=True)
    assert back.competitors == tuple(sorted(readings))
    bad = text.replace('"posts_per_week": 3.5', '"posts_per_week": -1')
    with pytest.raises(Exception, match="not a metrics snapshot"):
        parse_snapshot(bad, "bad.json")


def test_competitor_stats_take_the_latest_reading_and_followers_over_time() -> None:
    first = CompetitorReading("North", "mastodon", "@n@x.social", "ok", 800, 40, 3.0, 10.0)
    failed = CompetitorReading("North", "mastodon", "@n@x.social", "failed", error="503")
    snapshots = [_snapshot(date(2026, 12, 1), (first,)), _snapshot(date(2026, 12, 2), (failed,))]
    (stats,) = d.competitor_stats(snapshots)
    assert stats.latest.state == "failed" and stats.day == date(2026, 12, 2)
    assert stats.followers == ((date(2026, 12, 1), 800),)


def test_a_failed_rerun_keeps_the_days_good_competitor_reading() -> None:
    day = date(2026, 12, 20)
    good = CompetitorReading("North", "mastodon", "@n@x.social", "ok", 812, 40, 3.5, 11.0)
    other = CompetitorReading("South", "bluesky", "s.bsky.social", "ok", 90, 5, 1.0, 2.0)
    morning = _snapshot(day, (good, other))
    failed = good._replace(state="failed", followers=None, posts=0, posts_per_week=None)
    later = replace(
        _snapshot(day, (failed._replace(median_engagement=None, error="HTTP 503"), other)),
        collected_at=morning.collected_at + timedelta(hours=9),
    )
    merged = keep_readings(later, morning)
    kept = next(c for c in merged.competitors if c.name == "North")
    assert (kept.state, kept.followers, kept.posts_per_week) == ("ok", 812, 3.5)
    assert kept.read_at == morning.collected_at and kept.failed_at == later.collected_at
    assert kept.error == "HTTP 503"
    text = dump_snapshot(merged)
    validator("metrics").validate(json.loads(text))
    assert parse_snapshot(text, "x.json", validate=True).competitors == merged.competitors
    assert keep_readings(later, None) == later  # nothing earlier that day: the failure stands


# ---- the example history --------------------------------------------------------------------


def test_the_example_history_is_valid_and_reproducible() -> None:
    import sys

    sys.path.insert(0, str(REPO / "tools" / "dev"))
    try:
        import make_example_metrics as example
    finally:
        sys.path.pop(0)
    files = snapshot_files(REPO)
    assert len(files) == 62
    check = validator("metrics")
    for rel in (files[0], files[-1]):
        check.validate(json.loads((REPO / rel).read_text(encoding="utf-8")))
    made = example.build(REPO, 6)
    assert [s.path for s in made] == files
    assert all(dump_snapshot(s) == (REPO / s.path).read_text(encoding="utf-8") for s in made)
    ws, _ = load_workspace(REPO)
    history = load_snapshots(REPO, raw=False)
    assert list(iter_snapshots(REPO, raw=False)) == history  # what the site reads
    posts = {r.post for s in history for r in s.posts()}
    assert posts <= set(ws.posts)  # every reading is of an example post
    for s in history:
        for r in s.posts():
            post = ws.posts[r.post]
            when = post.when(r.channel)
            assert when is not None and r.published_at is not None
            assert timedelta(0) < r.published_at - when < timedelta(seconds=10)
            assert r.published_at <= s.collected_at
