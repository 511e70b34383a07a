"""The publisher against a real Bluesky PDS and a real bare git remote: a thread with an
image and a link goes out once with facets and replies, and a run killed after the PDS
answered is reconciled by record key, never posted twice."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from builders.posts import HELLO, channels, post
from builders.remotes import clone, ledger_record
from builders.workspaces import published
from peers.bluesky import Account, BlueskyPDS

from tidings.jobs.publish import Options, publish

CREDENTIALS = {
    "handle": "BLUESKY_HANDLE",
    "app_password": "BLUESKY_APP_PASSWORD",
    "pds": "BLUESKY_PDS",
}
CHANNELS = channels(bluesky={"platform": "bluesky", "credentials": CREDENTIALS})
POST = post(
    "bluesky",
    title="Vouchers",
    parts=(
        "Gift vouchers are here: https://lumengrain.example/vouchers/holiday-edition-2026"
        " #GiftIdeas",
        "They come in a linen envelope.",
    ),
)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: POST})


def env_for(pds: BlueskyPDS, account: Account) -> dict[str, str]:
    return {
        "BLUESKY_HANDLE": account.handle,
        "BLUESKY_APP_PASSWORD": account.password,
        "BLUESKY_PDS": pds.url,
    }


def test_a_thread_with_an_image_and_a_link_goes_out_once(
    repo: tuple[Path, Path], pds: BlueskyPDS, bluesky_account: Account
) -> None:
    remote, work = repo
    now = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
    env = env_for(pds, bluesky_account)
    report = publish(work, Options(now=now, push=True, env=env, sleep=[].append))
    assert report.ok, report.outcomes
    posts = pds.list_records(bluesky_account.did)
    assert len(posts) == 2
    first, second = (p["value"] for p in posts)
    assert first["text"].startswith("Gift vouchers are here: lumengrain.example/")
    link = next(
        f for f in first["facets"] if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"
    )
    assert link["features"][0]["uri"].startswith(
        "https://lumengrain.example/vouchers/holiday-edition-2026"
    )
    assert first["embed"]["images"][0]["alt"] == "A single black dot on white"
    assert second["reply"]["root"]["uri"] == posts[0]["uri"]
    rec = ledger_record(remote, "bluesky")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [p["uri"] for p in posts]
    assert rec["parts"][0]["url"].startswith(
        f"https://bsky.app/profile/{bluesky_account.handle}/post/"
    )

    again = publish(work, Options(now=now, push=True, env=env))
    assert again.outcomes == [] and len(pds.list_records(bluesky_account.did)) == 2


def test_a_run_killed_after_the_pds_answered_is_reconciled(
    repo: tuple[Path, Path], pds: BlueskyPDS, bluesky_account: Account
) -> None:
    remote, work = repo
    env = {**os.environ, **env_for(pds, bluesky_account), "GIT_CONFIG_GLOBAL": "/dev/null"}
    cmd = [
        sys.executable,
        "-m",
        "tidings",
        "--root",
        str(work),
        "publish",
        "--push",
        "--now-for-real",
        "--now",
    ]
    killed = subprocess.run(
        [*cmd, "2026-12-10 09:01"],
        env={**env, "TIDINGS_CRASH_AT": "sent"},
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9, killed.stderr
    assert len(pds.list_records(bluesky_account.did)) == 1  # part 1 is out, nobody knows
    assert ledger_record(remote, "bluesky")["state"] == "pending"

    fresh = clone(remote, work.parent / "next")
    again = subprocess.run(
        [*cmd[:4], str(fresh), *cmd[5:], "2026-12-10 09:16"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    posts = pds.list_records(bluesky_account.did)
    assert len(posts) == 2
    rec = ledger_record(remote, "bluesky")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [p["uri"] for p in posts]
    assert posts[1]["value"]["reply"]["parent"]["uri"] == posts[0]["uri"]
