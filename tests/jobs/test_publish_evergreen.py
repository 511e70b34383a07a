"""Evergreen sends are exactly-once like any job (issue 19, item 2): a rerun picks the same
post and fills the slot once, a crash between claim and send is reconciled, an edit between
runs never changes a claimed slot, and of two runs that chose different posts for one slot
only the first claim to land sends.

Real git (a bare remote and clones); writers run as forked children (builders/forked.py);
the channel ``one`` is an outbox folder shared by every clone, whose sent.log counts sends.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path

import yaml
from builders.forked import at, fork, publisher
from builders.posts import post
from builders.remotes import clone, git, remote_file
from builders.workspaces import published

SLOT = "ledger/evergreen/{name}@20261215T0800Z.yaml"  # Tue 15 Dec 2026 09:00 Berlin
CALENDAR = (
    'slots:\n  - name: Tuesday tip\n    days: [tue]\n    time: "09:00"\n    channels: [one]\n'
)


def evergreen(name: str) -> str:
    return post(
        "one",
        title=name,
        at=None,
        parts=(f"Tip {name}.",),
        media=(),
        evergreen="true",
        rotations=[f"Tip {name}, said again."],
    )


def setup(tmp: Path) -> tuple[Path, Path]:
    return published(
        tmp,
        {
            "brand/channels.yaml": f"channels:\n  one:\n    platform: outbox\n    path: {tmp / 'server'}\n",
            "content/calendars/winter.yaml": CALENDAR,
            "content/posts/evergreen/b.md": evergreen("b"),
            "content/posts/evergreen/c.md": evergreen("c"),
        },
    )


def sends(tmp: Path) -> Counter[str]:
    log = tmp / "server" / "sent.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(json.loads(line).get("send", "") for line in lines)


def record(remote: Path, name: str) -> dict[str, object] | None:
    text = remote_file(remote, SLOT.format(name=name))
    return None if text is None else dict(yaml.safe_load(text)["channels"]["one"])


def push_post(remote: Path, where: Path, name: str) -> None:
    if not where.exists():
        clone(remote, where)
    git(where, "pull", "--quiet", "--rebase")
    target = where / f"content/posts/evergreen/{name}.md"
    target.write_text(evergreen(name))
    git(where, "add", "-A")
    git(where, "commit", "--quiet", "-m", f"evergreen {name}")
    git(where, "push", "--quiet", "origin", "main")


def test_a_slot_is_filled_once_and_a_rerun_sends_nothing_again(tmp_path: Path) -> None:
    remote, work = setup(tmp_path)
    a = fork(publisher(work, at("2026-12-15 09:05"), "one"), tmp_path / "a.json")
    assert a.code == 0, a.result
    assert sends(tmp_path) == {"evergreen/b@20261215T0800Z": 1}
    rec = record(remote, "b")
    assert rec is not None and rec["state"] == "published" and rec["rotation"] == 0
    again = fork(publisher(work, at("2026-12-15 09:20"), "one"), tmp_path / "b.json")
    assert again.code == 0, again.result
    other_clone = clone(remote, tmp_path / "o")
    other = fork(publisher(other_clone, at("2026-12-15 10:00"), "one"), tmp_path / "c.json")
    assert other.code == 0, other.result
    assert sends(tmp_path) == {"evergreen/b@20261215T0800Z": 1}
    assert record(remote, "c") is None  # no second post for the slot
    # next week's slot takes the other post: least recently sent first
    week = fork(publisher(work, at("2026-12-22 09:05"), "one"), tmp_path / "d.json")
    assert week.code == 0, week.result
    assert sends(tmp_path)["evergreen/c@20261222T0800Z"] == 1


def test_a_crash_between_claim_and_send_is_reconciled_and_an_edit_changes_nothing(
    tmp_path: Path,
) -> None:
    """The run dies after its claim landed; a person then adds an evergreen post that
    sorts first (it would have won the slot). The next run reconciles the claimed slot with
    the post it claimed, sends it once, and the new post waits for the next free slot."""
    remote, work = setup(tmp_path)
    a = fork(publisher(work, at("2026-12-15 09:05"), "one"), tmp_path / "a.json", crash="claimed")
    assert a.code == -signal.SIGKILL
    rec = record(remote, "b")
    assert rec is not None and rec["state"] == "pending"
    assert not sends(tmp_path)
    push_post(remote, tmp_path / "person", "a")

    b = fork(publisher(work, at("2026-12-15 09:20"), "one"), tmp_path / "b.json")
    assert b.code == 0, b.result
    assert sends(tmp_path) == {"evergreen/b@20261215T0800Z": 1}
    rec = record(remote, "b")
    assert rec is not None and rec["state"] == "published"
    assert record(remote, "a") is None


def test_of_two_runs_choosing_different_posts_for_a_slot_only_the_first_claim_sends(
    tmp_path: Path,
) -> None:
    """Run A reads the files and claims b for the slot (written, not yet pushed). A person
    adds post a; run B, in another clone, reads it, claims a for the same slot and sends it.
    A's claim is in another ledger file, so its push rebases cleanly: A then sees B's claim,
    which landed first, records its own ``missed`` and sends nothing."""
    remote, work = setup(tmp_path)
    now = at("2026-12-15 09:05")
    a = fork(publisher(work, now, "one"), tmp_path / "a.json", pause="planned")
    assert a.status == "stopped"
    push_post(remote, tmp_path / "person", "a")
    b = fork(publisher(clone(remote, tmp_path / "other"), now, "one"), tmp_path / "b.json")
    assert b.code == 0, b.result
    a.finish()
    assert a.code == 0, a.result
    assert sends(tmp_path) == {"evergreen/a@20261215T0800Z": 1}
    lost = record(remote, "b")
    assert lost is not None and lost["state"] == "missed"
    assert "slot already filled by evergreen/a@20261215T0800Z" in str(lost["history"])
    won = record(remote, "a")
    assert won is not None and won["state"] == "published"
