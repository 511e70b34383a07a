"""`tidings inbox` on the platforms without notifications (Facebook, Instagram, Threads,
LinkedIn): the comments under the brand's own posts, read through the fakes built from each
platform's documented contract (tests/fakes/community.py, tests/fakes/linkedin.py).

For each: a post is published by the publisher, people comment, the run records each
comment once with the post it answers (the brand's own thread parts are no items); the brand
answers one on the platform and the next run marks it answered with the right
first-response time; a rerun changes no byte; a channel that fails leaves the others'
records as they were, and no token is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from builders import workspaces
from builders.posts import HELLO, channels, post
from fakes.community import FacebookPeople, InstagramPeople, LinkedInPeople, ThreadsPeople
from fakes.facebook import CASE as FB_CASE
from fakes.facebook import rate_limited as fb_rate_limited
from fakes.instagram import CASE as IG_CASE
from fakes.linkedin import CREDENTIALS as LI_CREDENTIALS
from fakes.linkedin import rate_limited as li_rate_limited
from fakes.server import Fake
from fakes.threads import CASE as TH_CASE

from tidings.jobs.inbox import Options, Report, collect_inbox
from tidings.jobs.publish import Options as PublishOptions
from tidings.jobs.publish import publish
from tidings.platforms import comments, facebook
from tidings.workspace.inbox import InboxStatus, read_channel

PUBLISHED_AT = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)


class Router(httpx.BaseTransport):
    """One transport for several fakes, by host."""

    def __init__(self, fakes: dict[str, Fake]) -> None:
        self.fakes = {host: fake.transport() for host, fake in fakes.items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.fakes[request.url.host].handle_request(request)


@dataclass
class Brand:
    work: Path
    env: dict[str, str]
    transport: httpx.BaseTransport

    def inbox(self, **kw: Any) -> Report:
        waits: list[float] = kw.pop("waits", [])
        opts = Options(
            now=kw.pop("at", None) or datetime.now(UTC),
            push=True,
            env=self.env,
            transport=self.transport,
            sleep=waits.append,
        )
        return collect_inbox(self.work, opts)

    def files(self, channel: str) -> dict[str, bytes]:
        folder = self.work / "inbox" / channel
        return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def brand(
    tmp_path: Path, defined: dict[str, dict[str, Any]], fakes: dict[str, Fake], env: dict[str, str]
) -> Brand:
    names = sorted(defined)
    _, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": channels(**defined), HELLO: post(*names, media=())}
    )
    transport = Router(fakes)
    opts = PublishOptions(
        now=PUBLISHED_AT, push=True, env=env, transport=transport, sleep=[].append
    )
    report = publish(work, opts)
    assert report.ok, report.outcomes
    return Brand(work, env, transport)


def story(
    setup: Brand,
    channel: str,
    root: str,
    say: Callable[..., str],
    answer: Callable[[str, datetime], str],
    t0: datetime,
) -> None:
    """Two comments, the brand's answer to the second 48 minutes later, a rerun."""
    first = say(root, "ann", "Lovely, see you there", t0 + timedelta(minutes=1))
    second = say(root, "bob", "Is it open on Sunday?", t0 + timedelta(minutes=2))
    report = setup.inbox()
    assert report.ok, report.channels
    assert [(c.channel, c.state, c.added) for c in report.channels] == [(channel, "ok", 2)]
    items = {i.id: i for i in read_channel(setup.work, channel)}
    assert set(items) == {first, second}  # the brand's own thread part is no item
    assert {i.answers for i in items.values()} == {"2026/12/hello"}
    assert {i.author for i in items.values()} >= {items[first].author}
    assert all(i.status is InboxStatus.NEW and i.text is None for i in items.values())
    assert all(i.url for i in items.values())

    answered_at = t0 + timedelta(minutes=50)
    reply = answer(second, answered_at)
    report = setup.inbox()
    assert report.ok, report.channels
    assert [(c.added, c.answered, c.open) for c in report.channels] == [(0, 1, 1)]
    done = {i.id: i for i in read_channel(setup.work, channel)}[second]
    assert done.status is InboxStatus.ANSWERED
    assert done.first_response == timedelta(minutes=48)
    assert done.answered_by is not None and reply in unquote(done.answered_by)

    before = setup.files(channel)
    report = setup.inbox()
    assert report.ok and report.paths == [] and not report.committed
    assert setup.files(channel) == before


# ---------------------------------------------------------------- Facebook


def fb_setup(tmp_path: Path) -> tuple[Brand, FacebookPeople]:
    fake = FacebookPeople()
    env = FB_CASE.env(fake, "http://fb.test")
    defined = {"facebook": {"platform": "facebook", "credentials": dict(FB_CASE.credentials)}}
    return brand(tmp_path, defined, {"fb.test": fake}, env), fake


def test_facebook_comments_on_the_pages_posts_and_the_pages_answer(tmp_path: Path) -> None:
    setup, fake = fb_setup(tmp_path)
    root = fake.posts()[0]["id"]
    t0 = fake.clock()

    def answer(item: str, at: datetime) -> str:
        return fake.say(item, "", "Yes, 10 to 4!", at, page=True)

    story(setup, "facebook", root, fake.say, answer, t0)
    asked = [
        r for r in fake.requests if r.method == "GET" and r.url.path.endswith(f"{root}/comments")
    ]
    assert asked and all(r.url.params["filter"] == "stream" for r in asked)


def test_facebook_posts_tagging_the_page_are_mentions_and_without_permission_none(
    tmp_path: Path,
) -> None:
    setup, fake = fb_setup(tmp_path)
    tagged = fake.tags_page("Ann Example", "Lovely prints from Lumen & Grain!", fake.clock())
    report = setup.inbox()
    assert report.ok, report.channels
    (item,) = read_channel(setup.work, "facebook")
    assert (item.id, item.kind, item.answers, item.author) == (
        tagged,
        "mention",
        None,
        "Ann Example",
    )
    assert item.url == f"https://www.facebook.com/{tagged.replace('_', '/posts/')}"
    assert setup.inbox().ok and [p.name for p in (setup.work / "inbox/facebook").glob("*")]
    assert len(read_channel(setup.work, "facebook")) == 1  # a rerun adds nothing
    fake.tagged_served = False
    fake.say(fake.posts()[0]["id"], "dan", "nice", fake.clock())
    report = setup.inbox()
    assert report.ok and [c.added for c in report.channels] == [1]


def test_facebook_throttling_is_waited_out_as_meta_says(tmp_path: Path) -> None:
    setup, fake = fb_setup(tmp_path)
    root = fake.posts()[0]["id"]
    fake.say(root, "ann", "hi", fake.clock())
    fake.fault("/comments$", method="GET", count=1, **fb_rate_limited())
    waits: list[float] = []
    report = setup.inbox(waits=waits)
    assert report.ok, report.channels
    assert waits == [120.0]  # estimated_time_to_regain_access: 2 minutes
    assert [c.added for c in report.channels] == [1]


# ---------------------------------------------------------------- Instagram


def ig_setup(tmp_path: Path) -> tuple[Brand, InstagramPeople]:
    fake = InstagramPeople()
    env = IG_CASE.env(fake, "http://ig.test")
    defined = {
        "instagram": {
            "platform": "instagram",
            "credentials": dict(IG_CASE.credentials),
            "media_base_url": "https://studio.example/",
        }
    }
    _, work = workspaces.published(
        tmp_path, {"brand/channels.yaml": channels(**defined), HELLO: post("instagram")}
    )
    transport = Router({"ig.test": fake})
    opts = PublishOptions(
        now=PUBLISHED_AT, push=True, env=env, transport=transport, sleep=[].append
    )
    report = publish(work, opts)
    assert report.ok, report.outcomes
    return Brand(work, env, transport), fake


def test_instagram_comments_on_our_media_and_our_username_answering(tmp_path: Path) -> None:
    setup, fake = ig_setup(tmp_path)
    root = fake.published("post")[0]["id"]
    t0 = fake.clock()

    def answer(item: str, at: datetime) -> str:
        return fake.say(item, fake.username, "@bob Yes, 10 to 4!", at)

    story(setup, "instagram", root, fake.say, answer, t0)
    item = read_channel(setup.work, "instagram")[0]
    assert item.url is not None and item.url.endswith(f"/c/{item.id}/")
    assert item.author == "@ann"


def test_instagram_tags_are_mentions_and_a_host_without_them_gives_none(tmp_path: Path) -> None:
    setup, fake = ig_setup(tmp_path)
    tagged = fake.tag("cat", "Tea at @lumenandgrain", fake.clock())
    report = setup.inbox()
    assert report.ok, report.channels
    (item,) = read_channel(setup.work, "instagram")
    assert (item.id, item.kind, item.answers, item.author) == (tagged, "mention", None, "@cat")
    fake.tags_served = False
    fake.say(fake.published("post")[0]["id"], "dan", "nice", fake.clock())
    report = setup.inbox()
    assert report.ok and [c.added for c in report.channels] == [1]


# ---------------------------------------------------------------- Threads


def threads_setup(tmp_path: Path) -> tuple[Brand, ThreadsPeople]:
    fake = ThreadsPeople()
    env = TH_CASE.env(fake, "http://threads.test")
    defined = {"threads": {"platform": "threads", "credentials": dict(TH_CASE.credentials)}}
    return brand(tmp_path, defined, {"threads.test": fake}, env), fake


def test_threads_replies_in_our_conversations_and_mentions(tmp_path: Path) -> None:
    setup, fake = threads_setup(tmp_path)
    root = next(m["id"] for m in fake.published("post"))
    t0 = fake.clock()

    def answer(item: str, at: datetime) -> str:
        return fake.say(item, fake.username, "@bob Yes, 10 to 4!", at)

    story(setup, "threads", root, fake.say, answer, t0)
    item = read_channel(setup.work, "threads")[0]
    assert item.kind == "reply" and item.url == item.url.split("?")[0] + f"?media_id={item.id}"

    # a reply to the thread's second part (ours) answers the post too; a mention elsewhere
    second = next(m["id"] for m in fake.published("reply") if m.get("author") is None)
    under = fake.say(second, "cat", "and the garden?", t0 + timedelta(minutes=60))
    elsewhere = fake.say(None, "dan", f"Tea at @{fake.username}", t0 + timedelta(minutes=61))
    report = setup.inbox()
    assert [(c.added, c.state) for c in report.channels] == [(2, "ok")]
    items = {i.id: i for i in read_channel(setup.work, "threads")}
    assert (items[under].kind, items[under].answers) == ("reply", "2026/12/hello")
    assert (items[elsewhere].kind, items[elsewhere].answers) == ("mention", None)

    fake.mentions_allowed = False  # no threads_manage_mentions: replies are still read
    fake.say(root, "eve", "lovely", t0 + timedelta(minutes=62))
    report = setup.inbox()
    assert [(c.added, c.state) for c in report.channels] == [(1, "ok")]


def test_a_channel_that_fails_leaves_the_others(tmp_path: Path) -> None:
    """Facebook's token expires; Threads and Instagram go on, and no token is shown."""
    fb, th, ig = FacebookPeople(), ThreadsPeople(), InstagramPeople()
    env = {
        **FB_CASE.env(fb, "http://fb.test"),
        **TH_CASE.env(th, "http://threads.test"),
        **IG_CASE.env(ig, "http://ig.test"),
    }
    defined = {
        "facebook": {"platform": "facebook", "credentials": dict(FB_CASE.credentials)},
        "threads": {
            "platform": "threads",
            "credentials": dict(TH_CASE.credentials),
            "media_base_url": "https://studio.example/",
        },
        "instagram": {
            "platform": "instagram",
            "credentials": dict(IG_CASE.credentials),
            "media_base_url": "https://studio.example/",
        },
    }
    _, work = workspaces.published(
        tmp_path,
        {
            "brand/channels.yaml": channels(**defined),
            HELLO: post("facebook", "threads", "instagram"),
        },
    )
    transport = Router({"fb.test": fb, "threads.test": th, "ig.test": ig})
    opts = PublishOptions(
        now=PUBLISHED_AT, push=True, env=env, transport=transport, sleep=[].append
    )
    assert publish(work, opts).ok
    setup = Brand(work, env, transport)
    t0 = fb.clock()
    fb.say(fb.posts()[0]["id"], "ann", "hi", t0)
    th.say(next(m["id"] for m in th.published("post")), "ann", "hi", t0)
    ig.say(ig.published("post")[0]["id"], "ann", "hi", t0)
    report = setup.inbox()
    assert [(c.channel, c.state, c.added) for c in report.channels] == [
        ("facebook", "ok", 1),
        ("instagram", "ok", 1),
        ("threads", "ok", 1),
    ]
    kept = setup.files("facebook")
    fb.say(fb.posts()[0]["id"], "bob", "hello?", t0 + timedelta(minutes=1))
    th.say(next(m["id"] for m in th.published("post")), "bob", "hello?", t0 + timedelta(minutes=1))
    fb.expire()
    report = setup.inbox()
    assert not report.ok
    states = {c.channel: (c.state, c.added) for c in report.channels}
    assert states == {"facebook": ("failed", 0), "instagram": ("ok", 0), "threads": ("ok", 1)}
    failed = next(c for c in report.channels if c.channel == "facebook")
    assert "FB_PAGE_ACCESS_TOKEN" in failed.detail and fb.token not in failed.detail
    assert setup.files("facebook") == kept


# ---------------------------------------------------------------- LinkedIn


def test_linkedin_comments_on_the_organisations_posts_and_its_answers(tmp_path: Path) -> None:
    fake = LinkedInPeople(processing_reads=0, processing_refusals=0)
    env = fake.env("http://linkedin.test")
    defined = {"linkedin": {"platform": "linkedin", "credentials": dict(LI_CREDENTIALS)}}
    setup = brand(tmp_path, defined, {"linkedin.test": fake}, env)
    root = next(iter(fake.posts))
    t0 = datetime.now(UTC) - timedelta(hours=2)

    def say(on: str, name: str, text: str, at: datetime) -> str:
        return fake.say(on, f"urn:li:person:{name}", text, at)

    def answer(item: str, at: datetime) -> str:
        return fake.say(item, fake.author, "Yes, 10 to 4!", at)

    story(setup, "linkedin", root, say, answer, t0)
    items = read_channel(setup.work, "linkedin")
    assert {i.author for i in items} == {"urn:li:person:ann", "urn:li:person:bob"}
    assert all(i.url and i.url.startswith("https://www.linkedin.com/feed/update/") for i in items)


def test_linkedin_a_429_is_waited_out(tmp_path: Path) -> None:
    fake = LinkedInPeople(processing_reads=0, processing_refusals=0)
    env = fake.env("http://linkedin.test")
    defined = {"linkedin": {"platform": "linkedin", "credentials": dict(LI_CREDENTIALS)}}
    setup = brand(tmp_path, defined, {"linkedin.test": fake}, env)
    fake.say(next(iter(fake.posts)), "urn:li:person:ann", "hi", datetime.now(UTC))
    limited = li_rate_limited()
    fake.fault(
        "/comments",
        method="GET",
        count=1,
        status=limited["status"],
        body=limited["body"],
        headers={"Retry-After": "9"},
    )
    waits: list[float] = []
    report = setup.inbox(waits=waits)
    assert report.ok, report.channels
    assert waits == [9.0] and [c.added for c in report.channels] == [1]


def test_a_post_with_more_comments_than_one_run_reads_is_read_on_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is 2 pages of 2 comments a post; 7 pages wait: each run goes on from the
    page where the one before stopped, and every comment is recorded exactly once."""
    monkeypatch.setattr(comments, "POST_PAGES", 2)
    monkeypatch.setattr(facebook, "COMMENTS_PER_PAGE", 2)
    setup, fake = fb_setup(tmp_path)
    root = fake.posts()[0]["id"]
    t0 = fake.clock()
    said = [fake.say(root, f"fan{n}", f"hi {n}", t0 + timedelta(minutes=n)) for n in range(13)]
    # with the thread's own second part, 14 comments: 7 pages of 2
    states = [(c.state, c.added) for _ in range(4) for c in setup.inbox().channels]
    assert states == [("partial", 3), ("partial", 4), ("partial", 4), ("ok", 2)]
    recorded = [i.id for i in read_channel(setup.work, "facebook")]
    assert sorted(recorded) == sorted(said)
    # from now on the busy post is read on from its end: what comes later, answers too
    fake.requests.clear()
    late = fake.say(root, "late", "still open?", t0 + timedelta(minutes=30))
    fake.say(said[0], "", "Yes!", t0 + timedelta(minutes=31), page=True)
    report = setup.inbox()
    assert [(c.state, c.added, c.answered) for c in report.channels] == [("ok", 1, 1)]
    assert late in [i.id for i in read_channel(setup.work, "facebook")]
    read = [r for r in fake.requests if r.url.path.endswith(f"{root}/comments")]
    assert len(read) == 1  # one page: not from the start again
    assert [(c.state, c.added) for c in setup.inbox().channels] == [("ok", 0)]
