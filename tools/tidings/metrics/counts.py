"""What a platform reports about a post or an account, in tidings' words.

The data types the metrics readers of :mod:`tidings.platforms` return and the snapshot
format (:mod:`tidings.metrics.snapshots`) stores. Data only: no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

__all__ = ["AccountCounts", "Counts", "Unavailable", "count"]


class Counts(NamedTuple):
    """What a platform reports about one post, in tidings' words.

    ``None`` means the platform does not report that number (Mastodon and Bluesky have no
    views), never zero. ``raw`` keeps the platform's own names and values exactly as it
    sent them (``favourites_count``, ``likeCount``, …). A NamedTuple, immutable and cheap to
    make: a metrics history holds one per post, channel and day.
    """

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    raw: Mapping[str, int | None] = MappingProxyType({})


@dataclass(frozen=True)
class AccountCounts:
    """What a platform reports about the channel's account; ``raw`` as in :class:`Counts`."""

    followers: int | None = None
    raw: Mapping[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Unavailable:
    """A post the platform did not report on (deleted, hidden, or not found)."""

    reason: str


def count(value: object) -> int | None:
    """A count as the platform sent it: a non-negative integer, else None (not reported)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
