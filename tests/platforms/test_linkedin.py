"""LinkedIn through the real HTTP path, against the fake LinkedIn (tests/fakes/linkedin.py)
and a real bare git remote: a post with images and alt text, thread parts as comments,
lost answers reconciled by reading the author's posts (exactly once, or ``unknown`` when
LinkedIn will not say), rate limits, expired and refreshed tokens, refusals in LinkedIn's
words, deletion on expiry, and batched page statistics and followers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders.posts import DOT, HELLO, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import published
from fakes.linkedin import CASE, LinkedInFake, error, expired, rate_limited
from PIL import Image

from tidings.core.render import RenderedPart
from tidings.jobs.publish import Options, publish
from tidings.platforms import linkedin
from tidings.platforms.base import (
    Caller,
    Counts,
    MediaFile,
    Outgoing,
    PlatformError,
    Remote,
    Unavailable,
    Unknowable,
)
from tidings.workspace.model import Channel, Source

API = "https://api.linkedin.test"
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
CHANNELS = """channels:
  linkedin:
    platform: linkedin
    credentials:
      access_token: LINKEDIN_ACCESS_TOKEN
      author_urn: LINKEDIN_AUTHOR_URN
      api_base: LINKEDIN_API_BASE
{extra}"""
REFRESH = """      client_id: LINKEDIN_CLIENT_ID
      client_secret: LINKEDIN_CLIENT_SECRET
      refresh_token: LINKEDIN_REFRESH_TOKEN
"""
TEXTS = ("We open the new studio (finally) today #studio", "Come by for tea, 10:00 to 16:00.")
POST = post("linkedin", parts=TEXTS)
EXPIRING = post("linkedin", parts=TEXTS, expires="2026-12-11")
TWO_IMAGES = post(
    "linkedin", parts=TEXTS, media=(DOT, ("content/media/square.png", "A grey square"))
)
FIRST = r"We open the new studio \(finally\) today \#studio"
SECOND = "Come by for tea, 10:00 to 16:00."


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (128, 128, 128)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str = POST, extra: str = "") -> tuple[Path, Path]:
        return published(
            tmp_path,
            {
                "brand/channels.yaml": CHANNELS.format(extra=extra),
                HELLO: text,
                "content/media/square.png": _png(),
            },
        )

    return build


def options(fake: LinkedInFake, waits: list[float], **kw: Any) -> Options:
    env = kw.pop("env", None) or fake.env(API)
    return pushing(kw.pop("now", NOW), env, fake.transport(), waits, **kw)


def ledger_text(remote: Path) -> str:
    return remote_file(remote, "ledger/2026/12/hello.yaml") or ""


# -- publishing ---------------------------------------------------------------------------


def test_a_post_with_an_image_and_a_comment_goes_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    (post,) = fake.posts.values()
    assert post.body["author"] == fake.author
    assert post.body["commentary"] == FIRST  # exactly as render() escaped it
    (image_urn,) = fake.images
    assert post.body["content"] == {
        "media": {"id": image_urn, "altText": "A single black dot on white"}
    }
    assert fake.images[image_urn].data == (work / "content/media/dot.png").read_bytes()
    assert len(fake.calls("PUT", "/dms-uploads/")) == 1  # one PUT of the bytes
    assert len(fake.calls("GET", "/rest/images/")) == 2  # PROCESSING, then AVAILABLE
    assert waits == [1.0]
    (comment,) = fake.comments
    assert comment.post == post.urn and comment.actor == fake.author
    for request in fake.requests:
        if request.url.path.startswith("/rest/"):
            assert request.headers["authorization"] == f"Bearer {fake.token}"
            assert request.headers["linkedin-version"] == linkedin.DEFAULT_VERSION
            assert request.headers["x-restli-protocol-version"] == "2.0.0"
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [post.urn, comment.urn]
    assert rec["parts"][0]["url"] == f"https://www.linkedin.com/feed/update/{post.urn}"
    assert rec["parts"][1]["url"].startswith(rec["parts"][0]["url"] + "?commentUrn=urn%3Ali%3A")

    again = publish(work, options(fake, []))
    assert again.outcomes == [] and len(fake.texts()) == 2


def test_two_images_go_as_multi_image_with_their_alt_texts(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    _remote, work = repo(TWO_IMAGES)
    fake = LinkedInFake()
    assert publish(work, options(fake, [])).ok
    (post,) = fake.posts.values()
    images = post.body["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["A single black dot on white", "A grey square"]
    assert [i["id"] for i in images] == list(fake.images)
    assert all(image.status == "AVAILABLE" for image in fake.images.values())


def test_a_member_waits_for_its_image_without_reading_its_status(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake(member=True)  # image status is 403 for a member token
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    # grace period, then one refusal ("not in AVAILABLE state") and a retry
    assert waits == [linkedin.IMAGE_GRACE, 2.0]
    assert len(fake.calls("POST", "/rest/posts$")) == 2
    assert ledger_record(remote, "linkedin")["state"] == "published"


def test_an_image_that_never_finishes_processing_fails_for_now(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake(processing_reads=1000)
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert not report.ok
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "failed" and rec["retry"] is True
    assert "still PROCESSING" in rec["error"]
    assert sum(waits) <= linkedin.IMAGE_WAIT
    assert fake.posts == {}


# -- lost answers -------------------------------------------------------------------------


def test_a_lost_answer_to_the_post_is_found_among_the_authors_posts(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/rest/posts$", method="POST", lost=True)
    report = publish(work, options(fake, []))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]  # exactly once
    (post,) = fake.posts.values()
    assert ledger_record(remote, "linkedin")["parts"][0]["id"] == post.urn
    finder = fake.calls("GET", "/rest/posts$")
    assert finder and finder[0].headers["x-restli-method"] == "FINDER"
    assert "sortBy=LAST_MODIFIED" in str(finder[0].url)


def test_a_lost_answer_to_a_comment_is_found_among_the_comments(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/comments$", method="POST", lost=True)
    report = publish(work, options(fake, []))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    assert ledger_record(remote, "linkedin")["parts"][1]["id"] == fake.comments[0].urn


def test_a_reading_that_fails_leaves_it_pending_and_the_next_run_settles_it(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/rest/posts$", method="POST", lost=True)
    fake.fault(
        "/rest/posts$",
        method="GET",
        status=503,
        body=error(503, "SERVICE_UNAVAILABLE", "Service Unavailable"),
        count=None,
    )
    report = publish(work, options(fake, []))
    assert [o.result for o in report.outcomes] == ["pending"]
    assert ledger_record(remote, "linkedin")["state"] == "pending"
    assert len(fake.posts) == 1 and fake.comments == []
    fake._faults.clear()  # LinkedIn answers again

    later = publish(work, options(fake, [], now=NOW + timedelta(minutes=15)))
    assert later.ok, later.outcomes
    assert fake.texts() == [FIRST, SECOND]  # the post was found, not sent again
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "published" and rec["attempts"] == 1
    assert rec["history"][-1]["note"] == "reconciled"


def test_a_member_whose_posts_cannot_be_read_ends_unknown_never_twice(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake(member=True, processing_refusals=0)
    fake.fault("/rest/posts$", method="POST", lost=True)
    report = publish(work, options(fake, []))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert "r_member_social" in report.outcomes[0].detail
    assert len(fake.posts) == 1
    assert ledger_record(remote, "linkedin")["state"] == "unknown"
    publish(work, options(fake, [], now=NOW + timedelta(minutes=30)))
    assert len(fake.posts) == 1


def _outgoing(text: str, started: datetime, media: tuple[MediaFile, ...] = ()) -> Outgoing:
    return Outgoing(
        post_id="2026/12/hello",
        channel="linkedin",
        parts=(RenderedPart(text, 1),),
        media=media,
        key="k",
        started=started,
    )


def _adapter(fake: LinkedInFake, **kw: Any) -> linkedin.LinkedInAdapter:
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=lambda _: None)
    return linkedin.LinkedInAdapter(caller, token=fake.token, author=fake.author, api=API, **kw)


def test_find_part_is_certain_only_when_it_has_read_back_past_the_attempt(tmp_path: Path) -> None:
    clock = [NOW.timestamp()]
    fake = LinkedInFake(clock=lambda: clock[0])
    adapter = _adapter(fake, page_size=2, max_pages=2)
    adapter.caller.clock = lambda: clock[0]
    for n in range(5):
        adapter.publish_part(_outgoing(f"older {n}", NOW), 0, [])
        clock[0] += 3600
    started = datetime.fromtimestamp(clock[0], UTC)
    # nothing since the attempt, and the newest posts are older than it: certainly not sent
    assert adapter.find_part(_outgoing("new", started), 0, []) is None
    # our text, posted an hour before the attempt: another post, not this attempt's
    assert adapter.find_part(_outgoing("older 4", started), 0, []) is None
    # ... unless it was edited since: then it is among the recent ones, and a person looks
    (edited,) = [p for p in fake.posts.values() if p.body["commentary"] == "older 4"]
    edited.modified = int(clock[0] * 1000)
    with pytest.raises(Unknowable, match="nearly match"):
        adapter.find_part(_outgoing("older 4", started), 0, [])
    # posted during the attempt: found
    sent = adapter.publish_part(_outgoing("new", started), 0, [])
    assert adapter.find_part(_outgoing("new", started), 0, []) == sent
    # whitespace LinkedIn may have trimmed does not matter
    assert adapter.find_part(_outgoing("new \n", started), 0, []) == sent
    # the pages end before reaching back: not certain
    for n in range(4):
        adapter.publish_part(_outgoing(f"newer {n}", started), 0, [])
    with pytest.raises(Unknowable, match="do not reach back"):
        adapter.find_part(_outgoing("missing", started), 0, [])


def test_find_part_wants_our_images_too(tmp_path: Path) -> None:
    fake = LinkedInFake(processing_reads=0)
    adapter = _adapter(fake)
    path = tmp_path / "a.png"
    path.write_bytes(_png())
    ours = (MediaFile(path, "image/png", "our alt", 40, 40),)
    other = (MediaFile(path, "image/png", "another alt", 40, 40),)
    started = datetime.now(UTC)
    adapter.publish_part(_outgoing("with image", started, other), 0, [])
    with pytest.raises(Unknowable):
        adapter.find_part(_outgoing("with image", started, ours), 0, [])
    sent = adapter.publish_part(_outgoing("with image 2", started, ours), 0, [])
    assert adapter.find_part(_outgoing("with image 2", started, ours), 0, []) == sent


# -- refusals, limits, tokens -------------------------------------------------------------


def test_a_rate_limit_is_waited_out_and_the_post_goes_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/rest/posts$", method="POST", count=2, **rate_limited())
    assert not remote_file(remote, "ledger/2026/12/hello.yaml")
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    assert waits[-2:] == [1.0, 2.0]  # backoff: LinkedIn sends no Retry-After


def test_a_rate_limit_longer_than_the_run_may_wait_is_retried_next_run(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/rest/posts$", method="POST", count=None, **rate_limited())
    assert not publish(work, options(fake, [])).ok
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "failed" and rec["retry"] is True
    assert "429" in rec["error"] and "APPLICATION DAY limit" in rec["error"]
    assert fake.posts == {}


def test_an_expired_token_stops_the_channel_and_names_the_variable(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    second = post(
        "linkedin", title="Second", parts=(TEXTS[0].replace("today", "tomorrow"), TEXTS[1])
    )
    _remote, work = repo()
    (work / "content/posts/2026/12/second.md").write_text(second)
    fake = LinkedInFake()
    fake.expire()
    report = publish(
        work,
        Options(
            now=NOW, commit=False, env=fake.env(API), transport=fake.transport(), sleep=[].append
        ),
    )
    results = [(o.post_id, o.result) for o in report.outcomes]
    assert results == [("2026/12/hello", "failed"), ("2026/12/second", "failed")]
    first, other = (o.detail for o in report.outcomes)
    assert "LINKEDIN_ACCESS_TOKEN" in first and "60 days" in first
    assert "The token used in the request has expired" in first
    assert fake.token not in first
    assert other.startswith("channel stopped: ") and "LINKEDIN_ACCESS_TOKEN" in other
    stopped = yaml.safe_load((work / "ledger/2026/12/second.yaml").read_text())
    assert stopped["channels"]["linkedin"]["retry"] is True  # tried again with a new token
    assert len(fake.calls("POST", "/rest/images")) == 1  # the second post was not tried
    assert fake.token not in (work / "ledger/2026/12/hello.yaml").read_text()


def test_an_expired_token_is_refreshed_when_the_channel_can(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(extra=REFRESH)
    fake = LinkedInFake()
    old = fake.token
    fake.expire()
    env = {
        **fake.env(API),
        "LINKEDIN_CLIENT_ID": fake.client_id,
        "LINKEDIN_CLIENT_SECRET": fake.client_secret,
        "LINKEDIN_REFRESH_TOKEN": fake.refresh_token,
    }
    report = publish(work, options(fake, [], env=env))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    assert len(fake.refreshed) == 1 and fake.token != old
    (token_call,) = fake.calls("POST", "/oauth/v2/accessToken")
    assert b"grant_type=refresh_token" in token_call.content
    text = ledger_text(remote)
    assert fake.token not in text and fake.refresh_token not in text


def test_a_refresh_token_that_expired_says_so(repo: Callable[..., tuple[Path, Path]]) -> None:
    remote, work = repo(extra=REFRESH)
    fake = LinkedInFake()
    fake.expire()
    env = {
        **fake.env(API),
        "LINKEDIN_CLIENT_ID": fake.client_id,
        "LINKEDIN_CLIENT_SECRET": fake.client_secret,
        "LINKEDIN_REFRESH_TOKEN": "AQX-an-old-refresh-token-000",
    }
    report = publish(work, options(fake, [], env=env))
    assert not report.ok
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "failed"
    assert "invalid_grant" in rec["error"] and "LINKEDIN_REFRESH_TOKEN" in rec["error"]
    assert "AQX-an-old-refresh-token-000" not in ledger_text(remote)


def test_a_refused_post_fails_for_good_in_linkedins_words(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    words = "Organization permissions must be used when using organization as author"
    fake.fault(
        "/rest/posts$",
        method="POST",
        status=422,
        body={
            "status": 422,
            "serviceErrorCode": 100,
            "code": "UNPROCESSABLE_ENTITY",
            "message": words,
        },
    )
    report = publish(work, options(fake, []))
    assert not report.ok
    rec = ledger_record(remote, "linkedin")
    assert rec["state"] == "failed" and rec["retry"] is False
    assert words in rec["error"] and "UNPROCESSABLE_ENTITY" in rec["error"]
    publish(work, options(fake, []))
    assert fake.posts == {}  # not retried until a person says so


def test_a_version_linkedin_no_longer_serves_names_the_credential(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(extra="      version: LINKEDIN_VERSION\n")
    fake = LinkedInFake()
    report = publish(work, options(fake, [], env={**fake.env(API), "LINKEDIN_VERSION": "202301"}))
    assert not report.ok
    rec = ledger_record(remote, "linkedin")
    assert "426" in rec["error"] and "LINKEDIN_VERSION" in rec["error"]
    assert "Requested version 202301 is not active" in rec["error"]


def test_the_fake_refuses_requests_without_linkedins_headers() -> None:
    fake = LinkedInFake()
    client = httpx.Client(transport=fake.transport())
    auth = {"Authorization": f"Bearer {fake.token}"}
    answer = client.post(f"{API}/rest/posts", headers=auth, json={})
    assert answer.status_code == 400 and answer.json()["code"] == "VERSION_MISSING"
    answer = client.post(
        f"{API}/rest/posts", headers={**auth, "LinkedIn-Version": "202609"}, json={}
    )
    assert answer.status_code == 400 and "X-Restli-Protocol-Version" in answer.json()["message"]
    answer = client.get(
        f"{API}/rest/posts?q=author&author=urn:li:organization:1",
        headers={**auth, "LinkedIn-Version": "202609", "X-Restli-Protocol-Version": "2.0.0"},
    )
    assert answer.status_code == 400  # URNs must be encoded (Rest.li 2.0)


def test_a_platform_that_echoes_the_token_does_not_leak_it(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = LinkedInFake()
    fake.fault(
        "/rest/posts$",
        method="POST",
        status=400,
        body=error(400, "INVALID_VALUE", f"token {fake.token} may not post this"),
    )
    report = publish(work, options(fake, []))
    text = ledger_text(remote)
    assert "may not post this" in text and fake.token not in text
    assert all(fake.token not in o.detail for o in report.outcomes)


def test_a_failing_run_prints_no_token(repo: Callable[..., tuple[Path, Path]]) -> None:
    _remote, work = repo()
    fake = LinkedInFake()
    fake.fault("/rest/images", method="POST", status=401, body=expired()["body"])
    with fake.serve() as base:
        env = {**os.environ, **fake.env(base), "GIT_CONFIG_GLOBAL": "/dev/null"}
        cmd = [
            sys.executable,
            "-m",
            "tidings",
            "--root",
            str(work),
            "publish",
            "--now",
            "2026-12-10 09:05",
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "LINKEDIN_ACCESS_TOKEN" in proc.stdout + proc.stderr
    assert fake.token not in proc.stdout + proc.stderr
    assert fake.token not in (work / "ledger/2026/12/hello.yaml").read_text()


# -- served, delete, metrics --------------------------------------------------------------


def test_served_on_a_port_the_upload_url_is_the_fakes_own(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    _remote, work = repo()
    fake = LinkedInFake()
    with fake.serve() as base:
        report = publish(work, Options(now=NOW, push=True, env=fake.env(base), sleep=[].append))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    (put,) = fake.calls("PUT", "/dms-uploads/")
    assert str(put.url).startswith(base)


def test_expired_posts_are_deleted_comments_first(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(EXPIRING)
    fake = LinkedInFake()
    assert publish(work, options(fake, [])).ok
    (post,) = fake.posts.values()
    (comment,) = fake.comments
    report = publish(work, options(fake, [], now=datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.deleted == [comment.urn, post.urn]
    assert fake.posts == {} and fake.comments == []
    assert ledger_record(remote, "linkedin")["state"] == "retracted"
    deletes = fake.calls("DELETE", "/rest/")
    assert "actor=urn%3Ali%3Aorganization%3A" in str(deletes[0].url)


def test_deleting_what_is_already_gone_is_fine() -> None:
    fake = LinkedInFake()
    adapter = _adapter(fake)
    adapter.delete(Remote("urn:li:share:1", None))
    adapter.delete(Remote("urn:li:comment:(urn:li:activity:1,2)", None))


def test_page_statistics_are_read_twenty_posts_a_request() -> None:
    fake = LinkedInFake()
    adapter = _adapter(fake)
    started = datetime.now(UTC)
    sent = [adapter.publish_part(_outgoing(f"post {n}", started), 0, []) for n in range(25)]
    fake.stats[sent[0].id] = {
        "likeCount": 7,
        "commentCount": 2,
        "shareCount": 1,
        "impressionCount": 420,
        "engagement": 0.02,
    }
    fake.stats[sent[1].id] = {"likeCount": 0, "clickCount": 3}  # no impressions reported
    del fake.posts[sent[2].id]  # deleted since
    calls = len(fake.requests)
    found = adapter.post_metrics([*sent, Remote("urn:li:comment:(urn:li:activity:1,2)", None)])
    stats = fake.requests[calls:]
    assert len(stats) == 2  # 20 + 5
    assert all("shares=List(urn%3Ali%3Ashare%3A" in str(r.url) for r in stats)
    first = found[sent[0].id]
    assert isinstance(first, Counts)
    assert (first.likes, first.replies, first.reposts, first.views, first.quotes) == (
        7,
        2,
        1,
        420,
        None,
    )
    assert first.raw == {"likeCount": 7, "commentCount": 2, "shareCount": 1, "impressionCount": 420}
    second = found[sent[1].id]
    assert isinstance(second, Counts)
    assert second.likes == 0 and second.views is None and second.raw["clickCount"] == 3
    assert isinstance(found[sent[2].id], Unavailable)
    assert isinstance(found["urn:li:comment:(urn:li:activity:1,2)"], Unavailable)
    assert isinstance(found[sent[24].id], Counts)
    assert adapter.account_metrics().followers == 321
    fake.followers = None
    assert adapter.account_metrics().followers is None


def test_a_member_has_no_statistics_and_says_why() -> None:
    fake = LinkedInFake(member=True)
    adapter = _adapter(fake)
    found = adapter.post_metrics([Remote("urn:li:share:1", None)])
    reason = found["urn:li:share:1"]
    assert isinstance(reason, Unavailable) and "organization pages only" in reason.reason
    assert adapter.account_metrics().followers is None
    assert fake.requests == []


def _channel(credentials: dict[str, str]) -> Channel:
    return Channel(
        "linkedin", "linkedin", Source("brand/channels.yaml", {}), credentials=credentials
    )


def test_connect_reads_the_named_variables() -> None:
    fake = LinkedInFake()
    caller = Caller(httpx.Client(transport=fake.transport()))
    channel = _channel(dict(CASE.credentials))
    adapter = linkedin.connect(channel, fake.env(API), caller)
    assert adapter.author == fake.author and adapter.api == API
    assert adapter.version == linkedin.DEFAULT_VERSION
    assert linkedin.metrics_reader(channel, fake.env(API), caller).organization
    with pytest.raises(Exception, match="LINKEDIN_AUTHOR_URN is not a LinkedIn author URN"):
        linkedin.connect(channel, {**fake.env(API), "LINKEDIN_AUTHOR_URN": "lumen"}, caller)
    partial = _channel(
        {**CASE.credentials, "client_id": "LINKEDIN_CLIENT_ID", "refresh_token": "R"}
    )
    with pytest.raises(Exception, match="needs client_secret, R as well"):
        linkedin.connect(partial, {**fake.env(API), "LINKEDIN_CLIENT_ID": "x"}, caller)


def test_platform_errors_from_reads_during_reconcile_are_uncertain() -> None:
    fake = LinkedInFake()
    adapter = _adapter(fake)
    adapter.caller.attempts = 1
    fake.fault("/rest/posts$", method="GET", status=400, body=error(400, "ILLEGAL_ARGUMENT", "bad"))
    with pytest.raises(PlatformError) as caught:
        adapter.find_part(_outgoing("x", datetime.now(UTC)), 0, [])
    assert caught.value.uncertain  # stays pending; never sent blind


def test_tidings_metrics_reads_the_page_in_two_requests(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    from tidings.jobs import collect_metrics as metrics_collect

    _remote, work = repo()
    fake = LinkedInFake()
    assert publish(work, options(fake, [])).ok
    (post,) = fake.posts.values()
    fake.stats[post.urn] = {"likeCount": 4, "commentCount": 1, "shareCount": 0}
    before = len(fake.requests)
    report = metrics_collect.collect(
        work,
        metrics_collect.Options(
            now=NOW + timedelta(days=1),
            env=fake.env(API),
            transport=fake.transport(),
            sleep=[].append,
        ),
    )
    (outcome,) = report.channels
    assert (outcome.state, outcome.posts, outcome.followers, outcome.requests) == ("ok", 1, 321, 2)
    assert len(fake.requests) - before == 2
    (reading,) = report.snapshot.channels["linkedin"].posts
    assert reading.counts is not None
    # the thread's own comment is not a reply; views were not reported: null, not 0
    assert (reading.counts.likes, reading.counts.replies, reading.counts.views) == (4, 0, None)


def test_find_part_sees_the_commentary_however_linkedin_escapes_it() -> None:
    """LinkedIn may hand the commentary back without the "little" format's escapes, or
    formatted otherwise: our post must be found (or left to a person), never sent twice."""
    fake = LinkedInFake(processing_reads=0)
    adapter = _adapter(fake)
    started = datetime.now(UTC)
    sent = adapter.publish_part(_outgoing(FIRST, started), 0, [])
    created = int(started.timestamp() * 1000) + 1000

    def listing(commentary: str) -> dict[str, Any]:
        post = {
            "id": sent.id,
            "author": fake.author,
            "commentary": commentary,
            "lifecycleState": "PUBLISHED",
            "createdAt": created,
            "lastModifiedAt": created,
        }
        return {"elements": [post], "paging": {"start": 0, "count": 20, "links": []}}

    unescaped = "We open the new studio (finally) today #studio"
    fake.fault("/rest/posts$", method="GET", status=200, body=listing(unescaped))
    assert adapter.find_part(_outgoing(FIRST, started), 0, []) == sent
    formatted = "We open the new studio – finally – today: #Studio"
    fake.fault("/rest/posts$", method="GET", status=200, body=listing(formatted))
    with pytest.raises(Unknowable, match="nearly match"):
        adapter.find_part(_outgoing(FIRST, started), 0, [])
    # a comment LinkedIn formatted otherwise is for a person too
    body = {
        "elements": [
            {
                "id": "6999",
                "actor": fake.author,
                "message": {"text": "Come by for tea – 10:00 to 16:00"},
                "created": {"time": created},
            }
        ],
        "paging": {"start": 0, "count": 20, "links": []},
    }
    fake.fault("/comments$", method="GET", status=200, body=body)
    two = Outgoing(
        post_id="2026/12/hello",
        channel="linkedin",
        parts=(RenderedPart(FIRST, 1), RenderedPart(SECOND, 2)),
        media=(),
        key="k",
        started=started,
    )
    with pytest.raises(Unknowable, match="nearly match"):
        adapter.find_part(two, 1, [sent])


def test_a_listed_post_with_our_text_but_no_id_is_unknowable() -> None:
    fake = LinkedInFake(processing_reads=0)
    adapter = _adapter(fake)
    started = datetime.now(UTC)
    created = int(started.timestamp() * 1000) + 1000
    post = {
        "author": fake.author,
        "commentary": FIRST,
        "lifecycleState": "PUBLISHED",
        "createdAt": created,
        "lastModifiedAt": created,
    }
    body = {"elements": [post], "paging": {"start": 0, "count": 20, "links": []}}
    fake.fault("/rest/posts$", method="GET", status=200, body=body)
    with pytest.raises(Unknowable):
        adapter.find_part(_outgoing(FIRST, started), 0, [])


def test_an_identical_post_from_before_the_attempt_is_never_taken_for_ours() -> None:
    clock = [NOW.timestamp()]
    fake = LinkedInFake(clock=lambda: clock[0])
    adapter = _adapter(fake)
    adapter.caller.clock = lambda: clock[0]
    adapter.publish_part(_outgoing("Gift vouchers are here.", NOW), 0, [])  # by hand
    clock[0] += 300
    started = datetime.fromtimestamp(clock[0], UTC)  # the attempt begins five minutes later
    with pytest.raises(Unknowable, match="nearly match"):
        adapter.find_part(_outgoing("Gift vouchers are here.", started), 0, [])
