"""Cadence from brand.yaml: no channel gets more posts in one local day than the brand allows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from ..codes import default_severity
from ..diagnostics import Diagnostic
from ..model import Post, Workspace

CODE = "cadence.max-per-day"


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.brand is None or ws.partial:  # counting a day needs every post
        return
    cadence = ws.brand.raw.get("cadence")
    limit = cadence.get("max_per_day") if isinstance(cadence, dict) else None
    if limit is None:
        return
    tz = ws.brand.timezone
    days: dict[tuple[str, date], list[Post]] = defaultdict(list)
    for post in ws.posts.values():
        if post.draft:
            continue
        for channel in post.channels:
            when = post.when(channel)
            if when is not None:
                days[(channel, when.astimezone(tz).date())].append(post)
    for (channel, day), posts in sorted(days.items()):
        if len(posts) <= limit:
            continue
        for post in sorted(posts, key=lambda p: (p.when(channel) or p.at, p.id))[limit:]:
            yield Diagnostic(
                post.path,
                post.source.pos("at").line,
                1,
                default_severity(CODE),
                CODE,
                f"{len(posts)} posts go out on {channel} on {day}; the brand allows {limit} a day",
                "move this post to a quieter day (brand.yaml cadence.max_per_day)",
                channel,
            )
