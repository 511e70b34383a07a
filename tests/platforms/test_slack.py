"""Slack through an incoming webhook, against the fake webhook (tests/fakes/slack.py) and a
real bare git remote: a post with an image (by address, with alt text) and its follow-up
go out once, shown exactly as written; a lost answer or a 5xx ends ``unknown`` (never a
second message); 429s are waited out; a revoked webhook stops the channel without showing
its address; refusals are kept in Slack's words; an expired post is reported once for a
person to remove, since a webhook cannot delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, channels, post
from builders.remotes import ledger_record
from builders.runs import pushing
from builders.workspaces import published
from fakes.slack import SlackFake, expired, rate_limited

from tidings.core.render import RenderedPart
from tidings.jobs.publish import Options, publish
from tidings.platforms import slack
from tidings.platforms.base import Caller, MediaFile, Outgoing, PlatformError
from tidings.workspace.model import Channel, Source

MEDIA_BASE = "https://media.example.org/brand/media/"
CHANNELS = channels(
    slack={
        "platform": "slack",
        "credentials": {"webhook_url": "SLACK_WEBHOOK_URL"},
        "media_base_url": MEDIA_BASE,
    }
)
TEXTS = (
    "We open the new studio today: tea & <cake> for <!channel>.",
    "Come by from 10:00 to 16:00.",
)
POST = post("slack", parts=TEXTS)

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
LATER = NOW + timedelta(minutes=15)
BASE = "https://hooks.slack.test"
WRITE = r"^/services/"


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str = POST) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text})

    return build


def options(fake: SlackFake, now: datetime = NOW, waits: list[float] | None = None) -> Options:
    return pushing(now, {"SLACK_WEBHOOK_URL": fake.url(BASE)}, fake.transport(), waits)


def test_a_post_with_an_image_and_its_follow_up_go_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = SlackFake()
    remote, work = repo()
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    first, second = fake.messages
    shown = "We open the new studio today: tea & <cake> for <!channel>."
    assert fake.texts() == [shown, "Come by from 10:00 to 16:00."]
    assert (
        first["text"]
        == "We open the new studio today: tea &amp; &lt;cake&gt; for &lt;!channel&gt;."
    )
    section, image = first["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": first["text"]}}
    assert image == {
        "type": "image",
        "image_url": MEDIA_BASE + "dot.png",
        "alt_text": "A single black dot on white",
    }
    assert second["blocks"] == [] and "thread_ts" not in second["body"]
    rec = ledger_record(remote, "slack")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [f"{rec['attempt_key']}-0", f"{rec['attempt_key']}-1"]
    assert all(p.get("url") is None for p in rec["parts"])

    again = publish(work, options(fake, LATER))
    assert again.outcomes == [] and len(fake.messages) == 2


def test_a_lost_answer_is_left_to_a_person_never_sent_twice(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = SlackFake()
    remote, work = repo()
    fake.fault(WRITE, method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert "cannot read the channel" in report.outcomes[0].detail
    assert len(fake.messages) == 1 and ledger_record(remote, "slack")["state"] == "unknown"
    later = publish(work, options(fake, LATER))
    assert [o.result for o in later.outcomes] == ["unknown"] and len(fake.messages) == 1


def test_a_rollup_error_may_have_posted_so_a_person_decides(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = SlackFake()
    remote, work = repo()
    fake.fault(WRITE, method="POST", status=500, body="rollup_error")
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert len(fake.calls("POST", WRITE)) == 1  # not resent blindly
    assert ledger_record(remote, "slack")["state"] == "unknown"


def test_429_is_waited_out(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = SlackFake()
    remote, work = repo()
    fake.fault(WRITE, method="POST", count=2, **rate_limited())
    waits: list[float] = []
    report = publish(work, options(fake, waits=waits))
    assert report.ok, report.outcomes
    assert waits == [2.0, 2.0]
    assert len(fake.messages) == 2 and ledger_record(remote, "slack")["state"] == "published"


def test_a_revoked_webhook_stops_the_channel_and_names_the_variable(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = SlackFake()
    second = post(
        "slack", title="Second", parts=(TEXTS[0].replace("today:", "tomorrow:"), TEXTS[1])
    )
    _, work = repo()
    (work / "content/posts/2026/12/second.md").write_text(second)
    fake.fault(".*", count=None, **expired())
    report = publish(work, Options(**{**options(fake).__dict__, "commit": False, "push": False}))
    assert [o.result for o in report.outcomes] == ["failed", "failed"]
    first, other = (o.detail for o in report.outcomes)
    assert "403 invalid_token" in first and "SLACK_WEBHOOK_URL" in first
    assert other.startswith("channel stopped")  # the second post was not even tried
    assert len(fake.requests) == 1
    ledger = (work / "ledger/2026/12/hello.yaml").read_text()
    assert "retry: true" in ledger and fake.secret not in ledger + first + other


@pytest.mark.parametrize(
    ("status", "words"),
    [(410, "channel_is_archived"), (403, "action_prohibited"), (404, "channel_not_found")],
)
def test_a_refusal_fails_for_good_in_slacks_words(
    repo: Callable[..., tuple[Path, Path]], status: int, words: str
) -> None:
    fake = SlackFake()
    remote, work = repo()
    fake.fault(WRITE, method="POST", status=status, body=words)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["failed"]
    rec = ledger_record(remote, "slack")
    assert rec["state"] == "failed" and rec["retry"] is False
    assert f"post part 1: {status} {words}" == rec["error"]
    assert fake.messages == []


def test_an_expired_post_is_reported_once_for_a_person_to_remove(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = SlackFake()
    remote, work = repo(post("slack", parts=TEXTS, expires="2026-12-11"))
    assert publish(work, options(fake)).ok
    after = datetime(2026, 12, 11, 0, 5, tzinfo=UTC)
    report = publish(work, options(fake, after))
    # issue 14: the report names what a person must delete (Slack's webhook gives no address)
    by_hand = (
        "slack cannot delete posts through its API: delete by hand: "
        + ", ".join(f"the message sent at 2026-12-10 09:05 CET (id {p['id']})" for p in parts)
        if (parts := ledger_record(remote, "slack")["parts"])
        else ""
    )
    assert [(o.result, o.detail) for o in report.outcomes] == [
        ("skipped", f"expired 2026-12-10T23:00:00Z; {by_hand}")
    ]
    rec = ledger_record(remote, "slack")
    assert rec["state"] == "published"
    assert rec["error"] == f"retract: {by_hand}"
    assert len(fake.messages) == 2 and len(fake.requests) == 2  # nothing was tried
    quiet = publish(work, options(fake, after + timedelta(minutes=15)))
    assert quiet.outcomes == [] and quiet.ok  # said once


def _channel() -> Channel:
    return Channel(
        "slack", "slack", Source("brand/channels.yaml"), credentials={"webhook_url": "SLACK_HOOK"}
    )


def _outgoing(tmp_path: Path, url: str | None) -> Outgoing:
    image = tmp_path / "dot.png"
    image.write_bytes(b"\x89PNG")
    return Outgoing(
        post_id="2026/12/hello",
        channel="slack",
        parts=(RenderedPart("Hello", 1),),
        media=(MediaFile(image, "image/png", "A dot", 1, 1, url),),
        key="20261210T080500Z-abc",
        started=NOW,
    )


def test_an_image_without_an_address_fails_for_good_before_sending(tmp_path: Path) -> None:
    fake = SlackFake()
    caller = Caller(httpx.Client(transport=fake.transport()))
    adapter = slack.connect(_channel(), {"SLACK_HOOK": fake.url(BASE)}, caller)
    with pytest.raises(PlatformError) as info:
        adapter.publish_part(_outgoing(tmp_path, None), 0, [])
    assert info.value.retryable is False and "media_base_url" in info.value.message
    assert fake.requests == []
    remote = adapter.publish_part(_outgoing(tmp_path, "https://m.example/dot.png"), 0, [])
    assert remote.id == "20261210T080500Z-abc-0" and remote.url is None
    assert fake.messages[0]["blocks"][1]["image_url"] == "https://m.example/dot.png"
    assert fake.secret not in repr(adapter) and slack.SlackAdapter.can_delete is False


def test_long_text_is_split_into_sections_at_spaces_never_inside_an_entity() -> None:
    text = ("word " * 700 + "&" * 10 + " end").strip()
    pieces = slack.sections(text, limit=3000)
    assert all(0 < len(p) <= 3000 for p in pieces)
    assert "".join(pieces) == slack.escape(text)
    assert pieces[0].endswith("word ")
    tight = slack.sections("a&b " * 5, limit=7)
    assert all(len(p) <= 7 for p in tight)  # a piece of nothing but a space is left out
    assert "".join(tight).replace(" ", "") == slack.escape("a&b " * 5).replace(" ", "")
    assert all("&amp;" in p or "&" not in p for p in tight)
    assert slack.sections("x" * 10 + "&", limit=4) == ["xxxx", "xxxx", "xx", "&amp;"]


def test_an_address_that_is_not_a_url_is_named_not_shown() -> None:
    caller = Caller(httpx.Client(transport=SlackFake().transport()))
    from tidings.platforms.base import CredentialError

    with pytest.raises(CredentialError) as info:
        slack.connect(_channel(), {"SLACK_HOOK": "not a url s3cr3t"}, caller)
    assert "SLACK_HOOK" in info.value.message and "s3cr3t" not in str(info.value)


def test_an_answer_that_cannot_be_decoded_is_uncertain_not_a_crash(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    """httpx raises DecodingError (not a TransportError) for a body it cannot decode: the
    message may be out, so the part is left to a person, never a traceback or a resend."""
    fake = SlackFake()
    remote, work = repo()
    gzip = {"content-encoding": "gzip"}
    fake.fault(WRITE, method="POST", status=200, body="ok, but not gzip", headers=gzip)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert len(fake.calls("POST", WRITE)) == 1  # not resent blindly
    assert ledger_record(remote, "slack")["state"] == "unknown"
