"""The audit page: the latest audit with the previous one beside it, platform text escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from tidings.metrics.audit import (
    Audit,
    Cadence,
    ChannelAudit,
    Finding,
    Profile,
    Trend,
    audit_path,
    dump_audit,
)
from tidings.site.audit_page import audit_page


def _channel(bio: str, findings: tuple[Finding, ...], per_week: float) -> ChannelAudit:
    return ChannelAudit(
        "mastodon",
        "mastodon",
        "ok",
        Cadence(90, int(per_week * 90 / 7), per_week, 2, "ok" if per_week >= 2 else "below"),
        Trend("up", 12.0, 8.0, 4, 3),
        date(2027, 1, 10),
        False,
        Profile(display_name="Studio", bio=bio),
        findings,
    )


def test_the_latest_audit_is_shown_beside_the_previous_one_escaped(tmp_path: Path) -> None:
    old = Audit(date(2027, 1, 4), {"mastodon": _channel("ok", (), 1.5)})
    bad = Finding("bio", "mismatch", "the bio differs: <script>alert(1)</script>|x")
    new = Audit(date(2027, 1, 11), {"mastodon": _channel("<b>", (bad,), 2.1)})
    for audit in (old, new):
        path = tmp_path / audit_path(audit.day)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_audit(audit), encoding="utf-8")

    page = audit_page(tmp_path)

    assert "| | 2027-01-11 | 2027-01-04 |" in page
    assert "| posts per week | 2.1 of 2 (ok) | 1.5 of 2 (below) |" in page
    assert "up (8 → 12 per post)" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&#124;x" in page


def test_without_an_audit_the_page_says_how_to_make_one(tmp_path: Path) -> None:
    assert "tidings audit" in audit_page(tmp_path)


def test_the_page_shows_what_the_api_does_not_give_and_when_a_kept_reading_was_read(
    tmp_path: Path,
) -> None:
    channel = _channel("ok", (), 2.0)
    kept = replace(
        channel,
        profile=Profile(display_name="Studio", bio="ok", not_exposed=("link", "banner")),
        read_at=datetime(2027, 1, 11, 8, 0, tzinfo=UTC),
        failed_at=datetime(2027, 1, 11, 16, 0, tzinfo=UTC),
        error="read the profile: HTTP 401 <token expired>",
    )
    audit = Audit(date(2027, 1, 11), {"mastodon": kept})
    path = tmp_path / audit_path(audit.day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_audit(audit), encoding="utf-8")

    page = audit_page(tmp_path)

    assert "| not given by the API | link, banner | — |" in page
    assert (
        "| read | 2027-01-11 08:00 UTC; kept: the run at 2027-01-11 16:00 UTC failed "
        "(read the profile: HTTP 401 &lt;token expired&gt;) | — |"
    ) in page
    assert "| findings | none | — |" in page
