"""Recurring posting slots (content/calendars/*.yaml ``slots``) with nothing planned soon.

This is the one rule that needs to know when "now" is: it runs only when the check is given
a time (``tidings check --now``, which defaults to the current time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from tidings.check.codes import default_severity
from tidings.core.evergreen import schedule
from tidings.core.slots import dated_days, slot_channels, slot_days
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace

CODE = "calendar.slot-gap"
HORIZON = timedelta(days=14)


def check(ws: Workspace, now: datetime) -> Iterator[Diagnostic]:
    if ws.partial or ws.brand is None:  # a gap needs every post
        return
    tz = ws.brand.timezone
    start = now.astimezone(tz)
    end = start + HORIZON
    # (channel, local day) with a post, a dated one or one the evergreen queue puts there
    filled = dated_days(ws, tz)
    filled |= {(s.channel, s.at.astimezone(tz).date()) for s in schedule(ws, start, end)}
    for cal in ws.calendars:
        for slot in cal.slots:
            channels = slot_channels(ws, slot)
            days = slot_days(slot, start, end)
            if not days or any((c, d) in filled for c in channels for d in days):
                continue
            shown = ", ".join(f"{d:%a %d %b}" for d in days)
            pos = slot.source.pos("name")
            yield Diagnostic(
                slot.source.path,
                pos.line,
                pos.column,
                default_severity(CODE),
                CODE,
                f"nothing is planned for the slot '{slot.name}' in the next 14 days ({shown}"
                f" at {slot.time:%H:%M})",
                "write a post for one of those days (`tidings new post`), or drop the slot",
            )
