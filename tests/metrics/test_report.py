"""The monthly report's numbers: months, and the numbers recomputed from the CSV that
`tidings metrics export` prints (the report and the export cannot disagree)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tidings.cli.main import cli
from tidings.core.plan import plan
from tidings.core.replies import load as load_workspace
from tidings.metrics.export import follower_rows, post_rows
from tidings.metrics.report import Month, month_numbers, record
from tidings.metrics.snapshots import load_snapshots

REPO = Path(__file__).parents[2]
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 2, 3, 9, 0, tzinfo=TZ)
JANUARY = Month(2027, 1)


def test_months_parse_and_step_across_years() -> None:
    m = Month.parse("2027-01")
    assert (m.first, m.last, m.key, m.label) == (
        date(2027, 1, 1),
        date(2027, 1, 31),
        "2027-01",
        "January 2027",
    )
    assert m.prev == Month(2026, 12) and Month(2026, 12).next == m
    assert Month(2028, 2).last == date(2028, 2, 29)
    for bad in ("2027-13", "2027-00", "jan", "2027-1", "2027/01", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            Month.parse(bad)


@pytest.fixture(scope="module")
def export_csv() -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["--root", str(REPO), "metrics", "export"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture(scope="module")
def january() -> object:
    ws, _ = load_workspace(REPO)
    snapshots = load_snapshots(REPO, raw=False)
    recorder = record(post_rows(ws, snapshots), follower_rows(snapshots))
    jobs = plan(ws, NOW, days=365 * 200, everything_past=True)
    return month_numbers(ws, JANUARY, recorder, jobs, TZ, NOW)


def _engagement(row: dict[str, str]) -> int | None:
    cells = [row[k] for k in ("likes", "reposts", "replies", "quotes") if row[k] != ""]
    return sum(int(c) for c in cells) if cells else None


def _local_month(stamp: str) -> str:
    instant = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return instant.astimezone(TZ).strftime("%Y-%m")


def _month_end_readings(
    rows: list[dict[str, str]], month: str
) -> dict[tuple[str, str], dict[str, str]]:
    last: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:  # the CSV is sorted by date
        if row["date"].startswith(month):
            last[row["post"], row["channel"]] = row
    return last


def test_three_numbers_recomputed_from_the_export(
    export_csv: list[dict[str, str]], january: object
) -> None:
    n = january
    last = _month_end_readings(export_csv, "2027-01")
    published = {k: r for k, r in last.items() if _local_month(r["published_at"]) == "2027-01"}
    # 1. followers: the channel's followers on the month's last snapshot
    last_day = max(r["date"] for r in export_csv if r["date"].startswith("2027-01"))
    followers = {
        r["channel"]: int(r["followers"])
        for r in export_csv
        if r["date"] == last_day and r["followers"]
    }
    # 2. engagement per channel: the posts published in the month, at their last reading
    engagement: dict[str, int] = defaultdict(int)
    for (_, channel), row in published.items():
        engagement[channel] += _engagement(row) or 0
    # 3. the top post
    top_key = min(published, key=lambda k: (-(_engagement(published[k]) or 0), k))
    by_channel = {c.channel: c for c in n.channels}  # type: ignore[attr-defined]
    assert followers and engagement
    for channel in ("mastodon", "bluesky"):
        assert by_channel[channel].followers == followers[channel]
        assert by_channel[channel].engagement == engagement[channel]
        assert by_channel[channel].posts == sum(1 for k in published if k[1] == channel)
    top = n.top[0]  # type: ignore[attr-defined]
    assert (top.post, top.channel, top.engagement) == (
        top_key[0],
        top_key[1],
        _engagement(published[top_key]),
    )


def test_december_against_november_has_no_change_where_nothing_came_before(january: object) -> None:
    ws, _ = load_workspace(REPO)
    snapshots = load_snapshots(REPO, raw=False)
    recorder = record(post_rows(ws, snapshots), follower_rows(snapshots))
    december = month_numbers(ws, Month(2026, 12), recorder, [], TZ, NOW)
    assert december.channels and all(c.followers_change is None for c in december.channels)
    assert all(c.engagement_before is None for c in december.channels)
    assert [c.channel for c in january.channels] == [c.channel for c in december.channels]  # type: ignore[attr-defined]
