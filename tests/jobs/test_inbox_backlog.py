"""A backlog larger than one run's page bound, on the listings that run newest first (X's
mentions, Bluesky's notifications): the bound is 2 pages, 7 pages of items wait, and runs
go on where the one before stopped (an open sweep), so after enough runs every item is
recorded exactly once; what arrives while a sweep is open is read by the sweep after it.

The bound and the page size are the adapters' module constants, set small here (the
readers read them at each run)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import workspaces
from builders.posts import channels
from fakes.x import CASE as X_CASE
from fakes.x import XFake
from peers.appview import AppView
from peers.bluesky import Account, BlueskyPDS

from tidings.jobs.inbox import Options, Report, collect_inbox
from tidings.platforms import bluesky, x
from tidings.workspace.inbox import read_channel


def ids(work: Path, channel: str) -> list[str]:
    return [i.id for i in read_channel(work, channel)]


def test_x_mentions_beyond_the_page_bound_are_read_across_runs_without_a_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(x, "INBOX_PAGES", 2)
    monkeypatch.setattr(x, "MENTIONS_PER_PAGE", 5)
    fake = XFake()
    defined = channels(x={"platform": "x", "credentials": dict(X_CASE.credentials)})
    _, work = workspaces.published(tmp_path, {"brand/channels.yaml": defined})
    env = fake.env("http://x.test")
    t0 = datetime.now(UTC) - timedelta(hours=5)
    backlog = [
        fake.mention(f"fan{n}", f"hello {n}", created=t0 + timedelta(minutes=n)).id
        for n in range(35)
    ]

    def run() -> Report:
        opts = Options(
            now=datetime.now(UTC), push=True, env=env, transport=fake.transport(), sleep=[].append
        )
        return collect_inbox(work, opts)

    states = []
    for n in range(4):
        report = run()
        states.append((report.channels[0].state, report.channels[0].added))
        if n == 1:  # two arrive while the sweep is open
            late = [
                fake.mention("late", f"late {k}", created=t0 + timedelta(hours=1, minutes=k)).id
                for k in range(2)
            ]
    assert states == [("partial", 10), ("partial", 10), ("partial", 10), ("ok", 5)]
    assert sorted(ids(work, "x"), key=int) == sorted(backlog, key=int)
    cursor = yaml.safe_load((work / "inbox/x/cursor.yaml").read_text())
    assert cursor["position"] == backlog[-1]  # the sweep is closed at the newest of it

    report = run()  # the sweep after: what arrived meanwhile, and nothing twice
    assert [(c.state, c.added) for c in report.channels] == [("ok", 2)]
    recorded = ids(work, "x")
    assert len(recorded) == len(set(recorded)) == 37
    assert set(late) <= set(recorded)
    assert run().paths == []


# ---------------------------------------------------------------- Bluesky


@pytest.fixture(scope="module")
def appview(pds: BlueskyPDS) -> Iterator[AppView]:
    server = AppView(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


def mention(pds: BlueskyPDS, fan: tuple[str, str], brand: Account, text: str, at: datetime) -> str:
    author, token = fan
    did, handle = brand.did, brand.handle
    tag = f"@{handle}"
    record = {
        "$type": "app.bsky.feed.post",
        "text": f"{text} {tag}",
        "createdAt": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "facets": [
            {
                "index": {
                    "byteStart": len(text.encode()) + 1,
                    "byteEnd": len(text.encode()) + 1 + len(tag.encode()),
                },
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        ],
    }
    made: dict[str, Any] = pds.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        token=token,
        json={"repo": author, "collection": "app.bsky.feed.post", "record": record},
    )
    return str(made["uri"])


def test_bluesky_notifications_beyond_the_page_bound_are_read_across_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> None:
    monkeypatch.setattr(bluesky, "INBOX_PAGES", 2)
    monkeypatch.setattr(bluesky, "NOTIFICATIONS_PER_PAGE", 3)
    defined = """channels:
  bluesky:
    platform: bluesky
    credentials:
      handle: BLUESKY_HANDLE
      app_password: BLUESKY_APP_PASSWORD
      pds: BLUESKY_PDS
"""
    _, work = workspaces.published(tmp_path, {"brand/channels.yaml": defined})
    env = {
        "BLUESKY_HANDLE": bluesky_account.handle,
        "BLUESKY_APP_PASSWORD": bluesky_account.password,
        "BLUESKY_PDS": appview.url,
    }
    fan = pds.create_account()
    token = pds.xrpc(
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": fan.handle, "password": fan.password},
    )["accessJwt"]
    t0 = datetime.now(UTC) - timedelta(hours=3)
    said = [
        mention(pds, (fan.did, token), bluesky_account, f"hi {n}", t0 + timedelta(minutes=n))
        for n in range(21)
    ]

    def run() -> Report:
        return collect_inbox(work, Options(now=datetime.now(UTC), push=True, env=env))

    states = [(c.state, c.added) for _ in range(4) for c in run().channels]
    assert states == [("partial", 6), ("partial", 6), ("partial", 6), ("ok", 3)]
    recorded = ids(work, "bluesky")
    assert sorted(recorded) == sorted(said) and len(set(recorded)) == 21
    assert run().paths == []
