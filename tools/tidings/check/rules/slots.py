"""Recurring posting slots (content/calendars/*.yaml ``slots``) with nothing planned soon.

This is the one rule that needs to know when "now" is: it runs only when the check is given
a time (``tidings check --now``, which defaults to the current time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from tidings.check.codes import default_severity
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Slot, Workspace

CODE = "calendar.slot-gap"
HORIZON = timedelta(days=14)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _occurrences(slot: Slot, start: datetime, end: datetime) -> list[date]:
    """The local days in [start, end) on which ``slot`` comes round (at its local time)."""
    tz = start.tzinfo
    days = []
    day = start.date()
    while day <= end.date():
        if WEEKDAYS[day.weekday()] in slot.days:
            at = datetime.combine(day, slot.time, tz)
            if start <= at < end:
                days.append(day)
        day += timedelta(days=1)
    return days


def check(ws: Workspace, now: datetime) -> Iterator[Diagnostic]:
    if ws.partial or ws.brand is None:  # a gap needs every post
        return
    tz = ws.brand.timezone
    start = now.astimezone(tz)
    end = start + HORIZON
    # (channel, local day) with a post
    filled = {(channel, when.astimezone(tz).date()) for channel, when, _ in ws.scheduled()}
    for cal in ws.calendars:
        for slot in cal.slots:
            channels = slot.channels or tuple(ws.channels)
            days = _occurrences(slot, start, end)
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
