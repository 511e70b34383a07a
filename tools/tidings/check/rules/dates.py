"""Times that contradict each other: expiry, campaign ranges, blackouts, misfiled posts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tidings.check.codes import diagnostic_at
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import BlackoutIndex, Workspace

_DATED = re.compile(r"\d{4}/\d{2}")  # posts filed as YYYY/MM/<slug>; other folders are free


def check(ws: Workspace) -> Iterator[Diagnostic]:
    tz = ws.brand.timezone if ws.brand else None
    campaigns = ws.campaigns
    for cal in ws.calendars:
        for c in cal.campaigns:
            if c.end < c.start:
                yield diagnostic_at(
                    c.source,
                    ("end",),
                    "date.campaign-range",
                    f"campaign `{c.id}` ends ({c.end}) before it starts ({c.start})",
                    "swap start and end, or fix the year",
                )
    blackouts = BlackoutIndex(ws.blackouts)
    for post in ws.posts.values():
        src = post.source
        for channel in post.channels:
            when = post.when(channel)
            if when is None:
                continue
            keys: tuple[str | int, ...] = (
                ("variants", channel, "at")
                if channel in post.variants and post.variants[channel].at
                else ("at",)
            )
            local = when.astimezone(tz) if tz else when
            if post.expires is not None and post.expires <= when:
                yield diagnostic_at(
                    src,
                    ("expires",),
                    "date.expires-before-at",
                    f"the post expires ({post.expires.astimezone(tz):%Y-%m-%d %H:%M}) before it goes out on {channel} ({local:%Y-%m-%d %H:%M})",
                    "move `expires` later or remove it",
                    channel,
                )
            campaign = campaigns.get(post.campaign) if post.campaign else None
            if campaign is not None and not campaign.contains(local.date()):
                yield diagnostic_at(
                    src,
                    keys,
                    "date.outside-campaign",
                    f"goes out on {channel} on {local:%Y-%m-%d}, outside campaign `{campaign.id}` ({campaign.start} to {campaign.end})",
                    "move the post into the campaign's dates or change `campaign:`",
                    channel,
                )
            for b in blackouts.covering(when, channel):
                if not post.draft:
                    yield diagnostic_at(
                        src,
                        keys,
                        "calendar.blackout",
                        f"goes out on {channel} at {local:%Y-%m-%d %H:%M}, inside the blackout '{b.reason}' ({b.source.path}:{b.source.pos().line})",
                        "move the post outside the blackout",
                        channel,
                    )
        folder, _, name = post.id.rpartition("/")
        if post.at is not None and tz is not None and _DATED.fullmatch(folder):
            expected = f"{post.at.astimezone(tz):%Y/%m}"
            if folder != expected and post.id not in ws.ledger:  # never move a published post
                yield diagnostic_at(
                    src,
                    ("at",),
                    "post.location",
                    f"filed under {folder}/ but goes out in {expected}",
                    f"move it to content/posts/{expected}/{name}.md (git mv)",
                )
