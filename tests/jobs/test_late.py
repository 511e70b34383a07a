"""A post merged too late to go out is warned about before the run that records it missed:
``tidings check`` (with ``--now``, or in CI with the clock) and ``tidings review``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from builders.posts import post as post_text
from builders.remotes import git
from builders.workspaces import published

POST = post_text(
    "outbox",
    title="Opening",
    at="2026-12-10 09:00",
    parts=("We open the new studio today.",),
    media=(),
)
PATH = "content/posts/2026/12/opening.md"


def tidings(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"CI", "GITHUB_ACTIONS"}}
    clean["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=120,
    )


def _work(tmp_path: Path) -> Path:
    outbox = tmp_path / "server"
    channels = f"channels:\n  outbox:\n    platform: outbox\n    path: {outbox}\n"
    hello = POST.replace("Opening", "Hello").replace("2026-12-10", "2027-01-10")
    return published(
        tmp_path,
        {
            "brand/channels.yaml": channels,
            "content/posts/2026/12/hello.md": hello,
            PATH: POST,
        },
    )[1]


def late(root: Path, *args: str, env: dict[str, str] | None = None) -> list[dict[str, object]]:
    result = tidings(root, "check", "--format", "json", *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return [d for d in json.loads(result.stdout) if d["code"] == "date.late"]


def test_check_warns_when_a_post_is_past_its_lateness_window(tmp_path: Path) -> None:
    work = _work(tmp_path)
    assert late(work, "--now", "2026-12-10 08:00") == []  # not due yet: nothing to say
    (missed,) = late(work, "--now", "2026-12-10 15:30")
    assert missed["path"] == PATH and missed["line"] == 3 and missed["channel"] == "outbox"
    assert missed["severity"] == "warning"
    assert "missed" in str(missed["message"]) and "never sends it" in str(missed["message"])
    (closing,) = late(work, "--now", "2026-12-10 14:50")  # window closes before the next run
    assert "before the next scheduled publish run (every 15 min)" in str(closing["message"])
    (past,) = late(work, "--now", "2026-12-10 09:20")
    assert "already past" in str(past["message"])


def test_the_interval_comes_from_tidings_yaml(tmp_path: Path) -> None:
    work = _work(tmp_path)
    marker = work / "tidings.yaml"
    marker.write_text(marker.read_text() + "  interval: 1h\n")
    (closing,) = late(work, "--now", "2026-12-10 14:10")
    assert "every 1 h" in str(closing["message"])


def test_without_now_only_ci_checks_the_clock(tmp_path: Path) -> None:
    work = _work(tmp_path)  # the real clock is long after 2026-12-10 15:00 in any CI run
    post = work / PATH
    post.write_text(POST.replace("2026-12-10", "2020-01-01"))
    assert late(work) == []  # a local check depends on the files alone
    assert len(late(work, env={"GITHUB_ACTIONS": "true"})) == 1


def test_a_published_or_renamed_published_post_is_not_warned_about(tmp_path: Path) -> None:
    work = _work(tmp_path)
    result = tidings(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05")
    assert result.returncode == 0, result.stdout + result.stderr
    assert late(work, "--now", "2026-12-10 16:00") == []
    git(work, "mv", PATH, "content/posts/2026/12/studio-opening.md")
    git(work, "commit", "--quiet", "-m", "rename")
    assert late(work, "--now", "2026-12-10 16:00") == []


def test_review_warns_about_a_post_merged_too_late(tmp_path: Path) -> None:
    work = _work(tmp_path)
    git(work, "checkout", "--quiet", "-b", "pr")
    new = "content/posts/2026/12/late.md"
    (work / new).write_text(POST.replace("Opening", "Late one"))
    git(work, "add", new)
    git(work, "commit", "--quiet", "-m", "a post for this morning")
    args = ("review", "--base", "main", "--head", "pr")
    result = tidings(work, *args, "--now", "2026-12-10 16:00")
    assert result.returncode == 0, result.stderr
    assert "date.late" in result.stdout and "never sends it" in result.stdout
    assert "date.late" not in tidings(work, *args).stdout  # locally, without --now: no clock
