"""The monthly report in the preview site: a page per month, posting counted from the
ledger, inbox response times from inbox/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from builders.posts import post

from tidings.metrics.report import Month
from tidings.site import build_pages, collect
from tidings.site.report_page import SECTIONS, numbers, read_inbox, read_recorder
from tidings.workspace.inbox import Cursor, InboxItem, InboxKind, InboxStatus, write_channel

REPO = Path(__file__).parents[2]
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=TZ)


def ledger(state: str, **extra: str) -> str:
    lines = ["post: {pid}", "channels:", "  mastodon:", f"    state: {state}"]
    lines += [f"    {k}: '{v}'" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def test_posting_counts_what_the_ledger_says(make_workspace: Callable[..., Path]) -> None:
    posts = {
        "sent": ("2026-12-11 09:00", ledger("published", published_at="2026-12-11T08:00:02Z")),
        "late": ("2026-12-12 09:00", ledger("missed")),
        "broken": ("2026-12-13 09:00", ledger("failed", error="rejected")),
        "forgotten": ("2026-12-14 09:00", None),
        "later": ("2026-12-28 09:00", None),
        "january": ("2027-01-02 09:00", None),
    }
    files: dict[str, str | bytes] = {}
    for slug, (at, record) in posts.items():
        files[f"content/posts/2026/12/{slug}.md"] = post("mastodon", title=slug, at=at, media=())
        if record is not None:
            files[f"ledger/2026/12/{slug}.yaml"] = record.replace("{pid}", f"2026/12/{slug}")
    root = make_workspace(files)
    data = collect(root, NOW)
    n = numbers(data, Month(2026, 12), read_recorder(data), read_inbox(data))
    mastodon = next(p for p in n.posting if p.channel == "mastodon")
    # the base fixture's hello (10 Dec) has no record either
    assert (mastodon.planned, mastodon.published, mastodon.missed, mastodon.failed) == (6, 1, 1, 1)
    assert (mastodon.unrecorded, mastodon.upcoming) == (2, 1)
    assert n.inbox is None  # no inbox/: no inbox section
    pages = {p.src_uri: p.html for p in build_pages(data).pages}
    assert 'id="inbox"' not in pages["reports/2026-12.md"]
    assert "reports/2027-01.md" not in pages  # a month after now has no report yet


def test_inbox_response_times(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    start = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)

    def item(n: int, answered_after: timedelta | None, at: datetime = start) -> InboxItem:
        return InboxItem(
            "mastodon",
            "mastodon",
            str(n),
            f"https://mastodon.example/@fan/{n}",
            "@fan@mastodon.example",
            at + timedelta(hours=n),
            InboxKind.MENTION,
            status=InboxStatus.ANSWERED if answered_after else InboxStatus.NEW,
            answered_at=at + timedelta(hours=n) + answered_after if answered_after else None,
            answered_by=f"https://mastodon.example/@studio/{n}" if answered_after else None,
        )

    items = [
        item(1, timedelta(minutes=30)),
        item(2, timedelta(minutes=90)),
        item(3, None),
        item(4, timedelta(days=3), at=datetime(2026, 11, 20, tzinfo=UTC)),  # November
    ]
    write_channel(root, "mastodon", "mastodon", items, Cursor("mastodon", "mastodon"))
    data = collect(root, NOW)
    n = numbers(data, Month(2026, 12), read_recorder(data), read_inbox(data))
    assert n.inbox is not None
    (mastodon,) = n.inbox
    assert (mastodon.arrived, mastodon.answered) == (3, 2)
    assert mastodon.median_response == timedelta(hours=1)
    assert mastodon.slowest_response == timedelta(minutes=90)
    html = {p.src_uri: p.html for p in build_pages(data).pages}["reports/2026-12.md"]
    assert "Inbox response times" in html and ">1 h<" in html and "1 h 30 min" in html


def test_the_site_has_a_report_per_month_with_every_section() -> None:
    data = collect(REPO, datetime(2027, 2, 3, 9, 0, tzinfo=TZ))
    pages = {p.src_uri: p for p in build_pages(data).pages}
    index = pages["reports/index.md"]
    assert index.in_nav
    assert index.html.index("January 2027") < index.html.index("December 2026")
    january = pages["reports/2027-01.md"].html
    assert 'href="../../posts/2027/01/client-story-lena-and-tomas/"' in january
    for section, heading in SECTIONS:
        if section != "inbox":
            assert f'<h2 id="{section}">{heading}</h2>' in january
    assert "No data for" not in january
    assert "reports/2027-08.md" not in pages  # planned, but after now
