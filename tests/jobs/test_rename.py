"""One rename rule, from git's history: a post whose path git shows was renamed from a
published post's path is that post; equal text alone never makes two files one post.

Every run is a real ``tidings publish`` subprocess on a clone of a bare remote, with the
outbox channel as the platform (a shared folder that logs every send).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml
from builders.posts import post as post_text
from builders.remotes import git, remote_file
from builders.workspaces import published

POST = post_text(
    "outbox",
    title="Opening",
    at="2026-12-10 09:00",
    parts=("We open the new studio today.",),
    media=(),
)

OLD = "content/posts/2026/12/opening.md"
NEW = "content/posts/2026/12/studio-opening.md"


def _setup(tmp: Path, posts: dict[str, str]) -> tuple[Path, Path, Path]:
    outbox = tmp / "server"
    channels = f"channels:\n  outbox:\n    platform: outbox\n    path: {outbox}\n"
    hello = POST.replace("Opening", "Hello").replace("2026-12-10", "2027-01-10")
    overlay = {"brand/channels.yaml": channels, "content/posts/2026/12/hello.md": hello}
    remote, work = published(tmp, {**overlay, **posts})
    return remote, work, outbox


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def sent(outbox: Path) -> Counter[str]:
    log = outbox / "sent.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(json.loads(x)["post"] for x in lines)


def records(remote: Path, post_id: str) -> dict[str, dict[str, object]] | None:
    text = remote_file(remote, f"ledger/{post_id}.yaml")
    return None if text is None else dict(yaml.safe_load(text)["channels"])


def commit(work: Path, message: str) -> None:
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", message)
    git(work, "push", "--quiet", "origin", "HEAD:main")


def test_a_published_post_renamed_and_edited_is_not_sent_again(tmp_path: Path) -> None:
    remote, work, outbox = _setup(tmp_path, {OLD: POST})
    first = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05")
    assert first.returncode == 0, first.stdout + first.stderr
    assert sent(outbox) == {"2026/12/opening": 1}

    # rename in one commit, edit in the next (within the lateness window)
    git(work, "mv", OLD, NEW)
    commit(work, "rename the post")
    text = (work / NEW).read_text().replace("today.", "today, with coffee and cake for all.")
    (work / NEW).write_text(text)
    commit(work, "edit the renamed post")

    again = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:35")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing was due" in again.stdout
    assert sent(outbox) == {"2026/12/opening": 1}  # never sent twice
    # the record follows the post: still published, and no second record was started
    old = records(remote, "2026/12/opening")
    assert old is not None and old["outbox"]["state"] == "published"
    assert records(remote, "2026/12/studio-opening") is None

    # plan and review tell the same story
    planned = run(work, "plan", "--now", "2026-12-10 09:40")
    assert planned.returncode == 0, planned.stderr
    assert "studio-opening" in planned.stdout and "published" in planned.stdout
    checked = run(work, "check", "--format", "json", "--now", "2026-12-10 09:40")
    codes = [(d["code"], d["path"]) for d in json.loads(checked.stdout)]
    assert ("ledger.renamed", NEW) in codes


def test_a_heavy_edit_in_the_rename_commit_is_still_the_same_post(tmp_path: Path) -> None:
    _remote, work, outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    git(work, "mv", OLD, NEW)
    # most of the body rewritten, in the same commit as the rename (git still sees R)
    (work / NEW).write_text(POST.replace("We open the new studio today.", "The studio is open!"))
    commit(work, "rename and rewrite")
    again = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:35")
    assert again.returncode == 0, again.stdout + again.stderr
    assert sent(outbox) == {"2026/12/opening": 1}


def test_a_post_renamed_twice_keeps_its_record(tmp_path: Path) -> None:
    _remote, work, outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    git(work, "mv", OLD, NEW)
    commit(work, "rename once")
    third = "content/posts/2026/12/grand-opening.md"
    git(work, "mv", NEW, third)
    (work / third).write_text((work / third).read_text() + "\nSee you there.\n")
    commit(work, "rename twice and edit")
    again = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:35")
    assert again.returncode == 0, again.stdout + again.stderr
    assert sent(outbox) == {"2026/12/opening": 1}


def test_same_text_as_a_deleted_published_post_is_a_new_post_and_is_sent(
    tmp_path: Path,
) -> None:
    remote, work, outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    (work / OLD).unlink()
    commit(work, "delete the post")
    # a new post, written later, happens to have the same body
    later = POST.replace("2026-12-10 09:00", "2026-12-11 09:00").replace("Opening", "Again")
    (work / "content/posts/2026/12/reopening.md").write_text(later)
    commit(work, "a new post")
    result = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-11 09:05")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing was due" not in result.stdout
    assert sent(outbox) == {"2026/12/opening": 1, "2026/12/reopening": 1}
    new = records(remote, "2026/12/reopening")
    assert new is not None and new["outbox"]["state"] == "published"
    old = records(remote, "2026/12/opening")
    assert old is not None and old["outbox"]["state"] == "published"  # untouched


def _pull_request(tmp_path: Path) -> tuple[Path, Path]:
    """(remote, work) with the opening published on main and a branch ``pr`` checked out."""
    remote, work, _outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    git(work, "checkout", "--quiet", "-b", "pr")
    return remote, work


def _review(work: Path) -> str:
    result = run(work, "review", "--base", "main", "--head", "pr")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_review_says_a_renamed_published_post_is_not_sent_again(tmp_path: Path) -> None:
    _remote, work = _pull_request(tmp_path)
    git(work, "mv", OLD, NEW)
    git(work, "commit", "--quiet", "-m", "rename")
    rewritten = "---\ntitle: Doors open\nat: 2026-12-10 09:00\nchannels: [outbox]\n---\n"
    (work / NEW).write_text(rewritten + "Come and see the bright new rooms, all week long.\n")
    git(work, "commit", "--quiet", "-am", "rewrite")  # a heavy edit: the squashed diff is D + A
    text = _review(work)
    assert "Already published** on outbox" in text and "not sent again" in text
    assert "Do not squash-merge" in text  # squashed, git would not see the rename


def test_review_of_same_text_as_a_deleted_post_says_it_goes_out(tmp_path: Path) -> None:
    _remote, work = _pull_request(tmp_path)
    git(work, "rm", "--quiet", OLD)
    git(work, "commit", "--quiet", "-m", "delete")
    (work / NEW).write_text(POST.replace("2026-12-10", "2026-12-12"))
    git(work, "add", NEW)
    git(work, "commit", "--quiet", "-m", "a new post with the same text")
    text = _review(work)
    section = text.split(f"`{OLD}` → `{NEW}`")[1] if f"`{OLD}` → `{NEW}`" in text else text
    assert "Already published" not in section.split("### ")[0]
    assert "Do not squash-merge" in text and "would never be sent" in text


def test_a_shallow_checkout_is_refused_rather_than_sending_a_rename_again(
    tmp_path: Path,
) -> None:
    remote, work, outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    git(work, "mv", OLD, NEW)
    commit(work, "rename the post")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{remote}", str(shallow))
    result = run(shallow, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:35")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "shallow" in result.stdout + result.stderr
    assert "fetch-depth: 0" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert sent(outbox) == {"2026/12/opening": 1}


def test_a_renamed_published_post_is_still_retracted_when_it_expires(tmp_path: Path) -> None:
    remote, work, outbox = _setup(tmp_path, {OLD: POST})
    assert (
        run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05").returncode
        == 0
    )
    git(work, "mv", OLD, NEW)
    (work / NEW).write_text(POST.replace("channels:", "expires: 2026-12-11 09:00\nchannels:"))
    commit(work, "rename, and let it expire")
    result = run(work, "publish", "--push", "--now-for-real", "--now", "2026-12-11 09:05")
    assert result.returncode == 0, result.stdout + result.stderr
    old = records(remote, "2026/12/opening")
    assert old is not None and old["outbox"]["state"] == "retracted"
    assert sent(outbox) == {"2026/12/opening": 1}
