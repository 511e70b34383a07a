"""`tidings audit` through every profile reader, against the fakes built from each platform's
documented profile call (each fake names its document): the difference between the profile
and brand.yaml reported exactly, a field the API does not give never a finding, the live
images compared with brand/profiles/ as pictures, a failing reader failing only its
channel, no secret in output, a second run the same day adding nothing, and a failed rerun
keeping the day's good reading."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from builders import workspaces
from fakes import facebook, google_business, instagram, linkedin, pinterest, telegram, threads
from fakes import x as xfake
from fakes.cases import PlatformCase
from fakes.server import Fake
from PIL import Image as PILImage
from PIL import ImageDraw

from tidings.jobs.audit import Options, audit
from tidings.workspace.validation import validator

NAME = "Lumen & Grain"
BIO = "Portraits and weddings in Leipzig."
LINK = "https://lumengrain.example"
CDN = "https://cdn.example"
NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
FILE = "metrics/audits/2027-01-15.yaml"

BRAND = f"""name: {NAME}
timezone: Europe/Berlin
profile:
  name: "{NAME}"
  bio: "{BIO}"
  link: {LINK}
"""


def picture(width: int, height: int, *, other: bool = False, fmt: str = "PNG") -> bytes:
    """A picture with shapes (a fingerprint needs more than one colour); ``other`` draws a
    different one."""
    im = PILImage.new("RGB", (width, height), (240, 230, 210))
    draw = ImageDraw.Draw(im)
    w, h = width, height
    if other:
        draw.rectangle((0, 0, w // 3, h), fill=(20, 40, 160))
        draw.ellipse((w // 2, h // 4, w - 1, h - 1), fill=(200, 30, 30))
    else:
        draw.ellipse((w // 5, h // 5, 4 * w // 5, 4 * h // 5), fill=(40, 90, 60))
        draw.rectangle((0, 0, w, h // 8), fill=(10, 10, 10))
    out = io.BytesIO()
    im.save(out, fmt)
    return out.getvalue()


@dataclass
class Reader:
    """One platform's reader under test: its fake, how to give the fake a profile (bio
    ``bio``, the brand's name, link and a 400×400 avatar at ``CDN/avatar.png``), and which
    fields its API does not give."""

    case: PlatformCase
    make: Callable[[], Fake]
    set_profile: Callable[[Any, str], None]
    profile_path: str
    """A regular expression for the path of the profile call (a fault is put on it)."""
    error: Callable[[str], dict[str, Any]]
    """``Fake.fault`` keyword arguments: the platform's own 401, quoting ``secret``."""
    not_exposed: tuple[str, ...]
    method: str = "GET"
    """The profile call's method (the Bot API's are POSTs)."""
    serve: Callable[[Any, dict[str, bytes]], None] | None = None
    """For a platform that serves the images itself (not from ``CDN``): put ``images`` (by
    path under ``CDN``) where the fake serves them."""


def x_profile(fake: xfake.XFake, bio: str) -> None:
    fake.profile = {
        "name": NAME,
        "description": bio,
        "url": "https://t.co/xyz",
        "profile_image_url": f"{CDN}/avatar_normal.png",
        "verified": False,
        "protected": False,
        "entities": {
            "url": {"urls": [{"url": "https://t.co/xyz", "expanded_url": LINK}]},
            "description": {
                "urls": [{"url": "https://t.co/abc", "expanded_url": f"{LINK}/prices"}]
            },
        },
    }


def graph_401(secret: str) -> dict[str, Any]:
    """Graph's answer to a token it cannot use (code 190), quoting the token."""
    return {
        "status": 400,
        "body": {
            "error": {
                "message": f"Invalid OAuth access token - Cannot parse access token {secret}",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "AbCdEf",
            }
        },
    }


def threads_profile(fake: threads.ThreadsFake, bio: str) -> None:
    fake.profile.update(
        name=NAME,
        threads_biography=bio,
        threads_profile_picture_url=f"{CDN}/avatar.jpg",
    )


def instagram_profile(fake: instagram.InstagramFake, bio: str) -> None:
    fake.profile.update(
        name=NAME, biography=bio, website=LINK, profile_picture_url=f"{CDN}/avatar.jpg"
    )


def facebook_profile(fake: facebook.FacebookFake, bio: str) -> None:
    fake.profile.update(
        name=NAME,
        about=bio,
        website=f"{LINK} https://instagram.com/lumengrain",
        link=f"https://www.facebook.com/{facebook.PAGE_ID}",
        picture={
            "data": {
                "height": 400,
                "width": 400,
                "is_silhouette": False,
                "url": f"{CDN}/avatar.png",
            }
        },
        cover={"id": "1", "source": f"{CDN}/cover.png", "offset_x": 0, "offset_y": 50},
    )


def pinterest_profile(fake: pinterest.PinterestFake, bio: str) -> None:
    fake.profile.update(
        business_name=NAME, about=bio, website_url=LINK, profile_image=f"{CDN}/avatar.png"
    )


def telegram_profile(fake: telegram.TelegramFake, bio: str) -> None:
    fake.profile.update(title=NAME, description=bio)
    fake.photo = "photos/file_7.jpg"


def telegram_serve(fake: telegram.TelegramFake, images: dict[str, bytes]) -> None:
    fake.downloads["photos/file_7.jpg"] = images["/avatar.png"]


def google_profile(fake: google_business.GoogleBusinessFake, bio: str) -> None:
    fake.profile.update(title=NAME, profile={"description": bio}, websiteUri=LINK)


def linkedin_profile(fake: linkedin.LinkedInFake, bio: str) -> None:
    fake.organization.update(
        localizedName=NAME,
        localizedDescription=bio,
        localizedWebsite=LINK,
        vanityName="lumengrain",
        logoV2=fake.org_image(f"{CDN}/avatar.png"),
        coverPhotoV2=fake.org_image(f"{CDN}/li-cover.png"),
    )


READERS: dict[str, Reader] = {
    "linkedin": Reader(
        linkedin.CASE,
        linkedin.LinkedInFake,
        linkedin_profile,
        r"^/rest/organizations/",
        lambda secret: {
            "status": 401,
            "body": {
                "status": 401,
                "serviceErrorCode": 65600,
                "code": "INVALID_ACCESS_TOKEN",
                "message": f"Invalid access token {secret}",
            },
        },
        (),
    ),
    "threads": Reader(
        threads.CASE,
        threads.ThreadsFake,
        threads_profile,
        r"/v1\.0/me$",
        graph_401,
        ("link", "banner"),
    ),
    "instagram": Reader(
        instagram.CASE,
        instagram.InstagramFake,
        instagram_profile,
        rf"/{instagram.InstagramFake().user_id}$",
        graph_401,
        ("banner",),
    ),
    "facebook": Reader(
        facebook.CASE,
        facebook.FacebookFake,
        facebook_profile,
        rf"/{facebook.PAGE_ID}$",
        graph_401,
        (),
    ),
    "pinterest": Reader(
        pinterest.CASE,
        pinterest.PinterestFake,
        pinterest_profile,
        r"^/v5/user_account$",
        lambda secret: {
            "status": 401,
            "body": {"code": 2, "message": f"Authentication failed for {secret}."},
        },
        ("banner",),
    ),
    "telegram": Reader(
        telegram.CASE,
        telegram.TelegramFake,
        telegram_profile,
        r"/getChat$",
        lambda secret: {
            "status": 401,
            "body": {"ok": False, "error_code": 401, "description": f"Unauthorized: {secret}"},
        },
        ("link", "banner"),
        method="POST",
        serve=telegram_serve,
    ),
    "google_business": Reader(
        google_business.CASE,
        google_business.GoogleBusinessFake,
        google_profile,
        r"^/v1/locations/",
        lambda secret: {
            "status": 401,
            "body": {
                "error": {
                    "code": 401,
                    "message": f"Request had invalid authentication credentials: {secret}",
                    "status": "UNAUTHENTICATED",
                }
            },
        },
        ("avatar", "banner"),
    ),
    "x": Reader(
        xfake.CASE,
        xfake.XFake,
        x_profile,
        r"^/2/users/me$",
        lambda secret: {
            "status": 401,
            "body": {"title": "Unauthorized", "detail": f"token {secret} is bad", "status": 401},
        },
        ("banner",),
    ),
}

IMAGES = {
    "/avatar_400x400.png": picture(400, 400),
    "/avatar.png": picture(400, 400),
    "/avatar.jpg": picture(400, 400, fmt="JPEG"),
    "/cover.png": picture(1640, 624),
    "/li-cover.png": picture(1128, 191),
}


def transport(fake: Fake, images: dict[str, bytes]) -> httpx.MockTransport:
    """The fake platform, and its image CDN at ``CDN`` serving ``images``."""
    api = fake.transport()
    cdn_host = httpx.URL(CDN).host

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == cdn_host:
            found = images.get(request.url.path)
            if found is None:
                return httpx.Response(404)
            return httpx.Response(200, content=found, headers={"Content-Type": "image/png"})
        return api.handle_request(request)

    return httpx.MockTransport(handler)


def cid(case: PlatformCase) -> str:
    """The channel's id: the platform's name, as a channel name may be spelled."""
    return case.platform.replace("_", "-")


def channels(case: PlatformCase) -> str:
    channel: dict[str, Any] = {"platform": case.platform, "credentials": dict(case.credentials)}
    if case.media_base_url:
        channel["media_base_url"] = "https://media.example/"
    channel.update(case.extra)
    return yaml.safe_dump({"channels": {cid(case): channel}})


def workspace(tmp_path: Path, reader: Reader, extra: dict[str, Any] | None = None) -> Path:
    files: dict[str, Any] = {
        "brand/brand.yaml": BRAND,
        "brand/channels.yaml": channels(reader.case),
        **(extra or {}),
    }
    _, work = workspaces.published(tmp_path, files)
    return work


def run(work: Path, fake: Fake, images: dict[str, bytes] | None = None, **kw: Any) -> Any:
    env = reader_env(fake)
    images = images or IMAGES
    serve = reader_of(fake).serve
    if serve is not None:
        serve(fake, images)
    opts = Options(now=kw.pop("now", NOW), env=env, transport=transport(fake, images))
    return audit(work, opts)


def reader_of(fake: Fake) -> Reader:
    return next(r for r in READERS.values() if type(fake) is type(r.make()))


def reader_env(fake: Fake) -> dict[str, str]:
    return dict(reader_of(fake).case.env(fake, "https://api.fake.example"))


@pytest.fixture(params=sorted(READERS))
def reader(request: pytest.FixtureRequest) -> Reader:
    return READERS[request.param]


def test_a_bio_that_differs_is_reported_exactly_and_a_second_run_adds_nothing(
    tmp_path: Path, reader: Reader
) -> None:
    fake = reader.make()
    reader.set_profile(fake, "We take photos. Sometimes.")
    work = workspace(tmp_path, reader)

    report = run(work, fake)

    text = (work / FILE).read_text()
    data = yaml.safe_load(text)
    assert list(validator("audit").iter_errors(data)) == []
    channel = data["channels"][cid(reader.case)]
    assert report.ok and channel["state"] == "ok", channel
    assert channel["findings"] == [
        {
            "field": "bio",
            "kind": "mismatch",
            "message": "the bio differs from brand.yaml's",
            "expected": BIO,
            "found": "We take photos. Sometimes.",
        }
    ]
    assert channel["profile"]["display_name"] == NAME
    if "link" not in reader.not_exposed:
        assert LINK in channel["profile"]["links"]
    assert channel["profile"].get("not_exposed", []) == list(reader.not_exposed)
    if "avatar" not in reader.not_exposed:
        avatar = channel["profile"]["avatar"]
        assert (avatar["width"], avatar["height"]) == (400, 400)
        assert reader.case.env(fake, "x")[reader.case.secrets[0]] not in str(avatar)
    assert report.committed

    again = run(work, fake, now=NOW.replace(hour=17))
    assert again.ok and not again.written and not again.committed
    assert (work / FILE).read_text() == text


def test_a_live_avatar_that_is_not_the_brands_picture_is_a_mismatch_with_both_sizes(
    tmp_path: Path, reader: Reader
) -> None:
    fake = reader.make()
    reader.set_profile(fake, BIO)
    # the brand's own avatar, 800×800 and PNG: the platform's re-encoded 400×400 JPEG of the
    # same picture matches; another picture does not
    work = workspace(tmp_path, reader, {"brand/profiles/avatar.png": picture(800, 800)})
    same = {p: picture(400, 400, fmt="JPEG") for p in IMAGES}
    report = run(work, fake, same)
    assert report.audit.channels[cid(reader.case)].findings == ()

    other = {p: picture(400, 400, other=True) for p in IMAGES}
    report = run(work, fake, other, now=NOW.replace(hour=12))
    found = [
        (f.field, f.kind, f.expected, f.found)
        for f in report.audit.channels[cid(reader.case)].findings
    ]
    assert found == (
        []  # a platform whose API does not give the picture: never a finding
        if "avatar" in reader.not_exposed
        else [("avatar", "mismatch", "brand/profiles/avatar.png (800×800)", "400×400")]
    )


def test_a_failing_reader_fails_only_its_channel_keeps_the_good_reading_and_shows_no_secret(
    tmp_path: Path, reader: Reader
) -> None:
    fake = reader.make()
    reader.set_profile(fake, BIO)
    work = workspace(tmp_path, reader)
    env = reader_env(fake)
    secrets = [env[name] for name in reader.case.secrets]
    first = run(work, fake)
    assert first.ok
    good = yaml.safe_load((work / FILE).read_text())["channels"][cid(reader.case)]

    fake.fault(reader.profile_path, method=reader.method, count=None, **reader.error(secrets[0]))
    asked = len(fake.calls(reader.method, reader.profile_path))
    later = datetime(2027, 1, 15, 16, 0, tzinfo=UTC)
    result = run(work, fake, now=later)
    assert len(fake.calls(reader.method, reader.profile_path)) > asked  # the fault answered
    assert not result.ok and result.failed == [cid(reader.case)], result
    text = (work / FILE).read_text()
    shown = repr(result)
    for secret in secrets:
        assert secret not in shown and secret not in text
    kept = yaml.safe_load(text)["channels"][cid(reader.case)]
    # the morning's reading stays, marked with when it was read and when the rerun failed
    assert kept["profile"] == good["profile"] and kept["findings"] == good["findings"]
    assert kept["read_at"] == good["read_at"] == "2027-01-15T08:00:00Z"
    assert kept["failed_at"] == "2027-01-15T16:00:00Z"
    assert kept["error"]


def test_a_linkedin_member_profile_is_skipped_not_failed(tmp_path: Path) -> None:
    """LinkedIn gives a member's headline and about to no token tidings holds: the channel
    is skipped, saying so, and nothing is asked of the API."""
    fake = linkedin.LinkedInFake(member=True)
    work = workspace(tmp_path, READERS["linkedin"])
    report = run(work, fake)
    channel = yaml.safe_load((work / FILE).read_text())["channels"]["linkedin"]
    assert report.ok and channel["state"] == "skipped", channel
    assert "member's profile" in channel["error"]
    assert not any("/rest/organizations/" in r.url.path for r in fake.requests)
