"""The ledger under races, crashes and broken files (issue 14, items 3, 4, 6, 7 and 8).

Real git: a bare remote on disk and clones of it. Writers run as forked children
(tests/builders/forked.py) so a test can stop one at a step boundary, run another writer,
and let the first go on; two local channels (``one`` and ``two``, both outbox folders shared
by every clone) play the platform and count what was sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from builders.forked import at, fork, publisher
from builders.posts import post
from builders.remotes import clone, git, remote_file, remote_log
from builders.workspaces import published

HELLO = post("one", "two", title="Hello", parts=("Hello from the studio.",), media=())

TIPS = post(
    "one",
    title="Tips",
    parts=(
        "Three tips for winter light.",
        "1. Face the window.",
        "2. Switch off the ceiling lamp.",
    ),
    media=(),
)

FAILED_BOTH = """post: 2026/12/hello
channels:
  one:
    state: failed
    attempt_key: 20261210T080100Z-00000000aa
    attempts: 1
    retry: true
    updated: '2026-12-10T08:01:00Z'
    error: the platform was down
    history:
    - at: '2026-12-10T08:01:00Z'
      state: pending
      note: attempt 1
    - at: '2026-12-10T08:01:01Z'
      state: failed
      note: will be retried
  two:
    state: failed
    attempt_key: 20261210T080100Z-00000000bb
    attempts: 1
    retry: true
    updated: '2026-12-10T08:01:00Z'
    error: the platform was down
    history:
    - at: '2026-12-10T08:01:00Z'
      state: pending
      note: attempt 1
    - at: '2026-12-10T08:01:01Z'
      state: failed
      note: will be retried
"""


def channels(tmp: Path) -> str:
    return (
        "channels:\n"
        f"  one:\n    platform: outbox\n    path: {tmp / 'server-one'}\n"
        f"  two:\n    platform: outbox\n    path: {tmp / 'server-two'}\n"
    )


def setup(tmp: Path, files: dict[str, str | bytes] | None = None) -> tuple[Path, Path]:
    overlay: dict[str, str | bytes] = {
        "brand/channels.yaml": channels(tmp),
        "content/posts/2026/12/hello.md": HELLO,
    }
    overlay.update(files or {})
    return published(tmp, overlay)


def sent(tmp: Path) -> Counter[tuple[str, str, int]]:
    """Every part any run sent: (channel, post, part)."""
    counts: Counter[tuple[str, str, int]] = Counter()
    for name in ("one", "two"):
        log = tmp / f"server-{name}" / "sent.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            item = json.loads(line)
            counts[(name, item["post"], item["part"])] += 1
    return counts


def records(remote: Path, post_id: str = "2026/12/hello") -> dict[str, dict[str, object]]:
    text = remote_file(remote, f"ledger/{post_id}.yaml")
    assert text is not None, f"no ledger for {post_id} on the remote"
    return dict(yaml.safe_load(text)["channels"])


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def push_file(remote: Path, where: Path, rel: str, text: str, message: str) -> None:
    """A person's commit of one file, pushed to the remote from their own clone."""
    if not where.exists():
        clone(remote, where)
    git(where, "pull", "--quiet", "--rebase")
    target = where / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(where, "add", rel)
    git(where, "commit", "--quiet", "-m", message)
    git(where, "push", "--quiet", "origin", "main")


# ---------------------------------------------------------------- item 3


def test_a_clean_rebase_never_overwrites_another_runs_record(tmp_path: Path) -> None:
    """Run A claims channel one; before it pushes, run B claims and publishes channel two
    of the same ledger file. A's push rebases cleanly over B's records: A must re-read the
    file, so B's ``published`` survives, and a third run sends nothing again."""
    remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": FAILED_BOTH})
    other = clone(remote, tmp_path / "other")
    now = at("2026-12-10 09:05")

    a = fork(publisher(work, now, "one"), tmp_path / "a.json", pause="planned")
    assert a.status == "stopped"
    b = fork(publisher(other, now, "two"), tmp_path / "b.json")
    assert b.code == 0, b.result
    assert records(remote)["two"]["state"] == "published"
    a.finish()
    assert a.code == 0, a.result

    final = records(remote)
    assert final["one"]["state"] == "published"
    assert final["two"]["state"] == "published", "run A overwrote run B's record"
    third = fork(publisher(clone(remote, tmp_path / "third"), now), tmp_path / "c.json")
    assert third.code == 0, third.result
    assert sent(tmp_path) == {("one", "2026/12/hello", 0): 1, ("two", "2026/12/hello", 0): 1}


def test_a_claim_changed_by_another_writer_after_it_landed_is_not_sent(tmp_path: Path) -> None:
    """Run A claims both channels and is sending the first when a person edits the second's
    record by hand (``missed``: do not send it) and pushes. A's next push (the batch of
    results, here one result a batch) rebases over that edit; A reads the record again
    before sending, sees it is no longer its claim, and leaves it alone. (``tidings
    resolve`` refuses a job a run holds the lease of; a hand edit is seen at the next batch.)"""
    remote, work = setup(tmp_path)
    now = at("2026-12-10 09:05")
    a = fork(publisher(work, now, batch=1), tmp_path / "a.json", pause="sent")
    assert a.status == "stopped"
    claimed = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert claimed is not None
    data = yaml.safe_load(claimed)
    data["channels"]["two"]["state"] = "missed"
    edited = yaml.safe_dump(data, sort_keys=False)
    push_file(remote, tmp_path / "person", "ledger/2026/12/hello.yaml", edited, "skip two")
    a.finish()
    assert a.code == 0, a.result
    assert sent(tmp_path) == {("one", "2026/12/hello", 0): 1}
    final = records(remote)
    assert final["one"]["state"] == "published"
    assert final["two"]["state"] == "missed"


# ---------------------------------------------------------------- item 4

CONFLICTED = """post: 2026/12/hello
channels:
<<<<<<< HEAD
  one:
    state: published
    updated: '2026-12-10T08:05:00Z'
=======
  one:
    state: pending
    updated: '2026-12-10T08:05:00Z'
>>>>>>> run
"""


def test_resolve_never_rewrites_a_ledger_file_it_cannot_read(tmp_path: Path) -> None:
    _remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": CONFLICTED})
    result = cli(work, "resolve", "2026/12/hello", "two", "--skip")
    assert result.returncode != 0
    assert "ledger/2026/12/hello.yaml:" in result.stderr
    assert "Traceback" not in result.stderr
    assert (work / "ledger/2026/12/hello.yaml").read_text() == CONFLICTED


def test_publish_stops_when_the_remote_brings_an_unreadable_ledger_file(tmp_path: Path) -> None:
    """The retry path: A's claim conflicts with a push that leaves the file broken; after
    taking the remote A must stop, not rewrite the file from nothing."""
    remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": FAILED_BOTH})
    now = at("2026-12-10 09:05")
    a = fork(publisher(work, now, "one"), tmp_path / "a.json", pause="planned")
    assert a.status == "stopped"
    push_file(remote, tmp_path / "person", "ledger/2026/12/hello.yaml", CONFLICTED, "oops")
    a.finish()
    assert a.code == 1
    assert "ledger/2026/12/hello.yaml" in str(a.result.get("error"))
    assert remote_file(remote, "ledger/2026/12/hello.yaml") == CONFLICTED
    assert not sent(tmp_path)


# ---------------------------------------------------------------- item 6

PENDING = """post: 2026/12/hello
channels:
  one:
    state: pending
    attempt_key: 20261210T080100Z-00000000aa
    attempts: 1
"""


@pytest.mark.parametrize("lease", ["", "    updated: '2026-12-11T08:00:00Z'\n"])
def test_a_pending_record_without_a_lease_or_from_the_future_is_reconciled(
    tmp_path: Path, lease: str
) -> None:
    remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": PENDING + lease})
    a = fork(publisher(work, at("2026-12-10 09:30"), "one"), tmp_path / "a.json")
    assert a.code == 0, a.result
    assert records(remote)["one"]["state"] == "published"
    assert sent(tmp_path) == {("one", "2026/12/hello", 0): 1}


def test_a_job_pending_across_runs_turns_the_run_red(tmp_path: Path) -> None:
    """Its attempt began at 09:01; at 09:50 its lease is still fresh (renewed at 09:45) but
    the job has been pending for three runs: the run says so and exits 1."""
    stale = PENDING + "    updated: '2026-12-10T08:45:00Z'\n"
    remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": stale})
    a = fork(publisher(work, at("2026-12-10 09:50"), "one"), tmp_path / "a.json")
    assert a.code == 1, a.result
    assert any("pending since" in str(o[3]) for o in a.result["outcomes"])  # type: ignore[union-attr]
    assert not sent(tmp_path)
    assert records(remote)["one"]["state"] == "pending"  # left to the run that holds it


# ---------------------------------------------------------------- item 7


def test_a_reconciling_run_claims_the_job_before_it_sends(tmp_path: Path) -> None:
    expired = PENDING + "    updated: '2026-12-10T08:01:00Z'\n"
    remote, work = setup(tmp_path, {"ledger/2026/12/hello.yaml": expired})
    a = fork(publisher(work, at("2026-12-10 09:30"), "one"), tmp_path / "a.json", crash="claimed")
    assert a.code == -signal.SIGKILL
    record = records(remote)["one"]
    assert record["state"] == "pending"
    assert record["updated"] == "2026-12-10T08:30:00Z", "no fresh lease was pushed"
    assert record["attempt_key"] == "20261210T080100Z-00000000aa"  # the key it looks up by
    assert not sent(tmp_path)


def test_a_thread_renews_its_lease_after_every_part(tmp_path: Path) -> None:
    remote, work = setup(tmp_path, {"content/posts/2026/12/tips.md": TIPS})
    a = fork(publisher(work, at("2026-12-10 09:05"), "one"), tmp_path / "a.json")
    assert a.code == 0, a.result
    log = remote_log(remote)
    assert "publish: 2026/12/tips on one: part 1 of 3 sent" in log
    assert "publish: 2026/12/tips on one: part 2 of 3 sent" in log
    assert records(remote, "2026/12/tips")["one"]["state"] == "published"


# ---------------------------------------------------------------- item 8


def test_a_persistent_checkout_rebases_its_leftover_ledger_commits(tmp_path: Path) -> None:
    remote, work = setup(tmp_path)
    now = at("2026-12-10 09:05")
    a = fork(publisher(work, now, "one"), tmp_path / "a.json", crash="recorded")
    assert a.code == -signal.SIGKILL
    push_file(
        remote, tmp_path / "person", "content/ideas/more.md", "---\ntitle: More\n---\nx\n", "idea"
    )

    b = fork(publisher(work, at("2026-12-10 09:20"), "one"), tmp_path / "b.json")
    assert b.code == 0, b.result
    assert records(remote)["one"]["state"] == "published"
    c = fork(publisher(work, at("2026-12-10 09:35")), tmp_path / "c.json")
    assert c.code == 0, c.result
    assert sent(tmp_path) == {("one", "2026/12/hello", 0): 1, ("two", "2026/12/hello", 0): 1}


def test_a_claim_left_uncommitted_behind_a_stale_index_lock_was_never_sent(
    tmp_path: Path,
) -> None:
    """A run killed while git held the index lock leaves its claim written but never
    committed (so never pushed, so nothing was sent) and a stale ``.git/index.lock``. The
    next run clears the stale lock and treats the claim as nothing sent: it claims afresh
    and sends once, at once, without waiting out a lease or asking a person."""
    remote, work = setup(tmp_path)
    a = fork(publisher(work, at("2026-12-10 09:05"), "one"), tmp_path / "a.json", pause="planned")
    assert a.status == "stopped"
    os.kill(a.pid, signal.SIGKILL)
    os.waitpid(a.pid, 0)
    lock = work / ".git/index.lock"
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    assert "pending" in (work / "ledger/2026/12/hello.yaml").read_text()

    b = fork(publisher(work, at("2026-12-10 09:06"), "one"), tmp_path / "b.json")
    assert b.code == 0, b.result
    record = records(remote)["one"]
    assert record["state"] == "published"
    assert [h["state"] for h in record["history"]] == ["pending", "published"]  # type: ignore[union-attr]
    assert sent(tmp_path) == {("one", "2026/12/hello", 0): 1}
    assert not lock.exists()
