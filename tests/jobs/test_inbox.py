"""`tidings inbox` against a real Mastodon API (mastodon-mock), a real Bluesky PDS with the
test AppView in front of it, and a real bare git remote: a post is published, people reply
and mention the brand, the run records each item once with the post it answers; the brand
replies on the platform and the next run marks that item answered with the right
first-response time; a rerun changes no byte; direct messages are never recorded; a 429 is
waited out; a failing platform leaves the others' records alone; no text without
``keep_text``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders import workspaces
from builders.posts import HELLO, channels, post
from builders.remotes import git, remote_file, remote_log
from click.testing import CliRunner
from fakes.x import CASE as X_CASE
from fakes.x import XFake
from peers.appview import AppView
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer

from tidings.check.runner import check_workspace
from tidings.cli.main import cli
from tidings.diagnostics import Severity
from tidings.jobs.inbox import Options, collect_inbox
from tidings.jobs.publish import Options as PublishOptions
from tidings.jobs.publish import publish
from tidings.workspace.inbox import InboxStatus, read_channel
from tidings.workspace.validation import validator

MASTODON = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
"""

PUBLISHED_AT = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)


def now() -> datetime:
    """The inbox runs at the servers' own time: items arrive when the peers say."""
    return datetime.now(UTC)


@dataclass
class Fan:
    """Another account on the Mastodon server, acting through the server's own API."""

    http: httpx.Client
    acct: str

    def say(self, text: str, **data: Any) -> dict[str, Any]:
        response = self.http.post("/api/v1/statuses", data={"status": text, **data})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


def fan(server: MastodonServer) -> Fan:
    user = httpx.post(f"{server.base_url}/api/v1/_mock/dev_user", json={}).json()
    client = httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {user['access_token']}"},
        timeout=10.0,
    )
    return Fan(client, user["username"])


@dataclass
class Setup:
    remote: Path
    work: Path
    env: dict[str, str]

    def root_id(self, channel: str = "mastodon") -> str:
        text = remote_file(self.remote, "ledger/2026/12/hello.yaml")
        assert text is not None
        part: str = yaml.safe_load(text)["channels"][channel]["parts"][0]["id"]
        return part

    def inbox_files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.work).as_posix(): p.read_bytes()
            for p in sorted((self.work / "inbox").rglob("*.yaml"))
        }


@pytest.fixture
def published(tmp_path: Path, mastodon: MastodonServer) -> Setup:
    """The opening thread published on Mastodon by the publisher, on a bare remote."""
    remote, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": MASTODON, HELLO: post("mastodon")}
    )
    env = mastodon.env()
    report = publish(work, PublishOptions(now=PUBLISHED_AT, push=True, env=env, sleep=[].append))
    assert report.ok, report.outcomes
    return Setup(remote, work, env)


def run(setup: Setup, **kw: Any) -> Any:
    waits: list[float] = kw.pop("waits", [])
    opts = Options(now=kw.pop("at", None) or now(), push=True, env=setup.env, sleep=waits.append)
    return collect_inbox(setup.work, opts)


# ---------------------------------------------------------------- the whole story


def test_replies_and_a_mention_are_recorded_answered_and_never_twice(
    published: Setup, mastodon: MastodonServer
) -> None:
    root = published.root_id()
    ann, bob, cat = fan(mastodon), fan(mastodon), fan(mastodon)
    # Mastodon's apps start a reply with the author's handle: that mention notifies us
    first = ann.say("@testuser Lovely, see you there", in_reply_to_id=root)
    second = bob.say("@testuser Is it open on Sunday?", in_reply_to_id=root)
    mention = cat.say("Tea at @testuser today")
    ann.say("@testuser my address is 1 Main St", visibility="direct")  # a DM: never recorded

    report = run(published)
    assert report.ok, report.channels
    assert [(c.channel, c.state, c.added) for c in report.channels] == [("mastodon", "ok", 3)]
    items = {i.id: i for i in read_channel(published.work, "mastodon")}
    assert set(items) == {first["id"], second["id"], mention["id"]}
    assert items[first["id"]].answers == "2026/12/hello"
    assert items[second["id"]].answers == "2026/12/hello"
    assert items[mention["id"]].answers is None
    assert (items[first["id"]].kind, items[mention["id"]].kind) == ("reply", "mention")
    assert items[first["id"]].author == f"@{ann.acct}"
    assert items[first["id"]].url == first["url"]
    assert all(i.status is InboxStatus.NEW and i.text is None for i in items.values())
    # the record is committed and pushed, alone
    assert remote_log(published.remote)[0].startswith("inbox: 3 new item(s), 0 answered")
    files = published.inbox_files()
    for rel, data in files.items():
        assert remote_file(published.remote, rel) == data.decode()
        assert not list(validator("inbox").iter_errors(yaml.safe_load(data)))
        assert b"1 Main St" not in data and b"Lovely" not in data  # no text, no DM

    # the brand answers the second reply in Mastodon's own app
    answer = httpx.post(
        f"{mastodon.base_url}/api/v1/statuses",
        headers={"Authorization": f"Bearer {mastodon.token}"},
        data={"status": f"@{bob.acct} Yes, 10 to 4!", "in_reply_to_id": second["id"]},
    ).json()
    report = run(published)
    assert report.ok, report.channels
    assert [(c.added, c.answered, c.open) for c in report.channels] == [(0, 1, 2)]
    items = {i.id: i for i in read_channel(published.work, "mastodon")}
    done = items[second["id"]]
    assert done.status is InboxStatus.ANSWERED
    assert done.answered_by == answer["url"]
    replied = datetime.fromisoformat(answer["created_at"].replace("Z", "+00:00"))
    assert done.answered_at == replied.replace(microsecond=0)
    assert done.first_response == done.answered_at - done.at
    assert done.first_response is not None and done.first_response >= timedelta(0)
    assert items[first["id"]].status is InboxStatus.NEW

    # a third run learns nothing: no byte changes, no commit
    before, log = published.inbox_files(), remote_log(published.remote)
    report = run(published)
    assert report.ok and report.paths == [] and not report.committed
    assert published.inbox_files() == before
    assert remote_log(published.remote) == log


# ---------------------------------------------------------------- Bluesky


BLUESKY = """channels:
  bluesky:
    platform: bluesky
    credentials:
      handle: BLUESKY_HANDLE
      app_password: BLUESKY_APP_PASSWORD
      pds: BLUESKY_PDS
"""


@pytest.fixture(scope="module")
def appview_server(pds: BlueskyPDS) -> Iterator[AppView]:
    server = AppView(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def appview(appview_server: AppView) -> AppView:
    appview_server.requests.clear()
    appview_server._faults.clear()
    return appview_server


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Poster:
    """An account on the PDS, writing records through the PDS's own API."""

    pds: BlueskyPDS
    account: Account
    token: str

    def say(self, text: str, at: datetime, **record: Any) -> dict[str, Any]:
        value = {"$type": "app.bsky.feed.post", "text": text, "createdAt": stamp(at), **record}
        body = {"repo": self.account.did, "collection": "app.bsky.feed.post", "record": value}
        made: dict[str, Any] = self.pds.xrpc(
            "POST", "com.atproto.repo.createRecord", token=self.token, json=body
        )
        return made


def poster(pds: BlueskyPDS, account: Account | None = None) -> Poster:
    account = account or pds.create_account()
    session = pds.xrpc(
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": account.handle, "password": account.password},
    )
    return Poster(pds, account, session["accessJwt"])


def test_bluesky_replies_mentions_and_quotes_through_the_pds_and_its_appview(
    tmp_path: Path, pds: BlueskyPDS, bluesky_account: Account, appview: AppView
) -> None:
    """The PDS's address in the channel is the AppView's, which hands every call it does not
    serve to the PDS, as a real PDS hands ``app.bsky.*`` to its AppView."""
    remote, work = workspaces.published(
        tmp_path,
        {
            "brand/channels.yaml": BLUESKY,
            HELLO: post("bluesky", media=()),
            "brand/brand.yaml": "name: Test Studio\ntimezone: Europe/Berlin\n"
            "inbox: {keep_text: true, keep_text_days: 30}\n",
        },
    )
    env = {
        "BLUESKY_HANDLE": bluesky_account.handle,
        "BLUESKY_APP_PASSWORD": bluesky_account.password,
        "BLUESKY_PDS": appview.url,
    }
    report = publish(work, PublishOptions(now=PUBLISHED_AT, push=True, env=env, sleep=[].append))
    assert report.ok, report.outcomes
    setup = Setup(remote, work, env)
    text = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert text is not None
    part = yaml.safe_load(text)["channels"]["bluesky"]["parts"][1]  # the thread's 2nd part
    ref = {"uri": part["id"], "cid": part["cid"]}
    t0 = now() - timedelta(hours=2)
    ann, bob = poster(pds), poster(pds)
    reply = ann.say("See you there", t0, reply={"root": ref, "parent": ref})
    handle = f"@{bluesky_account.handle}"
    mention = bob.say(
        f"Tea with {handle}",
        t0 + timedelta(minutes=1),
        facets=[
            {
                "index": {"byteStart": 9, "byteEnd": 9 + len(handle.encode())},
                "features": [
                    {"$type": "app.bsky.richtext.facet#mention", "did": bluesky_account.did}
                ],
            }
        ],
    )
    quote = bob.say(
        "Go!", t0 + timedelta(minutes=2), embed={"$type": "app.bsky.embed.record", "record": ref}
    )
    bob.say("liked", t0)  # a post that is none of these is not an item
    report = run(setup)
    assert report.ok, report.channels
    items = {i.id: i for i in read_channel(work, "bluesky")}
    assert {k: (v.kind, v.answers) for k, v in items.items()} == {
        reply["uri"]: ("reply", "2026/12/hello"),
        mention["uri"]: ("mention", None),
        quote["uri"]: ("quote", "2026/12/hello"),
    }
    assert items[reply["uri"]].text == "See you there"  # keep_text: true, and young
    assert items[reply["uri"]].author == ann.account.handle
    rkey = reply["uri"].rsplit("/", 1)[1]
    assert items[reply["uri"]].url == f"https://bsky.app/profile/{ann.account.handle}/post/{rkey}"
    asked = appview.calls("app.bsky.notification.listNotifications")
    assert asked and asked[0]["reasons"] == ["mention", "quote", "reply"]

    # the brand answers the reply in Bluesky's app: a post by its DID whose parent is it
    brand = poster(pds, bluesky_account)
    item_ref = {"uri": reply["uri"], "cid": reply["cid"]}
    answered_at = t0 + timedelta(minutes=47)
    answer = brand.say("Lovely!", answered_at, reply={"root": ref, "parent": item_ref})
    report = run(setup)
    assert [(c.added, c.answered) for c in report.channels] == [(0, 1)]
    done = {i.id: i for i in read_channel(work, "bluesky")}[reply["uri"]]
    assert done.status is InboxStatus.ANSWERED
    assert done.answered_at == answered_at.replace(microsecond=0)
    assert done.first_response == timedelta(minutes=47)
    assert done.answered_by is not None and done.answered_by.endswith(
        answer["uri"].rsplit("/", 1)[1]
    )
    # the brand's own reply is no item of the inbox; a rerun changes nothing
    before = setup.inbox_files()
    report = run(setup)
    assert report.ok and report.paths == [] and setup.inbox_files() == before

    # thirty days on, the text is gone from every file
    report = run(setup, at=now() + timedelta(days=31))
    assert report.ok
    assert all(i.text is None for i in read_channel(work, "bluesky"))
    assert not any(b"See you there" in data for data in setup.inbox_files().values())


# ---------------------------------------------------------------- failures


def test_a_429_is_waited_out_as_the_server_asks(published: Setup, mastodon: MastodonServer) -> None:
    fan(mastodon).say("@testuser hello")
    mastodon.fault(
        "/api/v1/notifications", effect="ratelimit", headers={"Retry-After": "7"}, count=1
    )
    waits: list[float] = []
    report = run(published, waits=waits)
    assert report.ok, report.channels
    assert waits == [7.0]
    assert [(c.added, c.requests) for c in report.channels] == [(1, 4)]
    # verify_credentials, the 429, the page again, our statuses


TWO = (
    MASTODON
    + """  studio:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: STUDIO_TOKEN
"""
)


def test_a_revoked_token_fails_its_channel_only_and_leaves_its_record(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    studio = httpx.post(f"{mastodon.base_url}/api/v1/_mock/dev_user", json={}).json()
    remote, work = workspaces.published(tmp_path, {"brand/channels.yaml": TWO})
    env = {**mastodon.env(), "STUDIO_TOKEN": studio["access_token"]}
    setup = Setup(remote, work, env)
    fan(mastodon).say(f"@testuser and @{studio['username']} hello")
    report = run(setup)
    assert [(c.channel, c.state, c.added) for c in report.channels] == [
        ("mastodon", "ok", 1),
        ("studio", "ok", 1),
    ]
    kept = (work / "inbox/studio").iterdir()
    before = {p.name: p.read_bytes() for p in kept}

    fan(mastodon).say(f"@testuser and @{studio['username']} again")
    setup.env["STUDIO_TOKEN"] = "revoked-token-value-123"
    report = run(setup)
    assert not report.ok
    states = {c.channel: (c.state, c.added) for c in report.channels}
    assert states == {"mastodon": ("ok", 1), "studio": ("failed", 0)}
    failed = next(c for c in report.channels if c.channel == "studio")
    assert "401" in failed.detail and "revoked-token-value-123" not in failed.detail
    assert {p.name: p.read_bytes() for p in (work / "inbox/studio").iterdir()} == before
    assert len(read_channel(work, "mastodon")) == 2
    assert remote_log(remote)[0].startswith("inbox: 1 new item(s), 0 answered, failed: studio")


# ---------------------------------------------------------------- content/inbox.yaml


def test_a_person_marks_an_item_no_reply_needed_in_a_reviewed_file(
    published: Setup, mastodon: MastodonServer
) -> None:
    thanks = fan(mastodon).say("@testuser thanks!")
    assert run(published).ok
    marks = (
        f"- url: {thanks['url']}\n  status: no-reply-needed\n  by: maria\n  note: a thank-you\n"
        "- url: https://example.social/@nobody/1\n  status: no-reply-needed\n  by: maria\n"
    )
    (published.work / "content/inbox.yaml").write_text(marks, encoding="utf-8")
    result = check_workspace(published.work)
    found = [
        (d.code, d.line, d.severity)
        for d in result.diagnostics
        if d.path.startswith("content/inbox")
    ]
    assert found == [("inbox.unknown-url", 5, Severity.WARNING)]
    git(published.work, "add", "content/inbox.yaml")
    git(published.work, "commit", "-qm", "no reply needed")
    git(published.work, "push", "-q")

    report = run(published)
    assert report.ok
    item = read_channel(published.work, "mastodon")[0]
    assert (item.status, item.by, item.note) == (
        InboxStatus.NO_REPLY_NEEDED,
        "maria",
        "a thank-you",
    )
    assert item.first_response is None


def test_a_broken_triage_file_is_reported_with_its_line_and_not_applied(
    published: Setup, mastodon: MastodonServer
) -> None:
    fan(mastodon).say("@testuser hi")
    (published.work / "content/inbox.yaml").write_text(
        "- url: https://x.example/1\n  status: done\n  by: maria\n", encoding="utf-8"
    )
    git(published.work, "add", "content/inbox.yaml")
    git(published.work, "commit", "-qm", "oops")
    git(published.work, "push", "-q")
    report = run(published)
    assert report.ok and [c.added for c in report.channels] == [1]
    assert any("content/inbox.yaml:2" in w and "status" in w for w in report.warnings), (
        report.warnings
    )


# ---------------------------------------------------------------- X (the fake, tests/fakes/x.py)

X_CHANNELS = channels(x={"platform": "x", "credentials": dict(X_CASE.credentials)})


def test_x_mentions_since_the_last_one_and_the_brand_reply_found_in_its_own_posts(
    tmp_path: Path,
) -> None:
    fake = XFake()
    _, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": X_CHANNELS, HELLO: post("x", media=())}
    )
    env = fake.env("http://x.test")
    opts = PublishOptions(
        now=PUBLISHED_AT, push=True, env=env, transport=fake.transport(), sleep=[].append
    )
    assert publish(work, opts).ok
    root = fake.live()[0].id
    t0 = now() - timedelta(hours=3)
    first = fake.mention("ann", "lovely", reply_to=root, created=t0)
    quote = fake.mention("bob", "go!", quoted=root, created=t0 + timedelta(minutes=1))
    plain = fake.mention("cat", "tea today?", created=t0 + timedelta(minutes=2))

    def inbox() -> Any:
        return collect_inbox(
            work,
            Options(now=now(), push=True, env=env, transport=fake.transport(), sleep=[].append),
        )

    report = inbox()
    assert report.ok, report.channels
    items = {i.id: i for i in read_channel(work, "x")}
    assert {k: (v.kind, v.answers, v.author) for k, v in items.items()} == {
        first.id: ("reply", "2026/12/hello", "@ann"),
        quote.id: ("quote", "2026/12/hello", "@bob"),
        plain.id: ("mention", None, "@cat"),
    }
    assert items[first.id].url == f"https://x.com/ann/status/{first.id}"
    cursor = yaml.safe_load((work / "inbox/x/cursor.yaml").read_text())
    assert cursor["position"] == plain.id

    later = fake.mention("dan", "and me", created=t0 + timedelta(minutes=5))
    answer = fake.seed("@cat yes, 10 to 4", reply_to=plain.id, created=t0 + timedelta(minutes=90))
    fake.requests.clear()
    report = inbox()
    assert [(c.added, c.answered) for c in report.channels] == [(1, 1)]
    asked = [r for r in fake.requests if r.url.path.endswith("/mentions")]
    assert [r.url.params.get("since_id") for r in asked] == [plain.id]
    done = {i.id: i for i in read_channel(work, "x")}[plain.id]
    assert done.first_response == timedelta(minutes=88)
    assert done.answered_by == f"https://x.com/i/web/status/{answer.id}"
    assert later.id in {i.id for i in read_channel(work, "x")}


# ---------------------------------------------------------------- the command


def test_the_cli_prints_each_channel_and_never_a_token(
    published: Setup, mastodon: MastodonServer
) -> None:
    fan(mastodon).say("@testuser hello")
    runner = CliRunner(env=published.env)
    result = runner.invoke(cli, ["--root", str(published.work), "inbox", "--push"])
    assert result.exit_code == 0, result.output
    assert "mastodon" in result.output and "ok" in result.output
    assert "committed and pushed" in result.output
    again = runner.invoke(cli, ["--root", str(published.work), "inbox", "--push"])
    assert again.exit_code == 0 and "Nothing new" in again.output

    bad = CliRunner(env={**published.env, "MASTODON_ACCESS_TOKEN": "revoked-token-abcdef"})
    failed = bad.invoke(cli, ["--root", str(published.work), "inbox", "--no-commit"])
    assert failed.exit_code == 1
    assert "failed" in failed.output and "revoked-token-abcdef" not in failed.output


def test_a_bad_inbox_setting_is_a_message_naming_the_line(published: Setup) -> None:
    brand = published.work / "brand/brand.yaml"
    brand.write_text(brand.read_text() + "inbox:\n  keep_text: sometimes\n", encoding="utf-8")
    result = CliRunner(env=published.env).invoke(
        cli, ["--root", str(published.work), "inbox", "--no-commit"]
    )
    assert result.exit_code == 1
    assert "brand/brand.yaml:4" in result.output and "keep_text" in result.output
    assert "Traceback" not in result.output
