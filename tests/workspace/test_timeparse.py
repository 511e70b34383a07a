from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tidings.workspace.timeparse import TimeProblem, parse_duration, parse_when

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
