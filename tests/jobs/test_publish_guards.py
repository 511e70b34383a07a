"""Guards around publishing and settling by hand (issue 14, items 10 and 11): ``--now`` with
``--push`` sends to real platforms, so it must be the clock or said on purpose; a missed post
is said loudly and can fail the run; ``resolve`` never races a run that is still sending, and
``--published`` on a thread keeps the part ids expiry and metrics need."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from builders.posts import post as post_text
from builders.remotes import git, remote_file
from builders.workspaces import published

CHANNELS = """channels:
  outbox:
    platform: outbox
    path: build/outbox
"""

THREAD = post_text(
    "outbox",
    title="Tips",
    at="2026-12-10 09:00",
    parts=("Three tips for winter light.", "1. Face the window."),
    media=(),
)


def tidings(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), *args],
        capture_output=True,
        text=True,
        env={**base, "GIT_CONFIG_GLOBAL": "/dev/null", **env},
        timeout=120,
    )


def make(tmp_path: Path) -> tuple[Path, Path]:
    return published(
        tmp_path, {"brand/channels.yaml": CHANNELS, "content/posts/2026/12/hello.md": THREAD}
    )


def record(remote: Path) -> dict[str, Any]:
    text = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert text is not None
    return dict(yaml.safe_load(text)["channels"]["outbox"])


def test_now_with_push_is_refused_unless_it_is_the_clock_or_said_on_purpose(
    tmp_path: Path,
) -> None:
    remote, work = make(tmp_path)
    refused = tidings(work, "publish", "--push", "--now", "2026-12-10 09:05")
    assert refused.returncode == 2
    assert "--now-for-real" in refused.stderr and "real platforms" in refused.stderr
    assert remote_file(remote, "ledger/2026/12/hello.yaml") is None  # nothing claimed
    clock = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # to the second: a slow start
    allowed = tidings(work, "publish", "--push", "--now", clock)  # is within the minute
    assert allowed.returncode == 0, allowed.stderr
    rehearsal = tidings(work, "publish", "--push", "--now-for-real", "--now", "2026-12-10 09:05")
    assert rehearsal.returncode == 0, rehearsal.stderr
    assert record(remote)["state"] == "published"


def test_a_missed_post_is_said_loudly_and_fails_the_run_in_ci(tmp_path: Path) -> None:
    remote, work = make(tmp_path)
    late = ("publish", "--now-for-real", "--push", "--now", "2026-12-10 15:01")  # 6 h late
    result = tidings(work, *late, CI="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISSED: 1 post(s)" in result.stdout and "2026/12/hello on outbox" in result.stdout
    assert record(remote)["state"] == "missed"

    _, work = make(tmp_path / "again")
    quiet = tidings(work, *late, "--missed-is-ok", CI="true")
    assert quiet.returncode == 0 and "MISSED" in quiet.stdout
    _, work = make(tmp_path / "local")
    local = tidings(work, *late)  # outside CI the default is off
    assert local.returncode == 0 and "MISSED" in local.stdout
    _, work = make(tmp_path / "strict")
    assert tidings(work, *late, "--missed-is-error").returncode == 1


PENDING = """post: 2026/12/hello
channels:
  outbox:
    state: pending
    attempt_key: 20261210T080500Z-0011223344
    attempts: 1
    updated: {updated}
    parts:
    - id: 2026/12/hello#0
      url: build/outbox/2026/12/hello.json#part-1
"""


def test_resolve_retry_refuses_a_job_a_run_is_still_sending(tmp_path: Path) -> None:
    _remote, work = make(tmp_path)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ledger = work / "ledger/2026/12/hello.yaml"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(PENDING.format(updated=now.strftime("%Y-%m-%dT%H:%M:%SZ")))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "publish: claim 1 job(s)")
    before = ledger.read_text()
    refused = tidings(work, "resolve", "2026/12/hello", "outbox", "--retry")
    assert refused.returncode == 2
    ends = (now + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M UTC")
    assert "may still be sending" in refused.stderr and ends in refused.stderr
    assert ledger.read_text() == before
    later = (now + timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%MZ")
    settled = tidings(work, "resolve", "2026/12/hello", "outbox", "--retry", "--now", later)
    assert settled.returncode == 0, settled.stderr


def test_resolve_published_on_a_thread_keeps_the_part_ids(tmp_path: Path) -> None:
    _remote, work = make(tmp_path)
    ledger = work / "ledger/2026/12/hello.yaml"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(PENDING.format(updated="2026-12-10T08:05:00Z").replace("pending", "unknown"))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "publish: unknown")
    url = "build/outbox/2026/12/hello.json#part-2"
    done = tidings(work, "resolve", "2026/12/hello", "outbox", "--published", "https://x.test/2")
    assert done.returncode == 0, done.stderr
    assert "kept the 1 recorded part" in done.stdout and "as part 2" in done.stdout
    rec = yaml.safe_load(ledger.read_text())["channels"]["outbox"]
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == ["2026/12/hello#0", "https://x.test/2"]
    assert url not in done.stdout
    same = tidings(work, "resolve", "2026/12/hello", "outbox", "--published", "https://x.test/2")
    assert same.returncode == 0 and "already published" not in same.stderr


def test_resolve_and_publish_keep_one_lease() -> None:
    from tidings.jobs import publish, resolve

    assert resolve.LEASE == publish.LEASE
