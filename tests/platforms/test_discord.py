"""Discord through a channel webhook, against the fake webhook (tests/fakes/discord.py) and
a real bare git remote: a post with an image and alt text and its follow-up go out once,
a lost answer ends ``unknown`` (never a second message), 429s are waited out, a revoked
webhook stops the channel without showing its address, Discord's refusals are kept in its
own words, expired posts are deleted, and reactions are read back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, PARTS, channels, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import published
from fakes.discord import CHANNEL_ID, GUILD_ID, DiscordFake, expired, rate_limited

from tidings.jobs.publish import Options, publish
from tidings.platforms import discord
from tidings.platforms.base import Caller, Counts, CredentialError, Remote, Unavailable
from tidings.workspace.model import Channel, Source

CHANNELS = channels(
    discord={"platform": "discord", "credentials": {"webhook_url": "DISCORD_WEBHOOK_URL"}}
)
TEXTS = ("We open the new studio today, @everyone is welcome.", PARTS[1])
POST = post("discord", parts=TEXTS)

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
LATER = NOW + timedelta(minutes=15)
BASE = "https://discord.test"


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str = POST) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text})

    return build


def options(
    fake: DiscordFake,
    now: datetime = NOW,
    env: dict[str, str] | None = None,
    waits: list[float] | None = None,
) -> Options:
    env = env or {"DISCORD_WEBHOOK_URL": fake.url(BASE)}
    return pushing(now, env, fake.transport(), waits)


def test_a_post_with_an_image_and_its_follow_up_go_out_once(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake()
    remote, work = repo()
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    first, second = fake.messages
    assert first["content"] == "We open the new studio today, @everyone is welcome."
    assert second["content"] == "Come by for tea, 10:00 to 16:00."
    assert [a["description"] for a in first["attachments"]] == ["A single black dot on white"]
    assert fake.files[first["id"]] == [(work / "content/media/dot.png").read_bytes()]
    assert second["attachments"] == []
    for message in (first, second):  # "@everyone" in a post pings no one
        assert fake.payloads[message["id"]]["allowed_mentions"] == {"parse": []}
    rec = ledger_record(remote, "discord")
    assert rec["state"] == "published"
    assert [p["id"] for p in rec["parts"]] == [first["id"], second["id"]]
    assert (
        rec["parts"][0]["url"]
        == f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{first['id']}"
    )
    ledger = remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    assert fake.token not in ledger
    posts = [r for r in fake.requests if r.method == "POST"]
    assert all(r.url.params["wait"] == "true" for r in posts)

    again = publish(work, options(fake, LATER))
    assert again.outcomes == [] and len(fake.messages) == 2


def test_a_lost_answer_is_left_to_a_person_never_sent_twice(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(r"/webhooks/\d+/[^/]+$", method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["unknown"]
    assert "cannot read the channel" in report.outcomes[0].detail
    assert len(fake.messages) == 1  # Discord did post it; nobody can tell
    assert ledger_record(remote, "discord")["state"] == "unknown"
    later = publish(work, options(fake, LATER))
    assert [o.result for o in later.outcomes] == ["unknown"]
    assert len(fake.messages) == 1


def test_429_is_waited_out(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(r"/webhooks/\d+/[^/]+$", method="POST", count=2, **rate_limited())
    waits: list[float] = []
    report = publish(work, options(fake, waits=waits))
    assert report.ok, report.outcomes
    assert waits == [3.0, 3.0]  # Retry-After
    assert len(fake.messages) == 2
    assert ledger_record(remote, "discord")["state"] == "published"


def test_a_revoked_webhook_stops_the_channel_and_names_the_variable(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(".*", count=None, **expired())
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["failed"]
    detail = report.outcomes[0].detail
    assert "401 Invalid Webhook Token" in detail and "DISCORD_WEBHOOK_URL" in detail
    rec = ledger_record(remote, "discord")
    assert rec["state"] == "failed" and rec["retry"] is True
    assert "DISCORD_WEBHOOK_URL" in rec["error"]
    ledger = remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    assert fake.token not in ledger and fake.token not in detail
    assert fake.messages == [] and not fake.calls("POST", "webhooks")  # read, never sent


def test_a_deleted_webhook_stops_the_channel(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(".*", count=None, status=404, body={"message": "Unknown Webhook", "code": 10015})
    report = publish(work, options(fake))
    assert report.outcomes[0].result == "failed"
    assert "404 Unknown Webhook" in report.outcomes[0].detail
    assert ledger_record(remote, "discord")["retry"] is True


def test_the_cli_never_prints_the_webhook_address(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(".*", count=None, **expired())
    with fake.serve() as base:
        url = fake.url(base)
        env = {"DISCORD_WEBHOOK_URL": url, "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin"}
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
            [*cmd, "--now", "2026-12-10 09:05"], env=env, capture_output=True, text=True
        )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Invalid Webhook Token" in run.stdout
    assert fake.token not in run.stdout + run.stderr
    assert fake.token not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert any(fake.token in str(r.url) for r in fake.requests)  # it was really used


def test_a_refusal_is_kept_in_discords_words_and_not_retried(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake()
    remote, work = repo()
    fake.fault(
        r"/webhooks/\d+/[^/]+$",
        method="POST",
        status=400,
        body={
            "code": 50035,
            "errors": {
                "content": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_MAX_LENGTH",
                            "message": "Must be 2000 or fewer in length.",
                        }
                    ]
                }
            },
            "message": "Invalid Form Body",
        },
    )
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["failed"]
    rec = ledger_record(remote, "discord")
    assert rec["state"] == "failed" and rec["retry"] is False
    assert "Invalid Form Body (content: Must be 2000 or fewer in length.)" in rec["error"]
    assert fake.messages == []


def test_expired_posts_are_deleted(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = DiscordFake()
    remote, work = repo(post("discord", parts=TEXTS, expires="2026-12-11"))
    assert publish(work, options(fake)).ok
    ids = [m["id"] for m in fake.messages]
    fake.messages.pop()  # someone deleted the follow-up by hand: already gone is fine
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.messages == [] and fake.deleted == [ids[0]]
    assert [r.url.path.rsplit("/", 1)[-1] for r in fake.calls("DELETE", "messages")] == ids[::-1]
    assert ledger_record(remote, "discord")["state"] == "retracted"


def test_a_webhook_into_a_thread_posts_there(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = DiscordFake(forum=True)
    remote, work = repo()
    thread = next(iter(fake.threads))
    env = {"DISCORD_WEBHOOK_URL": fake.url(BASE) + f"?thread_id={thread}"}
    assert publish(work, options(fake, env=env)).ok
    assert {m["channel_id"] for m in fake.messages} == {thread}
    rec = ledger_record(remote, "discord")
    assert (
        rec["parts"][1]["url"]
        == f"https://discord.com/channels/{GUILD_ID}/{thread}/{fake.messages[1]['id']}"
    )


def test_a_forum_webhook_without_a_thread_fails_in_discords_words(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = DiscordFake(forum=True)
    remote, work = repo()
    report = publish(work, options(fake))
    assert report.outcomes[0].result == "failed"
    assert "must have a thread_name or thread_id" in ledger_record(remote, "discord")["error"]


def _channel(env_name: str = "DISCORD_WEBHOOK_URL") -> Channel:
    return Channel(
        "discord", "discord", Source("brand/channels.yaml"), credentials={"webhook_url": env_name}
    )


def test_an_address_that_is_not_a_webhook_is_named_not_shown() -> None:
    caller = Caller(httpx.Client(transport=DiscordFake().transport()))
    secret = "https://discord.com/api/channels/123/not-a-hook-s3cr3t"
    with pytest.raises(CredentialError) as info:
        discord.connect(_channel(), {"DISCORD_WEBHOOK_URL": secret}, caller)
    assert "DISCORD_WEBHOOK_URL" in info.value.message and "s3cr3t" not in str(info.value)
    adapter = discord.connect(_channel(), {"DISCORD_WEBHOOK_URL": DiscordFake().url(BASE)}, caller)
    assert "hookToken" not in repr(adapter) and "hookToken" not in repr(adapter.hook)


def test_reactions_are_read_back_one_message_a_request() -> None:
    fake = DiscordFake()
    client = httpx.Client(transport=fake.transport())
    caller = Caller(client, sleep=[].append)
    adapter = discord.connect(_channel(), {"DISCORD_WEBHOOK_URL": fake.url(BASE)}, caller)
    client.post(fake.url(BASE), params={"wait": "true"}, json={"content": "one"})
    client.post(fake.url(BASE), params={"wait": "true"}, json={"content": "two"})
    one, two = (m["id"] for m in fake.messages)
    fake.react(one, "❤️", 4)
    fake.react(one, "🎉", 2)
    reader = discord.metrics_reader(_channel(), {"DISCORD_WEBHOOK_URL": fake.url(BASE)}, caller)
    before = len(fake.requests)
    got = reader.post_metrics(
        [
            Remote(one, None),
            Remote(two, None),
            Remote("1399999999999999999", None),
            Remote("x", None),
        ]
    )
    assert len(fake.requests) - before == 3  # one a message; "x" is not an id
    assert got[one] == Counts(likes=6, raw={"reactions": 6})
    counts = got[two]
    assert isinstance(counts, Counts) and counts.likes == 0 and counts.views is None
    assert isinstance(got["1399999999999999999"], Unavailable)
    assert isinstance(got["x"], Unavailable)
    assert reader.account_metrics().followers is None  # a webhook sees no followers
    assert adapter.caller is caller


def test_the_fake_answers_204_without_wait() -> None:
    fake = DiscordFake()
    client = httpx.Client(transport=fake.transport())
    assert client.post(fake.url(BASE), json={"content": "hi"}).status_code == 204
    assert client.post(fake.url(BASE), json={"content": ""}).json()["code"] == 50006
    wrong = client.post(fake.url(BASE).replace("s3cr3t", "nope"), json={"content": "hi"})
    assert wrong.status_code == 401 and wrong.json()["code"] == 50027
    body = json.dumps({"content": "x", "attachments": [{"id": 0, "filename": "a.png"}]})
    missing = client.post(
        fake.url(BASE), data={"payload_json": body}, files={"files[1]": ("a.png", b"x")}
    )
    assert missing.status_code == 400 and missing.json()["code"] == 50035
