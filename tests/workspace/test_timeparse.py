from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from tidings.workspace.timeparse import TimeProblem, _parse_when, parse_duration, parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_local_time_is_in_brand_timezone() -> None:
    when = parse_when("2026-12-20 09:00", BERLIN)
    assert when.instant.astimezone(UTC) == datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
    assert not when.date_only


def test_offset_wins_over_brand_timezone() -> None:
    assert parse_when("2026-12-20T09:00+05:30", BERLIN).instant.astimezone(UTC) == datetime(
        2026, 12, 20, 3, 30, tzinfo=UTC
    )
    assert parse_when("2026-12-20T09:00Z", BERLIN).instant == datetime(2026, 12, 20, 9, tzinfo=UTC)


def test_bare_date_is_start_or_end_of_day() -> None:
    assert parse_when("2026-12-20", BERLIN).instant == datetime(2026, 12, 20, tzinfo=BERLIN)
    end = parse_when("2026-12-20", BERLIN, end_of_day=True).instant
    assert end == datetime(2026, 12, 21, tzinfo=BERLIN)


def test_gap_names_both_candidates() -> None:
    with pytest.raises(TimeProblem) as info:
        parse_when("2027-03-14 02:30", NEW_YORK)
    assert info.value.code == "date.nonexistent"
    assert "2027-03-14 02:30-05:00" in str(info.value.suggestion)
    assert "2027-03-14 02:30-04:00" in str(info.value.suggestion)


def test_fold_names_both_candidates() -> None:
    with pytest.raises(TimeProblem) as info:
        parse_when("2026-11-01 01:30", NEW_YORK)
    assert info.value.code == "date.ambiguous"
    assert "01:30-04:00" in str(info.value.suggestion)
    assert "01:30-05:00" in str(info.value.suggestion)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-12-20 24:00", "tomorrow", "20/12/2026"])
def test_invalid(text: str) -> None:
    with pytest.raises(TimeProblem) as info:
        parse_when(text, BERLIN)
    assert info.value.code == "date.invalid"


def test_durations() -> None:
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1.5d") == timedelta(days=1.5)
    with pytest.raises(TimeProblem):
        parse_duration("soon")


STAMPS = [
    "2026-12-20T08:03:12Z",
    "2024-02-29T23:59:59Z",
    "2026-02-29T08:00:00Z",  # no such day
    "2026-02-30T08:00:00Z",
    "2026-12-20T24:00:00Z",  # no such hour
    "2026-12-20T08:60:00Z",
    "2026-12-20T08:00:60Z",
    "0000-01-01T00:00:00Z",
    " 2026-12-20T08:03:12Z",
    "2026-12-20T08:03:12Z\n",
]


def _either(text: str, tz: tzinfo) -> tuple[str, object]:
    try:
        when = _parse_when(text, tz, False)
    except TimeProblem as p:
        return ("problem", (p.code, p.message, p.suggestion))
    return ("when", (when.instant, when.instant.tzinfo, when.date_only))


@pytest.mark.parametrize("text", STAMPS)
@pytest.mark.parametrize("tz", [UTC, BERLIN])
def test_ledger_stamps_read_as_the_full_parse_reads_them(text: str, tz: tzinfo) -> None:
    """The ledger's stamps take a shorter way (``datetime.fromisoformat``); the instant, its
    zone object and any problem are the full parse's."""
    try:
        when = parse_when(text, tz)
        got: tuple[str, object] = ("when", (when.instant, when.instant.tzinfo, when.date_only))
    except TimeProblem as p:
        got = ("problem", (p.code, p.message, p.suggestion))
    assert got == _either(text, tz)
    if got[0] == "when":
        assert when.instant.tzinfo is UTC


def test_remembered_times_are_the_parsed_ones_and_problems_repeat() -> None:
    first = parse_when("2026-12-20 09:00", BERLIN)
    assert parse_when("2026-12-20 09:00", BERLIN) == first
    assert parse_when("2026-12-20 09:00", NEW_YORK) != first
    for _ in range(2):
        with pytest.raises(TimeProblem, match="skip"):
            parse_when("2027-03-28 02:30", BERLIN)
