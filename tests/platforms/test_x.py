"""The X adapter against the fake X API (tests/fakes/x.py), through the real HTTP path.

The fake checks OAuth 1.0a signatures for real, rotates OAuth 2.0 refresh tokens, wraps
links as t.co and escapes ``& < >`` as X does, refuses duplicate content, and keeps what
was posted so every test can count copies. Sleeps are recorded, never slept.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders.posts import HELLO, post
from builders.remotes import ENV as GIT_ENV
from builders.remotes import git, ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import published
from fakes.x import CASE, USER_ID, XFake, expired, rate_limited
from PIL import Image

from tidings.core.render import RenderedPart, render_text
from tidings.jobs.publish import Options, publish
from tidings.platforms.base import (
    Caller,
    Counts,
    CredentialError,
    MediaFile,
    Outgoing,
    PlatformError,
    Remote,
    Unavailable,
    Unknowable,
)
from tidings.platforms.x import XAdapter, classify, connect, post_text
from tidings.platforms.x_auth import OAuth1Keys, authorization_header, base_string, signature
from tidings.workspace.model import Channel, Source

BASE = "http://x.test"
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
OAUTH2 = {
    "client_id": "X_CLIENT_ID",
    "refresh_token": "X_REFRESH_TOKEN",
    "refresh_token_file": "X_REFRESH_TOKEN_FILE",
    "api_base": "X_API_BASE",
}


def channel(credentials: dict[str, str] | None = None) -> Channel:
    return Channel(
        id="x",
        platform="x",
        source=Source("brand/channels.yaml"),
        credentials=credentials or dict(CASE.credentials),
    )


def caller(fake: XFake, waits: list[float] | None = None) -> Caller:
    sleep = (waits if waits is not None else []).append
    return Caller(httpx.Client(transport=fake.transport()), sleep=sleep)


def adapter(fake: XFake, waits: list[float] | None = None, **kw: Any) -> XAdapter:
    made = connect(channel(), fake.env(BASE), caller(fake, waits))
    for name, value in kw.items():
        setattr(made, name, value)
    return made


def oauth2_env(fake: XFake, tmp_path: Path) -> dict[str, str]:
    return {
        "X_CLIENT_ID": fake.client_id,
        "X_REFRESH_TOKEN": fake.refresh_token,
        "X_REFRESH_TOKEN_FILE": str(tmp_path / "tokens" / "x-refresh"),
        "X_API_BASE": BASE,
    }


def part(text: str) -> RenderedPart:
    rendered, links = render_text(text, "x", False, "social", None)
    return RenderedPart(rendered, 1, links)


def outgoing(
    *texts: str, media: tuple[MediaFile, ...] = (), started: datetime = NOW, key: str = "k1"
) -> Outgoing:
    return Outgoing(
        post_id="2026/12/hello",
        channel="x",
        parts=tuple(part(t) for t in texts),
        media=media,
        key=f"20261210T080500Z-{key}",
        started=started,
    )


def png(tmp_path: Path, alt: str = "A single black dot on white") -> MediaFile:
    path = tmp_path / "dot.png"
    Image.new("RGB", (40, 30), (0, 0, 0)).save(path, "PNG")
    return MediaFile(path, "image/png", alt, 40, 30)


def gif(tmp_path: Path) -> MediaFile:
    frames = [Image.new("RGB", (60, 60), (i * 40, 0, 255 - i * 40)) for i in range(6)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    path = tmp_path / "spin.gif"
    path.write_bytes(buffer.getvalue())
    return MediaFile(path, "image/gif", "A dot spinning", 60, 60)


# -- OAuth 1.0a signing ---------------------------------------------------------------------


def test_signature_matches_the_worked_examples_of_rfc_5849_and_x() -> None:
    rfc = httpx.URL("http://photos.example.net/photos?file=vacation.jpg&size=original")
    params = [
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131202"),
        ("oauth_nonce", "chapoH"),
    ]
    base = base_string("GET", rfc, params)
    assert signature(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == "MdpQcU8iPSUjWoN/UDMsK2sui9I="

    # RFC 5849 §3.4.1.1: repeated names, empty values, encoded reserved characters
    url = httpx.URL("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
    params = [
        ("b5", "=%3D"),
        ("a3", "a"),
        ("c@", ""),
        ("a2", "r b"),
        ("c2", ""),
        ("a3", "2 q"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
    ]
    assert base_string("POST", url, params) == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26"
        "b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26"
        "oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D"
        "137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )

    # X's "Creating a signature" page, through the header builder
    keys = OAuth1Keys(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )
    header = authorization_header(
        keys,
        "POST",
        httpx.URL("https://api.twitter.com/1.1/statuses/update.json?include_entities=true"),
        [("status", "Hello Ladies + Gentlemen, a signed OAuth request!")],
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
    )
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header
    assert repr(keys) == "OAuth1Keys(***)"


def test_a_wrong_secret_is_refused_with_xs_401_and_names_the_variables() -> None:
    fake = XFake()
    env = {**fake.env(BASE), "X_ACCESS_TOKEN_SECRET": "not-the-secret-at-all"}
    made = connect(channel(), env, caller(fake))
    with pytest.raises(PlatformError) as info:
        made.account_metrics()
    error = info.value
    assert error.auth and error.status == 401 and not error.retryable
    assert "Unauthorized" in error.message
    assert "X_ACCESS_TOKEN_SECRET" in error.message
    assert "not-the-secret-at-all" not in error.message
    assert fake.api_key not in error.message and fake.access_token not in error.message


def test_each_retry_is_signed_again_with_a_fresh_nonce(tmp_path: Path) -> None:
    fake = XFake()
    fake.fault(
        r"^/2/media/upload$", method="POST", status=503, body={"title": "Service Unavailable"}
    )
    waits: list[float] = []
    remote = adapter(fake, waits).publish_part(outgoing("Hello", media=(png(tmp_path),)), 0, [])
    uploads = fake.calls("POST", r"^/2/media/upload$")
    assert len(uploads) == 2 and waits == [1.0]
    nonces = [r.headers["authorization"].split('oauth_nonce="')[1].split('"')[0] for r in uploads]
    assert nonces[0] != nonces[1]  # the fake refuses a nonce it has seen
    assert [p.id for p in fake.live()] == [remote.id]


# -- publishing -----------------------------------------------------------------------------


def test_text_image_with_alt_and_a_thread(tmp_path: Path) -> None:
    fake = XFake()
    x = adapter(fake)
    out = outgoing("Prints are in.", "Come by for tea.", media=(png(tmp_path),))
    first = x.publish_part(out, 0, [])
    second = x.publish_part(out, 1, [first])
    posts = fake.live()
    assert [p.sent for p in posts] == ["Prints are in.", "Come by for tea."]
    assert posts[1].reply_to == first.id and posts[0].reply_to is None
    (media_id,) = posts[0].media
    assert fake.media[media_id].alt == "A single black dot on white"
    assert fake.media[media_id].category == "tweet_image"
    assert first == Remote(posts[0].id, f"https://x.com/i/web/status/{posts[0].id}")
    assert second.url == f"https://x.com/i/web/status/{posts[1].id}"


def test_a_gif_goes_in_chunks_and_waits_until_processed(tmp_path: Path) -> None:
    fake = XFake()
    waits: list[float] = []
    x = adapter(fake, waits, chunk=300)
    media = gif(tmp_path)
    x.publish_part(outgoing("It spins.", media=(media,)), 0, [])
    size = media.path.stat().st_size
    appends = fake.calls("POST", r"/append$")
    assert len(appends) == -(-size // 300) > 1
    assert len(fake.calls("POST", r"/initialize$")) == 1
    assert len(fake.calls("POST", r"/finalize$")) == 1
    assert len(fake.calls("GET", r"^/2/media/upload$")) == fake.gif_polls
    assert waits == [1.0, 1.0]  # check_after_secs, twice
    (media_id,) = fake.live()[0].media
    assert fake.media[media_id].category == "tweet_gif"
    assert fake.media[media_id].alt == "A dot spinning"


def test_a_failed_gif_is_a_permanent_error_in_xs_words(tmp_path: Path) -> None:
    fake = XFake()
    fake.fault(
        r"^/2/media/upload$",
        method="GET",
        status=200,
        body={
            "data": {
                "id": "1",
                "processing_info": {
                    "state": "failed",
                    "error": {"code": 1, "name": "InvalidMedia", "message": "Unsupported media"},
                },
            }
        },
    )
    with pytest.raises(PlatformError) as info:
        adapter(fake, chunk=1000).publish_part(outgoing("x", media=(gif(tmp_path),)), 0, [])
    assert not info.value.retryable and "Unsupported media" in info.value.message
    assert fake.live() == []


def test_xs_normalised_text_is_read_back_as_sent() -> None:
    fake = XFake()
    post = fake.seed("Prints & frames <3 at https://lumengrain.example/prints?a=1&b=2 today")
    assert "&amp;" in post.text and "&lt;3" in post.text and "t.co/" in post.text
    view = fake._view(post, {"entities"})
    assert post_text(view) == post.sent


def test_a_rate_limit_is_waited_out_until_the_reset(tmp_path: Path) -> None:
    fake = XFake()
    fake.fault(r"^/2/tweets$", method="POST", **rate_limited(reset_in=30))
    waits: list[float] = []
    adapter(fake, waits).publish_part(outgoing("Hello"), 0, [])
    assert len(waits) == 1 and 25 <= waits[0] <= 31
    assert len(fake.live()) == 1


def test_a_24_hour_limit_waits_for_its_own_reset() -> None:
    now = 1_800_000_000.0
    headers = {
        "x-rate-limit-reset": str(int(now) + 60),
        "x-user-limit-24hour-limit": "100",
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(int(now) + 5000),
    }
    response = httpx.Response(429, json=rate_limited()["body"], headers=headers)
    error = classify(response, "post part 1", lambda: now)
    assert error is not None and error.retryable and error.retry_after == 5000


# -- reconciling ------------------------------------------------------------------------------


def test_a_lost_response_is_found_after_xs_normalisation(tmp_path: Path) -> None:
    fake = XFake()
    text = "Prints & frames <3 https://lumengrain.example/prints?a=1&b=2"
    out = outgoing(text, "And tea.", media=(png(tmp_path),))
    x = adapter(fake)
    fake.fault(r"^/2/tweets$", method="POST", lost=True)
    with pytest.raises(PlatformError) as info:
        x.publish_part(out, 0, [])
    assert info.value.uncertain
    (posted,) = fake.live()
    found = x.find_part(out, 0, [])
    assert found is not None and found.id == posted.id
    timeline = fake.calls("GET", rf"^/2/users/{USER_ID}/tweets$")[-1]
    assert "start_time" in timeline.url.params
    assert x.find_part(out, 1, [found]) is None  # certain: the whole window was read
    fake.fault(r"^/2/tweets$", method="POST", lost=True)
    with pytest.raises(PlatformError):
        x.publish_part(out, 1, [found])
    reply = x.find_part(out, 1, [found])
    assert reply is not None and reply.id == fake.live()[1].id
    assert len(fake.live()) == 2


def test_other_images_or_a_long_history_are_unknowable(tmp_path: Path) -> None:
    fake = XFake()
    x = adapter(fake, page_size=5, max_pages=2)
    plain = outgoing("Prints are in today, framed and ready to take home.")
    x.publish_part(plain, 0, [])
    with_image = outgoing(plain.parts[0].text, media=(png(tmp_path),), key="k2")
    with pytest.raises(Unknowable, match="nearly match"):
        x.find_part(with_image, 0, [])
    for n in range(10):
        fake.seed(f"Something else, number {n}")
    with pytest.raises(Unknowable, match="more than 10"):
        x.find_part(outgoing("Never posted"), 0, [])


def test_posts_before_the_attempt_do_not_match_but_x_still_refuses_the_duplicate() -> None:
    fake = XFake()
    fake.seed("Happy new year!", created=datetime.now(UTC) - timedelta(days=2))
    out = outgoing("Happy new year!")
    x = adapter(fake)
    assert x.find_part(out, 0, []) is None
    with pytest.raises(Unknowable, match="duplicate"):
        x.publish_part(out, 0, [])
    assert len(fake.live()) == 1


def test_duplicate_content_in_the_window_is_the_post_itself() -> None:
    fake = XFake()
    earlier = fake.seed("Gift vouchers are here.")  # a run that died before recording it
    assert adapter(fake).publish_part(outgoing("Gift vouchers are here."), 0, []).id == earlier.id
    assert len(fake.live()) == 1


# -- delete, metrics, followers ---------------------------------------------------------------


def test_delete_and_delete_again() -> None:
    fake = XFake()
    x = adapter(fake)
    remote = x.publish_part(outgoing("Short-lived"), 0, [])
    x.delete(remote)
    assert fake.live() == []
    x.delete(remote)  # already gone: fine
    assert len(fake.calls("DELETE", r"^/2/tweets/\d+$")) == 2


@pytest.mark.parametrize("naming", ["old", "new"])
def test_metrics_in_batches_of_100_with_null_not_zero(naming: str) -> None:
    fake = XFake(naming=naming)
    posts = [fake.seed(f"Post number {n}") for n in range(150)]
    posts[0].metrics.update(like_count=5, retweet_count=2, reply_count=1, impression_count=900)
    del posts[1].metrics["impression_count"]
    fake.posts[2].deleted = True
    x = adapter(fake)
    parts = [Remote(p.id, None) for p in posts]
    parts.append(Remote(f"https://x.com/lumengrain/status/{posts[3].id}", None))
    parts.append(Remote("not-an-id", None))
    got = x.post_metrics(parts)
    reads = fake.calls("GET", r"^/2/tweets$")
    fields = "post.fields" if naming == "new" else "tweet.fields"
    assert reads[-1].url.params[fields] == "public_metrics"
    assert len(reads) == (3 if naming == "new" else 2)  # one 400 teaches the new name
    assert sorted(
        len(r.url.params["ids"].split(",")) for r in reads if r.url.params.get(fields)
    ) == [
        50,
        100,
    ]
    first = got[posts[0].id]
    assert isinstance(first, Counts)
    assert (first.likes, first.reposts, first.replies, first.quotes, first.views) == (
        5,
        2,
        1,
        0,
        900,
    )
    reposts = "repost_count" if naming == "new" else "retweet_count"
    assert first.raw[reposts] == 2
    second = got[posts[1].id]
    assert isinstance(second, Counts) and second.views is None and second.likes == 0
    assert isinstance(got[posts[2].id], Unavailable)
    assert isinstance(got[parts[-2].id], Counts)
    assert isinstance(got["not-an-id"], Unavailable)


def test_followers_and_null_when_not_reported() -> None:
    fake = XFake(naming="new")
    account = adapter(fake).account_metrics()
    assert account.followers == 1234 and account.raw["post_count"] == 0
    fake.followers = None
    assert adapter(fake).account_metrics().followers is None


# -- OAuth 2.0 --------------------------------------------------------------------------------


def test_oauth2_refreshes_once_and_keeps_the_rotated_token_in_the_file(tmp_path: Path) -> None:
    fake = XFake()
    env = oauth2_env(fake, tmp_path)
    first = connect(channel(OAUTH2), env, caller(fake))
    first.publish_part(outgoing("One"), 0, [])
    first.publish_part(outgoing("Two", key="k2"), 0, [])
    assert fake.refreshes == 1
    saved = Path(env["X_REFRESH_TOKEN_FILE"])
    assert saved.read_text().strip() == fake.refresh_token != env["X_REFRESH_TOKEN"]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert env["X_REFRESH_TOKEN"] not in repr(first) and fake.refresh_token not in repr(first)

    # the next run: the secret still holds the spent token; the file has the new one
    second = connect(channel(OAUTH2), env, caller(fake))
    second.publish_part(outgoing("Three", key="k3"), 0, [])
    assert fake.refreshes == 2
    fake.expire_access_tokens()  # two hours later, mid-run
    second.publish_part(outgoing("Four", key="k4"), 0, [])
    assert fake.refreshes == 3
    assert [p.sent for p in fake.live()] == ["One", "Two", "Three", "Four"]
    assert saved.read_text().strip() == fake.refresh_token


def test_oauth2_a_refused_refresh_token_names_the_variable(tmp_path: Path) -> None:
    fake = XFake()
    env = {**oauth2_env(fake, tmp_path), "X_REFRESH_TOKEN": "xRefresh-stale-" + "q" * 20}
    with pytest.raises(PlatformError) as info:
        connect(channel(OAUTH2), env, caller(fake)).publish_part(outgoing("One"), 0, [])
    error = info.value
    assert error.auth and not error.retryable
    assert (
        "X_REFRESH_TOKEN" in error.message
        and "Value passed for the token was invalid" in error.message
    )
    assert env["X_REFRESH_TOKEN"] not in error.message
    assert fake.live() == []


def test_oauth2_confidential_client_and_missing_token_file(tmp_path: Path) -> None:
    fake = XFake(confidential=True)
    assert fake.client_secret is not None
    env = {**oauth2_env(fake, tmp_path), "X_CLIENT_SECRET": fake.client_secret}
    creds = {**OAUTH2, "client_secret": "X_CLIENT_SECRET"}
    connect(channel(creds), env, caller(fake)).publish_part(outgoing("One"), 0, [])
    assert fake.refreshes == 1
    without = {k: v for k, v in OAUTH2.items() if k != "refresh_token_file"}
    with pytest.raises(CredentialError, match="refresh_token_file"):
        connect(channel(without), env, caller(fake))


# -- through the publisher and the ledger -------------------------------------------------------

CHANNELS = yaml.safe_dump(
    {"channels": {"x": {"platform": "x", "credentials": dict(CASE.credentials)}}}
)
TEXTS = ("Prints & frames <3 https://lumengrain.example/prints", "Come by for tea, 10:00 to 16:00.")
POST = post("x", parts=TEXTS)
SECOND = """---
title: Second
at: 2026-12-10 09:00
channels: [x]
---
And a second post the same morning.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(files: dict[str, str] | None = None) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: POST, **(files or {})})

    return build


def options(fake: XFake, now: datetime = NOW, waits: list[float] | None = None) -> Options:
    return pushing(now, fake.env(BASE), fake.transport(), waits)


def test_publish_a_thread_once_and_reconcile_a_lost_response(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo()
    fake = XFake()
    fake.fault(r"^/2/tweets$", method="POST", lost=True)
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    posts = fake.live()
    assert len(posts) == 2 and "&amp;" in posts[0].text and "t.co/" in posts[0].text
    rec = ledger_record(remote, "x")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [p.id for p in posts]
    assert rec["parts"][0]["url"] == f"https://x.com/i/web/status/{posts[0].id}"
    again = publish(work, options(fake, NOW + timedelta(minutes=15)))
    assert again.outcomes == [] and len(fake.live()) == 2


def test_an_expired_token_stops_the_channel_naming_the_variables(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo({"content/posts/2026/12/second.md": SECOND})
    fake = XFake()
    fake.fault(".*", count=None, **expired())
    report = publish(work, options(fake))
    assert not report.ok and fake.live() == []
    details = {o.post_id: o.detail for o in report.outcomes}
    assert "401 Unauthorized" in details["2026/12/hello"]
    assert "X_API_KEY" in details["2026/12/hello"]
    assert details["2026/12/second"].startswith("channel stopped")
    assert ledger_record(remote, "x", "2026/12/second")["retry"] is True
    assert len(fake.requests) == 1  # the second post never reached X
    text = (remote_file(remote, "ledger/2026/12/hello.yaml") or "") + str(report.outcomes)
    for value in fake.env(BASE).values():
        if value != BASE:
            assert value not in text


def test_a_refused_post_fails_for_good_and_the_channel_goes_on(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo({"content/posts/2026/12/second.md": SECOND})
    fake = XFake()
    words = "You attempted to reply to a Tweet that is deleted or not visible to you."
    body = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": words}
    fake.fault(r"^/2/tweets$", method="POST", status=403, body=body)
    report = publish(work, options(fake))
    results = {o.post_id: o.result for o in report.outcomes}
    assert results == {"2026/12/hello": "failed", "2026/12/second": "published"}
    rec = ledger_record(remote, "x")
    assert rec["state"] == "failed" and rec["retry"] is False and words in rec["error"]
    assert [p.sent for p in fake.live()] == ["And a second post the same morning."]


def test_an_expired_post_is_deleted(repo: Callable[..., tuple[Path, Path]]) -> None:
    remote, work = repo({HELLO: post("x", parts=TEXTS, expires="2026-12-11")})
    fake = XFake()
    assert publish(work, options(fake)).ok
    assert len(fake.live()) == 2
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.live() == [] and ledger_record(remote, "x")["state"] == "retracted"


@pytest.fixture
def served() -> Iterator[tuple[XFake, str]]:
    fake = XFake()
    with fake.serve() as url:
        yield fake, url


def test_oauth2_tokens_never_reach_the_output_or_the_ledger(
    repo: Callable[..., tuple[Path, Path]], served: tuple[XFake, str], tmp_path: Path
) -> None:
    remote, work = repo()
    fake, url = served
    creds = yaml.safe_dump({"channels": {"x": {"platform": "x", "credentials": OAUTH2}}})
    (work / "brand/channels.yaml").write_text(creds)
    git(work, "commit", "-qam", "oauth2")
    git(work, "push", "-q")
    env = {**oauth2_env(fake, tmp_path), "X_API_BASE": url}
    issued_access, issued_refresh = "xAccess-1-" + "b" * 30, "xRefresh-1-" + "r" * 30
    echo = f"token {issued_access} and {issued_refresh} are not allowed here"
    fake.fault(
        r"^/2/media/upload$",
        method="POST",
        status=400,
        body={"title": "Invalid Request", "detail": echo},
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tidings",
            "--root",
            str(work),
            "publish",
            "--push",
            "--now-for-real",
            "--now",
            "2026-12-10 09:01",
        ],
        env={**os.environ, **env, **GIT_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert fake.refresh_token == issued_refresh  # the fake did issue them
    saved = Path(env["X_REFRESH_TOKEN_FILE"]).read_text().strip()
    assert saved == issued_refresh
    ledger_text = remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    assert "are not allowed here" in ledger_text
    for secret in (issued_access, issued_refresh, env["X_REFRESH_TOKEN"]):
        assert secret not in run.stdout + run.stderr
        assert secret not in ledger_text


def test_a_listed_post_with_our_text_but_no_id_is_unknowable_not_a_crash() -> None:
    fake = XFake()
    x = adapter(fake)
    out = outgoing("Prints are in today, framed and ready to take home.")
    post = {"text": out.parts[0].text, "created_at": "2026-12-10T08:05:03.000Z"}
    fake.fault(
        rf"^/2/users/{USER_ID}/tweets$",
        method="GET",
        status=200,
        body={"data": [post], "meta": {"result_count": 1}},
    )
    with pytest.raises(Unknowable):
        x.find_part(out, 0, [])


def test_a_timeline_answer_with_only_errors_is_not_an_empty_timeline() -> None:
    """X can answer 200 with ``errors[]`` and no ``data``: nothing was read, so the part
    is not "certainly not sent"."""
    fake = XFake()
    x = adapter(fake)
    errors = {"errors": [{"title": "Service Unavailable", "detail": "try again"}]}
    fake.fault(rf"^/2/users/{USER_ID}/tweets$", method="GET", status=200, body=errors)
    with pytest.raises(PlatformError, match="no list of posts"):
        x.find_part(outgoing("Prints are in today."), 0, [])


def test_an_identical_post_from_before_the_attempt_is_never_taken_for_ours() -> None:
    """Our text, posted by hand five minutes before the attempt began, is inside the window
    (clock skew) but is not this attempt's post: taking it would lose ours."""
    fake = XFake()
    later = (NOW + timedelta(minutes=15)).timestamp()
    fake.clock = lambda: later
    x = adapter(fake)
    x.caller.clock = lambda: later
    fake.seed("Gift vouchers are here.", created=NOW - timedelta(minutes=5))
    with pytest.raises(Unknowable, match="nearly match"):
        x.find_part(outgoing("Gift vouchers are here."), 0, [])
    fake.seed("Prints are in.", created=NOW + timedelta(seconds=20))  # the attempt's own
    assert x.find_part(outgoing("Prints are in."), 0, []) is not None
