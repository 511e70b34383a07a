"""`tidings check` on evergreen posts (issue 19, item 2): an `at` is an error, a channel
with no posting slot a warning, `rotations` on a dated post a warning, and every body of
`rotations` is checked like the post's own."""

from __future__ import annotations

from pathlib import Path

from builders.posts import post
from builders.workspaces import build_workspace

from tidings.check.runner import check_workspace

SLOTS = 'slots:\n  - name: Tip\n    days: [tue]\n    time: "09:00"\n    channels: [outbox]\n'
BRAND = "name: Test Studio\ntimezone: Europe/Berlin\nwords:\n  banned: [cheap]\n"


def codes(tmp: Path, text: str) -> list[tuple[str, int, str]]:
    root = build_workspace(
        tmp / "ws",
        {
            "brand/brand.yaml": BRAND,
            "content/calendars/winter.yaml": SLOTS,
            "content/posts/evergreen/tip.md": text,
        },
    )
    result = check_workspace(root)
    return [
        (d.code, d.line, d.severity.value)
        for d in result.diagnostics
        if d.path == "content/posts/evergreen/tip.md"
    ]


def evergreen(*channels: str, **front: object) -> str:
    return post(*channels, title="Tip", parts=("Bring a second top.",), media=(), **front)


def test_an_evergreen_post_with_at_is_an_error(tmp_path: Path) -> None:
    found = codes(tmp_path, evergreen("outbox", evergreen="true"))
    assert ("evergreen.at", 3, "error") in found


def test_an_evergreen_post_needs_no_at_and_a_clean_one_passes(tmp_path: Path) -> None:
    assert codes(tmp_path, evergreen("outbox", at=None, evergreen="true")) == []


def test_a_channel_without_a_slot_is_a_warning(tmp_path: Path) -> None:
    found = codes(tmp_path, evergreen("outbox", "mastodon", at=None, evergreen="true"))
    assert [c for c in found if c[0] == "evergreen.no-slot"] == [
        ("evergreen.no-slot", 3, "warning")
    ]


def test_rotations_on_a_dated_post_are_a_warning(tmp_path: Path) -> None:
    found = codes(tmp_path, evergreen("outbox", rotations=["Another wording."]))
    assert ("evergreen.rotations", 5, "warning") in found


def test_every_rotation_body_is_checked_like_the_post(tmp_path: Path) -> None:
    text = evergreen(
        "outbox", at=None, evergreen="true", rotations=["Fine words.", "A cheap trick."]
    )
    found = codes(tmp_path, text)
    assert ("brand.banned-word", 5, "error") in found, found
