"""The Inbox page as the site builds it, without a browser: what waits for an answer,
oldest first with its age, where to answer it and the command to copy; the numbers (items
per channel per day, median and 90th-percentile first-response time per channel and week,
the share answered within brand.yaml's target) as charts beside their tables; the words
only while keep_text keeps them; an unreadable record said on the page; the
``answered_within`` goal on the goals dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_dashboards_site import figures

from tidings.check.runner import check_workspace
from tidings.site import build_pages, collect
from tidings.site.inbox_page import INBOX_PAGE, LISTENING_PAGE, duration_text
from tidings.workspace.inbox import InboxItem, InboxKind, InboxStatus, dump_month

NOW = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday


def item(
    n: int,
    at: datetime,
    *,
    channel: str = "mastodon",
    took: timedelta | None = None,
    status: InboxStatus | None = None,
    text: str | None = None,
) -> InboxItem:
    answered = took is not None
    return InboxItem(
        platform="mastodon" if channel == "mastodon" else "bluesky",
        channel=channel,
        id=str(n),
        url=f"https://mock.local/@fan{n}/{n}",
        author=f"@fan{n}@mock.local",
        at=at,
        kind=InboxKind.REPLY,
        status=status or (InboxStatus.ANSWERED if answered else InboxStatus.NEW),
        answered_at=at + took if took is not None else None,
        answered_by=f"https://mock.local/@testuser/9{n}" if answered else None,
        by="maria" if status is InboxStatus.NO_REPLY_NEEDED else None,
        text=text,
    )


def record(items: list[InboxItem]) -> dict[str, str]:
    files: dict[str, list[InboxItem]] = {}
    for i in items:
        files.setdefault(f"inbox/{i.channel}/{i.month}.yaml", []).append(i)
    return {
        path: dump_month(group[0].channel, group[0].platform, group[0].month, group)
        for path, group in files.items()
    }


ITEMS = [
    # week of 7 Dec: answered in 1 h, 3 h and 30 h (late) on mastodon; 2 h on bluesky
    item(1, T0, took=timedelta(hours=1)),
    item(2, T0 + timedelta(hours=1), took=timedelta(hours=3)),
    item(3, T0 + timedelta(days=1), took=timedelta(hours=30)),
    item(4, T0 + timedelta(days=1), channel="bluesky", took=timedelta(hours=2)),
    # waiting: one for 8 days (late), one for 2 hours (still within the target)
    item(5, T0 + timedelta(days=1, hours=3), text="<b>Open on Sunday?</b>"),
    item(6, NOW - timedelta(hours=2), channel="bluesky", text="and me"),
    # a thank-you nobody needs to answer: neither waiting nor counted
    item(7, T0 + timedelta(days=2), status=InboxStatus.NO_REPLY_NEEDED),
]

BRAND = "name: Test Studio\ntimezone: Europe/Berlin\ninbox:\n  respond_within: 24h\n"
GOALS = (
    "goals:\n  - id: answered-in-a-day\n    metric: answered_within\n    target: 90\n"
    "    by: 2027-03-31\n"
)


def build(make_workspace: Callable[..., Path], **files: str) -> dict[str, str]:
    root = make_workspace({**record(ITEMS), "brand/brand.yaml": BRAND, **files})
    return {p.src_uri: p.html for p in build_pages(collect(root, NOW)).pages}


def test_waiting_items_oldest_first_with_age_link_and_command(
    make_workspace: Callable[..., Path],
) -> None:
    page = build(make_workspace)[INBOX_PAGE]
    assert "7 items recorded" in page and "2 waiting for an answer" in page
    assert "(1 longer than the target of 24 h)" in page
    first, second = page.index("@fan5@mock.local"), page.index("@fan6@mock.local")
    assert first < second  # oldest first
    assert "waiting 8 d</strong>" in page and "waiting 2 h" in page
    assert page.count("past the target</span>") == 1
    assert (
        '<a href="https://mock.local/@fan5/5" rel="noopener nofollow">answer on the platform</a>'
        in page
    )
    assert "tidings new reply https://mock.local/@fan5/5" in page
    for answered in ("@fan1@", "@fan7@"):  # answered or no-reply-needed: not waiting
        assert answered not in page
    # keep_text is off: the words are not shown, even though this file holds them
    assert "Open on Sunday" not in page and "and me" not in page
    assert "not kept" in page


def test_the_words_show_escaped_only_while_kept(make_workspace: Callable[..., Path]) -> None:
    kept = BRAND + "  keep_text: true\n"
    page = build(make_workspace, **{"brand/brand.yaml": kept})[INBOX_PAGE]
    assert "&lt;b&gt;Open on Sunday?&lt;/b&gt;" in page and "<b>Open" not in page
    assert "and me" in page
    short = BRAND + "  keep_text: true\n  keep_text_days: 3\n"
    page = build(make_workspace, **{"brand/brand.yaml": short})[INBOX_PAGE]
    assert "Open on Sunday" not in page and "and me" in page  # 9 days old: past 3 days


def test_the_numbers_as_charts_beside_tables(make_workspace: Callable[..., Path]) -> None:
    page = build(make_workspace)[INBOX_PAGE]
    found = figures(page)
    assert found.problems == []
    assert [f["caption"] for f in found.figures] == [
        "Items arrived per day (the brand's time zone), per channel",
        "First-response time per week of arrival (its Monday) and channel, in hours",
        "90th-percentile first-response time per week of arrival and channel, in hours",
    ]
    for fig in found.figures:
        assert isinstance(fig["svg"], dict) and fig["svg"]["role"] == "img"
        assert set(fig["scopes"]) == {"col", "row"}  # type: ignore[arg-type]
    # mastodon, week of 7 Dec: 1, 3, 30 h -> median 3, p90 (nearest rank) 30
    assert (
        '<th scope="row">07 Dec 2026</th><td>mastodon</td><td>3</td><td>3</td><td>30</td>' in page
    )
    assert '<th scope="row">07 Dec 2026</th><td>bluesky</td><td>1</td><td>2</td><td>2</td>' in page
    assert "<td>all channels</td><td>4</td><td>2.5</td><td>30</td>" in page
    # per day: mastodon 2 on the 7th, 2 on the 8th (no-reply-needed counts as arrived)
    assert '<th scope="row">07 Dec 2026</th><td>0</td><td>2</td>' in page
    # known outcome: 1, 2, 4 in time; 3 late; 5 overdue; 6 too young; 7 not counted
    assert "<strong>60 %</strong>" in page and "(3 of 5)" in page
    assert '<th scope="row">mastodon</th><td>2</td><td>4</td><td>50 %</td><td>0</td>' in page
    assert '<th scope="row">bluesky</th><td>1</td><td>1</td><td>100 %</td><td>1</td>' in page


def test_without_a_target_the_page_says_how_to_set_one(make_workspace: Callable[..., Path]) -> None:
    plain = "name: Test Studio\ntimezone: Europe/Berlin\n"
    page = build(make_workspace, **{"brand/brand.yaml": plain})[INBOX_PAGE]
    assert "No target is set" in page and "respond_within: 24h" in page


def test_an_empty_inbox_says_how_it_fills(make_workspace: Callable[..., Path]) -> None:
    empty = make_workspace({"brand/brand.yaml": BRAND})
    page = {p.src_uri: p.html for p in build_pages(collect(empty, NOW)).pages}[INBOX_PAGE]
    assert "Nothing in the inbox yet" in page and "tidings inbox --push" in page


def test_a_broken_record_is_said_on_the_page(make_workspace: Callable[..., Path]) -> None:
    broken = build(make_workspace, **{"inbox/mastodon/2026-12.yaml": "items: [{id: 1}]\n"})
    page = broken[INBOX_PAGE]
    assert "does not read" in page and "inbox/mastodon/2026-12.yaml:1" in page


def test_the_answered_within_goal(make_workspace: Callable[..., Path]) -> None:
    pages = build(make_workspace, **{"brand/goals.yaml": GOALS})
    goals = pages["dashboards/goals.md"]
    assert "answered-in-a-day" in goals and "% answered within the target" in goals
    # the week of 7 Dec (its Sunday the 13th): 3 of 5 in time
    assert '<th scope="row">13 Dec 2026</th><td>60</td>' in goals
    assert 'href="../dashboards/goals/#goal-answered-in-a-day"' in pages[INBOX_PAGE]


def test_a_goal_without_a_target_is_a_warning(make_workspace: Callable[..., Path]) -> None:
    plain = "name: Test Studio\ntimezone: Europe/Berlin\n"
    root = make_workspace({"brand/brand.yaml": plain, "brand/goals.yaml": GOALS})
    found = [
        (d.path, d.line, d.code)
        for d in check_workspace(root).diagnostics
        if d.code.startswith("inbox")
    ]
    assert found == [("brand/goals.yaml", 3, "inbox.no-target")]


def test_durations_read_as_people_say_them() -> None:
    assert [
        duration_text(timedelta(minutes=m)) for m in (5, 60, 130, 24 * 60, 49 * 60, 72 * 60)
    ] == [
        "5 min",
        "1 h",
        "2 h 10 min",
        "24 h",
        "2 d 1 h",
        "3 d",
    ]


# ---------------------------------------------------------------- listening

LISTENING = BRAND + "listening:\n  keywords: [Plagwitz portraits]\n  hashtags: [LeipzigWedding]\n"


def listening_record(text: str | None = None) -> dict[str, str]:
    from datetime import date

    from tidings.workspace.listening import ListeningRecord, Match, dump_latest, dump_month

    matches = tuple(
        Match(
            str(n),
            f"https://mock.local/@fan{n}/{n}",
            f"@fan{n}@mock.local",
            T0 + timedelta(days=n),
            text,
        )
        for n in (3, 1)
    )
    record = ListeningRecord(
        "mastodon",
        "mastodon",
        {
            ("#LeipzigWedding", date(2026, 12, 8)): 4,
            ("#LeipzigWedding", date(2026, 12, 10)): 1,
            ("Plagwitz portraits", date(2026, 12, 8)): 2,
        },
        {"#LeipzigWedding": matches},
        {"#LeipzigWedding": "3", "Plagwitz portraits": "9"},
    )
    return {
        "inbox/_listening/mastodon/2026-12.yaml": dump_month(record, "2026-12"),
        "inbox/_listening/mastodon/latest.yaml": dump_latest(record),
    }


def test_listening_shows_volume_per_term_and_the_newest_links(
    make_workspace: Callable[..., Path],
) -> None:
    pages = build(
        make_workspace, **{"brand/brand.yaml": LISTENING}, **listening_record("<i>so</i> lovely")
    )
    page = pages[LISTENING_PAGE]
    (fig,) = figures(page).figures
    assert fig["caption"] == "Public posts matching each term per day (UTC), all channels together"
    # a row per day from the first to the last, days without a match as 0
    assert '<th scope="row">08 Dec 2026</th><td>4</td><td>2</td>' in page
    assert '<th scope="row">09 Dec 2026</th><td>0</td><td>0</td>' in page
    assert "7 counted in all" in page
    newest, older = (
        page.index("https://mock.local/@fan3/3"),
        page.index("https://mock.local/@fan1/1"),
    )
    assert newest < older
    assert "so lovely" not in page  # keep_text is off: the words are not shown
    assert 'href="listening/"' in pages[INBOX_PAGE] or "listening/" in pages[INBOX_PAGE]


def test_listening_words_show_escaped_with_keep_text(
    make_workspace: Callable[..., Path],
) -> None:
    kept = LISTENING.replace("respond_within: 24h\n", "respond_within: 24h\n  keep_text: true\n")
    pages = build(
        make_workspace, **{"brand/brand.yaml": kept}, **listening_record("<i>so</i> lovely")
    )
    assert "&lt;i&gt;so&lt;/i&gt; lovely" in pages[LISTENING_PAGE]


def test_without_listening_terms_the_page_says_how_to_set_them(
    make_workspace: Callable[..., Path],
) -> None:
    page = build(make_workspace)[LISTENING_PAGE]
    assert "Nothing to listen for yet" in page and "listening:" in page
