"""The Instagram adapter against the fake Instagram API (tests/fakes/instagram.py), through
the real HTTP path and the publisher with its ledger on a bare git remote: JPEG renditions
by URL with alt text, carousels, later parts as comments, quotas, Meta's errors,
reconciling lost answers, no delete, insights with the 2025 names, followers, no token in
any message."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from builders import posts
from builders.remotes import clone, ledger_record
from builders.runs import pushing
from builders.workspaces import published
from fakes.graph import graph_body
from fakes.instagram import InstagramFake
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
)
from tidings.platforms.instagram import InstagramAdapter, metrics_reader
from tidings.workspace.model import Channel, Source

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)
MEDIA_BASE = "https://media.example.org/brand/media/"
CREDENTIALS = {"user_id": "IG_USER_ID", "access_token": "IG_ACCESS_TOKEN", "api_base": "IG_API"}
FIRST = "Our new studio on Harbour Street opens today, with prints from the whole year."
SECOND = "Come by for tea and a look around, from 10:00 to 16:00."
ALT = "Four framed prints leaning on a white wall"
CHANNEL = Channel("instagram", "instagram", Source("brand/channels.yaml"), credentials=CREDENTIALS)


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), color).save(buffer, "PNG")
    return buffer.getvalue()


def post(body: str, *, images: int = 1, expires: str | None = None) -> str:
    """The opening post for Instagram: ``body`` under ``images`` of the prints (p1, p2)."""
    media = [(f"content/media/p{n}.png", f"{ALT} {n}") for n in range(1, images + 1)]
    front = {"expires": expires} if expires else {}
    return posts.post("instagram", parts=(body,), media=media, **front)


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str) -> tuple[Path, Path]:
        channel = {
            "platform": "instagram",
            "credentials": CREDENTIALS,
            "media_base_url": MEDIA_BASE,
        }
        return published(
            tmp_path,
            {
                "brand/channels.yaml": yaml.safe_dump({"channels": {"instagram": channel}}),
                posts.HELLO: text,
                "content/media/p1.png": png((200, 180, 150)),
                "content/media/p2.png": png((20, 40, 60)),
            },
        )

    return build


def env(fake: InstagramFake) -> dict[str, str]:
    return {
        "IG_USER_ID": fake.user_id,
        "IG_ACCESS_TOKEN": fake.token,
        "IG_API": "http://ig.test/v23.0",
    }


def options(fake: InstagramFake, waits: list[float], now: datetime = NOW) -> Options:
    return pushing(now, env(fake), fake.transport(), waits)


def adapter(fake: InstagramFake, waits: list[float] | None = None) -> InstagramAdapter:
    caller = Caller(
        httpx.Client(transport=fake.transport()), sleep=([] if waits is None else waits).append
    )
    made = connect(CHANNEL, env(fake), caller.client, caller)
    assert isinstance(made, InstagramAdapter)
    return made


def image(url: str | None = "https://media.example.org/brand/media/renditions/a.jpg") -> MediaFile:
    return MediaFile(Path("a.jpg"), "image/jpeg", ALT, 800, 800, url=url)


def outgoing(*texts: str, media: tuple[MediaFile, ...] = (image(),)) -> Outgoing:
    return Outgoing(
        post_id="2026/12/hello",
        channel="instagram",
        parts=tuple(RenderedPart(t, 1) for t in texts),
        media=media,
        key="20261210T080500Z-abcdef0123",
        started=NOW,
    )


def test_an_image_post_with_alt_text_and_a_comment_for_the_second_part(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = InstagramFake()
    waits: list[float] = []
    report = publish(work, options(fake, waits))
    assert report.ok, report.outcomes
    media, comment = fake.published()
    assert media["kind"] == "post" and media["caption"] == FIRST
    (picture,) = media["images"]
    assert picture["alt_text"] == f"{ALT} 1"
    assert picture["url"].startswith(MEDIA_BASE + "renditions/") and picture["url"].endswith(".jpg")
    assert comment["kind"] == "comment" and comment["on"] == media["id"]
    assert comment["text"] == SECOND
    rec = ledger_record(remote, "instagram")
    assert [p["id"] for p in rec["parts"]] == [media["id"], comment["id"]]
    assert rec["parts"][0]["url"] == media["permalink"] == rec["parts"][1]["url"]
    assert waits == [3.0]  # one poll while the container was in progress
    assert fake.calls("GET", "/content_publishing_limit$")


def test_several_images_make_a_carousel(repo: Callable[..., tuple[Path, Path]]) -> None:
    _, work = repo(post(FIRST, images=2))
    fake = InstagramFake(polls=0)
    assert publish(work, options(fake, [])).ok
    (carousel,) = fake.published()
    assert carousel["media_type"] == "CAROUSEL_ALBUM"
    assert [i["alt_text"] for i in carousel["images"]] == [f"{ALT} 1", f"{ALT} 2"]


def test_no_image_no_address_or_no_jpeg_fail_permanently() -> None:
    fake = InstagramFake(polls=0)
    ig = adapter(fake)
    for media, words in (
        ((), "no text-only posts"),
        ((image(None),), "set media_base_url"),
        ((image("https://media.example.org/a.png"),), "JPEG images only"),
    ):
        with pytest.raises(PlatformError, match=words) as caught:
            ig.publish_part(outgoing(FIRST, media=media), 0, [])
        assert not caught.value.retryable
    assert not fake.published()


def test_lost_answers_to_publish_and_comment_are_reconciled(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = InstagramFake()
    fake.fault(r"/media_publish$", method="POST", lost=True)
    fake.fault(r"/comments$", method="POST", lost=True)
    report = publish(work, options(fake, []))
    assert report.ok, report.outcomes
    assert fake.texts() == [FIRST, SECOND]
    assert ledger_record(remote, "instagram")["state"] == "published"


def test_a_pending_post_is_settled_by_the_next_run_from_the_account_media(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(f"{FIRST}\n\n---\n\n{SECOND}"))
    fake = InstagramFake()
    fake.fault(r"/media_publish$", method="POST", lost=True)
    fake.fault(r"/media$", method="GET", status=500, body={}, count=None)  # cannot tell
    assert [o.result for o in publish(work, options(fake, [])).outcomes] == ["pending"]
    fake._faults.clear()
    fresh = clone(remote, work.parent / "next")
    assert publish(fresh, options(fake, [], LATER)).ok
    assert fake.texts() == [FIRST, SECOND]
    assert ledger_record(remote, "instagram")["state"] == "published"


def test_rate_limit_quota_and_expired_token(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = InstagramFake(polls=0)
    fake.fault(r"/media$", method="POST", status=400, body=graph_body("(#32) Page limit", 32))
    waits: list[float] = []
    adapter(fake, waits).publish_part(outgoing(FIRST), 0, [])
    assert waits == [60.0] and fake.texts() == [FIRST]

    fake.quota_total = 1
    with pytest.raises(PlatformError, match=r"quota is used up \(1 of 1 posts in 24 h\)") as q:
        adapter(fake).publish_part(outgoing(SECOND), 0, [])
    assert q.value.retryable and len(fake.containers) == 1

    remote, work = repo(post(FIRST))
    fake.expire()
    (outcome,) = publish(work, options(fake, [])).outcomes
    assert outcome.result == "failed"
    assert "IG_ACCESS_TOKEN" in outcome.detail and "ig_refresh_token" in outcome.detail
    rec = ledger_record(remote, "instagram")
    assert rec["retry"] is True and fake.token not in rec["error"]


def test_a_refusal_keeps_the_platforms_words_and_no_token() -> None:
    fake = InstagramFake(polls=0)
    body = graph_body(
        "Invalid parameter",
        36000,
        subcode=2207004,
        user_title="Image size too large",
        user_msg=f"The image is too large to download (token {fake.token}).",
    )
    fake.fault(r"/media$", method="POST", status=400, body=body)
    with pytest.raises(PlatformError) as caught:
        adapter(fake).publish_part(outgoing(FIRST), 0, [])
    message = caught.value.message
    assert "Image size too large: The image is too large" in message
    assert "36000/2207004" in message and fake.token not in message
    assert not caught.value.retryable


def test_an_expired_post_stays_up_because_instagram_cannot_delete(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    remote, work = repo(post(FIRST, expires="2026-12-11 09:00"))
    fake = InstagramFake(polls=0)
    assert publish(work, options(fake, [])).ok
    report = publish(work, options(fake, [], NOW + timedelta(days=2)))
    assert all(o.result != "retracted" for o in report.outcomes)
    assert (
        not fake.calls("DELETE", ".*")
        and ledger_record(remote, "instagram")["state"] == "published"
    )
    with pytest.raises(PlatformError, match="cannot delete"):
        adapter(fake).delete(Remote("1", None))


def test_insights_with_the_2025_names_null_not_zero_and_followers() -> None:
    fake = InstagramFake(polls=0)
    ig = adapter(fake)
    one = ig.publish_part(outgoing(FIRST), 0, [])
    fake.insights[one.id] = {"views": 300, "reach": 210, "likes": 12, "comments": 0, "saved": None}
    caller = Caller(httpx.Client(transport=fake.transport()))
    reader = metrics_reader(CHANNEL, env(fake), caller)
    found = reader.post_metrics([one, Remote("404", None)])
    counts = found[one.id]
    assert isinstance(counts, Counts)
    assert (counts.views, counts.likes, counts.replies) == (300, 12, 0)
    assert counts.reposts is None and counts.quotes is None
    assert counts.raw["saved"] is None and counts.raw["reach"] == 210
    assert isinstance(found["404"], Unavailable)
    (request,) = fake.calls("GET", f"/{one.id}/insights$")
    assert "impressions" not in request.url.params["metric"]
    account = reader.account_metrics()
    assert account.followers == 321 and account.raw["media_count"] == 1
