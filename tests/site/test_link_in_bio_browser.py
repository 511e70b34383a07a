"""The link-in-bio page in a real browser (Debian's Chromium, as tests/site/test_site_browser.py
drives it): the example brand with a few of its Instagram posts published, at a 360 px phone
and a 1280 px desktop, with and without JavaScript. Screenshots go to build/screenshots/."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from builders.posts import ledger
from site_audit import contrast_failures, focus_failures

from tidings.site.build import build_site
from tidings.workspace.loader import Collector, load_brand

REPO = Path(__file__).parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
EXAMPLE_PARTS = ("tidings.yaml", "mkdocs.yml", "brand", "content", "site", "metrics")
PUBLISHED = {  # the example's Instagram posts that went out before NOW, and when
    "2026/12/gift-vouchers-are-here": "2026-12-01T09:00:06Z",
    "2026/12/christmas-mini-sessions": "2026-12-03T10:00:05Z",  # expired on 14 Dec: left out
    "2026/12/behind-the-scenes-winter-set": "2026-12-09T17:00:04Z",
    "2026/12/holiday-opening-hours": "2026-12-17T11:00:07Z",  # no `link:`: opens Instagram
}
SHOWN = [
    "2026/12/holiday-opening-hours",
    "2026/12/behind-the-scenes-winter-set",
    "2026/12/gift-vouchers-are-here",
]
OWN = "https://lumengrain.example/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("bio") / "brand"
    root.mkdir()
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copyfile(source, root / part)
    for post_id, when in PUBLISHED.items():
        path = root / "ledger" / f"{post_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ledger(post_id, instagram=when, mastodon=when), encoding="utf-8")
    out = root / "build" / "site"
    build_site(root, out, NOW)
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _open(browser: Any, served: str, width: int, **options: Any) -> tuple[Any, Any, list[str]]:
    """A tab on /links/ at ``width``; requests leaving 127.0.0.1 are answered by a stub page
    and recorded, so a click shows where a link leads without leaving the machine."""
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    page = context.new_page()
    left: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def outside(route: Any) -> None:
        left.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>elsewhere</title>")

    page.route(lambda url: not url.startswith(served), outside)
    response = page.goto(served + "links/", wait_until="load")
    assert response is not None and response.ok
    for img in page.locator("img").all():  # loading="lazy": each loads once scrolled to
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    page.evaluate("window.scrollTo(0, 0)")
    assert errors == [] and left == [], (errors, left)
    return context, page, left


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_page_fits_the_screen_and_shows_the_brand_links_and_posts(
    browser: Any, served: str, width: int
) -> None:
    context, page, _ = _open(browser, served, width)
    try:
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner, f"{scroll} > {inner} px at {width}"
        brand = load_brand(REPO, Collector())
        assert brand is not None
        assert page.get_by_role("heading", level=1).inner_text() == brand.name
        avatar = page.locator("img.bio-avatar")
        assert avatar.is_visible() and avatar.evaluate("i => i.naturalWidth") > 0
        buttons = page.get_by_role("navigation", name="Links").get_by_role("link")
        assert buttons.all_inner_texts() == [link.label for link in brand.bio_links]
        tiles = page.locator(".bio-grid li")
        assert tiles.evaluate_all("els => els.map(e => e.dataset.post)") == SHOWN
        boxes = [tile.bounding_box() for tile in tiles.all()]
        assert len({round(b["y"]) for b in boxes}) == 1  # three across, on a phone too
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= inner for b in boxes)
        for img in tiles.locator("img").all():
            assert img.get_attribute("alt"), "every picture has its post's alt text"
        main = page.locator("main").bounding_box()
        assert main is not None and main["width"] <= min(width, 36 * 16)
        _shot(page, f"link-in-bio-{width}.png")
    finally:
        context.close()


def test_each_picture_opens_its_link_with_the_bio_tags_without_javascript(
    browser: Any, served: str
) -> None:
    context, page, left = _open(browser, served, 360, java_script_enabled=False)
    try:
        assert page.locator("script").count() == 0
        tile = page.locator('.bio-grid li[data-post="2026/12/behind-the-scenes-winter-set"] a')
        tile.click()
        page.wait_for_url("https://lumengrain.example/**")
        url = urlsplit(left[-1])
        assert f"{url.scheme}://{url.netloc}{url.path}" == OWN + "mini-sessions"
        assert parse_qs(url.query) == {
            "utm_source": ["instagram"],
            "utm_medium": ["bio"],
            "utm_campaign": ["holidays-2026"],
        }
        page.go_back(wait_until="load")
        page.get_by_role("link", name="Book a portrait session").click()
        page.wait_for_url("https://lumengrain.example/**")
        assert left[-1] == OWN + "book?utm_source=instagram&utm_medium=bio"
        page.go_back(wait_until="load")
        page.get_by_role("link", name="Find the studio in Plagwitz").click()
        page.wait_for_url("https://www.openstreetmap.org/**")
        assert "utm_" not in left[-1]  # not the brand's own site: as written
        page.go_back(wait_until="load")
        permalink = page.locator('.bio-grid li[data-post="2026/12/holiday-opening-hours"] a')
        assert permalink.get_attribute("href", timeout=1000) == (
            "https://social.example/instagram/2026/12/holiday-opening-hours"
        )
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_meets_contrast_aa_and_focus_shows(
    browser: Any, served: str, scheme: str
) -> None:
    context, page, _ = _open(browser, served, 360, color_scheme=scheme)
    try:
        found, measured, skipped, _ = contrast_failures(page, "links/")
        assert measured >= 6 and skipped == 0, (measured, skipped)
        assert found == [], "\n".join(map(str, found))
        page.keyboard.press("Tab")
        bad, checked = focus_failures(page, "links/")
        assert checked >= 6 and bad == [], bad
        if scheme == "dark":
            _shot(page, "link-in-bio-dark.png")
    finally:
        context.close()
