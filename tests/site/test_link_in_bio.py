"""The link-in-bio page (``links/``, issue 19 item 1): the brand's avatar and ``bio_links``,
then the latest posts the ledger records as published on Instagram, newest first, each
picture opening its post's ``link:`` with ``utm_source=instagram&utm_medium=bio`` on the
brand's own domains; a standalone page with no script; and the check that tells an
Instagram post mentioning a link to name it in ``link:``."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from builders.posts import channels, ledger, post
from click.testing import CliRunner
from PIL import Image

from tidings.cli.main import cli
from tidings.site import collect
from tidings.site.link_in_bio import BIO_PATH, LATEST
from tidings.site.pages import build_pages

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))

BRAND = """name: Test Studio
timezone: Europe/Berlin
website: https://studio.example
links:
  utm: {enabled: true, medium: social}
  own_domains: [studio.example]
bio_links:
  - label: Book a session
    url: https://studio.example/book
  - label: Our map
    url: https://maps.example/studio
"""

CHANNELS = channels(
    instagram={
        "platform": "instagram",
        "credentials": {"user_id": "IG_USER_ID", "access_token": "IG_ACCESS_TOKEN"},
        "media_base_url": "https://studio.example/media/",
        "utm": False,  # caption links are not clickable: the bio page tags anyway
    },
    mastodon={
        "platform": "mastodon",
        "credentials": {"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"},
    },
)


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1080, 1350), colour).save(out, "JPEG")
    return out.getvalue()


def _gram(slug: str, alt: str, *chans: str, **front: str) -> dict[str, str | bytes]:
    """A post on ``chans`` (Instagram by default) with its own picture."""
    image = f"content/media/{slug}.jpg"
    return {
        f"content/posts/2026/12/{slug}.md": post(
            *(chans or ("instagram",)),
            title=slug,
            parts=("A new picture from the studio. Link in bio.",),
            media=((image, alt),),
            **front,
        ),
        image: _jpeg("#%02x6040" % (len(slug) * 9 % 256)),
    }


POSTS: dict[str, str | bytes] = {
    "brand/brand.yaml": BRAND,
    "brand/channels.yaml": CHANNELS,
    **_gram("winter-set", "A grey paper roll and a stool", link="https://studio.example/minis"),
    **_gram(
        "vouchers", "A voucher card in a linen envelope", link="https://shop.studio.example/v?a=1"
    ),
    **_gram("press", "A newspaper page", link="https://news.example/story", campaign="winter"),
    **_gram("no-link", "Two rings on a blush background"),
    **_gram("failed", "A picture that never went out", link="https://studio.example/failed"),
    **_gram("unsent", "A picture scheduled for later", link="https://studio.example/later"),
    **_gram("toots", "A picture only on Mastodon", "mastodon", link="https://studio.example/t"),
    "ledger/2026/12/winter-set.yaml": ledger(
        "2026/12/winter-set", instagram="2026-12-09T17:00:04Z"
    ),
    "ledger/2026/12/vouchers.yaml": ledger("2026/12/vouchers", instagram="2026-12-01T09:00:04Z"),
    "ledger/2026/12/press.yaml": ledger("2026/12/press", instagram="2026-12-12T09:00:04Z"),
    "ledger/2026/12/no-link.yaml": ledger("2026/12/no-link", instagram="2026-12-05T09:00:04Z"),
    "ledger/2026/12/failed.yaml": ledger(
        "2026/12/failed", "failed", instagram="2026-12-15T09:00:04Z"
    ),
    "ledger/2026/12/toots.yaml": ledger("2026/12/toots", mastodon="2026-12-16T09:00:04Z"),
}


class _Page(HTMLParser):
    """The page's tags, its grid tiles (post id, href, img alt) and its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tiles: list[dict[str, str | None]] = []
        self.buttons: list[tuple[str, str]] = []
        self._button: str | None = None
        self._in_buttons = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "ul" and a.get("class") == "bio-buttons":
            self._in_buttons = True
        elif tag == "li" and "data-post" in a:
            self.tiles.append({"post": a["data-post"], "href": None, "alt": None})
        elif tag == "a" and self.tiles and self.tiles[-1]["alt"] is None and not self._in_buttons:
            self.tiles[-1]["href"] = a["href"]
        elif tag == "img" and self.tiles:
            self.tiles[-1]["alt"] = a["alt"]
        elif tag == "a" and self._in_buttons:
            self._button = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self._in_buttons = False

    def handle_data(self, data: str) -> None:
        if self._button is not None and data.strip():
            self.buttons.append((data.strip(), self._button))
            self._button = None


def _bio(root: Path) -> str:
    files = {f.dest_uri: f for f in build_pages(collect(root, NOW)).files}
    content = files[BIO_PATH].content
    assert isinstance(content, str)
    return content


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def root(make_workspace: Callable[..., Path]) -> Path:
    return make_workspace(
        POSTS, {"content/posts/2026/12/hello.md": post("mastodon", at="2026-12-10 09:00")}
    )


def test_only_published_instagram_posts_newest_first_with_their_alt_text(root: Path) -> None:
    page = _parse(_bio(root))
    assert [t["post"] for t in page.tiles] == [
        "2026/12/press",  # 12 Dec
        "2026/12/winter-set",  # 9 Dec
        "2026/12/no-link",  # 5 Dec
        "2026/12/vouchers",  # 1 Dec
    ]  # failed, unsent and the Mastodon-only post are not there
    alts = {t["post"]: t["alt"] for t in page.tiles}
    assert alts["2026/12/winter-set"] == "A grey paper roll and a stool"
    assert alts["2026/12/vouchers"] == "A voucher card in a linen envelope"


def test_own_links_carry_the_bio_utm_tags_and_others_go_as_written(root: Path) -> None:
    hrefs = {t["post"]: t["href"] for t in _parse(_bio(root)).tiles}
    assert _query(hrefs["2026/12/winter-set"]) == {
        "utm_source": ["instagram"],
        "utm_medium": ["bio"],
    }
    assert str(hrefs["2026/12/winter-set"]).startswith("https://studio.example/minis?")
    assert _query(hrefs["2026/12/vouchers"]) == {  # a subdomain is the brand's own
        "a": ["1"],
        "utm_source": ["instagram"],
        "utm_medium": ["bio"],
    }
    assert hrefs["2026/12/press"] == "https://news.example/story"  # not ours: untouched
    # no `link:`: the picture opens the post on Instagram, as the ledger records it
    assert hrefs["2026/12/no-link"] == "https://social.example/instagram/2026/12/no-link"


def test_a_campaign_post_names_its_campaign(
    make_workspace: Callable[..., Path], root: Path
) -> None:
    make_workspace(
        _gram("press", "A newspaper page", link="https://studio.example/press", campaign="winter")
    )
    hrefs = {t["post"]: t["href"] for t in _parse(_bio(root)).tiles}
    assert _query(hrefs["2026/12/press"])["utm_campaign"] == ["winter"]


def test_the_bio_links_come_first_and_are_tagged_on_own_domains(root: Path) -> None:
    page = _parse(_bio(root))
    assert [label for label, _ in page.buttons] == ["Book a session", "Our map"]
    book, map_ = (href for _, href in page.buttons)
    assert book == "https://studio.example/book?utm_source=instagram&utm_medium=bio"
    assert map_ == "https://maps.example/studio"
    assert not [a for t, a in page.tags if t == "img" and a.get("class") == "bio-avatar"]


def test_without_utm_enabled_no_link_is_tagged(
    make_workspace: Callable[..., Path], root: Path
) -> None:
    make_workspace({"brand/brand.yaml": BRAND.replace("enabled: true", "enabled: false")})
    page = _parse(_bio(root))
    assert all("utm_" not in str(t["href"]) for t in page.tiles)
    assert all("utm_" not in href for _, href in page.buttons)


def test_the_latest_posts_only(make_workspace: Callable[..., Path], root: Path) -> None:
    many: dict[str, str | bytes] = {}
    for n in range(LATEST + 3):
        many.update(_gram(f"many-{n:02d}", f"Picture {n}", link="https://studio.example/m"))
        many[f"ledger/2026/12/many-{n:02d}.yaml"] = ledger(
            f"2026/12/many-{n:02d}", instagram=f"2026-12-18T10:{n:02d}:00Z"
        )
    make_workspace(many)
    tiles = _parse(_bio(root)).tiles
    assert len(tiles) == LATEST
    assert tiles[0]["post"] == f"2026/12/many-{LATEST + 2:02d}"


def test_the_site_build_writes_a_standalone_page_without_script(root: Path, tmp_path: Path) -> None:
    (root / "brand/profiles").mkdir(parents=True)
    Image.new("RGB", (400, 400), "#335577").save(root / "brand/profiles/avatar.png")
    out = tmp_path / "site"
    result = CliRunner().invoke(
        cli, ["--root", str(root), "site", "build", "--out", str(out), "--now", "2026-12-20 09:00"]
    )
    assert result.exit_code == 0, result.output
    html = (out / BIO_PATH).read_text(encoding="utf-8")
    page = _parse(html)
    assert html.startswith("<!doctype html>")
    assert [t for t, _ in page.tags].count("script") == 0
    assert not [a for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert "md-header" not in html and "md-nav" not in html  # no MkDocs theme around it
    sources = [str(a["src"]) for t, a in page.tags if t == "img"]
    assert sources[0] == "../profile/avatar.png"
    for src in sources:  # every picture is in the built site, where the page points
        assert (out / "links" / src).resolve().is_file(), src
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="links/"' in home  # the preview's home page leads to it


def test_no_page_without_instagram_or_bio_links(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    assert BIO_PATH not in {f.dest_uri for f in build_pages(collect(root, NOW)).files}


def test_a_bio_link_must_be_a_web_address(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {"brand/brand.yaml": BRAND.replace("https://maps.example/studio", "javascript:alert(1)")}
    )
    found = _check(root)
    bad = [d for d in found if d["path"] == "brand/brand.yaml" and d["severity"] == "error"]
    assert bad and "bio_links" in str(bad[0]["message"]) + str(bad[0].get("suggestion"))
    assert bad[0]["line"] == BRAND.splitlines().index("    url: https://maps.example/studio") + 1


# ---------------------------------------------------------------- the check


def _check(root: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["--root", str(root), "check", "--format", "json", "--now", "2026-11-30 09:00"]
    )
    assert "Traceback" not in result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def _links(found: list[dict[str, object]], slug: str) -> list[dict[str, object]]:
    return [
        d
        for d in found
        if d["code"] == "links.instagram" and str(d["path"]).endswith(f"/{slug}.md")
    ]


def test_link_in_bio_without_link_is_told_to_add_it(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {"brand/channels.yaml": CHANNELS},
        _gram("says-bio", "A picture"),
        _gram("names-it", "A picture", link="https://studio.example/x"),
    )
    found = _check(root)
    [said] = _links(found, "says-bio")
    assert said["severity"] == "warning"
    assert "“Link in bio”" in str(said["message"]) and "no `link:`" in str(said["message"])
    assert "add `link:" in str(said["suggestion"])
    text = (root / "content/posts/2026/12/says-bio.md").read_text(encoding="utf-8")
    assert (
        said["line"] == text.splitlines().index("A new picture from the studio. Link in bio.") + 1
    )
    assert _links(found, "names-it") == []


def test_a_url_in_the_caption_is_told_to_move_to_link(make_workspace: Callable[..., Path]) -> None:
    url_post = post(
        "instagram",
        title="url",
        parts=("Book now at https://studio.example/book",),
        media=(("content/media/url.jpg", "A picture"),),
    )
    root = make_workspace(
        {"brand/channels.yaml": CHANNELS},
        {"content/posts/2026/12/url.md": url_post, "content/media/url.jpg": _jpeg("#204060")},
    )
    [told] = _links(_check(root), "url")
    assert "not clickable" in str(told["message"])
    assert "`link: <url>`" in str(told["suggestion"]) and "link in bio" in str(told["suggestion"])


def test_an_invalid_link_is_a_schema_error(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(
        {"brand/channels.yaml": CHANNELS},
        _gram("bad-link", "A picture", link="studio.example/no-scheme"),
    )
    errors = [
        d
        for d in _check(root)
        if str(d["path"]).endswith("/bad-link.md") and d["severity"] == "error"
    ]
    assert errors and "link" in str(errors[0]["message"])


def test_content_is_text_and_unsafe_addresses_are_never_links(
    make_workspace: Callable[..., Path], root: Path
) -> None:
    hostile = "<script>window.__pwned = 1</script>"
    brand = BRAND.replace("label: Our map", f"label: '{hostile}'")
    entry = ledger("2026/12/no-link", instagram="2026-12-05T09:00:04Z").replace(
        "https://social.example/instagram/2026/12/no-link", "javascript:alert(1)"
    )
    make_workspace(
        {"brand/brand.yaml": brand, "ledger/2026/12/no-link.yaml": entry},
        _gram("no-link", f"A ring <img src=x onerror=alert(1)> {hostile}"),
    )
    html = _bio(root)
    page = _parse(html)
    assert hostile not in html and "&lt;script&gt;" in html
    assert not [a for t, a in page.tags if t == "img" and "onerror" in a]
    assert [t["href"] for t in page.tiles if t["post"] == "2026/12/no-link"] == [None]
    assert "javascript:" not in html
