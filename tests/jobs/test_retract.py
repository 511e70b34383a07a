"""Taking posts down (issue 14, items 9 and 12), against the real mastodon-mock and a real
bare git remote: expiry deletes every part that went out (a thread that stopped half-way
too), ``retract: true`` merged in a pull request takes a post down on the next scheduled
run, and ``tidings retract`` takes it down now, claiming before it deletes, and names the
channels a person must clean up by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from builders.remotes import git, remote_file, remote_log
from builders.workspaces import published
from peers.mastodon import MastodonServer

from tidings.jobs.publish import Options, publish

CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
  slack:
    platform: slack
    credentials:
      webhook_url: SLACK_WEBHOOK_URL
"""

POST = """---
title: Opening
at: 2026-12-10 09:00
channels: [mastodon]
{extra}---
We open the new studio today.

---

Come by for tea, 10:00 to 16:00.
"""

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
HOOK = "https://hooks.slack.com/services/T0TIDINGS/B0TIDINGS/slackHookSecret000000000000xyz"


class RefuseReplies(httpx.BaseTransport):
    """The real server, except that it refuses every reply (part 2 of a thread) with
    Mastodon's 422, as it does for a reply that breaks a server rule."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        create = request.method == "POST" and request.url.path == "/api/v1/statuses"
        if create and b"in_reply_to_id" in request.read():
            return httpx.Response(
                422, json={"error": "Validation failed: Text is too long"}, request=request
            )
        return self.inner.handle_request(request)


def make(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    return published(
        tmp_path,
        {
            "brand/channels.yaml": CHANNELS,
            "content/posts/2026/12/hello.md": POST.format(extra=extra),
        },
    )


def record(remote: Path, channel: str = "mastodon") -> dict[str, Any]:
    text = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert text is not None
    return dict(yaml.safe_load(text)["channels"][channel])


def tidings(root: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def test_expiry_takes_down_the_published_parts_of_a_thread_that_stopped_half_way(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = make(tmp_path, "expires: 2026-12-11\n")
    first = publish(
        work, Options(now=NOW, push=True, env=mastodon.env(), transport=RefuseReplies())
    )
    assert not first.ok
    rec = record(remote)
    assert rec["state"] == "failed" and len(rec["parts"]) == 1  # part 1 is online
    assert len(mastodon.statuses()) == 1

    expired = datetime(2026, 12, 11, 0, 5, tzinfo=UTC)
    report = publish(work, Options(now=expired, push=True, env=mastodon.env()))
    assert [o.result for o in report.outcomes if o.result == "retracted"] == ["retracted"]
    assert mastodon.statuses() == []
    rec = record(remote)
    assert rec["state"] == "retracted" and rec["parts"]  # the record keeps what was deleted
    notes = [h.get("note", "") for h in rec["history"]]
    assert any(n.startswith("retracting: expired") for n in notes)  # claimed before deleting


def test_retract_true_merged_takes_the_post_down_on_the_next_run_and_never_sends_it(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = make(tmp_path)
    assert publish(work, Options(now=NOW, push=True, env=mastodon.env())).ok
    assert len(mastodon.statuses()) == 2
    post = work / "content/posts/2026/12/hello.md"
    post.write_text(POST.format(extra="retract: true\n"))
    git(work, "commit", "-qam", "Take the opening post down: wrong hours")
    git(work, "push", "-q", "origin", "HEAD")

    later = datetime(2026, 12, 10, 9, 20, tzinfo=UTC)
    env = {**mastodon.env(), "GITHUB_ACTOR": "lena"}
    report = publish(work, Options(now=later, push=True, env=env))
    assert report.ok, report.outcomes
    assert [(o.channel, o.result) for o in report.outcomes] == [("mastodon", "retracted")]
    assert mastodon.statuses() == []
    rec = record(remote)
    assert rec["state"] == "retracted"
    assert "lena" in rec["history"][-1]["note"] and "retract: true" in rec["history"][-1]["note"]
    assert publish(work, Options(now=later, push=True, env=env)).outcomes == []
    assert mastodon.statuses() == []


def test_a_post_with_retract_true_that_never_went_out_is_never_sent(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = make(tmp_path, "retract: true\n")
    report = publish(work, Options(now=NOW, push=True, env=mastodon.env()))
    assert report.ok and report.outcomes == []
    assert mastodon.statuses() == []
    assert remote_file(remote, "ledger/2026/12/hello.yaml") is None


SLACK_RECORD = {
    "state": "published",
    "attempt_key": "20261210T080500Z-00aa11bb22",
    "attempts": 1,
    "retry": True,
    "updated": "2026-12-10T08:05:02Z",
    "published_at": "2026-12-10T08:05:02Z",
    "parts": [{"id": "20261210T080500Z-00aa11bb22-0", "url": None}],
}


def test_tidings_retract_takes_it_down_now_and_names_what_a_person_must_delete(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = make(tmp_path)
    assert publish(work, Options(now=NOW, push=True, env=mastodon.env())).ok
    # the same post also went to Slack (its webhook returns no id: the ledger has the key)
    ledger = work / "ledger/2026/12/hello.yaml"
    data = yaml.safe_load(ledger.read_text())
    data["channels"]["slack"] = SLACK_RECORD
    ledger.write_text(yaml.safe_dump(data, sort_keys=False))
    git(work, "commit", "-qam", "publish: hello on slack: published")
    git(work, "push", "-q", "origin", "HEAD")
    before = len(remote_log(remote))

    env = {**mastodon.env(), "SLACK_WEBHOOK_URL": HOOK, "GITHUB_ACTOR": "lena"}
    empty = tidings(work, "retract", "2026/12/hello", "--reason", " ", "--push", env=env)
    assert empty.returncode == 2 and "--reason" in empty.stderr
    result = tidings(
        work, "retract", "content/posts/2026/12/hello.md", "--reason", "wrong hours", "--push",
        env=env,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # a person still has work to do
    assert "mastodon: retracted" in result.stdout
    assert "slack: by hand" in result.stdout and "delete by hand" in result.stdout
    assert "sent at 2026-12-10 09:05 CET" in result.stdout  # the brand's timezone, not UTC
    assert HOOK not in result.stdout + result.stderr  # the webhook address is the secret
    assert mastodon.statuses() == []

    rec = record(remote)
    assert rec["state"] == "retracted"
    assert rec["history"][-1]["note"] == "retracted by lena: wrong hours"
    assert rec["history"][-2]["note"] == "retracted by lena: wrong hours".join(["retracting: ", ""])
    slack = record(remote, "slack")
    assert slack["state"] == "published" and "delete by hand" in slack["error"]
    log = remote_log(remote)
    assert len(log) - before == 3  # slack said once; mastodon: claim, then retracted

    again = tidings(work, "retract", "2026/12/hello", "--channel", "mastodon", "--reason", "x",
                    "--push", env=env)  # fmt: skip
    assert again.returncode == 0 and "Nothing to take down" in again.stdout
    unknown = tidings(work, "retract", "2026/12/nope", "--reason", "x", env=env)
    assert unknown.returncode == 2 and "2026/12/nope" in unknown.stderr


def test_deleting_a_published_posts_file_is_an_error_until_it_is_retracted(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    _remote, work = make(tmp_path)
    assert publish(work, Options(now=NOW, push=True, env=mastodon.env())).ok
    post = work / "content/posts/2026/12/hello.md"
    text = post.read_text()
    post.unlink()
    check = tidings(work, "check", "--format", "json", env={})
    assert check.returncode == 1, check.stdout + check.stderr
    (diag,) = [d for d in yaml.safe_load(check.stdout) if d["code"] == "ledger.orphan"]
    assert diag["severity"] == "error" and diag["path"] == "ledger/2026/12/hello.yaml"
    assert "retract: true" in diag["suggestion"] and "mastodon" in diag["message"]

    post.write_text(text.replace("channels: [mastodon]", "channels: [mastodon]\nretract: true"))
    later = datetime(2026, 12, 10, 9, 20, tzinfo=UTC)
    assert publish(work, Options(now=later, push=False, env=mastodon.env())).ok
    assert mastodon.statuses() == []
    post.unlink()  # once it is down everywhere, the file may go
    check = tidings(work, "check", "--format", "json", env={})
    assert [d["code"] for d in yaml.safe_load(check.stdout)] == []
    assert check.returncode == 0


def test_a_deleted_published_post_never_stops_the_others_from_going_out(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = make(tmp_path)
    assert publish(work, Options(now=NOW, push=True, env=mastodon.env())).ok
    git(work, "rm", "-q", "content/posts/2026/12/hello.md")
    git(work, "commit", "-qm", "Delete hello (wrongly)")
    other = work / "content/posts/2026/12/later.md"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text(
        "---\ntitle: Prints\nat: 2026-12-10 10:00\nchannels: [mastodon]\n---\n"
        "New prints of the winter series are on the wall.\n"
    )
    git(work, "add", "-A")
    git(work, "commit", "-qm", "A new post")
    git(work, "push", "-q", "origin", "HEAD")
    report = publish(
        work, Options(now=datetime(2026, 12, 10, 9, 5, tzinfo=UTC), push=True, env=mastodon.env())
    )
    assert report.ok, report.outcomes
    assert [(o.post_id, o.result) for o in report.outcomes] == [("2026/12/later", "published")]
    assert len(mastodon.statuses()) == 3  # hello's two parts stay online, later went out
    assert record(remote)["state"] == "published"
