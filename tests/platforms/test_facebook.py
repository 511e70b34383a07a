"""Facebook Pages against the fake Graph Page (tests/fakes/facebook.py) and a real bare git
remote: a post with an image (uploaded unpublished, alt text kept) and its comment go out
once; a lost answer is reconciled from the Page's feed or the post's comments; Meta's
rate limits (HTTP 400, code 4) are waited out; an expired token stops the channel, named
but never shown (it travels in the query string); refusals keep Meta's words; expired
posts are deleted; counts are read 50 posts a request, null apart from 0."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, channels, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import published
from fakes.facebook import PAGE_ID, VIEWS, FacebookFake, rate_limited
from fakes.graph import graph_body

from tidings.core.render import RenderedPart
from tidings.jobs.publish import Options, publish
from tidings.platforms import facebook
from tidings.platforms.base import Caller, Counts, Outgoing, Remote, Unavailable
from tidings.workspace.model import Channel, Source

CREDENTIALS = {
    "page_id": "FB_PAGE_ID",
    "access_token": "FB_PAGE_ACCESS_TOKEN",
    "api_base": "FB_API_BASE",
}
CHANNELS = channels(facebook={"platform": "facebook", "credentials": CREDENTIALS})
POST = post("facebook")
EXPIRING = post("facebook", expires="2026-12-11")

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
LATER = NOW + timedelta(minutes=15)
BASE = "https://graph.facebook.test"


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str = POST) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text})

    return build


def env(fake: FacebookFake, base: str = BASE) -> dict[str, str]:
    return {
        "FB_PAGE_ID": PAGE_ID,
        "FB_PAGE_ACCESS_TOKEN": fake.token,
        "FB_API_BASE": f"{base}/v23.0",
    }


def options(fake: FacebookFake, now: datetime = NOW, waits: list[float] | None = None) -> Options:
    return pushing(now, env(fake), fake.transport(), waits)


def test_a_post_with_an_image_and_its_comment_go_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = FacebookFake()
    remote, work = repo()
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    [post] = fake.posts()
    [comment] = fake.comments()
    assert post["message"] == "We open the new studio today."
    [photo] = post["photos"]
    assert fake.photos[photo]["alt"] == "A single black dot on white"
    assert fake.photos[photo]["bytes"] == (work / "content/media/dot.png").read_bytes()
    assert (
        comment["message"] == "Come by for tea, 10:00 to 16:00." and comment["parent"] == post["id"]
    )
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [post["id"], comment["id"]]
    assert rec["parts"][0]["url"] == post["permalink_url"]
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert all(r.url.params.get("access_token") == fake.token for r in fake.requests)

    again = publish(work, options(fake, LATER))
    assert again.outcomes == [] and len(fake.texts()) == 2


@pytest.mark.parametrize("lost", [r"/feed$", r"/comments$"])
def test_a_lost_answer_is_found_in_the_feed_or_the_comments(
    repo: Callable[..., tuple[Path, Path]], lost: str
) -> None:
    fake = FacebookFake()
    remote, work = repo()
    fake.fault(lost, method="POST", lost=True)
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    assert len(fake.posts()) == 1 and len(fake.comments()) == 1
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [fake.posts()[0]["id"], fake.comments()[0]["id"]]
    listed = fake.calls("GET", lost)
    assert listed and listed[0].url.params["since"] == str(
        int((NOW - timedelta(minutes=10)).timestamp())
    )


def test_two_posts_alike_are_left_to_a_person(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = FacebookFake()
    remote, work = repo()
    client = httpx.Client(transport=fake.transport())
    client.post(
        f"{BASE}/v23.0/{PAGE_ID}/feed",
        params={"access_token": fake.token},
        data={"message": "We open the new studio today."},
    )
    fake.fault(r"/feed$", method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert "2 post(s) match" in report.outcomes[0].detail
    assert len(fake.posts()) == 2 and ledger_record(remote, "facebook")["state"] == "unknown"
    assert not fake.comments()


def test_metas_rate_limit_is_waited_out(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = FacebookFake()
    remote, work = repo()
    fake.fault(r"/feed$", method="POST", **rate_limited())
    waits: list[float] = []
    report = publish(work, options(fake, waits=waits))
    assert report.ok, report.outcomes
    assert waits == [120.0]  # estimated_time_to_regain_access: 2 minutes
    assert len(fake.posts()) == 1 and ledger_record(remote, "facebook")["state"] == "published"


def test_an_expired_token_stops_the_channel_named_not_shown(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = FacebookFake()
    remote, work = repo()
    fake.expire()
    with fake.serve() as base:
        run_env = {**env(fake, base), "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin"}
        cmd = [
            sys.executable,
            "-m",
            "tidings",
            "--root",
            str(work),
            "publish",
            "--push",
            "--now-for-real",
        ]
        run = subprocess.run(
            [*cmd, "--now", "2026-12-10 09:05"], env=run_env, capture_output=True, text=True
        )
    assert run.returncode == 1, run.stdout + run.stderr
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "failed" and rec["retry"] is True
    assert "Session has expired" in rec["error"] and "(Graph error 190/463)" in rec["error"]
    assert "update FB_PAGE_ACCESS_TOKEN" in rec["error"]
    ledger = remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    assert fake.token not in ledger and fake.token not in run.stdout + run.stderr
    assert any(fake.token in str(r.url) for r in fake.requests)  # it did travel in the query
    assert not fake.texts() and not fake.photos


@pytest.mark.parametrize("path", [r"/photos$", r"/feed$"])
def test_a_platform_that_echoes_the_token_does_not_leak_it(
    repo: Callable[..., tuple[Path, Path]], path: str
) -> None:
    fake = FacebookFake()
    remote, work = repo()
    echo = graph_body(f"(#100) Invalid parameter access_token={fake.token}", 100)
    fake.fault(path, method="POST", status=400, body=echo)
    report = publish(work, options(fake))
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "failed" and rec["retry"] is False
    assert "Invalid parameter access_token=<FB_PAGE_ACCESS_TOKEN>" in rec["error"]
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert all(fake.token not in o.detail for o in report.outcomes)


def test_a_missing_permission_keeps_metas_words_and_the_post_stays_due(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    """A permission the token lacks is the channel's problem, not the post's: the channel
    stops and the post is retried once a person grants it, never failed for good."""
    fake = FacebookFake()
    remote, work = repo()
    refusal = graph_body(
        "(#200) The user hasn't authorized the application to perform this action",
        200,
        user_msg="You need pages_manage_posts to publish on this Page.",
    )
    fake.fault(r"/feed$", method="POST", status=403, body=refusal)
    publish(work, options(fake))
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "failed" and rec["retry"] is True
    assert "You need pages_manage_posts to publish on this Page. (Graph error 200)" in rec["error"]
    assert not fake.texts()
    assert publish(work, options(fake, LATER)).ok  # granted since: it goes out once
    assert len(fake.posts()) == 1 and ledger_record(remote, "facebook")["state"] == "published"


def test_a_permanent_refusal_is_not_retried(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = FacebookFake()
    remote, work = repo()
    fake.fault(r"/feed$", method="POST", status=400, body=graph_body("(#100) Bad link", 100))
    publish(work, options(fake))
    rec = ledger_record(remote, "facebook")
    assert rec["state"] == "failed" and rec["retry"] is False


def test_expired_posts_are_deleted_comments_first(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = FacebookFake()
    remote, work = repo(EXPIRING)
    assert publish(work, options(fake)).ok
    post, comment = fake.posts()[0]["id"], fake.comments()[0]["id"]
    fake.deleted.append(comment)  # someone removed the comment by hand: already gone is fine
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert [r.url.path.rsplit("/", 1)[-1] for r in fake.calls("DELETE", ".")] == [comment, post]
    assert fake.texts() == [] and ledger_record(remote, "facebook")["state"] == "retracted"


def _reader(fake: FacebookFake) -> facebook.FacebookAdapter:
    channel = Channel(
        "facebook",
        "facebook",
        Source("brand/channels.yaml"),
        credentials={
            "page_id": "FB_PAGE_ID",
            "access_token": "FB_PAGE_ACCESS_TOKEN",
            "api_base": "FB_API_BASE",
        },
    )
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=[].append)
    return facebook.metrics_reader(channel, env(fake), caller)


def _posts(fake: FacebookFake, number: int) -> list[str]:
    client = httpx.Client(transport=fake.transport())
    ids = []
    for n in range(number):
        answer = client.post(
            f"{BASE}/v23.0/{PAGE_ID}/feed",
            params={"access_token": fake.token},
            data={"message": f"post {n}"},
        )
        ids.append(answer.json()["id"])
    return ids


def test_counts_are_read_fifty_posts_a_request() -> None:
    fake = FacebookFake()
    ids = _posts(fake, 60)
    fake.reactions[ids[0]] = 7
    fake.shares[ids[0]] = 3
    fake.insights[ids[0]] = {VIEWS: 950}
    fake.insights[ids[1]] = {VIEWS: None}  # Meta has no number: an empty values list
    reader = _reader(fake)
    before = len(fake.requests)
    got = reader.post_metrics([Remote(i, None) for i in ids])
    reads = fake.requests[before:]
    assert len(reads) == 2
    assert [len(r.url.params["ids"].split(",")) for r in reads] == [50, 10]
    assert got[ids[0]] == Counts(
        likes=7,
        reposts=3,
        replies=0,
        quotes=None,
        views=950,
        raw={"reactions": 7, "comments": 0, "shares": 3, VIEWS: 950},
    )
    second = got[ids[1]]
    assert isinstance(second, Counts)
    assert second.likes == 0 and second.reposts == 0 and second.views is None  # null, not 0


def test_a_deleted_post_spoils_only_its_own_reading() -> None:
    fake = FacebookFake()
    ids = _posts(fake, 3)
    fake.deleted.append(ids[1])
    got = _reader(fake).post_metrics([Remote(i, None) for i in ids])
    assert isinstance(got[ids[1]], Unavailable)
    assert isinstance(got[ids[0]], Counts) and isinstance(got[ids[2]], Counts)


def test_a_page_without_the_views_metric_reads_views_as_null() -> None:
    fake = FacebookFake()
    fake.views_metric = False
    ids = _posts(fake, 2)
    reader = _reader(fake)
    got = reader.post_metrics([Remote(i, None) for i in ids])
    assert all(isinstance(c, Counts) and c.views is None and c.likes == 0 for c in got.values())
    before = len(fake.requests)
    reader.post_metrics([Remote(ids[0], None)])
    assert len(fake.requests) - before == 1  # remembered: no second refusal


def test_followers_and_fans_of_the_page() -> None:
    fake = FacebookFake()
    fake.followers = 321
    account = _reader(fake).account_metrics()
    assert account.followers == 321
    assert account.raw == {"followers_count": 321, "fan_count": 290}
    fake.followers = None
    assert _reader(fake).account_metrics().followers is None


def test_an_older_post_listed_first_does_not_end_the_feed() -> None:
    """A pinned post older than the attempt, listed before ours, must not hide ours."""
    fake = FacebookFake()
    page = _reader(fake)
    text = "Prints and frames at the studio, today only"
    out = Outgoing("2026/12/hello", "facebook", (RenderedPart(text, 1),), (), "k", NOW)
    sent = page.publish_part(out, 0, [])
    pinned = {
        "id": f"{PAGE_ID}_1",
        "message": "Welcome!",
        "created_time": "2026-01-01T00:00:00+0000",
    }
    ours = {"id": sent.id, "message": text, "created_time": "2026-12-10T08:05:05+0000"}
    fake.fault(r"/feed$", method="GET", status=200, body={"data": [pinned, ours]})
    assert page.find_part(out, 0, []) == Remote(sent.id, None)


def test_an_empty_feed_page_with_a_next_cursor_is_not_the_end() -> None:
    fake = FacebookFake()
    page = _reader(fake)
    text = "Prints and frames at the studio, today only"
    out = Outgoing("2026/12/hello", "facebook", (RenderedPart(text, 1),), (), "k", NOW)
    sent = page.publish_part(out, 0, [])
    paging = {"cursors": {"before": "b", "after": "a1"}, "next": "http://graph.test/next"}
    ours = {"id": sent.id, "message": text, "created_time": "2026-12-10T08:05:05+0000"}
    fake.fault(r"/feed$", method="GET", status=200, body={"data": [], "paging": paging})
    fake.fault(r"/feed$", method="GET", status=200, body={"data": [ours]})
    assert page.find_part(out, 0, []) == Remote(sent.id, None)
