"""The calendar's recurring posting slots (``content/calendars/*.yaml`` ``slots``), as times.

One home for what a slot is at a given moment: the slot-gap check, the evergreen queue and
the calendar page all ask here. A slot comes round on its weekdays at its local clock time
(in the brand's timezone, so 09:00 stays 09:00 across a change of daylight saving time), on
each of its channels (every channel when it names none), except inside a blackout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from tidings.workspace.model import BlackoutIndex, Slot, Workspace

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Occurrence:
    """One slot coming round on one channel: sorted by time, then channel, then name."""

    at: datetime
    channel: str
    name: str
    slot: Slot = field(compare=False)


def slot_days(slot: Slot, start: datetime, end: datetime) -> list[date]:
    """The local days on which ``slot`` comes round in [start, end) (``start``'s timezone)."""
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


def slot_channels(ws: Workspace, slot: Slot) -> tuple[str, ...]:
    return slot.channels or tuple(ws.channels)


def occurrences(ws: Workspace, start: datetime, end: datetime, tz: tzinfo) -> list[Occurrence]:
    """Every slot occurrence in [start, end) on every channel, outside blackouts, sorted."""
    local = start.astimezone(tz)
    blackouts = BlackoutIndex(ws.blackouts)
    out: list[Occurrence] = []
    for cal in ws.calendars:
        for slot in cal.slots:
            for day in slot_days(slot, local, end.astimezone(tz)):
                at = datetime.combine(day, slot.time, tz)
                for channel in slot_channels(ws, slot):
                    if not blackouts.covering(at, channel):
                        out.append(Occurrence(at, channel, slot.name, slot))
    out.sort()
    return out


def dated_days(ws: Workspace, tz: tzinfo) -> set[tuple[str, date]]:
    """(channel, local day) pairs on which a dated post that is not a draft goes out: a slot
    on such a day is filled by people, not by the evergreen queue."""
    return {(channel, when.astimezone(tz).date()) for channel, when, _ in ws.scheduled()}
