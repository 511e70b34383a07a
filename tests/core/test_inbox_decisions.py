"""The inbox's decisions, on values: nothing twice, the first reply wins, the reviewed file
decides no-reply-needed, text only as brand.yaml allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tidings.core.inbox import (
    Arrival,
    Reply,
    Resume,
    Sweep,
    apply_triage,
    keep_text,
    mark_answered,
    merge,
    overdue,
    pending,
)
from tidings.workspace.inbox import InboxKind, InboxStatus, Triage
from tidings.workspace.model import InboxSettings, Source

AT = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def arrival(n: int, parent: str | None = "100", text: str | None = "hi") -> Arrival:
    return Arrival(
        str(n), f"https://h/@a/{n}", "@a", AT + timedelta(minutes=n), InboxKind.REPLY, parent, text
    )


def items(*arrivals: Arrival) -> list:  # type: ignore[type-arg]
    made, _ = merge([], arrivals, platform="mastodon", channel="m", ours={"100": "2026/12/hello"})
    return made


def test_merge_adds_each_id_once_and_finds_our_post() -> None:
    first = items(arrival(2), arrival(1, parent="999"))
    again, added = merge(
        first, [arrival(1), arrival(3, parent=None)], platform="mastodon", channel="m", ours={}
    )
    assert added == 1
    assert [(i.id, i.answers) for i in again] == [("1", None), ("2", "2026/12/hello"), ("3", None)]


def test_the_earliest_reply_answers_and_a_reply_beats_no_reply_needed() -> None:
    marked = apply_triage(
        items(arrival(1)),
        [
            Triage(
                "https://h/@a/1", InboxStatus.NO_REPLY_NEEDED, "maria", Source("content/inbox.yaml")
            )
        ],
    )
    assert marked[0].status is InboxStatus.NO_REPLY_NEEDED
    replies = [
        Reply("1", AT + timedelta(hours=3), "late"),
        Reply("1", AT + timedelta(hours=1), "first"),
    ]
    done, changed = mark_answered(marked, replies)
    assert changed == 1
    assert (done[0].status, done[0].answered_by, done[0].by) == (
        InboxStatus.ANSWERED,
        "first",
        None,
    )
    assert done[0].first_response == timedelta(minutes=59)
    assert mark_answered(done, [Reply("1", AT, "other")]) == (done, 0)  # answered stays as it was


def test_an_unmarked_item_is_new_again() -> None:
    marked = apply_triage(
        items(arrival(1)),
        [Triage("https://h/@a/1", InboxStatus.NO_REPLY_NEEDED, "maria", Source("x"))],
    )
    assert apply_triage(marked, [])[0].status is InboxStatus.NEW
    assert apply_triage(marked, [])[0].by is None


def test_text_is_kept_only_when_allowed_and_only_so_long() -> None:
    made = items(arrival(1))
    assert keep_text(made, InboxSettings(), AT)[0].text is None
    kept = InboxSettings(keep_text=True, keep_text_days=30)
    assert keep_text(made, kept, AT + timedelta(days=29))[0].text == "hi"
    assert keep_text(made, kept, AT + timedelta(days=31))[0].text is None
    assert keep_text(made, InboxSettings(keep_text=True), AT + timedelta(days=999))[0].text == "hi"


def test_answers_are_looked_for_only_within_the_recheck_bound() -> None:
    made = items(arrival(1))
    assert pending(made, AT + timedelta(days=13)) == made
    assert pending(made, AT + timedelta(days=15)) == []


def test_overdue_counts_new_items_past_the_target() -> None:
    made = items(arrival(1), arrival(2))
    done, _ = mark_answered(made, [Reply("1", AT + timedelta(hours=1), "r")])
    assert overdue(done, timedelta(hours=24), AT + timedelta(hours=30)) == 1
    assert overdue(done, timedelta(hours=24), AT + timedelta(hours=20)) == 0
    assert overdue(done, None, AT + timedelta(days=9)) == 0


def test_a_sweep_stays_open_until_it_reaches_the_old_position() -> None:
    old = Sweep.read("100")  # what earlier versions wrote
    assert (old.reach, old.resume) == ("100", None)
    cut = old.after("170", "t150")  # the bound ran out: the next older page is t150
    assert (cut.reach, cut.top, cut.resume) == ("100", "170", "t150")
    again = Sweep.read(cut.position)
    assert again == cut
    on = again.after("999", "t120")  # still open: the top stays the sweep's first
    assert (on.reach, on.top, on.resume) == ("100", "170", "t120")
    done = on.after("130", None)
    assert done.position == "170" and Sweep.read(None).after(None, None).position is None


def test_resume_keeps_the_busy_posts_pages_in_a_stable_form() -> None:
    assert Resume.read("2026-12-10T08:00:00+00:00").newest == "2026-12-10T08:00:00+00:00"
    both = Resume(newest="t", posts={"b": "2", "a": "1"})
    assert both.position == '{"newest":"t","posts":{"a":"1","b":"2"}}'
    assert Resume.read(both.position) == both
    assert Resume(newest="t").position == "t"
