"""Replies (``content/replies/*.md``) published by the exactly-once engine, threaded under
the item they answer: against a real Mastodon API (mastodon-mock) and a real bare git remote,
with a crash between the platform's answer and the ledger commit."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from builders.forked import fork
from builders.posts import HELLO, REPLY, channels, post, reply
from builders.remotes import clone, ledger_record
from builders.runs import pushing
from builders.workspaces import published
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer

from tidings.jobs.publish import Options, publish

CREDENTIALS = {"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"}
CHANNELS = channels(
    mastodon={
        "platform": "mastodon",
        "account": "@testuser@localhost",
        "credentials": CREDENTIALS,
    },
    outbox={"platform": "outbox", "path": "build/outbox"},
)
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LEDGER_ID = "replies/thanks"


def _status(server: MastodonServer, text: str) -> dict[str, Any]:
    """A status someone wrote, straight through the server's API (the item we answer)."""
    response = httpx.post(
        f"{server.base_url}/api/v1/statuses",
        headers={"Authorization": f"Bearer {server.token}"},
        data={"status": text},
    )
    response.raise_for_status()
    return dict(response.json())


@pytest.fixture
def repo(tmp_path: Path) -> Callable[[str], tuple[Path, Path]]:
    def build(text: str) -> tuple[Path, Path]:
        files = {"brand/channels.yaml": CHANNELS, HELLO: post("outbox", draft="true"), REPLY: text}
        return published(tmp_path, files)

    return build


def test_a_reply_threads_under_the_status_and_goes_out_once(
    repo: Callable[[str], tuple[Path, Path]], mastodon: MastodonServer
) -> None:
    target = _status(mastodon, "Lovely portraits, thank you!")
    remote, work = repo(reply(target["url"], "Thank you, it was a pleasure!"))
    report = publish(work, pushing(NOW, mastodon.env()))
    assert report.ok, (report.outcomes, report.blocked)
    assert [(o.post_id, o.channel, o.result) for o in report.outcomes] == [
        (LEDGER_ID, "mastodon", "published")
    ]
    ours = [s for s in mastodon.statuses() if s["id"] != target["id"]]
    assert len(ours) == 1
    assert ours[0]["in_reply_to_id"] == target["id"]
    assert "it was a pleasure" in ours[0]["content"]
    rec = ledger_record(remote, "mastodon", LEDGER_ID)
    assert rec["state"] == "published" and rec["parts"][0]["url"] == ours[0]["url"]

    again = publish(work, pushing(NOW.replace(minute=20), mastodon.env()))
    assert again.outcomes == [] and len(mastodon.statuses()) == 2


def test_a_crash_between_send_and_record_does_not_reply_twice(
    repo: Callable[[str], tuple[Path, Path]], mastodon: MastodonServer, tmp_path: Path
) -> None:
    target = _status(mastodon, "Do you do passport photos?")
    remote, work = repo(reply(target["url"], "Yes, every weekday from 10:00."))
    env = {**os.environ, **mastodon.env()}

    def run() -> dict[str, object]:
        report = publish(work, Options(now=NOW, push=True, env=env))
        return {"outcomes": [[o.post_id, o.channel, o.result] for o in report.outcomes]}

    child = fork(run, tmp_path / "crashed.json", crash="sent")
    assert child.status == "killed"
    assert len(mastodon.statuses()) == 2  # the reply went out; the ledger says pending
    assert ledger_record(remote, "mastodon", LEDGER_ID)["state"] == "pending"

    later = NOW.replace(minute=25)  # past the lease: the next run reconciles
    fresh = clone(remote, tmp_path / "next")
    report = publish(fresh, Options(now=later, push=True, env=env))
    assert report.ok, report.outcomes
    ours = [s for s in mastodon.statuses() if s["id"] != target["id"]]
    assert len(ours) == 1 and ours[0]["in_reply_to_id"] == target["id"]
    rec = ledger_record(remote, "mastodon", LEDGER_ID)
    assert rec["state"] == "published" and rec["history"][-1]["note"] == "reconciled"


def test_a_status_on_another_instance_is_found_by_search() -> None:
    """GET /api/v2/search?resolve=true brings a remote status in; the one whose url is the
    reply's URL is answered (mastodon-mock searches text only, so this is a transport built
    from Mastodon's documented contract: methods/search.md, SearchV2 ``statuses``)."""
    wanted = "https://mastodon.social/@alice/112233445566778899"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v1/statuses/112233445566778899":
            return httpx.Response(404, json={"error": "Record not found"})
        if request.url.path == "/api/v2/search":
            return httpx.Response(
                200,
                json={
                    "accounts": [],
                    "hashtags": [],
                    "statuses": [
                        {"id": "7", "url": "https://photog.social/@x/7", "uri": "x"},
                        {"id": "42", "url": wanted, "uri": wanted.replace("@alice", "users/alice")},
                    ],
                },
            )
        raise AssertionError(request.url)

    from tidings.core.replies import ReplyTarget, parse_target
    from tidings.platforms.base import Caller
    from tidings.platforms.mastodon import MastodonAdapter

    target = parse_target(wanted)
    assert isinstance(target, ReplyTarget) and target.platform == "mastodon"
    client = httpx.Client(transport=httpx.MockTransport(handler))
    adapter = MastodonAdapter(Caller(client), "https://photog.social", "t0ken")
    parent = adapter.reply_parent(target)
    assert parent.parent.id == "42"
    search = seen[-1]
    assert search.url.params["q"] == wanted and search.url.params["resolve"] == "true"


def _bsky_post(
    pds: BlueskyPDS, who: Account, text: str, reply: dict[str, Any] | None = None
) -> dict[str, str]:
    """A post someone wrote on the PDS: ``{uri, cid}``."""
    session = pds.xrpc(
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": who.handle, "password": who.password},
    )
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": "2026-12-10T07:00:00.000Z",
    }
    if reply:
        record["reply"] = reply
    created = pds.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        session["accessJwt"],
        json={"repo": who.did, "collection": "app.bsky.feed.post", "record": record},
    )
    return {"uri": created["uri"], "cid": created["cid"]}


def test_a_bluesky_reply_carries_root_and_parent_refs_with_their_cids(
    tmp_path: Path, pds: BlueskyPDS, bluesky_account: Account
) -> None:
    alice = pds.create_account()
    root = _bsky_post(pds, alice, "Who photographs pets in Leipzig?")
    middle = _bsky_post(pds, alice, "Asking for my cat.", {"root": root, "parent": root})
    url = f"https://bsky.app/profile/{alice.handle}/post/{middle['uri'].rsplit('/', 1)[1]}"
    files = {
        "brand/channels.yaml": channels(
            bluesky={
                "platform": "bluesky",
                "credentials": {
                    "handle": "BLUESKY_HANDLE",
                    "app_password": "BLUESKY_APP_PASSWORD",
                    "pds": "BLUESKY_PDS",
                },
            },
            outbox={"platform": "outbox", "path": "build/outbox"},
        ),
        HELLO: post("outbox", draft="true"),
        REPLY: reply(url, "We do! Saturdays are pet portrait days."),
    }
    remote, work = published(tmp_path, files)
    env = {
        "BLUESKY_HANDLE": bluesky_account.handle,
        "BLUESKY_APP_PASSWORD": bluesky_account.password,
        "BLUESKY_PDS": pds.url,
    }
    report = publish(work, pushing(NOW, env))
    assert report.ok, (report.outcomes, report.blocked)
    ours = pds.list_records(bluesky_account.did)
    assert len(ours) == 1
    assert ours[0]["value"]["reply"] == {"root": root, "parent": middle}
    assert ledger_record(remote, "bluesky", LEDGER_ID)["parts"][0]["id"] == ours[0]["uri"]
    again = publish(work, pushing(NOW.replace(minute=20), env))
    assert again.outcomes == [] and len(pds.list_records(bluesky_account.did)) == 1


def _one_channel(platform: str, credentials: dict[str, str], **extra: Any) -> str:
    return channels(
        net={"platform": platform, "credentials": credentials, **extra},
        outbox={"platform": "outbox", "path": "build/outbox"},
    )


def test_an_x_reply_names_the_post_in_the_status_url(tmp_path: Path) -> None:
    from fakes.x import CASE, XFake

    fake = XFake()
    theirs = fake.seed("@lumengrain do you print on linen?")
    url = f"https://x.com/somebody/status/{theirs.id}"
    files = {
        "brand/channels.yaml": _one_channel("x", dict(CASE.credentials)),
        HELLO: post("outbox", draft="true"),
        REPLY: reply(url, "We do, on request. Ask us about sizes."),
    }
    remote, work = published(tmp_path, files)
    env = fake.env("http://x.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert report.ok, (report.outcomes, report.blocked)
    ours = [p for p in fake.live() if p.id != theirs.id]
    assert len(ours) == 1 and ours[0].reply_to == theirs.id
    assert ledger_record(remote, "net", LEDGER_ID)["parts"][0]["id"] == ours[0].id
    assert publish(work, pushing(NOW.replace(minute=20), env, fake.transport())).outcomes == []
    assert len(fake.live()) == 2


def test_a_threads_reply_sends_reply_to_id_from_the_url(tmp_path: Path) -> None:
    from fakes.threads import CASE, ThreadsFake

    fake = ThreadsFake()
    fake.media["1790000000000001"] = {  # someone's published post, as the fake keeps one
        "id": "1790000000000001",
        "kind": "post",
        "media_type": "TEXT_POST",
        "text": "Anyone know a good studio?",
        "created": fake.clock(),
        "permalink": "https://www.threads.com/@someone/post/Cabc",
        "shortcode": "Cabc",
    }
    url = "https://www.threads.com/@someone/post/Cabc?media_id=1790000000000001"
    files = {
        "brand/channels.yaml": _one_channel(
            "threads", dict(CASE.credentials), media_base_url="https://media.example.org/"
        ),
        HELLO: post("outbox", draft="true"),
        REPLY: reply(url, "Come and see us on Harbour Street."),
    }
    remote, work = published(tmp_path, files)
    env = CASE.env(fake, "http://threads.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert report.ok, (report.outcomes, report.blocked)
    ours = [m for m in fake.media.values() if m.get("replied_to")]
    assert len(ours) == 1 and ours[0]["replied_to"] == "1790000000000001"
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "published"
    assert publish(work, pushing(NOW.replace(minute=20), env, fake.transport())).outcomes == []
