"""The whole life of a post, the way the workflows live it, with the clock passed as --now.

A bare repository on disk is GitHub; clones of it are a contributor's laptop, a
maintainer's laptop and the runners. Every stage runs the real ``tidings`` executable as a
subprocess with the arguments the workflow runs (``.github/workflows/``), and asserts on
what the remote holds and on the state of a real Mastodon server (mastodon-mock):

    branch → check (an error, then fixed) → site build + review → preview on gh-pages
    pr-N/ and one review comment (a fake GitHub API) → merge (a real merge, pushed) →
    publish too early: nothing → due: posted once to Mastodon and the outbox, ledger commit
    on the remote → again: nothing → site at the root of gh-pages, preview removed →
    metrics the next day: a snapshot committed → after ``expires``: retracted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from builders.remotes import clone, git, make_remote, remote_file, remote_log
from peers.github import TOKEN, FakeGitHub, serve
from peers.mastodon import MastodonServer

TIDINGS = str(Path(sys.executable).parent / "tidings")
REPO = "lumengrain/brand"
POST_ID = "2026/12/open-studio"
POST_PATH = f"content/posts/{POST_ID}.md"
LEDGER = f"ledger/{POST_ID}.yaml"
SITE_URL = "https://lumengrain.github.io/brand/"

CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
  outbox:
    platform: outbox
    path: build/outbox
"""

POST = """---
title: Open studio
at: 2026-12-12 10:00
expires: 2026-12-20
channels: [{channels}]
---
Open studio on Saturday: come and see the new prints, 10:00 to 16:00.
"""


def tidings(
    cwd: Path, *args: str, env: dict[str, str] | None = None, code: int | None = 0
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI as a workflow step does; no git identity (CI runners have none)."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))
    }
    proc = subprocess.run(
        [TIDINGS, *args],
        cwd=cwd,
        env={**base, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if code is not None:
        assert proc.returncode == code, f"tidings {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def checkout(remote: Path, target: Path, *, depth: int | None = 1) -> Path:
    """What actions/checkout gives a job on push or schedule: main, one commit deep, or
    the whole history (``depth=None``: publish.yml's ``fetch-depth: 0``)."""
    deep = ["--depth", str(depth)] if depth else []
    git(remote.parent, "clone", "--quiet", *deep, f"file://{remote}", str(target))
    return target


def ledger(remote: Path) -> dict[str, Any]:
    text = remote_file(remote, LEDGER)
    assert text is not None, "no ledger file on the remote"
    return dict(yaml.safe_load(text)["channels"])


def head(remote: Path, branch: str = "main") -> str:
    return git(remote, "rev-parse", branch).strip()


def gh_pages(remote: Path) -> set[str]:
    return set(git(remote, "ls-tree", "-r", "--name-only", "gh-pages").split())


def test_the_life_of_a_post(
    make_workspace: Callable[..., Path], tmp_path: Path, mastodon: MastodonServer
) -> None:
    # ---------------------------------------------------------------- the repository
    ws = make_workspace({"brand/channels.yaml": CHANNELS})
    (ws / "content/posts/2026/12/hello.md").unlink()
    (ws / ".gitignore").write_text("build/\n")
    settings = ws / "tidings.yaml"
    settings.write_text(settings.read_text() + f"site:\n  url: {SITE_URL}\n")
    remote = make_remote(ws, tmp_path / "remote.git")
    platform_env = mastodon.env()

    # ---------------------------------------------------------------- a contributor's branch
    laptop = clone(remote, tmp_path / "contributor")
    git(laptop, "checkout", "-q", "-b", "open-studio")
    post = laptop / POST_PATH
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(POST.format(channels="mastodn, outbox"))
    git(laptop, "add", POST_PATH)
    git(laptop, "commit", "-q", "-m", "Post: open studio")
    git(laptop, "push", "-q", "origin", "open-studio")

    # check.yml on the pull request: like actions/checkout, a runner checks out the merge
    # of the branch into main (refs/pull/N/merge), whose first parent is the base
    def pull_request_checkout(name: str) -> Path:
        runner = clone(remote, tmp_path / name)
        git(runner, "checkout", "-q", "--detach", "origin/main")
        git(
            runner,
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge open-studio into main",
            "origin/open-studio",
        )
        return runner

    runner = pull_request_checkout("check-run-1")
    bad = tidings(runner, "check", "--format", "github", code=1)
    assert bad.stdout.startswith(f"::error file={POST_PATH},line=5,")
    assert "unknown channel `mastodn`" in bad.stdout and "did you mean `mastodon`" in bad.stdout

    post.write_text(POST.format(channels="mastodon, outbox"))
    git(laptop, "commit", "-q", "-am", "Fix the channel name")
    git(laptop, "push", "-q", "origin", "open-studio")
    runner = pull_request_checkout("check-run-2")
    assert tidings(runner, "check", "--format", "github").stdout == ""

    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": REPO},
                "pull_request": {
                    "number": 1,
                    "head": {"sha": head(remote, "open-studio"), "repo": {"full_name": REPO}},
                },
            }
        )
    )
    outputs = tidings(runner, "github", "pr", "--event", str(event)).stdout.splitlines()
    # no GITHUB_TOKEN here: whether it is still open is unknown (preview.yml asks GitHub)
    assert outputs == ["number=1", "same-repo=true", f"preview-url={SITE_URL}pr-1/", "open="]
    tidings(runner, "site", "build", "--out", "build/preview/site", "--now", "2026-12-01 09:00")
    assert (runner / "build/preview/site/posts" / POST_ID / "index.html").is_file()
    review = tidings(
        runner,
        "review",
        "--base",
        "HEAD^1",  # the merge commit's first parent: the base, as in check.yml
        "--head",
        "HEAD",
        "--site-url",
        f"{SITE_URL}pr-1/",
    ).stdout
    assert review.startswith("<!-- tidings-review -->")
    assert POST_ID in review and "mastodon" in review and "outbox" in review
    assert f"{SITE_URL}pr-1/posts/{POST_ID}/" in review
    (runner / "build/preview/review.md").write_text(review)

    # preview.yml: the preview on gh-pages in pr-1/, and one comment on the pull request
    trusted = checkout(remote, tmp_path / "preview-run")  # the default branch, never the PR
    tidings(
        trusted, "site", "deploy", "--dir", str(runner / "build/preview/site"), "--prefix", "pr-1"
    )
    assert f"pr-1/posts/{POST_ID}/index.html" in gh_pages(remote)
    github = FakeGitHub(repository=REPO)
    with serve(github) as api:
        gh_env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api}
        body = str(runner / "build/preview/review.md")
        first = tidings(trusted, "github", "comment", "--pr", "1", "--body-file", body, env=gh_env)
        again = tidings(trusted, "github", "comment", "--pr", "1", "--body-file", body, env=gh_env)
    assert first.stdout.startswith("created") and again.stdout.startswith("unchanged")
    (comment,) = github.comments[1]
    assert comment["body"] == review and TOKEN not in first.stdout + again.stdout

    # ---------------------------------------------------------------- merge
    maintainer = clone(remote, tmp_path / "maintainer")
    git(maintainer, "fetch", "-q", "origin")
    git(maintainer, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "origin/open-studio")
    git(maintainer, "push", "-q", "origin", "main")
    assert remote_file(remote, POST_PATH) == POST.format(channels="mastodon, outbox")
    assert remote_log(remote)[0] == "Merge pull request #1"

    # ---------------------------------------------------------------- publish.yml
    ci = checkout(remote, tmp_path / "publish-run", depth=None)  # renames need the history
    early = tidings(
        ci, "publish", "--push", "--now-for-real", "--now", "2026-12-12 09:50", env=platform_env
    )
    assert "Nothing was due." in early.stdout
    assert mastodon.statuses() == [] and remote_file(remote, LEDGER) is None
    assert remote_log(remote)[0] == "Merge pull request #1"

    due = tidings(
        ci, "publish", "--push", "--now-for-real", "--now", "2026-12-12 10:05", env=platform_env
    )
    assert "2 published" in due.stdout, due.stdout
    (status,) = mastodon.statuses()
    assert "Open studio on Saturday" in status["content"]
    record = ledger(remote)
    assert record["mastodon"]["state"] == "published"
    assert [part["url"] for part in record["mastodon"]["parts"]] == [status["url"]]
    assert record["outbox"]["state"] == "published"
    sent = json.loads((ci / f"build/outbox/{POST_ID}.json").read_text())
    assert "Open studio on Saturday" in json.dumps(sent)
    assert len((ci / "build/outbox/sent.log").read_text().splitlines()) == 1
    landed = remote_log(remote)
    assert landed[0].startswith("publish:") and "Merge pull request #1" in landed[1:]
    author = git(remote, "log", "-1", "--format=%an", "main").strip()
    assert author == "tidings"
    assert not tidings(ci, "plan", "--now", "2026-12-12 10:06", env=platform_env).returncode

    tip = head(remote)
    second = tidings(
        ci, "publish", "--push", "--now-for-real", "--now", "2026-12-12 10:20", env=platform_env
    )
    assert "Nothing was due." in second.stdout
    assert len(mastodon.statuses()) == 1 and head(remote) == tip

    # ---------------------------------------------------------------- pages.yml, cleanup
    pages = checkout(remote, tmp_path / "pages-run")
    tidings(pages, "site", "build", "--out", "build/site", "--now", "2026-12-12 10:30")
    tidings(pages, "site", "deploy", "--dir", "build/site", "--branch", "gh-pages")
    files = gh_pages(remote)
    assert f"posts/{POST_ID}/index.html" in files and f"pr-1/posts/{POST_ID}/index.html" in files
    assert status["url"] in git(remote, "show", "gh-pages:ledger/index.html")
    tidings(pages, "site", "deploy", "--branch", "gh-pages", "--prefix", "pr-1", "--remove")
    assert not any(name.startswith("pr-1/") for name in gh_pages(remote))

    # ---------------------------------------------------------------- metrics.yml, next day
    httpx.post(
        f"{mastodon.base_url}/api/v1/statuses/{status['id']}/favourite",
        headers={"Authorization": f"Bearer {mastodon.token}"},
    ).raise_for_status()
    metrics_run = checkout(remote, tmp_path / "metrics-run")
    tidings(metrics_run, "metrics", "--push", "--now", "2026-12-13 08:00", env=platform_env)
    snapshot_text = remote_file(remote, "metrics/2026/12/2026-12-13.json")
    assert snapshot_text is not None, remote_log(remote)[:3]
    channel = json.loads(snapshot_text)["channels"]["mastodon"]
    assert channel["state"] == "ok"
    (reading,) = channel["posts"]
    assert (reading["post"], reading["remote_id"]) == (POST_ID, status["id"])
    assert reading["metrics"]["likes"] == 1
    assert remote_log(remote)[0].startswith("metrics")

    # ---------------------------------------------------------------- after expires
    git(ci, "pull", "-q", "--ff-only")
    expired = tidings(
        ci, "publish", "--push", "--now-for-real", "--now", "2026-12-20 12:00", env=platform_env
    )
    assert "retracted" in expired.stdout, expired.stdout
    assert mastodon.statuses() == []
    gone = httpx.get(f"{mastodon.base_url}/api/v1/statuses/{status['id']}")
    assert gone.status_code == 404
    assert ledger(remote)["mastodon"]["state"] == "retracted"
    assert remote_log(remote)[0].endswith("retracted")
