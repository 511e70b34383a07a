"""Turn the dates and times people write into exact instants, in the brand's timezone.

A wall-clock time that does not exist (the hour skipped when clocks go forward) or that
happens twice (the hour repeated when clocks go back) is refused with both candidates
named, because guessing is how a post goes out an hour early or late.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

_WHEN = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")  # the ledger's, see utc_stamp
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>m|min|h|d)$")


class TimeProblem(ValueError):
    """A date or time that cannot be turned into one instant."""

    def __init__(self, code: str, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True)
class When:
    """A parsed value: an aware instant, and whether only a day was written."""

    instant: datetime
    date_only: bool


def utc_stamp(moment: datetime) -> str:
    """An instant as the ledger and the metrics snapshots write it, in UTC to the second:
    ``2026-12-20T08:03:12Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> date:
    """``2026-12-20`` → a date; a day that does not exist is a TimeProblem."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TimeProblem(
            "date.invalid",
            f"{text!r} is not a calendar date",
            "write a real day as YYYY-MM-DD, e.g. 2026-12-20",
        ) from None


def parse_when(text: str, tz: tzinfo, *, end_of_day: bool = False) -> When:
    """Parse a date or date-time; naive values are wall-clock times in ``tz``.

    A bare date means midnight at the start of that day, or the end of it
    (the following midnight) with ``end_of_day``.

    The same text in the same zone is the same instant, so parsed values are remembered
    (a workspace writes the same few times again and again; loading one parses every post's
    times, some twice): a problem is raised again each time, never remembered. Only for
    zones that equal nothing but themselves (a ``ZoneInfo``, UTC): fixed offsets compare
    equal whatever their names, which an instant's ``%Z`` would show.
    """
    if _STAMP.fullmatch(text):  # as the ledger writes every time: read without the rest
        try:
            return When(datetime.fromisoformat(text), False)  # tzinfo is UTC itself
        except ValueError:
            pass  # no such day or hour: the problem is said below
    if tz is UTC or isinstance(tz, ZoneInfo):
        return _remembered(text, tz, end_of_day)
    return _parse_when(text, tz, end_of_day)


def _parse_when(text: str, tz: tzinfo, end_of_day: bool) -> When:
    m = _WHEN.match(text.strip())
    if not m:
        raise TimeProblem(
            "date.invalid",
            f"{text!r} is not a date or time",
            "write 2026-12-20 09:00 (local time), 2026-12-20T09:00+01:00, or 2026-12-20",
        )
    day = parse_date(m["date"])
    if m["h"] is None:
        start = datetime.combine(day + timedelta(days=1) if end_of_day else day, time())
        return When(_localize(start, tz, text), True)
    try:
        micro = int((m["frac"] or "0")[:6].ljust(6, "0"))
        clock = time(int(m["h"]), int(m["m"]), int(m["s"] or 0), micro)
    except ValueError:
        raise TimeProblem(
            "date.invalid", f"{text!r} is not a time of day", "hours run 00-23, minutes 00-59"
        ) from None
    naive = datetime.combine(day, clock)
    if m["tz"]:
        return When(naive.replace(tzinfo=_offset(m["tz"])), False)
    return When(_localize(naive, tz, text), False)


_remembered = lru_cache(maxsize=1024)(_parse_when)
"""The repeats are near each other (a post's `at` is read twice in a row): a short memory
finds them all, where one as long as the repository would hold a time per post."""


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _fmt_offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta()
    total = int(off.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _localize(naive: datetime, tz: tzinfo, text: str) -> datetime:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    off1, off2 = first.utcoffset(), second.utcoffset()
    if off1 == off2:
        return first
    wall = naive.strftime("%Y-%m-%d %H:%M")
    name = getattr(tz, "key", str(tz))
    roundtrip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    a, b = f"{wall}{_fmt_offset(first)}", f"{wall}{_fmt_offset(second)}"
    if roundtrip != naive:  # the wall time falls in a gap
        real1 = first.astimezone(UTC).astimezone(tz).strftime("%H:%M %Z")
        real2 = second.astimezone(UTC).astimezone(tz).strftime("%H:%M %Z")
        raise TimeProblem(
            "date.nonexistent",
            f"{text!r} does not exist in {name}: the clocks skip that hour",
            f"write the offset you mean: {a} (= {real1}) or {b} (= {real2}), or pick another time",
        )
    raise TimeProblem(
        "date.ambiguous",
        f"{text!r} happens twice in {name}: the clocks repeat that hour",
        f"write the offset you mean: {a} (the first, {first.strftime('%Z')}) "
        f"or {b} (the second, {second.strftime('%Z')})",
    )


def parse_duration(text: str) -> timedelta:
    """``6h``, ``90m``, ``1.5d`` → a timedelta."""
    m = _DURATION.match(str(text).strip())
    if not m:
        raise TimeProblem("date.invalid", f"{text!r} is not a duration", "write e.g. 6h, 90m, 1d")
    n = float(m["n"])
    unit = m["unit"]
    if unit == "d":
        return timedelta(days=n)
    if unit == "h":
        return timedelta(hours=n)
    return timedelta(minutes=n)
