"""`tidings publish` against real git: a bare remote on disk, clones, and the outbox/feed
channels (a shared outbox folder plays the part of the platform's server).

Every run is a real subprocess, as the scheduled workflow runs it, with --now driving time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from builders.posts import HELLO, channels, post
from builders.remotes import clone, git, remote_file, remote_log
from builders.workspaces import published

from tidings.core.credentials import unset_variables


def opening(**front: str) -> str:
    """The one-line opening post, without an image, for the outbox and the feed."""
    return post("outbox", "feed", parts=("We open the new studio today.",), media=(), **front)


POST = opening()

THREAD = post(
    "outbox",
    title="Tips",
    parts=(
        "Three tips for winter light.",
        "1. Face the window.",
        "2. Switch off the ceiling lamp.",
    ),
    media=(),
)


@pytest.fixture
def setup(tmp_path: Path) -> Callable[..., tuple[Path, Path, Path]]:
    """(remote, clone, outbox) for a workspace whose posts are given as {path: text}."""

    def build(posts: dict[str, str]) -> tuple[Path, Path, Path]:
        outbox = tmp_path / "server"  # shared by every clone: the "platform"
        brand_channels = channels(
            outbox={"platform": "outbox", "path": str(outbox)},
            feed={"platform": "feed", "path": "build/feed"},
        )
        hello = post("outbox", "feed", title="Hello", parts=("Hello from the studio.",), media=())
        remote, work = published(
            tmp_path, {"brand/channels.yaml": brand_channels, HELLO: hello, **posts}
        )
        return remote, work, outbox

    return build


def run(root: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    env.pop("CI", None)  # --missed-is-error follows CI=true; these runs pin the default
    if crash:
        env["TIDINGS_CRASH_AT"] = crash
    if "--push" in args and "--now" in args:  # a rehearsal against the outbox, not the clock
        args = ("--now-for-real", *args)
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), "publish", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def sent(outbox: Path) -> Counter[tuple[str, int]]:
    log = outbox / "sent.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter((json.loads(x)["post"], json.loads(x)["part"]) for x in lines)


def ledger(remote: Path, post_id: str) -> dict[str, dict[str, object]]:
    text = remote_file(remote, f"ledger/{post_id}.yaml")
    assert text is not None, f"no ledger for {post_id} on the remote"
    data = yaml.safe_load(text)
    return dict(data["channels"])


def test_nothing_before_the_due_time_then_exactly_once(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    remote, work, outbox = setup({"content/posts/2026/12/opening.md": POST})
    before = remote_log(remote)

    early = run(work, "--push", "--now", "2026-12-10 08:59")
    assert early.returncode == 0, early.stderr
    assert "Nothing was due" in early.stdout
    assert remote_log(remote) == before and not sent(outbox)

    due = run(work, "--push", "--now", "2026-12-10 09:05")
    assert due.returncode == 0, due.stdout + due.stderr
    assert sent(outbox) == {("2026/12/opening", 0): 1, ("2026/12/hello", 0): 1}
    records = ledger(remote, "2026/12/opening")
    assert records["outbox"]["state"] == "published"
    assert records["outbox"]["parts"] == [
        {"id": "2026/12/opening#0", "url": f"{outbox}/2026/12/opening.json#part-1"}
    ]
    assert records["feed"]["state"] == "published"
    assert [h["state"] for h in records["outbox"]["history"]] == ["pending", "published"]  # type: ignore[union-attr]
    log = remote_log(remote)
    # one commit claims every due job, one records their results (a batch)
    assert log[: -len(before)] == ["publish: 4 results (4 published)", "publish: claim 4 job(s)"]
    body = git(remote, "log", "-1", "--format=%b", "main")
    assert "2026/12/opening on outbox: published" in body.splitlines()
    feed = (work / "build/feed/atom.xml").read_text()
    assert "We open the new studio today." in feed

    again = run(work, "--push", "--now", "2026-12-10 09:20")
    assert again.returncode == 0 and "Nothing was due" in again.stdout
    assert remote_log(remote) == log
    assert sum(sent(outbox).values()) == 2


def test_a_late_job_is_recorded_missed_not_posted(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    remote, work, outbox = setup({})
    result = run(work, "--push", "--now", "2026-12-10 15:01")  # 6 h 1 min late
    assert result.returncode == 0, result.stderr
    assert not sent(outbox)
    records = ledger(remote, "2026/12/hello")
    assert records["outbox"]["state"] == "missed"
    assert "late" in records["outbox"]["history"][-1]["note"]  # type: ignore[index]
    # --lateness catches up deliberately after an outage
    caught = run(work, "--push", "--now", "2026-12-10 15:01", "--lateness", "1d")
    assert "Nothing was due" in caught.stdout  # missed is final: never sent late afterwards


def test_a_thread_goes_out_part_by_part(setup: Callable[..., tuple[Path, Path, Path]]) -> None:
    remote, work, outbox = setup({"content/posts/2026/12/tips.md": THREAD})
    result = run(work, "--push", "--now", "2026-12-10 09:01", "--channel", "outbox")
    assert result.returncode == 0, result.stderr
    parts = ledger(remote, "2026/12/tips")["outbox"]["parts"]
    assert [p["id"] for p in parts] == ["2026/12/tips#0", "2026/12/tips#1", "2026/12/tips#2"]  # type: ignore[union-attr]
    data = json.loads((outbox / "2026/12/tips.json").read_text())
    assert [p["reply_to"] for p in data["parts"]] == [None, "2026/12/tips#0", "2026/12/tips#1"]
    assert data["parts"][2]["text"] == "2. Switch off the ceiling lamp."


def test_a_post_with_errors_is_reported_not_sent(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    bad = opening(expires="2026-12-01")
    _remote, work, outbox = setup({"content/posts/2026/12/opening.md": bad})
    result = run(work, "--push", "--now", "2026-12-10 09:05")
    assert result.returncode == 1
    assert "2026/12/opening on outbox: checks fail" in result.stdout
    assert ("2026/12/opening", 0) not in sent(outbox)
    assert sent(outbox) == {("2026/12/hello", 0): 1}  # the others still go out


def test_without_push_it_commits_locally_and_with_no_commit_it_only_writes(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    remote, work, _outbox = setup({})
    before = remote_log(remote)
    result = run(work, "--no-commit", "--now", "2026-12-10 09:05", "--channel", "outbox")
    assert result.returncode == 0, result.stderr
    assert (work / "ledger/2026/12/hello.yaml").exists()
    assert "ledger/" in git(work, "status", "--porcelain")
    git(work, "checkout", "--", ".")
    git(work, "clean", "-fdq", "ledger")

    other = clone(remote, work.parent / "other")
    result = run(other, "--now", "2026-12-10 09:05", "--channel", "feed")
    assert result.returncode == 0, result.stderr
    assert git(other, "log", "-1", "--format=%s").startswith("publish:")
    assert git(other, "status", "--porcelain") == ""
    assert remote_log(remote) == before


def test_a_claim_that_cannot_be_pushed_posts_nothing(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    _remote, work, outbox = setup({})
    git(work, "remote", "set-url", "origin", str(work.parent / "gone.git"))
    result = run(work, "--push", "--now", "2026-12-10 09:05")
    assert result.returncode != 0
    assert (
        "nothing was posted" in (result.stdout + result.stderr).lower() or "fetch" in result.stderr
    )
    assert not sent(outbox)


def test_push_refuses_a_checkout_with_changes(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    _remote, work, outbox = setup({})
    (work / "content/posts/2026/12/hello.md").write_text(POST)
    result = run(work, "--push", "--now", "2026-12-10 09:05")
    assert result.returncode == 1
    assert "clean checkout" in result.stderr and "hello.md" in result.stderr
    assert not sent(outbox)


@pytest.mark.parametrize("step", ["claimed", "sent", "recorded"])
@pytest.mark.parametrize("fresh_clone", [False, True], ids=["same-checkout", "new-checkout"])
def test_a_killed_run_is_reconciled_never_posted_twice(
    setup: Callable[..., tuple[Path, Path, Path]], step: str, fresh_clone: bool
) -> None:
    remote, work, outbox = setup({"content/posts/2026/12/tips.md": THREAD})
    killed = run(work, "--push", "--now", "2026-12-10 09:01", "--channel", "outbox", crash=step)
    assert killed.returncode == -9, killed.stderr
    assert ledger(remote, "2026/12/tips")["outbox"]["state"] == "pending"  # the claim landed first

    again_in = clone(remote, work.parent / "again") if fresh_clone else work
    again = run(again_in, "--push", "--now", "2026-12-10 09:16", "--channel", "outbox")
    assert again.returncode == 0, again.stdout + again.stderr
    counts = sent(outbox)
    assert all(n == 1 for n in counts.values()), counts
    assert {p for p, _ in counts} == {"2026/12/tips", "2026/12/hello"}
    record = ledger(remote, "2026/12/tips")["outbox"]
    assert record["state"] == "published"
    assert len(record["parts"]) == 3  # type: ignore[arg-type]
    assert record["parts"][0]["url"] == f"{outbox}/2026/12/tips.json#part-1"  # type: ignore[index]


def test_two_runs_at_once_post_each_job_once(setup: Callable[..., tuple[Path, Path, Path]]) -> None:
    posts = {f"content/posts/2026/12/p{i}.md": POST.replace("Opening", f"P{i}") for i in range(6)}
    remote, work, outbox = setup(posts)
    other = clone(remote, work.parent / "other")
    env = {k: v for k, v in os.environ.items()} | {"GIT_CONFIG_GLOBAL": "/dev/null"}
    cmd = [sys.executable, "-m", "tidings", "publish", "--push", "--now-for-real", "--now"]
    cmd.append("2026-12-10 09:05")
    procs = [
        subprocess.Popen(
            [*cmd[:3], "--root", str(w), *cmd[3:]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in (work, other)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    counts = sent(outbox)
    assert sorted(counts) == sorted(
        [(f"2026/12/p{i}", 0) for i in range(6)] + [("2026/12/hello", 0)]
    )
    assert all(n == 1 for n in counts.values()), counts
    for i in range(6):
        assert ledger(remote, f"2026/12/p{i}")["outbox"]["state"] == "published"


def test_expired_posts_are_retracted(setup: Callable[..., tuple[Path, Path, Path]]) -> None:
    short = opening(expires="2026-12-12")
    remote, work, outbox = setup({"content/posts/2026/12/opening.md": short})
    assert run(work, "--push", "--now", "2026-12-10 09:05").returncode == 0
    assert (outbox / "2026/12/opening.json").exists()
    result = run(work, "--push", "--now", "2026-12-12 00:30")
    assert result.returncode == 0, result.stderr
    assert not (outbox / "2026/12/opening.json").exists()
    records = ledger(remote, "2026/12/opening")
    assert records["outbox"]["state"] == "retracted"
    assert records["feed"]["state"] == "retracted"
    assert "We open the new studio" not in (work / "build/feed/atom.xml").read_text()
    assert "Nothing was due" in run(work, "--push", "--now", "2026-12-12 01:00").stdout


UNKNOWN = """post: 2026/12/hello
channels:
  outbox:
    state: unknown
    attempt_key: 20261210T080500Z-0011223344
    attempts: 1
    updated: 2026-12-10T08:05:00Z
    error: the platform did not answer in time
"""


def resolve(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | {"GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), "resolve", *args],
        capture_output=True,
        text=True,
        env=env,
    )


def test_unknown_waits_for_a_person_then_resolve_settles_it(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    remote, work, outbox = setup({"ledger/2026/12/hello.yaml": UNKNOWN})
    waiting = run(work, "--push", "--now", "2026-12-10 09:30", "--channel", "outbox")
    assert waiting.returncode == 1  # it needs a person: the run says so
    assert "tidings resolve" in waiting.stdout and not sent(outbox)

    bad = resolve(work, "2026/12/hello", "outbox", "--retry", "--skip")
    assert bad.returncode == 2 and "exactly one" in bad.stderr
    wrong = resolve(work, "2026/12/hello", "mastodn", "--retry")
    assert wrong.returncode == 2 and "does not go to channel 'mastodn'" in wrong.stderr

    done = resolve(work, "content/posts/2026/12/hello.md", "outbox", "--retry", "--push")
    assert done.returncode == 0, done.stderr
    assert git(work, "log", "-1", "--format=%s").strip() == "resolve: 2026/12/hello on outbox"
    assert ledger(remote, "2026/12/hello")["outbox"]["state"] == "failed"

    again = run(work, "--push", "--now", "2026-12-10 09:35", "--channel", "outbox")
    assert again.returncode == 0, again.stdout
    assert sent(outbox) == {("2026/12/hello", 0): 1}
    assert ledger(remote, "2026/12/hello")["outbox"]["state"] == "published"


def test_a_pending_record_without_its_key_is_left_to_a_person(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    edited = UNKNOWN.replace("state: unknown", "state: pending").replace(
        "    attempt_key: 20261210T080500Z-0011223344\n", ""
    )
    remote, work, outbox = setup({"ledger/2026/12/hello.yaml": edited})
    result = run(work, "--push", "--now", "2026-12-10 09:30", "--channel", "outbox")
    assert result.returncode == 1, result.stdout
    assert "without an attempt_key" in result.stdout and "tidings resolve" in result.stdout
    assert not sent(outbox)
    assert ledger(remote, "2026/12/hello")["outbox"]["state"] == "pending"


def test_resolve_published_records_the_url_and_skip_leaves_it_unsent(
    setup: Callable[..., tuple[Path, Path, Path]],
) -> None:
    _remote, work, outbox = setup({"ledger/2026/12/hello.yaml": UNKNOWN})
    url = "https://photog.social/@studio/1134"
    done = resolve(work, "2026/12/hello", "outbox", "--published", url)
    assert done.returncode == 0, done.stderr
    record = yaml.safe_load((work / "ledger/2026/12/hello.yaml").read_text())["channels"]["outbox"]
    assert record["state"] == "published" and record["parts"] == [{"id": url, "url": url}]
    assert "resolved by" in record["history"][-1]["note"]
    assert resolve(work, "2026/12/hello", "outbox", "--retry").returncode == 2  # never resend

    skipped = resolve(work, "2026/12/hello", "feed", "--skip")
    assert skipped.returncode == 0, skipped.stderr
    assert "Nothing was due" in run(work, "--now", "2026-12-10 09:30").stdout
    assert not sent(outbox)


def test_outside_git_it_says_to_use_no_commit(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    result = run(root, "--now", "2026-12-10 09:05", "--channel", "outbox")
    assert result.returncode == 1
    assert "not a git repository" in result.stderr and "--no-commit" in result.stderr
    assert not (root / "ledger").exists()
    written = run(root, "--no-commit", "--now", "2026-12-10 09:05", "--channel", "outbox")
    assert written.returncode == 0, written.stderr
    assert "published" in (root / "ledger/2026/12/hello.yaml").read_text()


def test_optional_credentials_are_not_required() -> None:
    from tidings.workspace.model import Channel, Source

    channel = Channel(
        id="bluesky",
        platform="bluesky",
        source=Source("brand/channels.yaml"),
        credentials={"handle": "BSKY_H", "app_password": "BSKY_P", "pds": "BSKY_PDS"},
    )
    assert unset_variables(channel, {"BSKY_H": "a.test"}) == ("BSKY_P",)
    assert unset_variables(channel, {"BSKY_H": "a.test", "BSKY_P": "x"}) == ()
