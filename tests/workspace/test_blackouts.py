"""Which blackouts cover an instant, found by the days they touch
(:class:`tidings.workspace.model.BlackoutIndex`): the same blackouts, in the same order, as
asking every one of them (:meth:`Blackout.covers`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tidings.workspace.model import Blackout, BlackoutIndex
from tidings.workspace.yamlsource import Source

BERLIN = ZoneInfo("Europe/Berlin")
AUCKLAND = ZoneInfo("Pacific/Auckland")
CHANNELS = ("mastodon", "bluesky", "x")
SRC = Source("content/calendars/c.yaml", None, ())


def blackout(start: datetime, end: datetime, reason: str, *channels: str) -> Blackout:
    return Blackout(start, end, reason, SRC, tuple(channels))


def every(blackouts: list[Blackout], at: datetime, channel: str) -> list[Blackout]:
    return [b for b in blackouts if b.covers(at, channel)]


def test_edges_zones_and_channels() -> None:
    day = datetime(2026, 12, 24, 0, 0, tzinfo=BERLIN)  # 23:00 UTC the day before
    blackouts = [
        blackout(day, day + timedelta(days=3), "holidays"),
        blackout(day + timedelta(hours=10), day + timedelta(hours=11), "x only", "x"),
        blackout(day, day, "empty"),  # end == start: covers nothing
        blackout(day + timedelta(days=1), day, "backwards"),
        blackout(datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC), "years"),
    ]
    index = BlackoutIndex(blackouts)
    reasons = lambda at, c: [b.reason for b in index.covering(at, c)]  # noqa: E731
    assert reasons(day, "mastodon") == ["holidays", "years"]  # the start is inside
    assert reasons(day - timedelta(microseconds=1), "mastodon") == ["years"]
    assert reasons(day + timedelta(days=3), "mastodon") == ["years"]  # the end is not
    assert reasons(day + timedelta(hours=10, minutes=30), "x") == ["holidays", "x only", "years"]
    assert reasons(day + timedelta(hours=10, minutes=30), "bluesky") == ["holidays", "years"]
    assert reasons(datetime(2041, 1, 1, tzinfo=UTC), "x") == []


@pytest.mark.parametrize("seed", range(5))
def test_the_index_finds_what_asking_every_blackout_finds(seed: int) -> None:
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    zones = (UTC, BERLIN, AUCKLAND)
    blackouts = []
    for i in range(60):
        start = (base + timedelta(minutes=rng.randrange(0, 400 * 24 * 60))).astimezone(
            rng.choice(zones)
        )
        length = rng.choice(
            (
                timedelta(0),
                timedelta(minutes=rng.randrange(1, 600)),
                timedelta(days=rng.randrange(1, 30)),
                timedelta(days=rng.randrange(300, 900)),
                -timedelta(hours=1),
            )
        )
        channels = rng.sample(CHANNELS, rng.randrange(0, 3))
        blackouts.append(blackout(start, start + length, f"b{i}", *channels))
    index = BlackoutIndex(blackouts)
    for _ in range(3000):
        at = (base + timedelta(minutes=rng.randrange(-60 * 24 * 60, 800 * 24 * 60))).astimezone(
            rng.choice(zones)
        )
        if rng.random() < 0.2:  # exactly on an edge
            b = rng.choice(blackouts)
            at = rng.choice((b.start, b.end, b.end - timedelta(microseconds=1)))
        channel = rng.choice(CHANNELS)
        assert index.covering(at, channel) == every(blackouts, at, channel)
