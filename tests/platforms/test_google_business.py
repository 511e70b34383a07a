"""Google Business Profile against the fake location (tests/fakes/google_business.py) and a
real bare git remote: a "What's new" post with its photo, an event and an offer with their
buttons, each once; a lost answer found among the location's posts; a revoked refresh token
stopping the channel unseen; Google's refusals in its words; expired posts deleted; post
insights read, and a retired insights method making numbers unavailable, not failing;
`tidings check` on the options."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, channels, post
from builders.remotes import ledger_record, remote_file
from builders.runs import pushing
from builders.workspaces import build_workspace, published
from fakes.google_business import ACCOUNT, LOCATION, PARENT, GoogleBusinessFake

from tidings.check.runner import check_workspace
from tidings.jobs.publish import Options, publish
from tidings.platforms import google_business
from tidings.platforms.base import Caller, Counts, Remote, Unavailable

MEDIA = "https://lumengrain.example/media/"
CHANNELS = channels(
    google={
        "platform": "google_business",
        "media_base_url": MEDIA,
        "credentials": {
            "client_id": "GBP_CLIENT_ID",
            "client_secret": "GBP_CLIENT_SECRET",
            "refresh_token": "GBP_REFRESH_TOKEN",
            "account_id": "GBP_ACCOUNT_ID",
            "location_id": "GBP_LOCATION_ID",
            "api_base": "GBP_API",
            "token_url": "GBP_TOKEN_URL",
        },
    }
)
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)
HOURS = "Between the holidays the studio is open Tuesday to Saturday, 10:00 to 16:00."
EVENT = {
    "topic": "event",
    "event": {"title": "Open studio day", "start": "2026-12-20 10:00", "end": "2026-12-20 16:00"},
    "button": {"action": "book", "url": "https://lumengrain.example/book"},
}
OFFER = {
    "topic": "offer",
    "event": {"title": "20% off prints", "start": "2026-12-01", "end": "2026-12-31"},
    "offer": {"coupon": "PRINTS20", "terms": "On orders of 10 prints or more."},
    "button": {"action": "call"},
}


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(text: str) -> tuple[Path, Path]:
        return published(tmp_path, {"brand/channels.yaml": CHANNELS, HELLO: text})

    return build


def env(fake: GoogleBusinessFake, refresh: str = "") -> dict[str, str]:
    return {
        "GBP_CLIENT_ID": fake.client_id,
        "GBP_CLIENT_SECRET": fake.client_secret,
        "GBP_REFRESH_TOKEN": refresh or fake.refresh_token,
        "GBP_ACCOUNT_ID": ACCOUNT,
        "GBP_LOCATION_ID": LOCATION,
        "GBP_API": "https://gbp.test/v4",
        "GBP_TOKEN_URL": "https://gbp.test/token",
    }


def options(fake: GoogleBusinessFake, now: datetime = NOW, refresh: str = "") -> Options:
    return pushing(now, env(fake, refresh), fake.transport(), [])


def test_a_whats_new_post_goes_out_once_with_its_photo(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = GoogleBusinessFake()
    remote, work = repo(post("google", parts=(HOURS,)))
    report = publish(work, options(fake))
    assert report.ok, report.outcomes
    (sent,) = fake.posts
    assert sent["summary"] == HOURS and sent["topicType"] == "STANDARD"
    assert sent["languageCode"] == "en"
    (photo,) = sent["media"]  # the dot, as the rendition Google can take, from the site
    assert photo["mediaFormat"] == "PHOTO" and photo["sourceUrl"].startswith(MEDIA)
    assert "callToAction" not in sent and "event" not in sent
    rec = ledger_record(remote, "google")
    assert rec["parts"][0]["id"] == sent["name"] and rec["parts"][0]["url"] == sent["searchUrl"]
    ledger = remote_file(remote, "ledger/2026/12/hello.yaml") or ""
    assert fake.refresh_token not in ledger and fake.client_secret not in ledger
    assert publish(work, options(fake, LATER)).outcomes == [] and len(fake.posts) == 1


def test_an_event_with_a_book_button(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = GoogleBusinessFake()
    _remote, work = repo(
        post("google", parts=(HOURS,), media=(), variants={"google": {"options": EVENT}})
    )
    assert publish(work, options(fake)).ok
    (sent,) = fake.posts
    assert sent["topicType"] == "EVENT"
    assert sent["event"] == {
        "title": "Open studio day",
        "schedule": {
            "startDate": {"year": 2026, "month": 12, "day": 20},
            "startTime": {"hours": 10, "minutes": 0, "seconds": 0, "nanos": 0},
            "endDate": {"year": 2026, "month": 12, "day": 20},
            "endTime": {"hours": 16, "minutes": 0, "seconds": 0, "nanos": 0},
        },
    }
    assert sent["callToAction"] == {"actionType": "BOOK", "url": "https://lumengrain.example/book"}
    assert "media" not in sent


def test_an_offer_with_its_coupon_and_a_call_button(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = GoogleBusinessFake()
    _remote, work = repo(
        post("google", parts=(HOURS,), media=(), variants={"google": {"options": OFFER}})
    )
    assert publish(work, options(fake)).ok
    (sent,) = fake.posts
    assert sent["topicType"] == "OFFER"
    assert sent["offer"] == {
        "couponCode": "PRINTS20",
        "termsConditions": "On orders of 10 prints or more.",
    }
    assert sent["event"]["schedule"]["endDate"] == {"year": 2026, "month": 12, "day": 31}
    assert "startTime" not in sent["event"]["schedule"]  # whole days
    assert sent["callToAction"] == {"actionType": "CALL"}


def test_a_lost_answer_is_found_among_the_locations_posts(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = GoogleBusinessFake()
    remote, work = repo(post("google", parts=(HOURS,)))
    fake.fault(r"/localPosts$", method="POST", lost=True)
    report = publish(work, options(fake))
    assert [o.result for o in report.outcomes] == ["published"]
    assert len(fake.posts) == 1 and fake.calls("GET", r"/localPosts$")
    assert ledger_record(remote, "google")["parts"][0]["id"] == fake.posts[0]["name"]


def test_a_revoked_refresh_token_stops_the_channel_unseen(
    repo: Callable[..., tuple[Path, Path]],
) -> None:
    fake = GoogleBusinessFake()
    remote, work = repo(post("google", parts=(HOURS,)))
    revoked = "1-0gRevokedRefreshToken-zzz"
    report = publish(work, options(fake, refresh=revoked))
    assert [o.result for o in report.outcomes] == ["failed"]
    detail = report.outcomes[0].detail
    assert "Token has been expired or revoked." in detail and "GBP_REFRESH_TOKEN" in detail
    assert revoked not in detail
    assert revoked not in (remote_file(remote, "ledger/2026/12/hello.yaml") or "")
    assert fake.posts == [] and not fake.calls("POST", r"/localPosts$")


def test_a_refusal_is_kept_in_googles_words(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = GoogleBusinessFake()
    fake.fault(
        r"/localPosts$",
        method="POST",
        status=400,
        body={
            "error": {
                "code": 400,
                "message": "Request contains an invalid argument.",
                "status": "INVALID_ARGUMENT",
            }
        },
    )
    remote, work = repo(post("google", parts=(HOURS,)))
    assert publish(work, options(fake)).outcomes[0].result == "failed"
    rec = ledger_record(remote, "google")
    assert "400 Request contains an invalid argument. (INVALID_ARGUMENT)" in rec["error"]
    assert rec["retry"] is False


def test_an_expired_post_is_deleted(repo: Callable[..., tuple[Path, Path]]) -> None:
    fake = GoogleBusinessFake()
    _remote, work = repo(post("google", parts=(HOURS,), expires="2026-12-11"))
    assert publish(work, options(fake)).ok
    name = fake.posts[0]["name"]
    report = publish(work, options(fake, datetime(2026, 12, 11, 0, 5, tzinfo=UTC)))
    assert [o.result for o in report.outcomes] == ["retracted"]
    assert fake.posts == [] and fake.deleted == [name]


def _adapter(fake: GoogleBusinessFake) -> google_business.GoogleBusinessAdapter:
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=lambda _: None)
    return google_business.GoogleBusinessAdapter(
        caller,
        "https://gbp.test/v4",
        "https://gbp.test/token",
        (fake.client_id, fake.client_secret, fake.refresh_token),
        PARENT,
    )


def test_post_insights_are_read_ten_a_request() -> None:
    fake = GoogleBusinessFake()
    names = [f"{PARENT}/localPosts/{n}" for n in range(100, 112)]
    fake.posts.extend({"name": n, "summary": "x"} for n in names)
    fake.views[names[0]] = (420, 17)
    parts = [Remote(n, None) for n in names] + [Remote(f"{PARENT}/localPosts/999", None)]
    found = _adapter(fake).post_metrics(parts)
    first = found[names[0]]
    assert isinstance(first, Counts) and first.views == 420 and first.raw["call_to_action"] == 17
    assert isinstance(found[f"{PARENT}/localPosts/999"], Unavailable)
    assert len(fake.calls("POST", "reportInsights")) == 2  # 13 posts: 10 + 3


def test_a_retired_insights_method_makes_numbers_unavailable() -> None:
    fake = GoogleBusinessFake()
    fake.insights_gone = True
    found = _adapter(fake).post_metrics([Remote(f"{PARENT}/localPosts/1", None)])
    (value,) = found.values()
    assert isinstance(value, Unavailable) and "no longer supported" in value.reason


def test_check_reads_the_options(tmp_path: Path) -> None:
    bad = {
        "topic": "event",
        "button": {"action": "call", "url": "https://lumengrain.example/call"},
        "offer": {"coupon": "X"},
        "title": "a pin title",
    }
    ws = build_workspace(
        tmp_path,
        {
            "brand/channels.yaml": CHANNELS,
            HELLO: post("google", parts=(HOURS, "two"), variants={"google": {"options": bad}}),
        },
    )
    messages = sorted(
        d.message
        for d in check_workspace(ws).diagnostics
        if d.code in ("post.options", "parts.google_business")
    )
    assert any("needs `options.event`" in m for m in messages), messages
    assert any("`call` button" in m for m in messages), messages
    assert any("`options.offer` is read only with `topic: offer`" in m for m in messages), messages
    assert any("`options.title` does nothing on google" in m for m in messages), messages
    assert any("Google Business Profile takes 1 part" in m for m in messages), messages
    good = build_workspace(
        tmp_path / "good",
        {
            "brand/channels.yaml": CHANNELS,
            HELLO: post("google", parts=(HOURS,), variants={"google": {"options": OFFER}}),
        },
    )
    assert not [d for d in check_workspace(good).diagnostics if d.code == "post.options"]
