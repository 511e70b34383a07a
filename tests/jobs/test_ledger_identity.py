"""The ledger's push identity (issue 15 item 3): publish.yml checks out with the deploy key
of the `social` environment, so the checkout's ``origin`` is GitHub's SSH address and the
key is the only identity main's ruleset lets through. `tidings publish --push` must push
through whatever ``origin`` the checkout set (no address or token of its own), and when the
push is refused (no key, a ruleset, a revoked key) it must post nothing rather than post
without a record.

A bare repository on disk plays GitHub: ``url.<bare>.insteadOf`` maps the SSH address to
it, and a ``pre-receive`` hook plays a ruleset refusing the push."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from builders.posts import HELLO, channels, post
from builders.remotes import git, remote_file, remote_log
from builders.workspaces import published

SSH_ORIGIN = "git@github.com:lumengrain/brand.git"  # what actions/checkout sets with ssh-key
PUBLISH = ("--push", "--now-for-real", "--now", "2026-12-10 09:05")


def _workspace(tmp_path: Path) -> tuple[Path, Path, Path]:
    outbox = tmp_path / "server"
    remote, work = published(
        tmp_path,
        {
            "brand/channels.yaml": channels(outbox={"platform": "outbox", "path": str(outbox)}),
            HELLO: post("outbox", title="Hello", parts=("Hello from the studio.",), media=()),
        },
    )
    git(work, "remote", "set-url", "origin", SSH_ORIGIN)
    git(work, "config", f"url.{remote}.insteadOf", SSH_ORIGIN)
    return remote, work, outbox


def _publish(work: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "BLUESKY_"))}
    env |= {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_SSH_COMMAND": "false"}  # never a real ssh
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(work), "publish", *PUBLISH],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _sent(outbox: Path) -> list[str]:
    log = outbox / "sent.log"
    return (
        [json.loads(line)["post"] for line in log.read_text().splitlines()] if log.exists() else []
    )


def test_publish_pushes_the_ledger_through_the_checkouts_own_origin(tmp_path: Path) -> None:
    remote, work, outbox = _workspace(tmp_path)
    result = _publish(work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _sent(outbox) == ["2026/12/hello"]
    assert remote_file(remote, "ledger/2026/12/hello.yaml") is not None
    assert git(work, "config", "remote.origin.url").strip() == SSH_ORIGIN  # left as it was


def test_a_refused_push_posts_nothing(tmp_path: Path) -> None:
    """The deploy key is missing, revoked or not on the bypass list: main's ruleset refuses
    the write-ahead push, so the post is not sent (it is sent by a later run, once)."""
    remote, work, outbox = _workspace(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\necho 'refusing: changes must be made through a pull request'\nexit 1\n"
    )
    hook.chmod(0o755)
    before = remote_log(remote)
    refused = _publish(work)
    assert refused.returncode != 0
    assert _sent(outbox) == [] and remote_log(remote) == before
    assert "Traceback" not in refused.stdout + refused.stderr

    hook.unlink()  # the key is fixed: the next run sends it, once
    again = _publish(work)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _sent(outbox) == ["2026/12/hello"]
