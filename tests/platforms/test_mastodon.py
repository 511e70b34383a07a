"""The Mastodon adapter against a real Mastodon API (mastodon-mock on 127.0.0.1).

Every call goes through the real HTTP path. Sleeps are recorded instead of slept, so the
retry waits are asserted exactly. Conditions the server cannot produce (an upload still
processing) come from an ``httpx`` transport wrapped around the real one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from peers.mastodon import MastodonServer
from PIL import Image

from tidings.core.render import RenderedPart
from tidings.platforms import connect
from tidings.platforms.base import (
    Caller,
    CredentialError,
    MediaFile,
    Outgoing,
    PlatformError,
    Remote,
    Unknowable,
)
from tidings.platforms.mastodon import MastodonAdapter, instance_limits, plain_text
from tidings.workspace.model import Channel, Source

CHANNEL = Channel(
    id="mastodon",
    platform="mastodon",
    source=Source("brand/channels.yaml"),
    credentials={"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"},
)
LONG_AGO = timedelta(hours=2)  # the Idempotency-Key has expired: find_part reads history


class Recorder:
    """A Caller's ``sleep``: remembers the waits, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as c:
        yield c


@pytest.fixture
def make_adapter(
    mastodon: MastodonServer, client: httpx.Client, sleeps: Recorder
) -> Callable[..., MastodonAdapter]:
    def make(
        token: str | None = None, *, http: httpx.Client | None = None, **caller: Any
    ) -> MastodonAdapter:
        env = {
            "MASTODON_BASE_URL": mastodon.base_url + "/",
            "MASTODON_ACCESS_TOKEN": token or mastodon.token,
        }
        c = Caller(http or client, sleep=sleeps, **caller)
        adapter = connect(CHANNEL, env, http or client, c)
        assert isinstance(adapter, MastodonAdapter)
        return adapter

    return make


@pytest.fixture
def adapter(make_adapter: Callable[..., MastodonAdapter]) -> MastodonAdapter:
    return make_adapter()


def outgoing(
    *texts: str,
    key: str = "k1",
    media: tuple[MediaFile, ...] = (),
    started: datetime | None = None,
    **extra: Any,
) -> Outgoing:
    return Outgoing(
        post_id="2026-12-hello",
        channel="mastodon",
        parts=tuple(RenderedPart(t, i + 1) for i, t in enumerate(texts)),
        media=media,
        key=key,
        started=started or datetime.now(UTC),
        **extra,
    )


def png(tmp_path: Path, alt: str, name: str = "dot.png") -> MediaFile:
    path = tmp_path / name
    Image.new("RGB", (40, 30), "teal").save(path)
    return MediaFile(path=path, mime="image/png", alt=alt, width=40, height=30)


def publish_all(adapter: MastodonAdapter, out: Outgoing) -> list[Remote]:
    thread: list[Remote] = []
    for index in range(len(out.parts)):
        thread.append(adapter.publish_part(out, index, thread))
    return thread


# -- publishing ----------------------------------------------------------------------------


def test_text_post_with_visibility_and_language(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Hello from tidings", language="de", options={"visibility": "unlisted"})
    remote = adapter.publish_part(out, 0, [])
    status = mastodon.status(remote.id)
    assert plain_text(status["content"]) == "Hello from tidings"
    assert (status["visibility"], status["language"]) == ("unlisted", "de")
    assert status["in_reply_to_id"] is None
    assert remote.url == status["url"] and remote.url
    assert [s["id"] for s in mastodon.statuses()] == [remote.id]


def test_image_keeps_its_alt_text(
    adapter: MastodonAdapter, mastodon: MastodonServer, tmp_path: Path
) -> None:
    out = outgoing("Look at this", media=(png(tmp_path, "A teal rectangle, 40 by 30"),))
    status = mastodon.status(adapter.publish_part(out, 0, []).id)
    [attachment] = status["media_attachments"]
    assert attachment["type"] == "image"
    assert attachment["description"] == "A teal rectangle, 40 by 30"


def test_thread_is_chained_by_in_reply_to_id_and_media_go_with_the_first_part(
    adapter: MastodonAdapter, mastodon: MastodonServer, tmp_path: Path
) -> None:
    out = outgoing("One", "Two", "Three", media=(png(tmp_path, "alt"),))
    parts = publish_all(adapter, out)
    statuses = [mastodon.status(p.id) for p in parts]
    assert [s["in_reply_to_id"] for s in statuses] == [None, parts[0].id, parts[1].id]
    assert [len(s["media_attachments"]) for s in statuses] == [1, 0, 0]
    assert [plain_text(s["content"]) for s in statuses] == ["One", "Two", "Three"]


def test_the_same_part_key_twice_creates_one_status(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Only once")
    first = adapter.publish_part(out, 0, [])
    again = adapter.publish_part(out, 0, [])
    assert again == first
    assert len(mastodon.statuses()) == 1
    other = adapter.publish_part(outgoing("Only once", key="k2"), 0, [])
    assert other.id != first.id  # a new attempt key is a new status


def test_a_lost_answer_is_retried_with_the_same_key_and_posts_once(
    mastodon: MastodonServer, make_adapter: Callable[..., MastodonAdapter], sleeps: Recorder
) -> None:
    # The server holds the first request past the client's timeout, then creates the status
    # anyway; the caller retries (the POST is safe with its Idempotency-Key).
    mastodon.fault("/api/v1/statuses", methods=("POST",), effect="latency", delay_ms=1200)
    with httpx.Client(timeout=0.4) as impatient:
        remote = make_adapter(http=impatient).publish_part(outgoing("Slow server"), 0, [])
    assert sleeps.waits == [1.0]
    time.sleep(1.2)  # let the held request finish on the server
    assert [s["id"] for s in mastodon.statuses()] == [remote.id]


def test_instance_limits_are_read_once_per_adapter(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    limits = adapter.limits()
    assert limits.max_characters == 500
    assert limits.max_media_attachments == 4
    assert limits.characters_reserved_per_url == 23
    assert "image/png" in limits.supported_mime_types
    assert limits.image_size_limit and limits.image_size_limit > 1_000_000
    before = adapter.caller.requests
    assert adapter.limits() is limits
    assert adapter.caller.requests == before
    assert instance_limits(adapter.caller, mastodon.base_url) == limits


# -- finding a part after a crash ----------------------------------------------------------


def test_find_part_replays_a_fresh_key_and_gets_the_existing_status(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Crashed after sending", "and part two")
    parts = publish_all(adapter, out)
    assert adapter.find_part(out, 0, []) == parts[0]
    assert adapter.find_part(out, 1, parts[:1]) == parts[1]
    assert len(mastodon.statuses()) == 2


def test_find_part_with_a_fresh_key_posts_a_part_never_sent_exactly_once(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Crashed before sending")
    found = adapter.find_part(out, 0, [])
    assert found is not None
    assert adapter.find_part(out, 0, []) == found
    assert [s["id"] for s in mastodon.statuses()] == [found.id]


def test_find_part_after_the_key_expired_reads_history_and_never_posts(
    adapter: MastodonAdapter, mastodon: MastodonServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC) - LONG_AGO
    text = (
        "Launch **day** with @ann@example.social & <friends>:\n\n"
        "https://example.com/a/b?utm_source=mastodon&utm_medium=social #Tidings 🎉"
    )
    out = outgoing(text, "Second part", started=started, media=(png(tmp_path, "A dot"),))
    parts = publish_all(adapter, out)
    adapter.publish_part(outgoing("Second part", key="other"), 0, [])  # same text, no parent
    before = len(mastodon.statuses())
    assert adapter.find_part(out, 0, []) == parts[0]
    assert adapter.find_part(out, 1, parts[:1]) == parts[1]
    never = outgoing("Never sent", started=started, key="k9")
    assert adapter.find_part(never, 0, []) is None
    assert len(mastodon.statuses()) == before


def test_find_part_is_unknowable_when_history_is_too_long_to_read(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Lost in the noise", started=datetime.now(UTC) - LONG_AGO)
    for n in range(5):
        adapter.publish_part(outgoing(f"noise {n}", key=f"n{n}"), 0, [])
    adapter.page_size, adapter.max_pages = 2, 2
    with pytest.raises(Unknowable, match="could not be checked"):
        adapter.find_part(out, 0, [])
    adapter.max_pages = 4  # 3 pages hold all 5 statuses; the 4th, empty, proves the end
    assert adapter.find_part(out, 0, []) is None


def test_find_part_is_unknowable_when_a_short_text_matches_only_loosely(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    adapter.publish_part(outgoing("Hi there", key="x"), 0, [])
    out = outgoing("hi, there!", started=datetime.now(UTC) - LONG_AGO)
    with pytest.raises(Unknowable, match="1 nearly match"):
        adapter.find_part(out, 0, [])


def test_a_later_part_needs_the_thread(adapter: MastodonAdapter) -> None:
    with pytest.raises(ValueError, match="part 2"):
        adapter.publish_part(outgoing("One", "Two"), 1, [])


def test_an_identical_status_from_before_the_attempt_is_never_taken_for_ours(
    make_adapter: Callable[..., MastodonAdapter], mastodon: MastodonServer
) -> None:
    """Someone posted the same words by hand 5 minutes before the attempt began: that is
    not our part (returning it would lose ours), and not proof it is missing either."""
    now = datetime.now(UTC)
    adapter = make_adapter(clock=(now + timedelta(minutes=70)).timestamp)
    adapter.publish_part(outgoing("Doors open at ten", key="by-hand"), 0, [])
    out = outgoing("Doors open at ten", started=now + timedelta(minutes=5))
    with pytest.raises(Unknowable, match="nearly match"):
        adapter.find_part(out, 0, [])
    assert len(mastodon.statuses()) == 1


def test_find_part_is_unknowable_when_two_statuses_match(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    out = outgoing("Twice by hand", started=datetime.now(UTC) - LONG_AGO)
    adapter.publish_part(outgoing("Twice by hand", key="a"), 0, [])
    adapter.publish_part(outgoing("Twice by hand", key="b"), 0, [])
    with pytest.raises(Unknowable, match="2 status"):
        adapter.find_part(out, 0, [])


def test_find_part_is_unknowable_when_our_text_has_other_images(
    adapter: MastodonAdapter, mastodon: MastodonServer, tmp_path: Path
) -> None:
    started = datetime.now(UTC) - LONG_AGO
    adapter.publish_part(outgoing("Picture", key="x", media=(png(tmp_path, "a cat"),)), 0, [])
    out = outgoing("Picture", started=started, media=(png(tmp_path, "a dog", "b.png"),))
    with pytest.raises(Unknowable, match="other images"):
        adapter.find_part(out, 0, [])


def test_plain_text_of_mastodon_html() -> None:
    content = (
        '<p>Hi <span class="h-card"><a href="https://x.social/@ann" class="u-url mention">'
        '@<span>ann</span></a></span> &amp; all<br />see <a href="https://example.com/long/path">'
        '<span class="invisible">https://</span><span class="ellipsis">example.com/long</span>'
        '<span class="invisible">/path</span></a></p><p>Bye</p>'
    )
    assert plain_text(content) == "Hi @ann & all\nsee https://example.com/long/path\n\nBye"


# -- delete ------------------------------------------------------------------------------


def test_delete_removes_the_status_and_a_second_delete_is_fine(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    remote = adapter.publish_part(outgoing("Expires soon"), 0, [])
    adapter.delete(remote)
    assert mastodon.statuses() == []
    adapter.delete(remote)  # 404: already gone


# -- errors --------------------------------------------------------------------------------


def test_a_bad_token_is_an_auth_error_that_never_shows_the_token(
    make_adapter: Callable[..., MastodonAdapter], mastodon: MastodonServer
) -> None:
    secret = "s3cret-token-do-not-print"
    adapter = make_adapter(secret)
    with pytest.raises(PlatformError) as caught:
        adapter.publish_part(outgoing("Nope"), 0, [])
    error = caught.value
    assert (error.auth, error.status, error.retryable) == (True, 401, False)
    assert "authenticated" in str(error)  # the platform's own message
    assert secret not in str(error) and secret not in repr(error.args)
    assert secret not in repr(adapter)
    assert mastodon.statuses() == []


def test_missing_credentials_name_the_variable() -> None:
    with httpx.Client() as c, pytest.raises(CredentialError, match="MASTODON_ACCESS_TOKEN"):
        connect(CHANNEL, {"MASTODON_BASE_URL": "https://example.social"}, c)


def test_rate_limited_requests_wait_as_told_and_end_published(
    adapter: MastodonAdapter, mastodon: MastodonServer, sleeps: Recorder, tmp_path: Path
) -> None:
    mastodon.fault("/api/v2/media", effect="ratelimit", headers={"Retry-After": "3"}, count=1)
    mastodon.fault(
        "/api/v1/statuses", methods=("POST",), effect="ratelimit",
        headers={"Retry-After": "2"}, count=2,
    )  # fmt: skip
    remote = adapter.publish_part(outgoing("Busy", media=(png(tmp_path, "alt"),)), 0, [])
    assert sleeps.waits == [3.0, 2.0, 2.0]
    assert [s["id"] for s in mastodon.statuses()] == [remote.id]


def test_the_iso_8601_rate_limit_reset_is_honoured(
    make_adapter: Callable[..., MastodonAdapter], mastodon: MastodonServer, sleeps: Recorder
) -> None:
    # Mastodon answers 429 with X-RateLimit-Reset as an ISO-8601 time and no Retry-After.
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    reset = (now + timedelta(seconds=7)).isoformat().replace("+00:00", "Z")
    mastodon.fault(
        "/api/v1/statuses", methods=("POST",), status=429, count=1,
        headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                 "X-RateLimit-Reset": reset},
    )  # fmt: skip
    adapter = make_adapter(clock=now.timestamp)
    adapter.publish_part(outgoing("After the reset"), 0, [])
    assert sleeps.waits == [7.0]
    assert len(mastodon.statuses()) == 1


def test_a_rate_limit_longer_than_the_run_may_wait_is_a_retryable_error(
    adapter: MastodonAdapter, mastodon: MastodonServer, sleeps: Recorder
) -> None:
    mastodon.fault("/api/v1/statuses", methods=("POST",), effect="ratelimit", count=None)
    with pytest.raises(PlatformError) as caught:
        adapter.publish_part(outgoing("Later"), 0, [])
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (
        429,
        True,
        300.0,
    )
    assert sleeps.waits == []  # Retry-After: 300 is beyond the 120 s a run may wait
    assert mastodon.statuses() == []


def test_server_errors_are_retried_with_backoff_and_end_published(
    adapter: MastodonAdapter, mastodon: MastodonServer, sleeps: Recorder, tmp_path: Path
) -> None:
    mastodon.fault("/api/v2/media", status=502, count=1)
    mastodon.fault("/api/v1/statuses", methods=("POST",), status=503, count=2)
    remote = adapter.publish_part(outgoing("Flaky", media=(png(tmp_path, "alt"),)), 0, [])
    assert sleeps.waits == [1.0, 1.0, 2.0]
    [status] = mastodon.statuses()
    assert status["id"] == remote.id and len(status["media_attachments"]) == 1


def test_a_broken_answer_is_uncertain_and_the_retry_posts_once(
    adapter: MastodonAdapter, mastodon: MastodonServer
) -> None:
    mastodon.fault("/api/v1/statuses", methods=("POST",), effect="malformed", count=1)
    out = outgoing("Garbled")
    with pytest.raises(PlatformError) as caught:
        adapter.publish_part(out, 0, [])
    assert caught.value.uncertain and caught.value.retryable
    remote = adapter.publish_part(out, 0, [])
    assert [s["id"] for s in mastodon.statuses()] == [remote.id]


def test_attaching_media_still_processing_waits_and_retries(
    adapter: MastodonAdapter, mastodon: MastodonServer, sleeps: Recorder, tmp_path: Path
) -> None:
    message = "Cannot attach files that have not finished processing. Try again in a moment!"
    mastodon.fault(
        "/api/v1/statuses", methods=("POST",), status=422, body={"error": message}, count=2
    )
    remote = adapter.publish_part(outgoing("Soon", media=(png(tmp_path, "alt"),)), 0, [])
    assert sleeps.waits == [1.0, 2.0]
    assert len(mastodon.status(remote.id)["media_attachments"]) == 1


def test_media_that_never_finishes_processing_is_left_for_the_next_run(
    make_adapter: Callable[..., MastodonAdapter], mastodon: MastodonServer, sleeps: Recorder
) -> None:
    message = "Cannot attach files that have not finished processing. Try again in a moment!"
    mastodon.fault(
        "/api/v1/statuses", methods=("POST",), status=422, body={"error": message}, count=None
    )
    adapter = make_adapter()
    adapter.processing_attempts = 2
    with pytest.raises(PlatformError, match="finished processing") as caught:
        adapter.publish_part(outgoing("Never ready"), 0, [])
    assert (caught.value.status, caught.value.retryable) == (422, True)
    assert sleeps.waits == [1.0, 2.0]


def test_other_422s_fail_with_the_platforms_message(
    adapter: MastodonAdapter, mastodon: MastodonServer, sleeps: Recorder
) -> None:
    with pytest.raises(PlatformError, match="Text is too long") as caught:
        adapter.publish_part(outgoing("x" * 501), 0, [])
    assert (caught.value.status, caught.value.retryable, caught.value.auth) == (422, False, False)
    assert sleeps.waits == []


class ProcessingUploads(httpx.BaseTransport):
    """The real server, except that uploads answer 202 with ``url: null`` like a large
    image on Mastodon (mastodon-mock always processes synchronously)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v2/media":
            response.read()
            response.close()
            body = {**response.json(), "url": None}
            return httpx.Response(202, json=body, request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_an_upload_still_processing_is_polled_until_ready(
    make_adapter: Callable[..., MastodonAdapter],
    mastodon: MastodonServer,
    sleeps: Recorder,
    tmp_path: Path,
) -> None:
    mastodon.fault("/api/v1/media/*", methods=("GET",), status=206, body={}, count=2)
    with httpx.Client(transport=ProcessingUploads(), timeout=10.0) as http:
        adapter = make_adapter(http=http)
        remote = adapter.publish_part(outgoing("Big image", media=(png(tmp_path, "alt"),)), 0, [])
    assert sleeps.waits == [1.0, 2.0, 3.0]  # 206, 206, 200
    assert mastodon.faults() == []
    assert mastodon.status(remote.id)["media_attachments"][0]["description"] == "alt"
