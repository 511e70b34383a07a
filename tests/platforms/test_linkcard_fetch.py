"""The link-card fetch over real HTTP (a page server on 127.0.0.1): each kind of page has
its outcome, and the guards hold (no private addresses without the test switch, redirects
only within the site or where the caller's rule allows, never down to http, size and time bounded)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import httpx
import pytest
from fakes.pages import OG_DESCRIPTION, OG_TITLE, PageServer
from PIL import Image

from tidings.platforms.linkcard import MAX_HTML, _may_follow, fetch_card

THUMB = 1_000_000


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def test_an_open_graph_page_gives_title_description_and_thumb(site: PageServer) -> None:
    got = fetch_card(site.url + "/og", THUMB, allow_private=True)
    assert got.problem is None and got.card is not None
    assert (got.card.title, got.card.description) == (OG_TITLE, OG_DESCRIPTION)
    assert got.page == site.url + "/og"
    assert got.thumb is not None and got.thumb[1] == "image/png"
    assert site.seen == ["/og", "/img/small.png"]


def test_a_page_without_open_graph_falls_back_to_title_and_meta_description(
    site: PageServer,
) -> None:
    got = fetch_card(site.url + "/plain", THUMB, allow_private=True)
    assert got.card is not None and got.problem is None
    assert got.card.title == "Opening hours – Lumengrain"
    assert got.card.description == "Open Tuesday to Saturday, 10 to 18."
    assert got.thumb is None


def test_a_redirect_within_the_site_is_followed(site: PageServer) -> None:
    got = fetch_card(site.url + "/moved", THUMB, allow_private=True)
    assert got.card is not None and got.card.title == OG_TITLE
    assert got.page == site.url + "/og"


def test_a_redirect_off_the_site_is_not_followed(site: PageServer) -> None:
    with PageServer() as elsewhere:
        site.redirect("/away", elsewhere.url + "/og")
        got = fetch_card(site.url + "/away", THUMB, allow_private=True)
        assert got.card is None and got.problem is not None
        assert "redirected off the site" in got.problem
        assert elsewhere.seen == []


def test_a_redirect_elsewhere_is_followed_where_the_callers_rule_allows(
    site: PageServer,
) -> None:
    """``http://`` to ``https://``, ``www.`` to the bare domain, one of the brand's domains to
    another: the publisher passes the rule the link itself was allowed by."""
    with PageServer() as allowed, PageServer() as other:
        site.redirect("/to-allowed", allowed.url + "/og")
        site.redirect("/to-other", other.url + "/og")
        rule = lambda address: address.startswith(allowed.url + "/")  # noqa: E731
        got = fetch_card(site.url + "/to-allowed", THUMB, allow_private=True, follow=rule)
        assert got.card is not None and got.page == allowed.url + "/og"
        refused = fetch_card(site.url + "/to-other", THUMB, allow_private=True, follow=rule)
        assert refused.card is None and refused.problem == "redirected off the site, to 127.0.0.1"
        assert other.seen == []


@pytest.mark.parametrize(
    ("start", "target", "followed"),
    [
        ("http://shop.example/a", "https://shop.example/a", True),  # an upgrade, allowed
        ("https://shop.example/a", "https://www.shop.example/a", True),
        ("https://shop.example/a", "http://shop.example/a", False),  # never down to http
        ("https://shop.example/a", "https://evil.example/a", False),  # the rule says no
        ("https://shop.example/a", "https://shop.example/b", True),  # same origin
    ],
)
def test_which_redirects_are_followed(start: str, target: str, followed: bool) -> None:
    rule = lambda address: "shop.example" in httpx.URL(address).host  # noqa: E731
    begin = httpx.URL(start)
    origin = (begin.scheme, begin.host, begin.port)
    assert _may_follow(origin, begin, httpx.URL(target), rule) is followed


def test_a_huge_page_is_given_up_after_the_cap(site: PageServer) -> None:
    got = fetch_card(site.url + "/huge", THUMB, allow_private=True)
    assert got.card is None and got.problem == f"too big (over {MAX_HTML:,} bytes)"


def test_a_slow_page_times_out(site: PageServer) -> None:
    started = time.monotonic()
    got = fetch_card(site.url + "/slow", THUMB, allow_private=True, timeout=httpx.Timeout(0.5))
    assert got.card is None and got.problem == "timed out"
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    ("path", "problem"),
    [("/missing", "404 Not Found"), ("/json", "not a web page (application/json)")],
)
def test_a_missing_page_or_not_a_page_gives_no_card(
    site: PageServer, path: str, problem: str
) -> None:
    got = fetch_card(site.url + path, THUMB, allow_private=True)
    assert got.card is None or got.problem is not None
    assert got.problem == problem


def test_an_image_over_the_limit_is_downscaled_under_it(site: PageServer) -> None:
    assert len(site.routes["/img/big.png"][2]) > THUMB
    got = fetch_card(site.url + "/big-image", THUMB, allow_private=True)
    assert got.thumb is not None
    data, mime = got.thumb
    assert mime == "image/jpeg" and len(data) <= THUMB
    assert Image.open(io.BytesIO(data)).format == "JPEG"


def test_loopback_is_refused_without_the_test_switch(site: PageServer) -> None:
    got = fetch_card(site.url + "/og", THUMB)
    assert got.card is None and got.problem is not None
    assert "not a public address" in got.problem
    assert site.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://0.0.0.0:9/",
    ],
)
def test_private_and_metadata_addresses_are_refused(url: str) -> None:
    got = fetch_card(url, THUMB)
    assert got.problem is not None and "not a public address" in got.problem


def test_a_page_an_image_cannot_be_read_from_still_gives_the_text(site: PageServer) -> None:
    site.page("/broken-image", '<title>T</title><meta property="og:image" content="/nothing.png">')
    got = fetch_card(site.url + "/broken-image", THUMB, allow_private=True)
    assert got.card is not None and got.card.title == "T" and got.problem is None
    assert got.thumb is None and got.thumb_problem == "image: 404 Not Found"


def test_a_broken_image_leaves_the_card_without_a_thumb(site: PageServer) -> None:
    site.route(
        "/img/broken.png", 200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"?" * 99
    )
    site.page("/broken", '<title>T</title><meta property="og:image" content="/img/broken.png">')
    got = fetch_card(site.url + "/broken", THUMB, allow_private=True)
    assert got.card is not None and got.problem is None and got.thumb is None
    assert got.thumb_problem is not None and got.thumb_problem.startswith("image: ")
