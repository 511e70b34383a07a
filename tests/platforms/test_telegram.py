"""Telegram through the Bot API, against the fake (tests/fakes/telegram.py) and a real bare
git remote: text with entities counted in UTF-16, a photo with its caption, an album, a
thread as a reply chain, a lost answer left to a person, 429s waited out, a wrong token
stopping the channel without showing it, Telegram's refusals in its own words, the caption
limit in `tidings check`, and expired posts deleted (a whole album at once)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from builders.posts import DOT, HELLO, PARTS, channels, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import build_workspace, published
from fakes.telegram import CHAT_ID, USERNAME, TelegramFake, rate_limited
from PIL import Image

from tidings.check.runner import check_workspace
from tidings.core.render import Link, RenderedPart
from tidings.jobs.publish import Options, publish
from tidings.platforms import telegram

CHANNELS = channels(
    telegram={
        "platform": "telegram",
        "credentials": {
            "bot_token": "TELEGRAM_BOT_TOKEN",
            "chat_id": "TELEGRAM_CHAT_ID",
            "api_base": "TELEGRAM_API",
        },
    }
)
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)
SEND = r"/bot[^/]+/send\w+$"


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, "PNG")
    return buffer.getvalue()


ALBUM = {f"content/media/wed{n}.png": _png((40 * n, 90, 120)) for n in range(3)}


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str = post("telegram")) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text, **ALBUM})

    return build


def options(
    fake: TelegramFake, now: datetime = NOW, waits: list[float] | None = None, token: str = ""
) -> Options:
    env = {
        "TELEGRAM_BOT_TOKEN": token or fake.token,
        "TELEGRAM_CHAT_ID": f"@{USERNAME}",
        "TELEGRAM_API": "https://telegram.test",
    }
    return pushing(now, env, fake.transport(), waits)


def test_a_photo_with_its_caption_then_a_reply_go_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = TelegramFake()
    remote, work = repo()
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    photo, follow = fake.messages
    assert photo["caption"] == PARTS[0] and "text" not in photo
    assert fake.files[photo["message_id"]] == (work / DOT[0]).read_bytes()
    assert follow["text"] == PARTS[1]
    assert follow["reply_to_message"]["message_id"] == photo["message_id"]  # a reply chain
    rec = ledger_record(remote, "telegram")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == ["101", "102"]
    assert rec["parts"][0]["url"] == f"https://t.me/{USERNAME}/101"
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert all("parse_mode" not in r.content.decode("utf-8", "replace") for r in fake.requests)
    assert publish(work, options(fake, LATER)).outcomes == []
    assert len(fake.messages) == 2


def test_an_album_goes_out_as_one_media_group_and_is_deleted_whole(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = TelegramFake()
    media = [(name, f"Wedding photo {n}") for n, name in enumerate(ALBUM)]
    remote, work = repo(
        post("telegram", parts=("Three from Saturday.",), media=media, expires="2026-12-11")
    )
    assert publish(work, options(fake)).ok
    assert len(fake.calls("POST", "sendMediaGroup")) == 1
    assert [m.get("caption") for m in fake.messages] == ["Three from Saturday.", None, None]
    assert len({m["media_group_id"] for m in fake.messages}) == 1
    assert ledger_record(remote, "telegram")["parts"][0]["id"] == "101,102,103"
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.messages == [] and fake.deleted == [101, 102, 103]


def test_text_alone_carries_entities_in_utf16_units() -> None:
    text = "🎉 **New prices** for 2027: [see them](https://lumengrain.studio/prices) or https://lumengrain.studio/faq"
    url = "https://lumengrain.studio/faq"
    part = RenderedPart(text, 1, (Link(text.index(url), text.index(url) + len(url), url),))
    sent, entities = telegram.entities(part)
    assert sent == "🎉 New prices for 2027: see them or https://lumengrain.studio/faq"
    assert entities == [
        {"offset": 3, "length": 10, "type": "bold"},  # the emoji is 2 UTF-16 units
        {"offset": 24, "length": 8, "type": "text_link", "url": "https://lumengrain.studio/prices"},
        {"offset": 36, "length": len(url), "type": "url"},
    ]
    assert sent.encode("utf-16-le")[2 * 36 : 2 * (36 + len(url))].decode("utf-16-le") == url


def test_a_lost_answer_is_left_to_a_person_never_sent_twice(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = TelegramFake()
    _remote, work = repo()
    fake.fault(SEND, method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert "cannot read the channel" in report.outcomes[0].detail
    assert len(fake.messages) == 1
    assert [o.result for o in publish(work, options(fake, LATER)).outcomes] == ["unknown"]
    assert len(fake.messages) == 1


def test_429_waits_as_long_as_retry_after_says(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = TelegramFake()
    _remote, work = repo()
    fake.fault(SEND, method="POST", count=2, **rate_limited())
    waits: list[float] = []
    assert publish(work, options(fake, waits=waits)).ok
    assert waits == [3.0, 3.0]  # parameters.retry_after
    assert len(fake.messages) == 2


def test_a_wrong_token_stops_the_channel_and_is_never_shown(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = TelegramFake()
    remote, work = repo()
    wrong = "7012345678:AAE-wrongToken-9876543210zyx"
    report = publish(work, options(fake, token=wrong))
    assert [o.result for o in report.outcomes] == ["failed"]
    detail = report.outcomes[0].detail
    assert "401 Unauthorized" in detail and "TELEGRAM_BOT_TOKEN" in detail
    assert wrong not in detail
    assert wrong not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert fake.messages == []


def test_a_refusal_is_kept_in_telegrams_words(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = TelegramFake()
    remote, work = repo()
    fake.fault(
        SEND,
        method="POST",
        status=400,
        body={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    report = publish(work, options(fake))
    assert report.outcomes[0].result == "failed"
    rec = ledger_record(remote, "telegram")
    assert "400 Bad Request: chat not found" in rec["error"] and rec["retry"] is False


def test_a_bot_that_is_not_an_admin_stops_the_channel(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = TelegramFake()
    _remote, work = repo()
    fake.fault(
        SEND,
        method="POST",
        count=None,
        status=403,
        body={
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot is not a member of the channel chat",
        },
    )
    report = publish(work, options(fake))
    assert report.outcomes[0].result == "failed"
    assert "make the bot an administrator" in report.outcomes[0].detail


def test_check_counts_utf16_and_the_caption_limit(tmp_path: Path) -> None:
    long_caption = "x" * 1000 + "🎉" * 20  # 1020 code points, 1040 UTF-16 units
    ws = build_workspace(
        tmp_path,
        {
            "brand/channels.yaml": CHANNELS,
            HELLO: post("telegram", parts=(long_caption, "🎉" * 2049)),
        },
    )
    found = [d for d in check_workspace(ws).diagnostics if d.code == "length.telegram"]
    messages = sorted(d.message for d in found)
    assert len(found) == 2, messages
    assert any("caption" in m and "1040 UTF-16 code units" in m and "over" in m for m in messages)
    assert any("4098 UTF-16 code units" in m for m in messages)
    # without images the same first part is fine (4096 is the limit)
    ws2 = build_workspace(
        tmp_path / "b",
        {"brand/channels.yaml": CHANNELS, HELLO: post("telegram", parts=(long_caption,), media=())},
    )
    assert not [d for d in check_workspace(ws2).diagnostics if d.code == "length.telegram"]


def test_a_chat_id_as_number_gives_a_private_link() -> None:
    assert telegram.permalink({"id": CHAT_ID}, "7") == "https://t.me/c/1234567890/7"
    assert telegram.permalink({"id": CHAT_ID, "username": "brand"}, "7") == "https://t.me/brand/7"
