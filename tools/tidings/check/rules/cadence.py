"""Cadence from brand.yaml, per channel: posts per local day, quiet hours, the gap between posts.

``cadence.quiet_hours``, ``cadence.min_gap`` and ``cadence.max_per_day`` apply to every
channel; ``cadence.channels.<id>`` overrides any of them for one channel
(``quiet_hours: false`` turns quiet hours off there). Times are read in the brand's
timezone. A clash between two posts is reported on the later one; its ``also`` holds the
same finding for the earlier ones, which a check of named files reports when only those
are named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import pairwise

from tidings.check.codes import default_severity
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, Workspace


def _at_keys(post: Post, channel: str) -> tuple[str, ...]:
    variant = post.variants.get(channel)
    return ("variants", channel, "at") if variant and variant.at else ("at",)


def _diag(
    post: Post,
    channel: str,
    code: str,
    message: str,
    suggestion: str,
    also: tuple[Diagnostic, ...] = (),
) -> Diagnostic:
    pos = post.source.pos(*_at_keys(post, channel))
    severity = default_severity(code)
    return Diagnostic(
        post.path, pos.line, pos.column, severity, code, message, suggestion, channel, also
    )


def _timed(ws: Workspace) -> dict[str, list[tuple[datetime, Post]]]:
    """Every channel's non-draft posts, in time order (then by id)."""
    keyed: dict[str, list[tuple[datetime, str, Post]]] = defaultdict(list)
    for channel, when, post in ws.scheduled():
        keyed[channel].append((when, post.id, post))
    out: dict[str, list[tuple[datetime, Post]]] = {}
    for channel, items in keyed.items():
        # ids are unique, so the tuples never compare their posts
        items.sort(key=lambda item: item[:2])
        out[channel] = [(when, post) for when, _, post in items]
    return out


def _gap(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:g} h"


def check(ws: Workspace, focus: frozenset[str] | None = None) -> Iterator[Diagnostic]:
    """The cadence findings of ``ws``; with ``focus`` (the paths of the posts a check named),
    only those on or involving a post there (each one the same as without it): the others
    would be left out of that check's report anyway, and building each costs its position."""
    if ws.brand is None:
        return

    def wanted(*posts: Post) -> bool:
        return focus is None or any(p.path in focus for p in posts)

    cadence = ws.brand.cadence
    tz = ws.brand.timezone
    for cid in cadence.channels:
        if cid not in ws.channels and "channels" not in ws.unreadable:
            yield Diagnostic.at(
                ws.brand.source.path,
                ws.brand.source.pos("cadence", "channels", cid, key=True),
                default_severity("ref.channel"),
                "ref.channel",
                f"cadence for unknown channel `{cid}`",
                "use a channel id from brand/channels.yaml",
                cid,
            )
    timed = _timed(ws)
    for channel, items in sorted(timed.items()):
        limits = cadence.for_channel(channel)
        quiet = limits.quiet_hours
        if quiet is not None:
            start, end = quiet.start, quiet.end
            for when, post in items:
                if not wanted(post):
                    continue
                local = when.astimezone(tz)
                if quiet.contains(local.time().replace(tzinfo=None)):
                    yield _diag(
                        post,
                        channel,
                        "calendar.quiet-hours",
                        f"goes out on {channel} at {local:%H:%M}, inside the brand's quiet hours "
                        f"({start:%H:%M} to {end:%H:%M})",
                        f"move it to {end:%H:%M} or later, or before {start:%H:%M} "
                        "(brand.yaml cadence.quiet_hours)",
                    )
        if ws.partial:  # a day's count or a gap needs every post
            continue
        gap = limits.min_gap
        if gap is not None:
            for (before, first), (when, post) in pairwise(items):
                if when - before < gap and wanted(post, first):
                    yield _diag(
                        post,
                        channel,
                        "cadence.min-gap",
                        f"goes out on {channel} at {when.astimezone(tz):%Y-%m-%d %H:%M}, "
                        f"{_gap(when - before)} after `{first.id}`; the brand wants at least "
                        f"{_gap(gap)} between posts on a channel",
                        f"move it to {(before + gap).astimezone(tz):%Y-%m-%d %H:%M} or later "
                        "(brand.yaml cadence.min_gap)",
                        (
                            _diag(
                                first,
                                channel,
                                "cadence.min-gap",
                                f"goes out on {channel} at "
                                f"{before.astimezone(tz):%Y-%m-%d %H:%M}, {_gap(when - before)} "
                                f"before `{post.id}`; the brand wants at least {_gap(gap)} "
                                "between posts on a channel",
                                f"move it or `{post.id}` (brand.yaml cadence.min_gap)",
                            ),
                        ),
                    )
        limit = limits.max_per_day
        if limit is None:
            continue
        days: dict[date, list[Post]] = defaultdict(list)
        for when, post in items:
            days[when.astimezone(tz).date()].append(post)
        for day, posts in sorted(days.items()):
            if len(posts) <= limit or not wanted(*posts):
                continue
            message = (
                f"{len(posts)} posts go out on {channel} on {day}; the brand allows {limit} a day"
            )
            later = ", ".join(f"`{p.id}`" for p in posts[limit:])
            kept = tuple(
                Diagnostic(
                    p.path,
                    p.source.pos("at").line,
                    1,
                    default_severity("cadence.max-per-day"),
                    "cadence.max-per-day",
                    message,
                    f"move it or {later} to a quieter day (brand.yaml cadence.max_per_day)",
                    channel,
                )
                for p in posts[:limit]
            )
            for post in posts[limit:]:
                yield Diagnostic(
                    post.path,
                    post.source.pos("at").line,
                    1,
                    default_severity("cadence.max-per-day"),
                    "cadence.max-per-day",
                    message,
                    "move this post to a quieter day (brand.yaml cadence.max_per_day)",
                    channel,
                    kept,
                )


WEEKS_AHEAD = 2
"""How many weeks ``weekly`` looks at: the one ``now`` falls in and the next."""


def weekly(ws: Workspace, now: datetime) -> Iterator[Diagnostic]:
    """``cadence.min_per_week``: a warning, on brand.yaml, for each channel with fewer posts
    planned in a week (Monday to Sunday, the brand's timezone) than the brand asks, for the
    week ``now`` falls in and the next. Local channels (outbox, feed) are not counted."""
    from tidings.core.platforms import PLATFORMS

    if ws.brand is None:
        return
    brand = ws.brand
    tz = brand.timezone
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    weeks = [monday + timedelta(weeks=i) for i in range(WEEKS_AHEAD)]
    counts: dict[tuple[str, date], int] = defaultdict(int)
    for channel, when, _ in ws.scheduled():
        day = when.astimezone(tz).date()
        counts[(channel, day - timedelta(days=day.weekday()))] += 1
    for cid, account in ws.channels.items():
        row = PLATFORMS.get(account.platform)
        wanted = brand.cadence.for_channel(cid).min_per_week
        if row is None or row.local or not wanted:
            continue
        own = "min_per_week" in _own(ws, cid)
        keys = ("cadence", "channels", cid) if own else ("cadence",)
        pos = brand.source.pos(*keys, "min_per_week")
        for week in weeks:
            have = counts[(cid, week)]
            if have >= wanted:
                continue
            yield Diagnostic(
                brand.source.path,
                pos.line,
                pos.column,
                default_severity("cadence.min-per-week"),
                "cadence.min-per-week",
                f"{have} post{'s' * (have != 1)} planned on {cid} in the week of "
                f"{week:%a} {week.day} {week:%b %Y}; the brand asks for at least {wanted} a week",
                f"plan {wanted - have} more for {cid} between {week:%d %b} and "
                f"{week + timedelta(days=6):%d %b} (`tidings new post`), or lower "
                "`min_per_week` (brand.yaml cadence)",
                cid,
            )


def _own(ws: Workspace, cid: str) -> dict[str, object]:
    """The channel's own entry under brand.yaml ``cadence.channels``, as written."""
    assert ws.brand is not None
    data = ws.brand.source.doc.data
    for key in ("cadence", "channels", cid):
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}
