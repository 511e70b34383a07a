"""Evergreen posts (``evergreen: true``): never dated, and each channel has slots to fill.

Their text is checked like any post's, every body of ``rotations`` included (see
:func:`tidings.check.runner.check_workspace`).
"""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.slots import slot_channels
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace


def check(ws: Workspace) -> Iterator[Diagnostic]:
    slotted = {c for cal in ws.calendars for slot in cal.slots for c in slot_channels(ws, slot)}
    for post in sorted(ws.posts.values(), key=lambda p: p.id):
        if not post.evergreen:
            if post.rotations:
                yield Diagnostic.at(
                    post.path,
                    post.source.pos("rotations", key=True),
                    default_severity("evergreen.rotations"),
                    "evergreen.rotations",
                    "`rotations:` is only used by evergreen posts; this post is sent once, "
                    "with the body below the front matter",
                    "add `evergreen: true` (and remove `at`), or remove `rotations:`",
                )
            continue
        dated: list[tuple[str, ...]] = [("at",)] if post.at is not None else []
        dated += [("variants", c, "at") for c, v in post.variants.items() if v.at is not None]
        for keys in dated:
            yield Diagnostic.at(
                post.path,
                post.source.pos(*keys, key=True),
                default_severity("evergreen.at"),
                "evergreen.at",
                "an evergreen post has no `at`: the evergreen queue chooses its times (the "
                "calendar's free posting slots)",
                "remove `at` to keep it evergreen, or remove `evergreen: true` to send it once "
                "at that time",
            )
        if "calendars" in ws.unreadable or "channels" in ws.unreadable:
            continue
        for channel in post.channels:
            if channel in ws.channels and channel not in slotted:
                yield Diagnostic.at(
                    post.path,
                    post.source.pos("channels", key=True),
                    default_severity("evergreen.no-slot"),
                    "evergreen.no-slot",
                    f"no posting slot in content/calendars/ is on channel {channel}, so this "
                    "evergreen post never goes out there",
                    f"add a slot for {channel} to a calendar (`slots:`), or remove {channel} "
                    "from `channels`",
                    channel,
                )
