"""`tidings metrics` against a real Mastodon server (mastodon-mock), a real Bluesky PDS with
the AppView fake in front of it, and a real bare git remote: counts that people made
through the platforms' own APIs come back, batched; a failing platform marks only its own
channel; one snapshot file per day, committed alone and pushed past a concurrent commit."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from builders import workspaces
from builders.posts import HELLO, post
from builders.remotes import clone, git, remote_file, remote_log
from click.testing import CliRunner
from peers.appview import AppView
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer

from tidings.cli.main import cli
from tidings.jobs.collect_metrics import Options, collect
from tidings.jobs.publish import Options as PublishOptions
from tidings.jobs.publish import publish
from tidings.metrics.snapshots import load_snapshots, parse_snapshot
from tidings.platforms.base import Caller, Counts, Remote, Unavailable
from tidings.platforms.bluesky import POSTS_PER_READ, AppViewReader
from tidings.platforms.mastodon import STATUSES_PER_READ, MastodonAdapter
from tidings.workspace.validation import validator

CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
  bluesky:
    platform: bluesky
    credentials:
      handle: BLUESKY_HANDLE
      app_password: BLUESKY_APP_PASSWORD
      pds: BLUESKY_PDS
      appview: BLUESKY_APPVIEW
  x:
    platform: x
    credentials:
      access_token: X_ACCESS_TOKEN
  linkedin:
    platform: linkedin
    credentials:
      access_token: LINKEDIN_ACCESS_TOKEN
  outbox:
    platform: outbox
"""

THREAD = post("mastodon", "bluesky", "outbox", campaign="winter", tags=["studio-news"])

LINK = post(
    "mastodon",
    "bluesky",
    title="Vouchers",
    at="2026-12-11 09:00",
    parts=("Gift vouchers are here: https://lumengrain.example/vouchers",),
    media=(),
    tags=["shop", "gifts"],
)

OLD_LEDGER = """post: 2026/08/old
channels:
  mastodon:
    state: published
    attempts: 1
    published_at: 2026-08-01T08:00:00Z
    parts:
      - {id: "1", url: "https://example.social/@a/1"}
"""

DAY1 = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
DAY2 = datetime(2026, 12, 11, 8, 5, tzinfo=UTC)
EVENING = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)  # 18:00 in Berlin
SNAPSHOT = "metrics/2026/12/2026-12-20.json"


# ---------------------------------------------------------------- peers and fans


@pytest.fixture(scope="session")
def appview_server(pds: BlueskyPDS) -> Iterator[AppView]:
    server = AppView(pds.url).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def appview(appview_server: AppView) -> AppView:
    """The session's AppView fake with an empty request log and no faults."""
    appview_server.requests.clear()
    appview_server._faults.clear()
    return appview_server


@dataclass
class MastodonFan:
    """Another account on the Mastodon server, acting through the server's own API."""

    http: httpx.Client

    def post(self, path: str, **data: Any) -> Any:
        response = self.http.post(path, data=data)
        response.raise_for_status()
        return response.json()


def mastodon_fan(server: MastodonServer) -> MastodonFan:
    user = httpx.post(f"{server.base_url}/api/v1/_mock/dev_user", json={}).json()
    return MastodonFan(
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {user['access_token']}"},
            timeout=10.0,
        )
    )


@dataclass
class BlueskyFan:
    pds: BlueskyPDS
    account: Account
    token: str

    def create(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        record = {"$type": collection, "createdAt": "2026-12-12T10:00:00.000Z", **record}
        body = {"repo": self.account.did, "collection": collection, "record": record}
        result: dict[str, Any] = self.pds.xrpc(
            "POST", "com.atproto.repo.createRecord", token=self.token, json=body
        )
        return result


def bluesky_fan(pds: BlueskyPDS, account: Account | None = None) -> BlueskyFan:
    account = account or pds.create_account()
    session = pds.xrpc(
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": account.handle, "password": account.password},
    )
    return BlueskyFan(pds, account, session["accessJwt"])


def env_for(
    server: MastodonServer, pds: BlueskyPDS, view: AppView, account: Account
) -> dict[str, str]:
    return {
        "MASTODON_BASE_URL": server.base_url,
        "MASTODON_ACCESS_TOKEN": server.token,
        "BLUESKY_HANDLE": account.handle,
        "BLUESKY_APP_PASSWORD": account.password,
        "BLUESKY_PDS": pds.url,
        "BLUESKY_APPVIEW": view.url,
    }


# ---------------------------------------------------------------- the repository


@dataclass
class Setup:
    remote: Path
    work: Path
    env: dict[str, str]

    def parts(self, post: str, channel: str) -> list[dict[str, Any]]:
        import yaml

        text = remote_file(self.remote, f"ledger/{post}.yaml")
        assert text is not None
        parts: list[dict[str, Any]] = yaml.safe_load(text)["channels"][channel]["parts"]
        return parts


@pytest.fixture
def published(
    tmp_path: Path,
    mastodon: MastodonServer,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> Setup:
    """Two posts (a thread with an image, a link post) published for real on Mastodon and
    Bluesky by the publisher, a post published in August (outside the window) in the ledger,
    all on a bare remote."""
    remote, work = workspaces.published(
        tmp_path,
        {
            "brand/channels.yaml": CHANNELS,
            HELLO: THREAD,
            "content/posts/2026/12/vouchers.md": LINK,
            "ledger/2026/08/old.yaml": OLD_LEDGER,
        },
    )
    env = env_for(mastodon, pds, appview, bluesky_account)
    for now in (DAY1, DAY2):
        report = publish(work, PublishOptions(now=now, push=True, env=env, sleep=[].append))
        assert report.ok, report.outcomes
    return Setup(remote, work, env)


def fans_react(setup: Setup, mastodon: MastodonServer, pds: BlueskyPDS, owner: Account) -> None:
    """On both networks, someone likes, reposts and replies to the thread's first part,
    quotes it (Bluesky), and follows the brand."""
    root = setup.parts("2026/12/hello", "mastodon")[0]["id"]
    fan = mastodon_fan(mastodon)
    fan.post(f"/api/v1/statuses/{root}/favourite")
    fan.post(f"/api/v1/statuses/{root}/reblog")
    fan.post("/api/v1/statuses", status="Lovely, see you there", in_reply_to_id=root)
    fan.post(f"/api/v1/accounts/{mastodon.account_id()}/follow")

    part = setup.parts("2026/12/hello", "bluesky")[0]
    ref = {"uri": part["id"], "cid": part["cid"]}
    bfan = bluesky_fan(pds)
    bfan.create("app.bsky.feed.like", {"subject": ref})
    bfan.create("app.bsky.feed.repost", {"subject": ref})
    bfan.create(
        "app.bsky.feed.post", {"text": "See you there", "reply": {"root": ref, "parent": ref}}
    )
    bfan.create(
        "app.bsky.feed.post",
        {"text": "Go!", "embed": {"$type": "app.bsky.embed.record", "record": ref}},
    )
    bfan.create("app.bsky.graph.follow", {"subject": owner.did})


def channel_of(snapshot: dict[str, Any], cid: str) -> dict[str, Any]:
    channel: dict[str, Any] = snapshot["channels"][cid]
    return channel


def post_of(snapshot: dict[str, Any], cid: str, post: str) -> dict[str, Any]:
    return next(p for p in channel_of(snapshot, cid)["posts"] if p["post"] == post)


# ---------------------------------------------------------------- the whole run


def test_a_snapshot_of_real_counts_is_committed_alone_and_pushed(
    published: Setup,
    mastodon: MastodonServer,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> None:
    fans_react(published, mastodon, pds, bluesky_account)
    appview.requests.clear()
    report = collect(published.work, Options(now=EVENING, push=True, env=published.env))
    assert report.ok and report.pushed, report.channels
    text = remote_file(published.remote, SNAPSHOT)
    assert text is not None
    data = json.loads(text)
    validator("metrics").validate(data)
    assert data["date"] == "2026-12-20" and data["window_days"] == 90

    # outbox has no metrics; x and linkedin, whose credentials are not set, are listed as
    # skipped with the reason (naming the setting, never a value)
    assert sorted(data["channels"]) == ["bluesky", "linkedin", "mastodon", "x"]
    assert channel_of(data, "x")["state"] == "skipped"
    assert "is not set" in channel_of(data, "x")["error"]
    assert channel_of(data, "linkedin")["state"] == "skipped"

    mast = channel_of(data, "mastodon")
    assert mast["state"] == "ok"
    assert [p["post"] for p in mast["posts"]] == [
        "2026/12/hello",
        "2026/12/vouchers",
    ]  # not August's
    hello = post_of(data, "mastodon", "2026/12/hello")
    assert hello["metrics"] == {
        "likes": 1,
        "reposts": 1,
        "replies": 1,
        "quotes": None,
        "views": None,
    }
    # raw is the server's word: the thread's own second part is a reply too; mastodon-mock
    # (like Mastodon before 4.5) sends no quotes_count, so quotes is null, not 0
    assert hello["raw"] == {"favourites_count": 1, "reblogs_count": 1, "replies_count": 2}
    assert hello["remote_id"] == published.parts("2026/12/hello", "mastodon")[0]["id"]
    assert hello["published_at"] == "2026-12-10T08:05:00Z"
    assert post_of(data, "mastodon", "2026/12/vouchers")["metrics"]["likes"] == 0
    assert mast["account"]["followers"] == 1
    assert mast["account"]["raw"]["followers_count"] == 1

    bsky = channel_of(data, "bluesky")
    assert bsky["state"] == "ok"
    hello = post_of(data, "bluesky", "2026/12/hello")
    assert hello["metrics"] == {"likes": 1, "reposts": 1, "replies": 1, "quotes": 1, "views": None}
    assert hello["raw"] == {
        "likeCount": 1,
        "repostCount": 1,
        "replyCount": 2,
        "quoteCount": 1,
        "bookmarkCount": 0,
    }
    assert bsky["account"] == {
        "followers": 1,
        "raw": {"followersCount": 1, "followsCount": 0, "postsCount": 3},
    }

    # batched: one read for the posts and one for the account, per platform
    requests = {o.channel: o.requests for o in report.channels}
    assert requests == {"bluesky": 2, "linkedin": 0, "mastodon": 2, "x": 0}
    assert [len(p["uris"]) for p in appview.calls("app.bsky.feed.getPosts")] == [2]
    assert appview.calls("app.bsky.actor.getProfile") == [{"actor": [bluesky_account.handle]}]

    # one commit holding only the snapshot, on the remote
    assert remote_log(published.remote)[0].startswith("metrics: snapshot 2026-12-20")
    changed = git(published.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == [SNAPSHOT]
    assert git(published.work, "status", "--porcelain") == ""


def test_a_second_run_the_same_day_replaces_the_days_file(
    published: Setup, mastodon: MastodonServer, appview: AppView
) -> None:
    first = collect(published.work, Options(now=EVENING, push=True, env=published.env))
    assert first.ok
    root = published.parts("2026/12/vouchers", "mastodon")[0]["id"]
    mastodon_fan(mastodon).post(f"/api/v1/statuses/{root}/favourite")
    later = EVENING.replace(hour=22, minute=30)  # 23:30 in Berlin: still the 20th
    second = collect(published.work, Options(now=later, push=True, env=published.env))
    assert second.ok and second.path == SNAPSHOT
    assert sorted(p.name for p in (published.work / "metrics/2026/12").iterdir()) == [
        "2026-12-20.json"
    ]
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    assert data["collected_at"] == "2026-12-20T22:30:00Z"
    assert post_of(data, "mastodon", "2026/12/vouchers")["metrics"]["likes"] == 1
    log = remote_log(published.remote)
    assert sum(line.startswith("metrics: snapshot 2026-12-20") for line in log) == 2

    # half an hour later it is the 21st in Berlin: a new file
    third = collect(
        published.work, Options(now=later.replace(hour=23), push=True, env=published.env)
    )
    assert third.path == "metrics/2026/12/2026-12-21.json"
    assert [s.day.isoformat() for s in load_snapshots(published.work)] == [
        "2026-12-20",
        "2026-12-21",
    ]


def test_a_failing_platform_marks_only_its_own_channel(
    published: Setup, mastodon: MastodonServer, appview: AppView
) -> None:
    # the server fails every read, and echoes the token in its error
    mastodon.fault(
        "/api/v1/statuses",
        methods=("GET",),
        status=503,
        body={"error": f"overloaded, token {mastodon.token} rejected"},
        count=None,
    )
    waits: list[float] = []
    report = collect(
        published.work, Options(now=EVENING, push=True, env=published.env, sleep=waits.append)
    )
    assert not report.ok and report.pushed
    text = remote_file(published.remote, SNAPSHOT) or ""
    assert mastodon.token not in text
    data = json.loads(text)
    validator("metrics").validate(data)
    mast = channel_of(data, "mastodon")
    assert mast["state"] == "failed"
    assert "503" in mast["error"] and "overloaded" in mast["error"]
    assert mast["posts"] == [] and mast["account"] is None
    assert channel_of(data, "bluesky")["state"] == "ok"
    assert post_of(data, "bluesky", "2026/12/hello")["metrics"]["likes"] == 0
    assert waits  # retried with backoff before giving up

    appview.fail(500, count=None)
    mastodon.clear_faults()
    again = collect(
        published.work, Options(now=EVENING, push=True, env=published.env, sleep=[].append)
    )
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    assert channel_of(data, "mastodon")["state"] == "ok"
    assert channel_of(data, "bluesky")["state"] == "failed"
    assert "500" in channel_of(data, "bluesky")["error"]
    assert [o.state for o in again.channels if o.channel == "bluesky"] == ["failed"]


def test_the_cli_prints_a_summary_and_exits_1_when_a_platform_failed(
    published: Setup, mastodon: MastodonServer, appview: AppView
) -> None:
    runner = CliRunner(env=published.env)
    args = ["--root", str(published.work), "metrics", "--now", "2026-12-20 18:00", "--push"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "mastodon" in result.output and "skipped" in result.output
    assert f"{SNAPSHOT} written, committed and pushed" in result.output

    appview.fail(400, count=None, error="InvalidRequest")  # refused at once: no retries
    failed = runner.invoke(cli, args)
    assert failed.exit_code == 1
    assert "failed" in failed.output and "InvalidRequest" in failed.output

    exported = runner.invoke(cli, ["--root", str(published.work), "metrics", "export"])
    assert exported.exit_code == 0
    lines = exported.output.splitlines()
    assert lines[0].startswith("date,post,channel,platform,published_at")
    # its last reading failed, but a failed run never overwrites the day's good readings
    # (issue 16 item 11: this used to assert the bluesky rows were gone)
    assert any(line.startswith("2026-12-20,2026/12/hello,bluesky,bluesky,") for line in lines)
    assert any(line.startswith("2026-12-20,2026/12/hello,mastodon,mastodon,") for line in lines)


def test_channels_without_credentials_are_skipped(published: Setup, appview: AppView) -> None:
    env = {k: v for k, v in published.env.items() if not k.startswith("MASTODON_")}
    report = collect(published.work, Options(now=EVENING, env=env))
    assert report.ok and report.committed and not report.pushed
    mast = next(o for o in report.channels if o.channel == "mastodon")
    assert (mast.state, mast.requests) == ("skipped", 0)
    assert "MASTODON_BASE_URL" in mast.detail
    # Bluesky's metrics need only the handle: the app password is not read
    no_password = {k: v for k, v in env.items() if k != "BLUESKY_APP_PASSWORD"}
    again = collect(published.work, Options(now=EVENING, env=no_password))
    assert [o.state for o in again.channels if o.channel == "bluesky"] == ["ok"]


def test_a_deleted_post_is_marked_and_the_rest_is_read(
    published: Setup, mastodon: MastodonServer, appview: AppView
) -> None:
    root = published.parts("2026/12/vouchers", "mastodon")[0]["id"]
    httpx.delete(
        f"{mastodon.base_url}/api/v1/statuses/{root}",
        headers={"Authorization": f"Bearer {mastodon.token}"},
    ).raise_for_status()
    report = collect(published.work, Options(now=EVENING, env=published.env))
    assert report.ok
    snapshot = parse_snapshot((published.work / SNAPSHOT).read_text(), SNAPSHOT)
    gone = next(p for p in snapshot.channels["mastodon"].posts if p.post == "2026/12/vouchers")
    assert gone.counts is None and gone.error and "no such status" in gone.error
    assert [o.unavailable for o in report.channels if o.channel == "mastodon"] == [1]


def test_a_concurrent_ledger_commit_and_the_snapshot_both_land(
    published: Setup, appview: AppView, tmp_path: Path
) -> None:
    other = clone(published.remote, tmp_path / "other")

    def publisher_pushes_meanwhile() -> None:
        (other / "ledger/2026/12/meanwhile.yaml").write_text("post: 2026/12/meanwhile\n")
        git(other, "add", "ledger/2026/12/meanwhile.yaml")
        git(other, "commit", "-q", "-m", "publish: meanwhile")
        git(other, "push", "-q", "origin", "HEAD:main")

    report = collect(
        published.work,
        Options(
            now=EVENING,
            push=True,
            env=published.env,
            transport=Meanwhile(publisher_pushes_meanwhile),
        ),
    )
    assert report.ok and report.pushed
    log = remote_log(published.remote)
    assert log[0].startswith("metrics: snapshot 2026-12-20") and log[1] == "publish: meanwhile"
    assert remote_file(published.remote, SNAPSHOT) and remote_file(
        published.remote, "ledger/2026/12/meanwhile.yaml"
    )


def test_two_runs_the_same_day_end_with_the_later_snapshot(
    published: Setup, appview: AppView, tmp_path: Path
) -> None:
    other = clone(published.remote, tmp_path / "other")

    def another_run_pushes_the_same_day() -> None:
        early = collect(other, Options(now=EVENING.replace(hour=6), env=published.env))
        assert early.committed
        git(other, "push", "-q", "origin", "HEAD:main")

    report = collect(
        published.work,
        Options(
            now=EVENING,
            push=True,
            env=published.env,
            transport=Meanwhile(another_run_pushes_the_same_day),
        ),
    )
    assert report.ok and report.pushed
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    assert data["collected_at"] == "2026-12-20T17:00:00Z"  # ours: it read the platforms later
    log = remote_log(published.remote)
    assert [line.startswith("metrics: snapshot 2026-12-20") for line in log[:2]] == [True, True]


def test_a_snapshot_left_uncommitted_by_a_dead_run_is_committed_first(
    published: Setup, appview: AppView
) -> None:
    collect(published.work, Options(now=EVENING.replace(day=19), env=published.env, commit=False))
    assert git(published.work, "status", "--porcelain").strip() == "?? metrics/"
    report = collect(published.work, Options(now=EVENING, push=True, env=published.env))
    assert report.pushed
    assert remote_log(published.remote)[1] == "metrics: snapshot of an interrupted run"
    assert remote_file(published.remote, "metrics/2026/12/2026-12-19.json")


class Meanwhile(httpx.BaseTransport):
    """A real HTTP transport that runs ``action`` once, before the first request: something
    that happens elsewhere while the run is reading the platforms."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.inner = httpx.HTTPTransport()
        self.action: Callable[[], None] | None = action

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.action is not None:
            action, self.action = self.action, None
            action()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_checkout_with_changes_is_refused_before_anything_is_read(
    published: Setup, appview: AppView
) -> None:
    (published.work / "content/posts/2026/12/hello.md").write_text("changed")
    from tidings.errors import TidingsError

    with pytest.raises(TidingsError, match="clean checkout"):
        collect(published.work, Options(now=EVENING, push=True, env=published.env))
    assert appview.requests == []


# ---------------------------------------------------------------- the readers, batched


def test_mastodon_reads_20_statuses_a_request_and_nulls_what_it_does_not_report(
    mastodon: MastodonServer,
) -> None:
    owner = httpx.Client(
        base_url=mastodon.base_url, headers={"Authorization": f"Bearer {mastodon.token}"}
    )
    ids = [
        owner.post("/api/v1/statuses", data={"status": f"post {n}"}).json()["id"] for n in range(45)
    ]
    fan = mastodon_fan(mastodon)
    fan.post(f"/api/v1/statuses/{ids[3]}/favourite")
    parts = [Remote(i, None) for i in ids] + [Remote("99999999", None), Remote("at://nope", None)]
    caller = Caller(httpx.Client())
    reader = MastodonAdapter(caller, mastodon.base_url, mastodon.token)
    got = reader.post_metrics(parts)
    assert caller.requests == math.ceil(46 / STATUSES_PER_READ) == 3  # the bogus id is asked too
    assert got[ids[3]] == Counts(
        1, 0, 0, None, None, {"favourites_count": 1, "reblogs_count": 0, "replies_count": 0}
    )
    assert all(isinstance(got[i], Counts) and got[i].likes == 0 for i in ids if i != ids[3])  # type: ignore[union-attr]
    assert isinstance(got["99999999"], Unavailable) and isinstance(got["at://nope"], Unavailable)
    assert reader.account_metrics().followers == 0

    # before Mastodon 4.3 there is no GET /api/v1/statuses: one status a request
    mastodon.fault("/api/v1/statuses", methods=("GET",), status=404, count=None)
    old = Caller(httpx.Client())
    assert MastodonAdapter(old, mastodon.base_url, mastodon.token).post_metrics(parts) == got
    assert old.requests == 1 + 46


def test_a_status_address_recorded_by_hand_is_read_by_its_id(mastodon: MastodonServer) -> None:
    owner = httpx.Client(
        base_url=mastodon.base_url, headers={"Authorization": f"Bearer {mastodon.token}"}
    )
    status = owner.post("/api/v1/statuses", data={"status": "by hand"}).json()
    reader = MastodonAdapter(Caller(httpx.Client()), mastodon.base_url, mastodon.token)
    got = reader.post_metrics([Remote(status["url"], status["url"])])
    assert isinstance(got[status["url"]], Counts)


@pytest.mark.parametrize("n", [1, 25, 26, 51])
def test_bluesky_reads_25_posts_a_request(
    n: int, pds: BlueskyPDS, appview: AppView, bluesky_account: Account
) -> None:
    me = bluesky_fan(pds, bluesky_account)
    uris = [me.create("app.bsky.feed.post", {"text": f"post {i}"})["uri"] for i in range(n - 1)]
    uris.append(f"at://{bluesky_account.did}/app.bsky.feed.post/3zzzzzzzzzzzz")  # never existed
    caller = Caller(httpx.Client())
    reader = AppViewReader(caller, appview.url, bluesky_account.handle)
    got = reader.post_metrics([Remote(u, None) for u in uris])
    assert caller.requests == math.ceil(n / POSTS_PER_READ)
    sizes = [len(p["uris"]) for p in appview.calls("app.bsky.feed.getPosts")]
    assert sizes == [min(POSTS_PER_READ, n - i) for i in range(0, n, POSTS_PER_READ)]
    assert isinstance(got[uris[-1]], Unavailable)
    for uri in uris[:-1]:
        counts = got[uri]
        assert isinstance(counts, Counts)
        assert (counts.likes, counts.quotes, counts.views) == (0, 0, None)
    profile = reader.account_metrics()
    assert profile.followers == 0 and profile.raw["postsCount"] == n - 1


def test_the_appview_refuses_more_than_25_uris(appview: AppView) -> None:
    uris = [f"at://did:plc:x/app.bsky.feed.post/{i}" for i in range(26)]
    response = httpx.get(f"{appview.url}/xrpc/app.bsky.feed.getPosts", params={"uris": uris})
    assert response.status_code == 400 and response.json()["error"] == "InvalidRequest"


def test_snapshots_on_disk_are_validated(tmp_path: Path) -> None:
    from tidings.errors import MetricsError

    (tmp_path / "metrics/2026/12").mkdir(parents=True)
    (tmp_path / "metrics/2026/12/2026-12-20.json").write_text('{"version": 1}')
    with pytest.raises(MetricsError, match=r"metrics/2026/12/2026-12-20\.json"):
        load_snapshots(tmp_path)


def test_git_is_required_unless_no_commit(
    tmp_path: Path, make_workspace: Callable[..., Path]
) -> None:
    from tidings.errors import TidingsError

    root = make_workspace()
    with pytest.raises(TidingsError, match="not a git repository"):
        collect(root, Options(now=EVENING, env={}))
    report = collect(root, Options(now=EVENING, env={}, commit=False))
    assert (root / SNAPSHOT).is_file() and not report.committed
    assert {o.channel: o.state for o in report.channels} == {
        "bluesky": "skipped",
        "mastodon": "skipped",
    }


@pytest.mark.parametrize(
    ("platform", "own"),
    [("mastodon", 1), ("bluesky", 1), ("x", 1), ("linkedin", 2), ("facebook", 2)],
)
def test_a_threads_own_parts_are_not_counted_as_replies(platform: str, own: int) -> None:
    """Chained threads reply once to the first part; comment threads (LinkedIn, Instagram,
    Facebook) comment on it with every later part."""
    from tidings.jobs.collect_metrics import Published, _own

    parts = tuple(Remote(f"id{n}", None) for n in range(3))
    job = Published("2026/12/p", "net", parts, datetime(2026, 12, 1, tzinfo=UTC))
    assert _own(Counts(replies=5), job, platform).replies == 5 - own
    assert _own(Counts(replies=None), job, platform).replies is None
    single = Published("2026/12/p", "net", parts[:1], datetime(2026, 12, 1, tzinfo=UTC))
    assert _own(Counts(replies=5), single, platform).replies == 5


# ---------------------------------------------------------------- re-runs keep good readings


def test_a_failed_rerun_the_same_day_keeps_the_first_readings_marked(
    published: Setup,
    mastodon: MastodonServer,
    pds: BlueskyPDS,
    bluesky_account: Account,
    appview: AppView,
) -> None:
    fans_react(published, mastodon, pds, bluesky_account)
    first = collect(published.work, Options(now=EVENING, push=True, env=published.env))
    assert first.ok
    before = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    good = channel_of(before, "bluesky")
    assert post_of(before, "bluesky", "2026/12/hello")["metrics"]["likes"] == 1

    # later the same day the AppView fails every read; Mastodon still answers
    appview.fail(503, count=None)
    later = EVENING.replace(hour=21)
    second = collect(
        published.work, Options(now=later, push=True, env=published.env, sleep=[].append)
    )
    assert not second.ok and second.pushed
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    validator("metrics").validate(data)
    assert data["collected_at"] == "2026-12-20T21:00:00Z"
    blue = channel_of(data, "bluesky")
    assert blue["state"] == "failed" and "503" in blue["error"]
    assert blue["failed_at"] == "2026-12-20T21:00:00Z"
    # the first run's readings are all still there, each marked with when it was read
    assert blue["account"] == good["account"] and blue["read_at"] == "2026-12-20T17:00:00Z"
    assert [p["post"] for p in blue["posts"]] == [p["post"] for p in good["posts"]]
    for kept, was in zip(blue["posts"], good["posts"], strict=True):
        assert kept["metrics"] == was["metrics"] and kept["raw"] == was["raw"]
        assert kept["read_at"] == "2026-12-20T17:00:00Z"
        assert kept["failed_at"] == "2026-12-20T21:00:00Z" and "503" in kept["error"]
    assert channel_of(data, "mastodon")["state"] == "ok"
    assert "failed_at" not in channel_of(data, "mastodon")

    # the readings load back as they were written, marks included
    snap = parse_snapshot(json.dumps(data), SNAPSHOT, validate=True)
    hello = next(p for p in snap.channels["bluesky"].posts if p.post == "2026/12/hello")
    assert hello.counts is not None and hello.counts.likes == 1
    assert hello.failed_at == later and hello.read_at == EVENING

    # a third failing run keeps the same first readings (not a copy of a copy's time)
    third = collect(
        published.work,
        Options(now=later.replace(hour=22), push=True, env=published.env, sleep=[].append),
    )
    assert not third.ok
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    blue = channel_of(data, "bluesky")
    assert blue["read_at"] == "2026-12-20T17:00:00Z"
    assert blue["failed_at"] == "2026-12-20T22:00:00Z"
    assert post_of(data, "bluesky", "2026/12/hello")["metrics"]["likes"] == 1

    # once the AppView answers again the new readings replace the kept ones, unmarked
    appview._faults.clear()
    fourth = collect(
        published.work, Options(now=later.replace(hour=22, minute=30), push=True, env=published.env)
    )
    assert fourth.ok
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    blue = channel_of(data, "bluesky")
    assert blue["state"] == "ok" and "read_at" not in blue and "failed_at" not in blue
    assert all("failed_at" not in p and "error" not in p for p in blue["posts"])


def test_a_failed_run_the_next_day_keeps_nothing_from_yesterday(
    published: Setup, appview: AppView
) -> None:
    assert collect(published.work, Options(now=EVENING, push=True, env=published.env)).ok
    appview.fail(503, count=None)
    nxt = EVENING.replace(day=21)
    report = collect(
        published.work, Options(now=nxt, push=True, env=published.env, sleep=[].append)
    )
    data = json.loads(remote_file(published.remote, report.path) or "")
    blue = channel_of(data, "bluesky")
    assert blue["state"] == "failed" and blue["posts"] == [] and blue["account"] is None
    assert "read_at" not in blue


def test_a_racing_failed_run_keeps_the_readings_the_other_run_pushed(
    published: Setup, appview: AppView, tmp_path: Path
) -> None:
    other = clone(published.remote, tmp_path / "other")

    def another_run_pushes_good_readings() -> None:
        appview._faults.clear()
        early = collect(other, Options(now=EVENING.replace(hour=6), env=published.env))
        assert early.ok and early.committed
        git(other, "push", "-q", "origin", "HEAD:main")
        appview.fail(503, count=None)

    appview.fail(503, count=None)
    report = collect(
        published.work,
        Options(
            now=EVENING,
            push=True,
            env=published.env,
            sleep=[].append,
            transport=Meanwhile(another_run_pushes_good_readings),
        ),
    )
    assert report.pushed
    data = json.loads(remote_file(published.remote, SNAPSHOT) or "")
    blue = channel_of(data, "bluesky")
    assert blue["state"] == "failed" and blue["read_at"] == "2026-12-20T06:00:00Z"
    assert post_of(data, "bluesky", "2026/12/hello")["failed_at"] == "2026-12-20T17:00:00Z"
