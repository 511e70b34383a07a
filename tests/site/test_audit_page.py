"""The audit page: the latest audit with the previous one beside it, platform text escaped."""

from __future__ import annotations

from datetime import date
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
