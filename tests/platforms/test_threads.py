"""The Threads adapter against the fake Threads API (tests/fakes/threads.py), through the
real HTTP path and the publisher with its ledger on a bare git remote: containers, images
by URL with alt text, carousels, replies, quotas, Meta's errors, reconciling lost answers,
delete on expiry, insights and followers, and no token in any message, file or output."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders import posts
from builders.remotes import clone, ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import published
from fakes.graph import graph_body
from fakes.threads import ThreadsFake
from PIL import Image

from tidings.core.render import RenderedPart
from tidings.jobs.publish import Options, publish
from tidings.platforms import connect
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
from tidings.platforms.graph import pick
from tidings.platforms.threads import ThreadsAdapter, metrics_reader
from tidings.workspace.model import Channel, Source

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
LATER = NOW + timedelta(minutes=15)
MEDIA_BASE = "https://media.example.org/brand/media/"
CREDENTIALS = {
    "user_id": "THREADS_USER_ID",
    "access_token": "THREADS_ACCESS_TOKEN",
    "api_base": "THREADS_API_BASE",
}
FIRST = "We open the new studio on Harbour Street today, with prints from the whole year."
SECOND = "Come by for tea and a look around, from 10:00 to 16:00."
ALT = "Four framed prints leaning on a white wall"


def png(color: tuple[int, int, int] = (200, 180, 150)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), color).save(buffer, "PNG")
    return buffer.getvalue()


def channels(media_base: str | None = MEDIA_BASE) -> str:
    channel: dict[str, Any] = {"platform": "threads", "credentials": CREDENTIALS}
    if media_base:
        channel["media_base_url"] = media_base
    return yaml.safe_dump({"channels": {"threads": channel}}, sort_keys=False)


def post(body: str, *, images: int = 1, expires: str | None = None, at: str = "09:00") -> str:
    """The opening post for Threads at ``at`` on 2026-12-10: ``body`` under ``images`` of the
    prints (p1, p2)."""
    media = [(f"content/media/p{n}.png", f"{ALT} {n}") for n in range(1, images + 1)]
    front = {"expires": expires} if expires else {}
    return posts.post("threads", at=f"2026-12-10 {at}", parts=(body,), media=media, **front)


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str, media_base: str | None = MEDIA_BASE) -> tuple[Path, Path]:
        return published(
            tmp_path,
            {
                "brand/channels.yaml": channels(media_base),
                posts.HELLO: text,
                "content/media/p1.png": png(),
                "content/media/p2.png": png((20, 40, 60)),
            },
        )

    return build


def env(fake: ThreadsFake, base: str = "http://threads.test") -> dict[str, str]:
    return {
        "THREADS_USER_ID": fake.user_id,
        "THREADS_ACCESS_TOKEN": fake.token,
        "THREADS_API_BASE": f"{base}/v1.0",
    }


def options(fake: ThreadsFake, waits: list[float], now: datetime = NOW) -> Options:
    return pushing(now, env(fake), fake.transport(), waits)


CHANNEL = Channel("threads", "threads", Source("brand/channels.yaml"), credentials=CREDENTIALS)


def adapter(fake: ThreadsFake, waits: list[float] | None = None) -> ThreadsAdapter:
    caller = Caller(
        httpx.Client(transport=fake.transport()), sleep=([] if waits is None else waits).append
    )
    made = connect(CHANNEL, env(fake), caller.client, caller)
    assert isinstance(made, ThreadsAdapter)
    return made


def outgoing(*texts: str, media: tuple[MediaFile, ...] = ()) -> Outgoing:
    return Outgoing(
        post_id="2026/12/hello",
        channel="threads",
        parts=tuple(RenderedPart(t, 1) for t in texts),
        media=media,
        key="20261210T080500Z-abcdef0123",
        started=NOW,
    )


# -- publishing ---------------------------------------------------------------------------


def test_a_thread_with_an_image_and_alt_text_goes_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = ThreadsFake()
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert report.ok, report.outcomes
    first, second = fake.published()
    assert first["media_type"] == "IMAGE" and first["text"] == FIRST
    assert first["images"][0]["alt_text"] == f"{ALT} 1"
    assert first["images"][0]["url"].startswith(MEDIA_BASE)  # the exact file the site serves
    assert second["media_type"] == "TEXT_POST" and second["replied_to"] == first["id"]
    rec = ledger_record(remote, "threads")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [first["id"], second["id"]]
    assert rec["parts"][0]["url"] == f"http://threads.test/@lumengrain/post/{first['shortcode']}"
    assert 3.0 in waits  # the container was still in progress at the first read
    assert fake.calls("GET", "/threads_publishing_limit$")  # the quota was read first

    again = publish(work, options(fake, [], LATER))
    assert again.outcomes == [] and len(fake.published()) == 2


def test_a_text_post_and_a_carousel_with_every_alt_text(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    _remote, work = repo(post(FIRST, images=2))
    fake = ThreadsFake(polls=0)
    assert publish(work, options(fake, [])).ok
    (carousel,) = fake.published()
    assert carousel["media_type"] == "CAROUSEL_ALBUM"
    assert [i["alt_text"] for i in carousel["images"]] == [f"{ALT} 1", f"{ALT} 2"]
    children = [c for c in fake.containers.values() if c["params"].get("is_carousel_item")]
    assert len(children) == 2

    text_only = adapter(ThreadsFake(polls=0))
    made = text_only.publish_part(outgoing("Just words."), 0, [])
    assert made.url and "/post/" in made.url


def test_images_without_a_media_base_url_fail_permanently_naming_the_setting(
    repo: Callable[..., tuple[Path, Path]], tmp_path: Path
) -> None:
    _remote, work = repo(post(FIRST), media_base=None)
    fake = ThreadsFake()
    report = publish(work, options(fake, []))
    assert report.blocked and not fake.requests  # the check stops it before the adapter
    image = MediaFile(tmp_path / "p.png", "image/png", ALT, 800, 800, url=None)
    with pytest.raises(PlatformError, match="set media_base_url") as caught:
        adapter(fake).publish_part(outgoing(FIRST, media=(image,)), 0, [])
    assert not caught.value.retryable and not fake.containers


# -- reconciling ----------------------------------------------------------------------------


def test_a_lost_publish_answer_is_reconciled_in_the_same_run(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = ThreadsFake()
    fake.fault(r"/threads_publish$", method="POST", lost=True, count=2)  # both parts
    report = publish(work, options(fake, []))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    rec = ledger_record(remote, "threads")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [m["id"] for m in fake.published()]


def test_a_lost_answer_left_pending_is_settled_by_the_next_run_from_the_account_posts(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = ThreadsFake()
    fake.fault(r"/threads_publish$", method="POST", lost=True)
    fake.fault(r"/threads$", method="GET", status=500, body={}, count=None)  # the listing
    first = publish(work, options(fake, []))
    assert [o.result for o in first.outcomes] == ["pending"]
    assert ledger_record(remote, "threads")["state"] == "pending" and fake.texts() == [FIRST]

    fake._faults.clear()
    fresh = clone(remote, work.parent / "next")
    second = publish(fresh, options(fake, [], LATER))
    assert second.ok, second.outcomes
    assert fake.texts() == [FIRST, SECOND]  # part 1 found, not sent again; part 2 sent
    rec = ledger_record(remote, "threads")
    assert rec["state"] == "published" and rec["history"][-1]["note"] == "reconciled"
    assert fake.published()[1]["replied_to"] == rec["parts"][0]["id"]


def test_find_part_is_none_only_when_sure() -> None:
    fake = ThreadsFake(polls=0)
    threads = adapter(fake)
    out = outgoing(FIRST, SECOND)
    assert threads.find_part(out, 0, []) is None  # nothing posted since the attempt began
    root = threads.publish_part(out, 0, [])
    assert threads.find_part(out, 0, []) == root
    assert threads.find_part(out, 1, [root]) is None
    reply = threads.publish_part(out, 1, [root])
    assert threads.find_part(out, 1, [root]) == reply
    threads.publish_part(outgoing(FIRST), 0, [])  # the same text again, by hand
    with pytest.raises(Unknowable, match="2 post"):
        threads.find_part(out, 0, [])


def test_pick_needs_the_whole_window_and_the_same_kind() -> None:
    item = {"id": "1", "text": "Hello  there", "media_type": "IMAGE"}
    assert pick([item], True, text_field="text", text="Hello there") == item
    assert pick([], True, text_field="text", text="Hello there") is None
    with pytest.raises(Unknowable, match="too much"):
        pick([], False, text_field="text", text="Hello there")
    with pytest.raises(Unknowable, match="other images"):
        pick(
            [item],
            True,
            text_field="text",
            text="Hello there",
            same_media=lambda i: i["media_type"] == "TEXT_POST",
        )


# -- limits and errors ------------------------------------------------------------------------


def test_a_rate_limit_in_metas_shape_is_waited_out(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    _remote, work = repo(post(FIRST, images=0))
    fake = ThreadsFake(polls=0)
    fake.fault(r"/threads$", method="POST", status=400, body=graph_body("(#4) limit", 4))
    waits: list[float] = []
    assert publish(work, options(fake, waits)).ok
    assert waits == [60.0] and fake.texts() == [FIRST]


def test_a_used_up_quota_fails_for_the_next_run_without_a_container(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(FIRST, images=0))
    fake = ThreadsFake()
    fake.quota_total = 0
    (outcome,) = publish(work, options(fake, [])).outcomes
    assert outcome.result == "failed"
    assert "quota is used up (0 of 0 posts in 24 h)" in outcome.detail
    assert ledger_record(remote, "threads")["retry"] is True
    assert not fake.calls("POST", r"/threads$")


def test_an_expired_token_stops_the_channel_and_names_the_variable(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(FIRST, images=0))
    fake = ThreadsFake()
    fake.expire()
    (outcome,) = publish(work, options(fake, [])).outcomes
    assert outcome.result == "failed"
    assert "THREADS_ACCESS_TOKEN" in outcome.detail and "th_refresh_token" in outcome.detail
    assert "Session has expired" in outcome.detail and "190/463" in outcome.detail
    rec = ledger_record(remote, "threads")
    assert rec["retry"] is True and fake.token not in rec["error"]
    assert not fake.published()


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (
            {
                "status": 400,
                "body": graph_body(
                    "THREADS_API__LINK_LIMIT_EXCEEDED", 100, user_msg="No more than 5 links."
                ),
            },
            "No more than 5 links. (Graph error 100)",
        ),
        ({"status": 400, "body": graph_body("Invalid parameter", 100)}, "Invalid parameter"),
    ],
)
def test_a_refused_post_fails_permanently_with_the_platforms_words(
    repo: Callable[..., tuple[Path, Path]], fault: dict[str, Any], words: str
) -> None:
    remote, work = repo(post(FIRST, images=0))
    fake = ThreadsFake()
    fake.fault(r"/threads$", method="POST", **fault)
    (outcome,) = publish(work, options(fake, [])).outcomes
    assert outcome.result == "failed" and words in outcome.detail
    assert ledger_record(remote, "threads")["retry"] is False


def test_more_than_five_links_are_refused_by_the_fake_as_threads_does() -> None:
    links = " ".join(f"https://example.org/{n}" for n in range(6))
    with pytest.raises(PlatformError, match="5 links") as caught:
        adapter(ThreadsFake()).publish_part(outgoing(links), 0, [])
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("state", "retryable", "words"),
    [
        (("ERROR", "FAILED_DOWNLOADING_IMAGE"), False, "FAILED_DOWNLOADING_IMAGE"),
        (("EXPIRED", None), True, "expired"),
        (("STUCK", None), True, "still preparing the post after 283 s"),
    ],
)
def test_container_states_end_bounded(
    state: tuple[str, str | None], retryable: bool, words: str
) -> None:
    fake = ThreadsFake()
    fake.next_states.append(state)
    waits: list[float] = []
    with pytest.raises(PlatformError, match=words) as caught:
        adapter(fake, waits).publish_part(outgoing(FIRST), 0, [])
    assert caught.value.retryable is retryable
    assert 0 < sum(waits) <= 300 and not fake.published()


def test_no_token_in_messages_ledger_or_cli_output(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = ThreadsFake()
    echo = f"Bad request: /v1.0/{fake.user_id}/threads?access_token={fake.token}"
    fake.fault(r"/threads$", method="POST", status=400, body=echo, count=None)
    with pytest.raises(PlatformError) as caught:
        adapter(fake).publish_part(outgoing(FIRST), 0, [])
    assert (
        fake.token not in caught.value.message and "<THREADS_ACCESS_TOKEN>" in caught.value.message
    )
    assert all(fake.token in str(r.url) for r in fake.requests)  # it was sent, in the query

    remote, work = repo(post(FIRST, images=0))
    with fake.serve() as base:
        full = {**os.environ, **env(fake, base), "GIT_CONFIG_GLOBAL": "/dev/null"}
        full.pop("TIDINGS_CRASH_AT", None)
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
            env=full,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Bad request" in run.stdout + run.stderr
    assert fake.token not in run.stdout + run.stderr
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert ledger_record(remote, "threads")["state"] == "failed"


# -- delete ------------------------------------------------------------------------------------


def test_an_expired_thread_is_deleted_part_by_part(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}", expires="2026-12-11 09:00"))
    fake = ThreadsFake(polls=0)
    assert publish(work, options(fake, [])).ok
    ids = [m["id"] for m in fake.published()]
    report = publish(work, options(fake, [], NOW + timedelta(days=2)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.deleted == ids[::-1] and ledger_record(remote, "threads")["state"] == "retracted"
    adapter(fake).delete(Remote(ids[0], None))  # already gone: fine


# -- metrics -------------------------------------------------------------------------------------


def test_insights_per_post_null_not_zero_and_followers() -> None:
    fake = ThreadsFake(polls=0)
    threads = adapter(fake)
    one = threads.publish_part(outgoing(FIRST), 0, [])
    two = threads.publish_part(outgoing(SECOND), 0, [])
    fake.insights[one.id] = {"views": 120, "likes": 7, "replies": 0, "quotes": None}
    caller = Caller(httpx.Client(transport=fake.transport()))
    reader = metrics_reader(CHANNEL, env(fake), caller)
    found = reader.post_metrics([one, two, Remote("999", None)])
    first = found[one.id]
    assert isinstance(first, Counts)
    assert (first.views, first.likes, first.replies, first.quotes) == (120, 7, 0, None)
    assert first.raw["shares"] == 0 and first.raw["quotes"] is None
    assert isinstance(found[two.id], Counts)
    assert isinstance(found["999"], Unavailable)
    assert caller.requests == 3  # one request a post
    (request,) = fake.calls("GET", f"/{one.id}/insights$")
    assert request.url.params["metric"] == "views,likes,replies,reposts,quotes,shares"
    account = reader.account_metrics()
    assert account.followers == 321
    fake.followers = None
    assert reader.account_metrics().followers is None


def test_a_throttled_metrics_read_is_an_error_not_unavailable() -> None:
    fake = ThreadsFake(polls=0)
    threads = adapter(fake)
    one = threads.publish_part(outgoing(FIRST), 0, [])
    fake.fault(
        r"/insights$", status=400, body=graph_body("(#17) User request limit", 17), count=None
    )
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=[].append)
    with pytest.raises(PlatformError, match="rate limited") as caught:
        metrics_reader(CHANNEL, env(fake), caller).post_metrics([one])
    assert caught.value.retryable


def test_find_part_sees_through_entities_and_leaves_reformatted_text_to_a_person() -> None:
    """A listing whose text Meta escaped (``&amp;``) or formatted otherwise must not read as
    "certainly not sent": the first is our post, the second is for a person."""
    fake = ThreadsFake(polls=0)
    text = "Prints & frames <3 at the studio, today only"
    root = adapter(fake).publish_part(outgoing(text), 0, [])
    stamp = (NOW + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")

    def listing(shown: str) -> dict[str, Any]:
        item = {"id": root.id, "text": shown, "timestamp": stamp, "media_type": "TEXT_POST"}
        return {"data": [item]}

    fake.fault(r"/threads$", method="GET", status=200, body=listing(escape(text)))
    assert adapter(fake).find_part(outgoing(text), 0, []) == Remote(root.id, None)
    shown = "Prints & Frames <3 at the studio — today only!"
    fake.fault(r"/threads$", method="GET", status=200, body=listing(shown))
    with pytest.raises(Unknowable, match="formatted otherwise"):
        adapter(fake).find_part(outgoing(text), 0, [])


def test_an_older_post_listed_first_does_not_end_the_listing() -> None:
    """A pinned post older than the attempt, listed before ours, must not hide ours."""
    fake = ThreadsFake(polls=0)
    text = "Prints and frames at the studio, today only"
    root = adapter(fake).publish_part(outgoing(text), 0, [])
    old = (NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    new = (NOW + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    pinned = {"id": "1", "text": "Welcome!", "timestamp": old, "media_type": "TEXT_POST"}
    ours = {"id": root.id, "text": text, "timestamp": new, "media_type": "TEXT_POST"}
    fake.fault(r"/threads$", method="GET", status=200, body={"data": [pinned, ours]})
    assert adapter(fake).find_part(outgoing(text), 0, []) == Remote(root.id, None)


def test_a_listed_post_with_our_text_but_no_id_is_unknowable_not_a_crash() -> None:
    fake = ThreadsFake(polls=0)
    text = "Prints and frames at the studio, today only"
    stamp = (NOW + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    item = {"text": text, "timestamp": stamp, "media_type": "TEXT_POST"}
    fake.fault(r"/threads$", method="GET", status=200, body={"data": [item]})
    with pytest.raises(Unknowable):
        adapter(fake).find_part(outgoing(text), 0, [])


def test_an_empty_page_with_a_next_cursor_is_not_the_end_of_the_listing() -> None:
    """Graph may answer a page with no items and a ``next`` link (it filtered the page):
    only the absence of ``next`` ends the listing."""
    fake = ThreadsFake(polls=0)
    text = "Prints and frames at the studio, today only"
    root = adapter(fake).publish_part(outgoing(text), 0, [])
    new = (NOW + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    paging = {"cursors": {"before": "b", "after": "a1"}, "next": "http://threads.test/next"}
    ours = {"id": root.id, "text": text, "timestamp": new, "media_type": "TEXT_POST"}
    fake.fault(r"/threads$", method="GET", status=200, body={"data": [], "paging": paging})
    fake.fault(r"/threads$", method="GET", status=200, body={"data": [ours]})
    assert adapter(fake).find_part(outgoing(text), 0, []) == Remote(root.id, None)


def test_an_identical_post_from_before_the_attempt_is_never_taken_for_ours() -> None:
    """The fake dates posts from 08:00; an attempt that began at 08:05 did not make them."""
    fake = ThreadsFake(polls=0)
    text = "Prints and frames at the studio, today only"
    adapter(fake).publish_part(outgoing(text), 0, [])  # by hand, before the attempt
    threads = adapter(fake)
    threads.graph.caller.clock = lambda: (NOW + timedelta(minutes=15)).timestamp()
    with pytest.raises(Unknowable, match="1 have the same text"):
        threads.find_part(outgoing(text), 0, [])
