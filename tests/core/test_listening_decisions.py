"""Listening's decisions on values: a match is counted once on its UTC day, the newest are
kept (at most LATEST), the position moves, the words go without keep_text; the volume
series fills days without a match with 0; brand.yaml's listening reads typed, and bad
input is a message naming the line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tidings.check.runner import check_workspace
from tidings.core.listening import LATEST, Heard, keep_text, tally, volume
from tidings.workspace.listening import ListeningRecord, Match
from tidings.workspace.loader import load_workspace
from tidings.workspace.model import InboxSettings

T0 = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)


def match(n: int, at: datetime, text: str | None = None) -> Match:
    return Match(str(n), f"https://m.example/@a/{n}", "@a@m.example", at, text)


def test_a_match_is_counted_once_on_its_utc_day_and_the_newest_are_kept() -> None:
    empty = ListeningRecord("mastodon", "mastodon")
    heard = Heard((match(1, T0), match(2, T0 + timedelta(hours=1)), match(1, T0)), "2")
    record, counted = tally(empty, "#tag", heard)
    assert counted.added == 2
    assert dict(record.counts) == {("#tag", date(2026, 12, 7)): 1, ("#tag", date(2026, 12, 8)): 1}
    assert [m.id for m in record.latest["#tag"]] == ["2", "1"]
    assert record.positions == {"#tag": "2"}
    # the same reading again (a server that ignores the position): nothing is counted twice
    again, counted = tally(record, "#tag", heard)
    assert counted.added == 0 and again.counts == record.counts
    many = Heard(
        tuple(match(n, T0 + timedelta(minutes=n)) for n in range(10, 10 + 2 * LATEST)), "x"
    )
    record, _ = tally(record, "#tag", many)
    assert len(record.latest["#tag"]) == LATEST
    newest = [m.id for m in record.latest["#tag"][:2]]
    assert newest == ["2", str(9 + 2 * LATEST)]  # by time: "2" came an hour after T0


def test_the_words_go_without_keep_text_and_after_keep_text_days() -> None:
    record, _ = tally(ListeningRecord("m", "mastodon"), "w", Heard((match(1, T0, "hello"),), "1"))
    assert keep_text(record, InboxSettings(), T0).latest["w"][0].text is None
    kept = InboxSettings(keep_text=True, keep_text_days=2)
    assert keep_text(record, kept, T0 + timedelta(days=1)).latest["w"][0].text == "hello"
    assert keep_text(record, kept, T0 + timedelta(days=3)).latest["w"][0].text is None


def test_volume_fills_quiet_days_with_zero_and_keeps_the_order_asked() -> None:
    counts = {("b", date(2026, 12, 1)): 2, ("b", date(2026, 12, 3)): 1, ("a", date(2026, 12, 2)): 5}
    assert volume(counts, ["b", "a", "none"]) == {
        "b": [(date(2026, 12, 1), 2), (date(2026, 12, 2), 0), (date(2026, 12, 3), 1)],
        "a": [(date(2026, 12, 2), 5)],
    }


def test_brand_listening_reads_typed_and_bad_input_names_the_line(
    make_workspace: Callable[..., Path],
) -> None:
    root = make_workspace(
        {
            "brand/brand.yaml": "name: T\ntimezone: UTC\nlistening:\n"
            "  keywords: [Lumen & Grain]\n  hashtags: ['#LeipzigWedding', Hochzeit]\n"
        }
    )
    ws, _ = load_workspace(root)
    assert ws.brand is not None
    assert ws.brand.listening.terms == ("#LeipzigWedding", "#Hochzeit", "Lumen & Grain")
    (root / "brand/brand.yaml").write_text(
        "name: T\ntimezone: UTC\nlistening:\n  hashtags: ['#two words']\n", encoding="utf-8"
    )
    found = [
        (d.path, d.line, d.message, d.suggestion)
        for d in check_workspace(root).diagnostics
        if d.path == "brand/brand.yaml"
    ]
    assert len(found) == 1 and found[0][1] == 4, found
    assert "hashtag" in (found[0][3] or found[0][2]).lower()
