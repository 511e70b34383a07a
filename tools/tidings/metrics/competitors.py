"""A competitor's reading from what its public account shows: pure, no HTTP.

:mod:`tidings.platforms.competitors` reads the accounts; this module turns the followers
and the recent posts it found into a :class:`~tidings.metrics.snapshots.CompetitorReading`:
how many posts were read, posts a week over the time they cover (from the oldest read to
now) and their median engagement (likes + reposts + replies + quotes, the reported ones).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta

from tidings.metrics.snapshots import CompetitorReading

__all__ = ["MIN_SPAN", "summarize"]

MIN_SPAN = timedelta(days=1)


def summarize(
    name: str,
    platform: str,
    handle: str,
    followers: int | None,
    posts: Sequence[tuple[datetime, Sequence[int | None]]],
    now: datetime,
) -> CompetitorReading:
    """A reading from the account's followers and its recent posts: (when, counts)."""
    if not posts:
        return CompetitorReading(name, platform, handle, "ok", followers, 0, None, None)
    oldest = min(when for when, _ in posts)
    span = max(now - oldest, MIN_SPAN)
    per_week = round(len(posts) / (span / timedelta(weeks=1)), 2)
    engagement = [
        sum(known) for _, counts in posts if (known := [c for c in counts if c is not None])
    ]
    median = round(float(statistics.median(engagement)), 2) if engagement else None
    return CompetitorReading(name, platform, handle, "ok", followers, len(posts), per_week, median)
