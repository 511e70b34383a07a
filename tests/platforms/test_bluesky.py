"""The Bluesky adapter against a real PDS (``@atproto/pds`` on 127.0.0.1, see peers/bluesky).

Records are read back from the PDS, which validates them against the lexicon. What the PDS
cannot do on demand (rate-limit answers, an expired session, a lost response) comes from an
``httpx.MockTransport`` that answers those itself and passes everything else to the real PDS.
Sleeps are recorded, never slept.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from peers.bluesky import Account, BlueskyPDS
from PIL import Image

from tidings.core.render import RenderedPart, render_text
from tidings.platforms import connect
from tidings.platforms.base import (
    Caller,
    CredentialError,
    MediaFile,
    Outgoing,
    PlatformError,
    Remote,
)
from tidings.platforms.bluesky import BlueskyAdapter, facet_spans, record_key, tid
from tidings.workspace.model import Channel, Source

CHANNEL = Channel(
    id="bluesky",
    platform="bluesky",
    source=Source("brand/channels.yaml"),
    credentials={
        "handle": "BLUESKY_HANDLE",
        "app_password": "BLUESKY_APP_PASSWORD",
        "pds": "BLUESKY_PDS",
    },
)
STARTED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
Handler = Callable[[httpx.Request], httpx.Response | None]


class Recorder:
    """A Caller's ``sleep``: remembers the waits, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def part(text: str) -> RenderedPart:
    rendered, links = render_text(text, "bluesky", False, "social", None)
    return RenderedPart(rendered, 1, links)


_keys = itertools.count(1)


def outgoing(*texts: str, key: str | None = None, media: tuple[MediaFile, ...] = ()) -> Outgoing:
    """A post to send; each gets its own attempt key unless one is given."""
    return Outgoing(
        post_id="2026/03/light",
        channel="bluesky",
        parts=tuple(part(t) for t in texts),
        media=media,
        key=key or f"20260314T093000Z-{next(_keys):010x}",
        started=STARTED,
        language="en",
    )


def nsid(request: httpx.Request) -> str:
    return request.url.path.removeprefix("/xrpc/")


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def calls() -> list[str]:
    return []


def build_adapter(
    pds: BlueskyPDS,
    account: Account,
    sleeps: Recorder,
    calls: list[str],
    password: str | None = None,
    intercept: Handler | None = None,
    **caller: Any,
) -> tuple[BlueskyAdapter, httpx.Client]:
    """An adapter for ``account`` made the way the publisher makes it. ``intercept`` answers
    some requests itself (returns a response) and lets the rest through to the PDS (None)."""
    real = httpx.HTTPTransport()

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(nsid(request))
        answer = intercept(request) if intercept else None
        if answer is not None:
            return answer
        response = real.handle_request(request)
        response.read()
        return response

    client = httpx.Client(transport=httpx.MockTransport(handle), timeout=10.0)
    env = {
        "BLUESKY_HANDLE": account.handle,
        "BLUESKY_APP_PASSWORD": password or account.password,
        "BLUESKY_PDS": pds.url,
    }
    adapter = connect(CHANNEL, env, client, Caller(client, sleep=sleeps, **caller))
    assert isinstance(adapter, BlueskyAdapter)
    return adapter, client


@pytest.fixture(scope="module")
def studio(pds: BlueskyPDS) -> Account:
    """The account of this module's posts (each login costs the PDS's 350 ms floor)."""
    return pds.create_account("studio.test")


@pytest.fixture(scope="module")
def shared(pds: BlueskyPDS, studio: Account) -> Iterator[BlueskyAdapter]:
    """One logged-in adapter for the tests that need nothing special."""
    adapter, client = build_adapter(pds, studio, Recorder(), [])
    yield adapter
    client.close()


@pytest.fixture
def make_adapter(
    pds: BlueskyPDS, studio: Account, sleeps: Recorder, calls: list[str]
) -> Iterator[Callable[..., BlueskyAdapter]]:
    """A new adapter (a new login) per call: ``make_adapter(password=, intercept=, **caller)``."""
    clients: list[httpx.Client] = []

    def make(**options: Any) -> BlueskyAdapter:
        adapter, client = build_adapter(pds, studio, sleeps, calls, **options)
        clients.append(client)
        return adapter

    yield make
    for client in clients:
        client.close()


def post_uris(pds: BlueskyPDS, account: Account) -> list[str]:
    return [r["uri"] for r in pds.list_records(account.did)]


def stored(pds: BlueskyPDS, remote: Remote) -> dict[str, Any]:
    record = pds.get_record(remote.id)
    assert record is not None, remote
    assert record["cid"] == remote.cid
    value: dict[str, Any] = record["value"]
    return value


# --- record keys ----------------------------------------------------------------------------


def test_record_keys_are_valid_tids_stable_per_part_and_ordered_in_a_thread() -> None:
    key = "20260314T093000Z-0123456789"
    keys = [record_key(key, index, STARTED) for index in range(3)]
    assert all(TID.match(k) for k in keys)
    assert keys == [record_key(key, index, STARTED) for index in range(3)]
    assert keys == sorted(keys) and len(set(keys)) == 3
    others = {record_key(f"20260314T093000Z-{n:010x}", 0, STARTED) for n in range(2000)}
    assert len(others) == 2000  # one run, one start second, no collision
    assert tid(0, 0) == "2222222222222"
    assert tid(2**53 - 1, 2**10 - 1) == "bzzzzzzzzzzzz"


def test_facet_spans_hashtags_mentions_and_links_do_not_overlap() -> None:
    p = part("#one two#not (@a.test) @nodot #2026 #tag! https://example.com/#frag")
    kinds = [(p.text[s:e], kind, value) for s, e, kind, value in facet_spans(p)]
    assert kinds == [
        ("#one", "tag", "one"),
        ("@a.test", "mention", "a.test"),
        ("#tag", "tag", "tag"),
        ("example.com/#frag", "link", "https://example.com/#frag"),
    ]


# --- publishing against the real PDS --------------------------------------------------------


def test_text_post_with_link_has_shortened_text_a_byte_exact_facet_and_a_card(
    pds: BlueskyPDS, studio: Account, shared: BlueskyAdapter
) -> None:
    url = "https://lumengrain.example/journal/2026/winter-light-portraits?ref=feed"
    out = outgoing(f"Neu im Journal — Wintérlicht: {url} 📷")
    remote = shared.publish_part(out, 0, [])

    rkey = record_key(out.key, 0, STARTED)
    assert remote.id == f"at://{studio.did}/app.bsky.feed.post/{rkey}"
    assert remote.url == f"https://bsky.app/profile/{studio.handle}/post/{rkey}"
    record = stored(pds, remote)
    text = out.parts[0].text
    assert record["text"] == text
    assert "lumengrain.example/journal/20…" in text and url not in text
    assert record["langs"] == ["en"]
    assert record["createdAt"] == "2026-03-14T09:30:00.000Z"
    [facet] = record["facets"]
    start, end = out.parts[0].byte_range(out.parts[0].links[0])
    assert facet["index"] == {"byteStart": start, "byteEnd": end}
    assert text.encode()[start:end].decode() == "lumengrain.example/journal/20…"
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": url}]
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {"uri": url, "title": "lumengrain.example/journal/20…", "description": ""},
    }


def test_hashtags_after_emoji_and_mentions_get_utf8_byte_offsets(
    pds: BlueskyPDS, shared: BlueskyAdapter
) -> None:
    friend = pds.create_account("friend-of-studio.test")
    text = (
        "🎞️✨ Golden hour #filmfotografie, with @friend-of-studio.test and @nobody.test #été #2026"
    )
    remote = shared.publish_part(outgoing(text), 0, [])

    record = stored(pds, remote)
    raw = text.encode()
    found = [
        (raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"])
        for f in record["facets"]
    ]
    assert found == [
        ("#filmfotografie", [{"$type": "app.bsky.richtext.facet#tag", "tag": "filmfotografie"}]),
        (
            "@friend-of-studio.test",
            [{"$type": "app.bsky.richtext.facet#mention", "did": friend.did}],
        ),
        ("#été", [{"$type": "app.bsky.richtext.facet#tag", "tag": "été"}]),
    ]
    first = record["facets"][0]["index"]
    assert first["byteStart"] == raw.index(b"#filmfotografie") > text.index("#filmfotografie")
    assert "embed" not in record


def test_image_with_alt_text_and_aspect_ratio(
    pds: BlueskyPDS,
    studio: Account,
    shared: BlueskyAdapter,
    tmp_path: Path,
) -> None:
    path = tmp_path / "frame.png"
    Image.new("RGB", (40, 30), (200, 40, 40)).save(path)
    media = MediaFile(path, "image/png", "A red test frame", 40, 30)
    out = outgoing("Contact sheet https://lumengrain.example/sheet", media=(media,))
    remote = shared.publish_part(out, 0, [])

    embed = stored(pds, remote)["embed"]
    assert embed["$type"] == "app.bsky.embed.images"  # images win over the link card
    [image] = embed["images"]
    assert image["alt"] == "A red test frame"
    assert image["aspectRatio"] == {"width": 40, "height": 30}
    assert image["image"]["mimeType"] == "image/png"
    blob = httpx.get(
        f"{pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": studio.did, "cid": image["image"]["ref"]["$link"]},
    )
    assert blob.status_code == 200 and blob.content == path.read_bytes()


def test_thread_parts_reply_to_root_and_parent(
    pds: BlueskyPDS, studio: Account, shared: BlueskyAdapter
) -> None:
    adapter = shared
    out = outgoing("1/3 A thread on grain", "2/3 Film stock", "3/3 Developing")
    thread: list[Remote] = []
    for index in range(3):
        thread.append(adapter.publish_part(out, index, thread))

    root, second, third = (stored(pds, r) for r in thread)
    assert "reply" not in root
    ref = [{"uri": r.id, "cid": r.cid} for r in thread]
    assert second["reply"] == {"root": ref[0], "parent": ref[0]}
    assert third["reply"] == {"root": ref[0], "parent": ref[1]}
    ours = {r.id for r in thread}
    listed = [uri for uri in post_uris(pds, studio) if uri in ours]
    assert listed == [r.id for r in thread]  # record keys sort in thread order


def test_thread_parts_from_the_ledger_without_cid_still_reply(
    pds: BlueskyPDS, shared: BlueskyAdapter
) -> None:
    adapter = shared
    out = outgoing("first", "second")
    first = adapter.publish_part(out, 0, [])
    second = adapter.publish_part(out, 1, [Remote(first.id, first.url)])
    assert stored(pds, second)["reply"]["parent"] == {"uri": first.id, "cid": first.cid}


def test_same_part_key_twice_makes_one_record(
    pds: BlueskyPDS,
    studio: Account,
    shared: BlueskyAdapter,
    make_adapter: Callable[..., BlueskyAdapter],
) -> None:
    before = post_uris(pds, studio)
    out = outgoing("Only once, please")
    first = shared.publish_part(out, 0, [])
    again = make_adapter().publish_part(out, 0, [])  # a second run, its own session
    assert again == first
    assert sorted(post_uris(pds, studio)) == sorted([*before, first.id])


def test_a_record_key_holding_another_post_is_an_error_not_a_success(
    shared: BlueskyAdapter,
) -> None:
    key = "20260314T093000Z-c011151011"
    shared.publish_part(outgoing("The first text", key=key), 0, [])
    with pytest.raises(PlatformError, match="already holds a different post") as caught:
        shared.publish_part(outgoing("A different text", key=key), 0, [])
    assert not caught.value.retryable


def test_find_part_found_and_not_found(shared: BlueskyAdapter) -> None:
    adapter = shared
    out = outgoing("Find me", "and me")
    remote = adapter.publish_part(out, 0, [])
    assert adapter.find_part(out, 0, []) == remote
    assert adapter.find_part(out, 1, [remote]) is None
    assert adapter.find_part(outgoing("Find me", key="20260314T093000Z-ffffffffff"), 0, []) is None


def test_delete_removes_the_record_and_a_missing_record_is_fine(
    pds: BlueskyPDS, shared: BlueskyAdapter
) -> None:
    adapter = shared
    remote = adapter.publish_part(outgoing("Expires soon"), 0, [])
    adapter.delete(remote)
    assert pds.get_record(remote.id) is None
    adapter.delete(remote)


def test_the_pds_lexicon_rejects_a_malformed_post(shared: BlueskyAdapter) -> None:
    with pytest.raises(PlatformError) as caught:
        shared.publish_part(outgoing("x" * 301), 0, [])  # maxGraphemes is 300
    error = caught.value
    assert error.status == 400 and not error.retryable and not error.auth
    assert "Invalid app.bsky.feed.post record" in str(error)
    assert "(maximum 300, got 301) at $.record.text" in str(error)


def test_one_login_per_adapter(
    make_adapter: Callable[..., BlueskyAdapter], calls: list[str]
) -> None:
    adapter = make_adapter()
    remotes = [adapter.publish_part(outgoing(f"post {n}", key=f"k-{n}"), 0, []) for n in range(3)]
    adapter.find_part(outgoing("post 0", key="k-0"), 0, [])
    adapter.delete(remotes[0])
    assert calls.count("com.atproto.server.createSession") == 1


def test_wrong_password_is_an_auth_error_that_tells_no_secret(
    make_adapter: Callable[..., BlueskyAdapter], studio: Account
) -> None:
    wrong = "wrong-app-password-1234"
    adapter = make_adapter(password=wrong)
    with pytest.raises(PlatformError) as caught:
        adapter.publish_part(outgoing("Hello"), 0, [])
    error = caught.value
    assert error.auth and not error.retryable and error.status == 401
    assert "Invalid identifier or password" in str(error)
    for secret in (wrong, studio.password):
        assert secret not in str(error) and secret not in repr(error.args)
        assert secret not in repr(adapter)


def test_session_tokens_appear_in_no_repr(shared: BlueskyAdapter) -> None:
    adapter = shared
    adapter.publish_part(outgoing("Hello"), 0, [])
    session = adapter._session
    assert session is not None
    for token in (session.access, session.refresh):
        assert token not in repr(adapter) and token not in repr(session)


def test_missing_credentials_name_the_variable() -> None:
    with httpx.Client() as client, pytest.raises(CredentialError, match="BLUESKY_APP_PASSWORD"):
        connect(CHANNEL, {"BLUESKY_HANDLE": "studio.test"}, client)


# --- what the PDS cannot do on demand -------------------------------------------------------


def expired_once(names: tuple[str, ...]) -> Handler:
    """Answer ``ExpiredToken`` (400, as the PDS does) once to each named call."""
    left = list(names)

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if nsid(request) in left:
            left.remove(nsid(request))
            return httpx.Response(
                400, json={"error": "ExpiredToken", "message": "Token has expired"}
            )
        return None

    return intercept


def test_expired_session_is_refreshed_then_the_post_is_sent(
    pds: BlueskyPDS, make_adapter: Callable[..., BlueskyAdapter], calls: list[str]
) -> None:
    adapter = make_adapter(intercept=expired_once(("com.atproto.repo.createRecord",)))
    remote = adapter.publish_part(outgoing("After a refresh"), 0, [])
    assert stored(pds, remote)["text"] == "After a refresh"
    assert calls == [
        "com.atproto.server.createSession",
        "com.atproto.repo.createRecord",  # ExpiredToken
        "com.atproto.server.refreshSession",  # the real PDS refreshes
        "com.atproto.repo.createRecord",
    ]


def test_expired_refresh_token_logs_in_again(
    pds: BlueskyPDS, make_adapter: Callable[..., BlueskyAdapter], calls: list[str]
) -> None:
    intercept = expired_once(("com.atproto.repo.createRecord", "com.atproto.server.refreshSession"))
    remote = make_adapter(intercept=intercept).publish_part(outgoing("New login"), 0, [])
    assert stored(pds, remote)["text"] == "New login"
    assert calls.count("com.atproto.server.createSession") == 2


def test_rate_limited_create_waits_for_ratelimit_reset_then_publishes(
    pds: BlueskyPDS, make_adapter: Callable[..., BlueskyAdapter], sleeps: Recorder
) -> None:
    now = 1_800_000_000.0
    limited = [True]

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if nsid(request) == "com.atproto.repo.createRecord" and limited:
            limited.pop()
            return httpx.Response(
                429,
                json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                headers={
                    "RateLimit-Limit": "5000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(int(now) + 42),
                    "RateLimit-Policy": "5000;w=3600",
                },
            )
        return None

    adapter = make_adapter(intercept=intercept, clock=lambda: now)
    remote = adapter.publish_part(outgoing("After the limit"), 0, [])
    assert stored(pds, remote)["text"] == "After the limit"
    assert sleeps.waits == [42.0]


def test_a_rate_limit_longer_than_the_run_allows_is_retryable(
    make_adapter: Callable[..., BlueskyAdapter], sleeps: Recorder
) -> None:
    now = 1_800_000_000.0

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if nsid(request) == "com.atproto.server.createSession":
            return httpx.Response(
                429,
                json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                headers={
                    "RateLimit-Reset": str(int(now) + 86_400),
                    "RateLimit-Policy": "300;w=86400",
                },
            )
        return None

    with pytest.raises(PlatformError) as caught:
        make_adapter(intercept=intercept, clock=lambda: now).publish_part(outgoing("x"), 0, [])
    assert caught.value.retryable and caught.value.status == 429
    assert sleeps.waits == []


def test_5xx_bursts_are_retried_with_backoff(
    pds: BlueskyPDS, make_adapter: Callable[..., BlueskyAdapter], sleeps: Recorder
) -> None:
    failures = [503, 502]

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if nsid(request) == "com.atproto.repo.createRecord" and failures:
            return httpx.Response(failures.pop(), text="Bad Gateway")
        return None

    remote = make_adapter(intercept=intercept).publish_part(outgoing("Through 5xx"), 0, [])
    assert stored(pds, remote)["text"] == "Through 5xx"
    assert sleeps.waits == [1.0, 2.0]


def test_a_lost_response_is_recognised_by_its_record_key(
    pds: BlueskyPDS,
    studio: Account,
    make_adapter: Callable[..., BlueskyAdapter],
) -> None:
    """The PDS stored the post but the answer never came back: the retry finds the key taken
    and the adapter reads the record instead of failing or posting twice."""
    real = httpx.HTTPTransport()
    lost = [True]

    def intercept(request: httpx.Request) -> httpx.Response | None:
        if nsid(request) == "com.atproto.repo.createRecord" and lost:
            lost.pop()
            real.handle_request(request).read()  # the PDS creates the record…
            raise httpx.ReadTimeout("timed out", request=request)  # …and the answer is lost
        return None

    before = post_uris(pds, studio)
    remote = make_adapter(intercept=intercept).publish_part(outgoing("Exactly once"), 0, [])
    assert stored(pds, remote)["text"] == "Exactly once"
    assert sorted(post_uris(pds, studio)) == sorted([*before, remote.id])
