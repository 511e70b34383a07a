"""The inbox record: what is written reads back exactly, and the same items always give
the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tidings.errors import InboxError
from tidings.workspace.inbox import (
    Cursor,
    InboxItem,
    InboxKind,
    InboxStatus,
    dump_month,
    read_channel,
    read_cursor,
    write_channel,
)
from tidings.workspace.validation import validator

AT = datetime(2026, 12, 20, 9, 14, 2, tzinfo=UTC)
TRICKY = 'a "quote", a \\ back\\slash\nnew line\ttab \u2028 LS \x85 NEL \x07 bell ü 漢字 🫖 # not a comment: yes'


def item(n: int, **kw: object) -> InboxItem:
    values: dict[str, object] = {
        "platform": "mastodon",
        "channel": "mastodon",
        "id": str(113456790 + n),
        "url": f"https://photog.social/@ann/{113456790 + n}",
        "author": "@ann@photog.social",
        "at": AT + timedelta(minutes=n),
        "kind": InboxKind.REPLY,
        "answers": "2026/12/holiday-hours",
        **kw,
    }
    return InboxItem(**values)  # type: ignore[arg-type]


def test_what_is_written_reads_back_exactly(tmp_path: Path) -> None:
    items = [
        item(2, kind=InboxKind.MENTION, answers=None, text=TRICKY),
        item(
            1,
            status=InboxStatus.ANSWERED,
            answered_at=AT + timedelta(minutes=49),
            answered_by="https://photog.social/@lumengrain/9",
        ),
        item(3, status=InboxStatus.NO_REPLY_NEEDED, by="maria", note="a thank-you: ok"),
    ]
    cursor = Cursor("mastodon", "mastodon", "1234", AT)
    written = write_channel(tmp_path, "mastodon", "mastodon", items, cursor)
    assert written == ["inbox/mastodon/2026-12.yaml", "inbox/mastodon/cursor.yaml"]
    back = read_channel(tmp_path, "mastodon")
    assert back == sorted(items, key=lambda i: i.key)
    assert back[0].first_response == timedelta(minutes=48)
    assert read_cursor(tmp_path, "mastodon", "mastodon") == cursor
    text = (tmp_path / "inbox/mastodon/2026-12.yaml").read_text(encoding="utf-8")
    assert not list(validator("inbox").iter_errors(yaml.safe_load(text)))
    # the same items in another order: the same bytes, and nothing is written again
    assert dump_month("mastodon", "mastodon", "2026-12", reversed(items)) == text
    assert write_channel(tmp_path, "mastodon", "mastodon", items[::-1], cursor) == []


def test_items_go_to_the_month_they_arrived_in_utc(tmp_path: Path) -> None:
    late = item(0, at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    early = item(1, at=datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
    write_channel(tmp_path, "mastodon", "mastodon", [early, late], Cursor("mastodon", "mastodon"))
    assert sorted(p.name for p in (tmp_path / "inbox/mastodon").iterdir()) == [
        "2026-12.yaml",
        "2027-01.yaml",
        "cursor.yaml",
    ]


def test_a_broken_file_names_its_path_and_line(tmp_path: Path) -> None:
    write_channel(tmp_path, "mastodon", "mastodon", [item(0)], Cursor("mastodon", "mastodon"))
    path = tmp_path / "inbox/mastodon/2026-12.yaml"
    path.write_text(path.read_text().replace('kind: "reply"', 'kind: "shout"'))
    with pytest.raises(InboxError) as caught:
        read_channel(tmp_path, "mastodon")
    assert "inbox/mastodon/2026-12.yaml:" in caught.value.message
    assert "kind" in caught.value.message
