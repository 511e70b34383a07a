"""The evergreen queue's choice (issue 19, item 2): deterministic, fair, never within
``evergreen.min_gap``, rotating bodies, and what the ledger records always stands.

Pure: workspaces are loaded from files; what runs would have recorded is given as ledger
entries, as the loader builds them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from builders.posts import post
from builders.workspaces import build_workspace

from tidings.core.evergreen import Send, schedule
from tidings.core.plan import JobState, plan
from tidings.core.replies import load
from tidings.workspace.layout import slot_ledger_id
from tidings.workspace.ledger import ChannelRecord, LedgerEntry, LedgerState
from tidings.workspace.model import Workspace
from tidings.workspace.yamlsource import Source, YamlDoc

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2027, 1, 1, tzinfo=BERLIN)


def calendar(*slots: str) -> str:
    return "slots:\n" + "".join(slots)


TUESDAY = '  - name: Tuesday tip\n    days: [tue]\n    time: "09:00"\n    channels: [outbox]\n'
FRIDAY = '  - name: Friday\n    days: [fri]\n    time: "17:00"\n    channels: [outbox]\n'


def evergreen(name: str, *rotations: str, channels: tuple[str, ...] = ("outbox",)) -> str:
    extra = {"rotations": list(rotations)} if rotations else {}
    return post(
        *channels,
        title=name,
        at=None,
        parts=(f"Tip {name}.",),
        media=(),
        evergreen="true",
        **extra,
    )


def workspace(tmp: Path, posts: dict[str, str], *, gap: str | None, cal: str) -> Workspace:
    brand = "name: Test Studio\ntimezone: Europe/Berlin\n"
    if gap:
        brand += f"evergreen:\n  min_gap: {gap}\n"
    files = {
        "brand/brand.yaml": brand,
        "content/calendars/winter.yaml": cal,
        "content/posts/2026/12/.keep": "",
    }
    files.update({f"content/posts/evergreen/{k}.md": v for k, v in posts.items()})
    ws, diags = load(build_workspace(tmp / "ws", files))
    errors = [d for d in diags if d.severity.value == "error"]
    assert not errors, errors
    return ws


def with_sends(ws: Workspace, sends: list[Send], state: LedgerState) -> Workspace:
    """``ws`` with each send recorded in the ledger (as the publisher writes it)."""
    ledger = dict(ws.ledger)
    for s in sends:
        rel = f"ledger/{s.ledger_id}.yaml"
        source = Source(rel, YamlDoc({}))
        record = ChannelRecord(state, source, rotation=s.rotation)
        ledger[s.ledger_id] = LedgerEntry(s.ledger_id, source, {s.channel: record})
    return replace(ws, ledger=ledger)


def test_52_weeks_of_slots_give_the_same_schedule_every_run_and_no_repeat_within_the_gap(
    tmp_path: Path,
) -> None:
    """10 evergreen posts, two slots a week for 52 weeks, ``min_gap: 60d``: the forecast is
    the same on every run, and it is what happens when runs send it week by week (each
    run's choice recorded in the ledger before the next run decides)."""
    posts = {f"tip-{i:02d}": evergreen(f"tip-{i:02d}") for i in range(10)}
    ws = workspace(tmp_path, posts, gap="60d", cal=calendar(TUESDAY, FRIDAY))
    end = START + timedelta(weeks=52)
    forecast = schedule(ws, START, end)
    assert forecast == schedule(ws, START, end)
    assert forecast == schedule(load(ws.root)[0], START, end)  # read again from the files
    assert len({s.at for s in forecast}) == len(forecast)  # a slot is filled once
    assert {s.post_id for s in forecast} == {f"evergreen/tip-{i:02d}" for i in range(10)}
    by_post: dict[str, list[datetime]] = {}
    for s in forecast:
        by_post.setdefault(s.post_id, []).append(s.at)
    for times in by_post.values():
        assert all(b - a >= timedelta(days=60) for a, b in itertools.pairwise(times))

    # run by run: each week's sends are recorded, then the next week is decided
    history: list[Send] = []
    week = START
    while week < end:
        now_ws = with_sends(ws, history, LedgerState.PUBLISHED)
        history += schedule(now_ws, week, week + timedelta(weeks=1))
        week += timedelta(weeks=1)
    assert [(s.post_id, s.at, s.rotation) for s in history] == [
        (s.post_id, s.at, s.rotation) for s in forecast
    ]


def test_fair_rotation_least_recently_sent_first_ties_by_id(tmp_path: Path) -> None:
    posts = {name: evergreen(name) for name in ("c", "a", "b")}
    ws = workspace(tmp_path, posts, gap=None, cal=calendar(TUESDAY))
    first = schedule(ws, START, START + timedelta(weeks=6))
    assert [s.post_id.rsplit("/", 1)[1] for s in first] == ["a", "b", "c", "a", "b", "c"]

    # the ledger says c went out last week and a the week before; b was never sent
    sent = [
        Send("evergreen/a", "outbox", START - timedelta(days=10), 0, ""),
        Send("evergreen/c", "outbox", START - timedelta(days=3), 0, ""),
    ]
    sent = [replace(s, ledger_id=slot_ledger_id(s.post_id, s.at)) for s in sent]
    after = schedule(with_sends(ws, sent, LedgerState.PUBLISHED), START, START + timedelta(weeks=3))
    assert [s.post_id.rsplit("/", 1)[1] for s in after] == ["b", "a", "c"]


def test_bodies_rotate_so_a_repeat_is_never_the_last_text_sent(tmp_path: Path) -> None:
    posts = {"only": evergreen("only", "Second wording.", "Third wording.")}
    ws = workspace(tmp_path, posts, gap=None, cal=calendar(TUESDAY))
    sends = schedule(ws, START, START + timedelta(weeks=7))
    assert [s.rotation for s in sends] == [0, 1, 2, 0, 1, 2, 0]
    texts = [ws.posts[s.post_id].rotated(s.rotation).parts[0].text for s in sends]
    assert texts[:3] == ["Tip only.", "Second wording.", "Third wording."]
    assert all(a != b for a, b in itertools.pairwise(texts))
    # the body a recorded send carried stands: the next one follows it
    last = replace(sends[0], rotation=2)
    later = schedule(with_sends(ws, [last], LedgerState.PUBLISHED), sends[1].at, sends[2].at)
    assert [s.rotation for s in later] == [0]


def test_a_slot_the_ledger_holds_is_never_filled_again_and_a_missed_one_sent_nothing(
    tmp_path: Path,
) -> None:
    posts = {name: evergreen(name) for name in ("a", "b")}
    ws = workspace(tmp_path, posts, gap="14d", cal=calendar(TUESDAY))
    first = schedule(ws, START, START + timedelta(weeks=1))[0]
    assert first.post_id == "evergreen/a"
    # another post holds that slot in the ledger (a person's edit, an older run): it stands
    held = Send("evergreen/b", "outbox", first.at, 0, slot_ledger_id("evergreen/b", first.at))
    ws_b = with_sends(ws, [held], LedgerState.PENDING)
    assert schedule(ws_b, START, START + timedelta(weeks=1)) == []
    assert schedule(ws_b, START, START + timedelta(weeks=2))[0].post_id == "evergreen/a"
    # a slot recorded missed holds the slot, but b was not sent: it goes first next time
    ws_missed = with_sends(ws, [held], LedgerState.MISSED)
    assert schedule(ws_missed, START, START + timedelta(weeks=2))[0].post_id == "evergreen/a"
    assert [s.post_id for s in schedule(ws_b, START, START + timedelta(weeks=3))] == [
        "evergreen/a",
        "evergreen/b",  # 14 days after its held slot
    ]


def test_dated_posts_and_blackouts_keep_the_queue_out_of_their_slots(tmp_path: Path) -> None:
    posts = {"a": evergreen("a")}
    dated = post("outbox", title="Dated", at="2027-01-05 18:00", parts=("Dated.",), media=())
    cal = calendar(TUESDAY) + (
        "blackouts:\n  - start: 2027-01-12 00:00\n    end: 2027-01-13\n    reason: closed\n"
    )
    root = workspace(tmp_path, posts, gap=None, cal=cal).root
    build_workspace(root, {"content/posts/2027/01/dated.md": dated})
    ws, _ = load(root)
    days = [s.at.date().isoformat() for s in schedule(ws, START, START + timedelta(weeks=3))]
    assert days == ["2027-01-19"]  # 5 Jan has a dated post, 12 Jan is blacked out


def test_plan_shows_the_queue_and_never_back_fills_beyond_the_lateness_window(
    tmp_path: Path,
) -> None:
    posts = {"a": evergreen("a", "Second wording.")}
    ws = workspace(tmp_path, posts, gap=None, cal=calendar(TUESDAY))
    slot = datetime(2027, 1, 5, 9, 0, tzinfo=BERLIN)
    jobs = plan(ws, slot + timedelta(minutes=10), days=14)
    assert [(j.at, j.state, j.ledger_id, j.evergreen) for j in jobs] == [
        (slot, JobState.DUE, "evergreen/a@20270105T0800Z", True),
        (slot + timedelta(weeks=1), JobState.UPCOMING, "evergreen/a@20270112T0800Z", True),
        (slot + timedelta(weeks=2), JobState.UPCOMING, "evergreen/a@20270119T0800Z", True),
    ]
    assert jobs[1].post.parts[0].text == "Second wording."  # the body that send carries
    assert jobs[0].note == "evergreen: Tuesday tip"
    late = plan(ws, slot + ws.settings.lateness + timedelta(minutes=1), days=3)
    assert late == []  # the slot passed unfilled: nothing due, nothing recorded missed


def test_the_ledger_id_of_a_send_reads_back(tmp_path: Path) -> None:
    from tidings.workspace.layout import split_ledger_id

    at = datetime(2027, 1, 5, 9, 0, tzinfo=BERLIN)
    lid = slot_ledger_id("evergreen/a", at)
    assert lid == "evergreen/a@20270105T0800Z"
    assert split_ledger_id(lid) == ("evergreen/a", at)
    assert split_ledger_id("2026/12/hello") == ("2026/12/hello", None)
    assert yaml.safe_load("post: " + lid)["post"] == lid
