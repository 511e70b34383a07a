"""Replies on the platforms where an answer is a comment or a message in a thread: Instagram,
Facebook, LinkedIn, Discord and Slack, each published by the exactly-once engine against
the platform's fake (tests/fakes/, built from the platform's documented contract), with a
real bare git remote. Each test asserts where the platform put the answer (under which
comment, post, thread), and that a rerun sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from builders.posts import HELLO, REPLY, channels, post, reply
from builders.remotes import ledger_record
from builders.runs import pushing
from builders.workspaces import published

from tidings.jobs.publish import publish

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LATER = NOW.replace(minute=20)
LEDGER_ID = "replies/thanks"


def _repo(tmp_path: Path, platform: str, credentials: dict[str, str], text: str, **extra: Any):
    files = {
        "brand/channels.yaml": channels(
            net={"platform": platform, "credentials": credentials, **extra},
            outbox={"platform": "outbox", "path": "build/outbox"},
        ),
        HELLO: post("outbox", draft="true"),
        REPLY: text,
    }
    return published(tmp_path, files)


def _one(report: Any) -> tuple[str, str]:
    assert [(o.post_id, o.channel) for o in report.outcomes] == [(LEDGER_ID, "net")], (
        report.outcomes
    )
    return report.outcomes[0].result, report.outcomes[0].detail


# -- Instagram ----------------------------------------------------------------------------


def test_an_instagram_reply_answers_the_comment_in_its_url_once(tmp_path: Path) -> None:
    from fakes.instagram import CASE, InstagramFake

    fake = InstagramFake()
    media = fake.own_post("Autumn portraits are booking now.", "Cautumn1")
    theirs = fake.someone_comments(media, "Do you do family portraits?")
    url = f"https://www.instagram.com/p/Cautumn1/c/{theirs}/"
    remote, work = _repo(
        tmp_path,
        "instagram",
        dict(CASE.credentials),
        reply(url, "We do! Saturdays are family days."),
        media_base_url="https://media.example.org/",
    )
    env = CASE.env(fake, "http://instagram.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    ours = [m for m in fake.published("comment") if m["id"] != theirs]
    assert [(m["on"], m["text"]) for m in ours] == [(theirs, "We do! Saturdays are family days.")]
    assert fake.calls("POST", rf"/{theirs}/replies$")
    rec = ledger_record(remote, "net", LEDGER_ID)
    assert rec["state"] == "published" and rec["parts"][0]["id"] == ours[0]["id"]
    assert publish(work, pushing(LATER, env, fake.transport())).outcomes == []
    assert len(fake.published("comment")) == 2


def test_a_lost_answer_to_an_instagram_reply_is_found_not_resent(tmp_path: Path) -> None:
    from fakes.instagram import CASE, InstagramFake

    fake = InstagramFake()
    media = fake.own_post("Autumn portraits are booking now.", "Cautumn1")
    theirs = fake.someone_comments(media, "How much is a session?")
    url = f"https://www.instagram.com/p/Cautumn1/c/{theirs}/"
    remote, work = _repo(
        tmp_path,
        "instagram",
        dict(CASE.credentials),
        reply(url, "From 120 euros; the price list is in our bio."),
        media_base_url="https://media.example.org/",
    )
    fake.fault(r"/replies$", method="POST", lost=True)
    env = CASE.env(fake, "http://instagram.test")
    publish(work, pushing(NOW, env, fake.transport()))
    publish(work, pushing(LATER, env, fake.transport()))
    ours = [m for m in fake.published("comment") if m["id"] != theirs]
    assert len(ours) == 1 and ours[0]["on"] == theirs  # applied once, never sent again
    rec = ledger_record(remote, "net", LEDGER_ID)
    assert rec["state"] == "published" and rec["parts"][0]["id"] == ours[0]["id"]


def test_an_instagram_post_url_comments_on_the_accounts_own_post(tmp_path: Path) -> None:
    from fakes.instagram import CASE, InstagramFake

    fake = InstagramFake()
    media = fake.own_post("New studio, same light.", "Cstudio9")
    url = "https://www.instagram.com/p/Cstudio9/?igsh=abc"
    _, work = _repo(
        tmp_path,
        "instagram",
        dict(CASE.credentials),
        reply(url, "Thank you all for the kind words!"),
        media_base_url="https://media.example.org/",
    )
    report = publish(work, pushing(NOW, CASE.env(fake, "http://instagram.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert [(m["on"], m["text"]) for m in fake.published("comment")] == [
        (media, "Thank you all for the kind words!")
    ]


def test_an_instagram_post_that_is_not_the_accounts_fails_before_sending(tmp_path: Path) -> None:
    from fakes.instagram import CASE, InstagramFake

    fake = InstagramFake()
    fake.own_post("Ours.", "Cours1")
    url = "https://www.instagram.com/p/Ctheirs2/"
    _, work = _repo(
        tmp_path,
        "instagram",
        dict(CASE.credentials),
        reply(url, "Lovely!"),
        media_base_url="https://media.example.org/",
    )
    report = publish(work, pushing(NOW, CASE.env(fake, "http://instagram.test"), fake.transport()))
    result, detail = _one(report)
    assert result == "failed" and "only on its own posts" in detail
    assert fake.published("comment") == [] and not fake.calls("POST", r"/comments$")


# -- Facebook -----------------------------------------------------------------------------


def test_a_facebook_reply_comments_under_the_comment_id_in_its_url(tmp_path: Path) -> None:
    from fakes.facebook import CASE, PAGE_ID, FacebookFake

    fake = FacebookFake()
    page_post = fake.page_post("We moved to Harbour Street!")
    theirs = fake.someone_comments(page_post, "Is there parking nearby?")
    url = (
        f"https://www.facebook.com/{PAGE_ID}/posts/{page_post.split('_')[1]}"
        f"?comment_id={theirs.split('_')[1]}&notif_id=1"
    )
    remote, work = _repo(
        tmp_path, "facebook", dict(CASE.credentials), reply(url, "Yes, behind the bakery.")
    )
    env = CASE.env(fake, "http://facebook.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    ours = [c for c in fake.comments() if c["id"] != theirs]
    assert [(c["parent"], c["message"]) for c in ours] == [(theirs, "Yes, behind the bakery.")]
    assert ledger_record(remote, "net", LEDGER_ID)["parts"][0]["id"] == ours[0]["id"]
    assert publish(work, pushing(LATER, env, fake.transport())).outcomes == []
    assert len(fake.comments()) == 2


def test_a_facebook_link_in_the_pfbid_form_is_found_among_the_pages_posts(
    tmp_path: Path,
) -> None:
    """Facebook's links now read ``/posts/pfbid0…``, which holds no Graph id: the post is the
    Page's own post with that address, and ``comment_id`` names the comment under it."""
    from fakes.facebook import CASE, FacebookFake

    fake = FacebookFake()
    for n in range(130):  # more than one page of the Page's posts to read through
        fake.page_post(f"Older post {n}.")
    pfbid = "pfbid02Xk9gT7Lm3Qw8RzYb5CvN1dJhP4sUaE6oKiF2yHtG9WnB7xMqZ3l"
    page_post = fake.page_post("Portrait days in March.", pfbid=pfbid)
    for n in range(20):
        fake.page_post(f"Newer post {n}.")
    theirs = fake.someone_comments(page_post, "Can I bring my dog?")
    url = f"https://www.facebook.com/lumengrain/posts/{pfbid}?comment_id={theirs.split('_')[1]}"
    remote, work = _repo(tmp_path, "facebook", dict(CASE.credentials), reply(url, "Of course!"))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://facebook.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert [(c["parent"], c["message"]) for c in fake.comments() if c["id"] != theirs] == [
        (theirs, "Of course!")
    ]
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "published"


def test_a_facebook_link_by_graph_id_is_answered(tmp_path: Path) -> None:
    """``facebook.com/{page}_{post}?comment_id=…``: the short form that opens a Page post by
    its Graph id."""
    from fakes.facebook import CASE, FacebookFake

    fake = FacebookFake()
    page_post = fake.page_post("Gift vouchers are here.")
    theirs = fake.someone_comments(page_post, "Valid for a year?")
    url = f"https://www.facebook.com/{page_post}?comment_id={theirs.split('_')[1]}"
    _, work = _repo(tmp_path, "facebook", dict(CASE.credentials), reply(url, "Two years!"))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://facebook.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert [(c["parent"], c["message"]) for c in fake.comments() if c["id"] != theirs] == [
        (theirs, "Two years!")
    ]


def test_a_pfbid_link_to_no_post_of_the_page_fails_before_sending(tmp_path: Path) -> None:
    from fakes.facebook import CASE, FacebookFake

    fake = FacebookFake()
    fake.page_post("Something else.", pfbid="pfbid0AAAAbbbbCCCC")
    url = "https://www.facebook.com/someone.else/posts/pfbid0ZZZZyyyyXXXX"
    _, work = _repo(tmp_path, "facebook", dict(CASE.credentials), reply(url, "Hello!"))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://facebook.test"), fake.transport()))
    result, detail = _one(report)
    assert result == "failed" and "no post of the Page among its newest" in detail
    assert not fake.calls("POST", r"/comments$")


def test_a_lost_answer_to_a_facebook_reply_is_found_not_resent(tmp_path: Path) -> None:
    from fakes.facebook import CASE, FacebookFake

    fake = FacebookFake()
    page_post = fake.page_post("Open day on Saturday.")
    url = f"https://www.facebook.com/lumengrain/posts/{page_post.split('_')[1]}"
    remote, work = _repo(
        tmp_path, "facebook", dict(CASE.credentials), reply(url, "Doors open at 10:00.")
    )
    fake.fault(r"/comments$", method="POST", lost=True)
    env = CASE.env(fake, "http://facebook.test")
    publish(work, pushing(NOW, env, fake.transport()))
    publish(work, pushing(LATER, env, fake.transport()))
    assert [(c["parent"], c["message"]) for c in fake.comments()] == [
        (page_post, "Doors open at 10:00.")  # on the post (the URL names no comment), once
    ]
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "published"


# -- LinkedIn -----------------------------------------------------------------------------


def test_a_linkedin_reply_is_a_nested_comment_under_the_comment_urn(tmp_path: Path) -> None:
    from fakes.linkedin import CASE, LinkedInFake

    fake = LinkedInFake()
    share = fake.existing_post("We are hiring a studio assistant.")
    theirs = fake.someone_comments(share, "Is it part-time?")
    url = f"https://www.linkedin.com/feed/update/{share}/?commentUrn={quote(theirs, safe='')}"
    remote, work = _repo(
        tmp_path, "linkedin", dict(CASE.credentials), reply(url, "Yes, three days a week.")
    )
    env = CASE.env(fake, "http://linkedin.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    ours = [c for c in fake.comments if c.urn != theirs]
    assert [(c.parent, c.text, c.actor) for c in ours] == [
        (theirs, "Yes, three days a week.", fake.author)
    ]
    assert ledger_record(remote, "net", LEDGER_ID)["parts"][0]["id"] == ours[0].urn
    assert publish(work, pushing(LATER, env, fake.transport())).outcomes == []
    assert len(fake.comments) == 2


def test_a_linkedin_reply_to_a_reply_goes_under_its_top_level_comment(tmp_path: Path) -> None:
    from fakes.linkedin import CASE, LinkedInFake

    fake = LinkedInFake()
    share = fake.existing_post("We are hiring.")
    top = fake.someone_comments(share, "Remote possible?")
    nested = fake.someone_comments(share, "Asking too!", parent=top)
    url = f"https://www.linkedin.com/feed/update/{share}?commentUrn={quote(nested, safe='')}"
    _, work = _repo(tmp_path, "linkedin", dict(CASE.credentials), reply(url, "On site only."))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://linkedin.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert [(c.parent, c.text) for c in fake.comments if c.actor == fake.author] == [
        (top, "On site only.")
    ]


def test_a_lost_answer_to_a_linkedin_comment_on_a_post_is_found(tmp_path: Path) -> None:
    from fakes.linkedin import CASE, LinkedInFake

    fake = LinkedInFake()
    share = fake.existing_post("Our new prints are in.")
    url = f"https://www.linkedin.com/feed/update/{share}/"
    remote, work = _repo(
        tmp_path, "linkedin", dict(CASE.credentials), reply(url, "Thank you for the shares!")
    )
    fake.fault(r"/comments$", method="POST", lost=True)
    env = CASE.env(fake, "http://linkedin.test")
    publish(work, pushing(NOW, env, fake.transport()))
    publish(work, pushing(LATER, env, fake.transport()))
    assert [(c.post, c.parent, c.text) for c in fake.comments] == [
        (share, None, "Thank you for the shares!")
    ]
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "published"


# -- Discord ------------------------------------------------------------------------------


def _discord(tmp_path: Path, url: str, text: str):
    from fakes.discord import CASE

    return _repo(tmp_path, "discord", dict(CASE.credentials), reply(url, text))


def test_a_discord_reply_goes_into_the_thread_on_the_message(tmp_path: Path) -> None:
    from fakes.discord import CASE, CHANNEL_ID, GUILD_ID, DiscordFake

    fake = DiscordFake()
    theirs = fake.someone_says("Are you open on Sunday?")
    fake.start_thread(theirs)
    url = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{theirs}"
    remote, work = _discord(tmp_path, url, "Sundays 12:00 to 16:00!")
    env = CASE.env(fake, "http://discord.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    ours = fake.messages[-1]
    assert ours["content"] == "Sundays 12:00 to 16:00!" and ours["channel_id"] == theirs
    rec = ledger_record(remote, "net", LEDGER_ID)
    assert (
        rec["parts"][0]["url"] == f"https://discord.com/channels/{GUILD_ID}/{theirs}/{ours['id']}"
    )
    assert publish(work, pushing(LATER, env, fake.transport())).outcomes == []
    assert len(fake.messages) == 2


def test_a_discord_reply_in_a_thread_url_goes_into_that_thread(tmp_path: Path) -> None:
    from fakes.discord import CASE, GUILD_ID, DiscordFake

    fake = DiscordFake()
    thread = "1250000000000000000"  # a thread of the webhook's channel
    url = f"https://discord.com/channels/{GUILD_ID}/{thread}/1250000000000000042"
    _, work = _discord(tmp_path, url, "Good question: yes.")
    report = publish(work, pushing(NOW, CASE.env(fake, "http://discord.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert fake.messages[-1]["channel_id"] == thread


def test_a_discord_message_without_a_thread_fails_saying_how_to_make_one(tmp_path: Path) -> None:
    from fakes.discord import CASE, CHANNEL_ID, GUILD_ID, DiscordFake

    fake = DiscordFake()
    theirs = fake.someone_says("Price list?")
    url = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{theirs}"
    remote, work = _discord(tmp_path, url, "It is pinned in #info.")
    report = publish(work, pushing(NOW, CASE.env(fake, "http://discord.test"), fake.transport()))
    result, detail = _one(report)
    assert result == "failed" and "Create Thread" in detail and "cannot reply" in detail
    assert len(fake.messages) == 1  # nothing sent
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "failed"


def test_a_discord_thread_of_another_channel_fails_naming_the_webhook(tmp_path: Path) -> None:
    from fakes.discord import CASE, GUILD_ID, DiscordFake

    fake = DiscordFake()
    url = f"https://discord.com/channels/{GUILD_ID}/1999999999999999999/1999999999999999998"
    _, work = _discord(tmp_path, url, "Hello!")
    env = CASE.env(fake, "http://discord.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    result, detail = _one(report)
    assert result == "failed" and "DISCORD_WEBHOOK_URL" in detail and "channels: [ID]" in detail
    assert fake.messages == [] and fake.token not in detail


def test_a_discord_item_in_another_server_fails_before_anything_is_sent(tmp_path: Path) -> None:
    from fakes.discord import CASE, CHANNEL_ID, DiscordFake

    fake = DiscordFake()
    url = f"https://discord.com/channels/1777777777777777777/{CHANNEL_ID}/1777777777777777778"
    _, work = _discord(tmp_path, url, "Hello!")
    report = publish(work, pushing(NOW, CASE.env(fake, "http://discord.test"), fake.transport()))
    result, detail = _one(report)
    assert result == "failed" and "another Discord server" in detail
    assert not fake.calls("POST", r"/webhooks/")


# -- Slack --------------------------------------------------------------------------------


def test_a_slack_reply_goes_into_the_thread_of_the_permalinked_message(tmp_path: Path) -> None:
    from fakes.slack import CASE, SlackFake

    fake = SlackFake()
    ts = fake.someone_says("Can we book the studio for a team photo?")
    url = f"https://lumengrain.slack.com/archives/C0TIDINGS/p{ts.replace('.', '')}"
    remote, work = _repo(
        tmp_path, "slack", dict(CASE.credentials), reply(url, "Yes: pick a slot on our site.")
    )
    env = CASE.env(fake, "http://slack.test")
    report = publish(work, pushing(NOW, env, fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    ours = fake.messages[-1]
    assert ours["thread_ts"] == ts and ours["text"] == "Yes: pick a slot on our site."
    assert ledger_record(remote, "net", LEDGER_ID)["state"] == "published"
    assert publish(work, pushing(LATER, env, fake.transport())).outcomes == []
    assert len(fake.messages) == 2


def test_a_slack_permalink_inside_a_thread_answers_in_that_thread(tmp_path: Path) -> None:
    from fakes.slack import CASE, SlackFake

    fake = SlackFake()
    root = fake.someone_says("Team photo on Friday?")
    fake.messages.append({"text": "+1", "blocks": [], "body": {}, "ts": "1700000000.000900"})
    url = (
        "https://lumengrain.slack.com/archives/C0TIDINGS/p1700000000000900"
        f"?thread_ts={root}&cid=C0TIDINGS"
    )
    _, work = _repo(tmp_path, "slack", dict(CASE.credentials), reply(url, "Friday works."))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://slack.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert fake.messages[-1]["thread_ts"] == root


def test_a_facebook_comment_id_in_its_base64_form_is_read(tmp_path: Path) -> None:
    """Newer Facebook links carry ``comment_id=`` as base64 of ``comment:{post}_{comment}``."""
    import base64

    from fakes.facebook import CASE, FacebookFake

    fake = FacebookFake()
    page_post = fake.page_post("Prints are back in stock.")
    theirs = fake.someone_comments(page_post, "A3 too?")
    encoded = base64.b64encode(f"comment:{theirs}".encode()).decode().rstrip("=")
    url = (
        f"https://www.facebook.com/lumengrain/posts/{page_post.split('_')[1]}?comment_id={encoded}"
    )
    _, work = _repo(tmp_path, "facebook", dict(CASE.credentials), reply(url, "A3 and A2, yes."))
    report = publish(work, pushing(NOW, CASE.env(fake, "http://facebook.test"), fake.transport()))
    assert _one(report)[0] == "published", report.outcomes
    assert [(c["parent"], c["message"]) for c in fake.comments() if c["id"] != theirs] == [
        (theirs, "A3 and A2, yes.")
    ]
