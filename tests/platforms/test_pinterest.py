"""Pinterest (API v5) against the fake (tests/fakes/pinterest.py) and a real bare git remote:
a pin with its image, title, link and alt text goes out once; a carousel; a lost answer is
found on the board, never pinned twice; a wrong token stops the channel unseen; refusals in
Pinterest's words; an expired pin is deleted; analytics and followers are read; `tidings
check` refuses a thread and options Pinterest does not take."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from builders.posts import DOT, HELLO, channels, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import build_workspace, published
from fakes.pinterest import BOARD, PinterestFake
from PIL import Image

from tidings.check.runner import check_workspace
from tidings.jobs.publish import Options, publish
from tidings.platforms import pinterest
from tidings.platforms.base import Caller, Counts, Remote, Unavailable

CHANNELS = channels(
    weddings={
        "platform": "pinterest",
        "credentials": {
            "access_token": "PINTEREST_ACCESS_TOKEN",
            "board_id": "PINTEREST_BOARD_WEDDINGS",
            "api_base": "PINTEREST_API",
        },
    },
    mastodon={"platform": "mastodon", "credentials": {}},
)
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)
TEXT = (
    "An autumn wedding at the old mill: the whole gallery is at https://lumengrain.example/weddings"
)
OPTIONS = {"weddings": {"options": {"title": "Autumn wedding at the old mill"}}}


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 900), color).save(buffer, "PNG")
    return buffer.getvalue()


GALLERY = {f"content/media/mill{n}.png": _png((30 * n, 100, 90)) for n in range(3)}


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text, **GALLERY})

    return build


def options(fake: PinterestFake, now: datetime = NOW, token: str = "") -> Options:
    env = {
        "PINTEREST_ACCESS_TOKEN": token or fake.token,
        "PINTEREST_BOARD_WEDDINGS": BOARD,
        "PINTEREST_API": "https://pinterest.test/v5",
    }
    return pushing(now, env, fake.transport(), [])


def test_a_pin_goes_out_once_with_title_link_and_alt_text(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = PinterestFake()
    remote, work = repo(post("weddings", parts=(TEXT,), variants=OPTIONS))
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    (pin,) = fake.pins
    assert pin["description"] == TEXT
    assert pin["title"] == "Autumn wedding at the old mill"
    assert pin["link"].startswith("https://lumengrain.example/weddings")  # the text's link
    assert pin["alt_text"] == DOT[1]
    assert fake.images[pin["id"]] == [(work / DOT[0]).read_bytes()]
    rec = ledger_record(remote, "weddings")
    assert rec["state"] == "published"
    assert rec["parts"][0]["url"] == f"https://www.pinterest.com/pin/{pin['id']}/"
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert publish(work, options(fake, LATER)).outcomes == [] and len(fake.pins) == 1


def test_options_link_wins_and_several_images_make_a_carousel(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = PinterestFake()
    media = [(name, f"The mill, photo {n}") for n, name in enumerate(GALLERY)]
    variants = {"weddings": {"options": {"link": "https://lumengrain.example/book"}}}
    _remote, work = repo(post("weddings", parts=(TEXT,), media=media, variants=variants))
    assert publish(work, options(fake)).ok
    (pin,) = fake.pins
    assert pin["link"] == "https://lumengrain.example/book"
    assert pin["media"]["media_type"] == "multiple_images"
    assert fake.images[pin["id"]] == [(work / name).read_bytes() for name in GALLERY]
    sent = fake.calls("POST", "/v5/pins$")[0]
    items = __import__("json").loads(sent.content)["media_source"]["items"]
    assert [base64.b64decode(i["data"]) for i in items] == fake.images[pin["id"]]


def test_a_lost_answer_is_found_on_the_board(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = PinterestFake()
    remote, work = repo(post("weddings", parts=(TEXT,), variants=OPTIONS))
    fake.fault(r"/v5/pins$", method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["published"]  # looked for, found
    assert len(fake.calls("GET", f"/boards/{BOARD}/pins")) >= 1
    assert publish(work, options(fake, LATER)).outcomes == []
    assert len(fake.pins) == 1
    assert ledger_record(remote, "weddings")["parts"][0]["id"] == fake.pins[0]["id"]


def test_a_lost_answer_with_nothing_on_the_board_is_sent_again(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = PinterestFake()
    remote, work = repo(post("weddings", parts=(TEXT,)))
    fake.fault(r"/v5/pins$", method="POST", status=503, body={"code": 0, "message": "down"})
    publish(work, options(fake))
    assert fake.pins == []
    publish(work, options(fake, LATER))
    assert len(fake.pins) == 1 and ledger_record(remote, "weddings")["state"] == "published"


def test_a_wrong_token_stops_the_channel_unseen(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = PinterestFake()
    remote, work = repo(post("weddings", parts=(TEXT,)))
    wrong = "pina_WRONGtoken0123456789"
    report = publish(work, options(fake, token=wrong))
    assert [o.result for o in report.outcomes] == ["failed"]
    detail = report.outcomes[0].detail
    assert "401 Authentication failed." in detail and "PINTEREST_ACCESS_TOKEN" in detail
    assert wrong not in detail and wrong not in (
        remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    )


def test_a_refusal_is_kept_in_pinterests_words(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = PinterestFake()
    remote, work = repo(post("weddings", parts=(TEXT,)))
    env = {
        "PINTEREST_ACCESS_TOKEN": fake.token,
        "PINTEREST_BOARD_WEDDINGS": "1",
        "PINTEREST_API": "https://p.test/v5",
    }
    report = publish(work, pushing(NOW, env, fake.transport(), []))
    assert report.outcomes[0].result == "failed"
    rec = ledger_record(remote, "weddings")
    assert "404 Board not found." in rec["error"] and rec["retry"] is False


def test_an_expired_pin_is_deleted(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = PinterestFake()
    _remote, work = repo(post("weddings", parts=(TEXT,), expires="2026-12-11"))
    assert publish(work, options(fake)).ok
    pin = fake.pins[0]["id"]
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.pins == [] and fake.deleted == [pin]


def test_analytics_and_followers_are_read() -> None:
    fake = PinterestFake()
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=lambda _: None)
    adapter = pinterest.PinterestAdapter(caller, "https://p.test/v5", fake.token, BOARD)
    fake.pins.append({"id": "1125000000000000009", "description": "x"})
    fake.analytics["1125000000000000009"] = {
        "IMPRESSION": 340,
        "SAVE": 12,
        "PIN_CLICK": 9,
        "OUTBOUND_CLICK": 4,
    }
    found = adapter.post_metrics(
        [Remote("1125000000000000009", None), Remote("77", None), Remote("x", None)]
    )
    counts = found["1125000000000000009"]
    assert isinstance(counts, Counts)
    assert (counts.views, counts.reposts, counts.likes) == (340, 12, None)
    assert counts.raw["outbound_click"] == 4
    assert isinstance(found["77"], Unavailable) and isinstance(found["x"], Unavailable)
    request = fake.calls("GET", "analytics")[0]
    start = datetime.fromisoformat(request.url.params["start_date"])
    end = datetime.fromisoformat(request.url.params["end_date"])
    assert (end - start).days == 89
    assert adapter.account_metrics().followers == 812


def test_check_refuses_a_thread_and_options_pinterest_does_not_take(tmp_path: Path) -> None:
    text = post(
        "weddings",
        "mastodon",
        parts=(TEXT, "And a second part."),
        variants={
            "weddings": {"options": {"topic": "offer"}},
            "mastodon": {"options": {"title": "x"}},
        },
    )
    ws = build_workspace(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text})
    found = {(d.code, d.channel): d for d in check_workspace(ws).diagnostics}
    assert "Pinterest takes 1 part a post" in found[("parts.pinterest", "weddings")].message
    assert "`options.topic` does nothing on weddings" in found[("post.options", "weddings")].message
    assert "`options.title` does nothing on mastodon" in found[("post.options", "mastodon")].message


def test_check_wants_an_image_for_a_pin(tmp_path: Path) -> None:
    ws = build_workspace(
        tmp_path,
        {"brand/channels.yaml": CHANNELS, HELLO: post("weddings", parts=(TEXT,), media=())},
    )
    codes = {d.code for d in check_workspace(ws).diagnostics if d.channel == "weddings"}
    assert "media.required" in codes, codes
