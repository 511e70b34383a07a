"""The preview site in a real browser: Debian's headless Chromium driven by Playwright.

The example brand plus a hostile overlay is built once per session and served from
127.0.0.1. Chromium comes from apt (`apt-get install -y chromium`, which `.ci/run` does);
Playwright never downloads a browser (the session's ``browser`` fixture is in
tests/chromium.py). Without /usr/bin/chromium these tests fail, saying how to install it.
Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from site_audit import Failure, contrast_failures, focus_failures

from tidings.core.platforms import PLATFORMS
from tidings.core.render import render
from tidings.site import collect
from tidings.site.build import build_site
from tidings.site.folds import fold_at

REPO = Path(__file__).parents[2]
HOSTILE = Path(__file__).parents[1] / "fixtures" / "site" / "hostile"
PLATFORMS_OVERLAY = HOSTILE.parent / "platforms"  # the channels and a post for every platform
SCREENSHOTS = REPO / "build" / "screenshots"
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
EXAMPLE_PARTS = ("tidings.yaml", "mkdocs.yml", "brand", "content", "site", "metrics")


@dataclass
class Site:
    root: Path
    base: str
    out: Path  # the built site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser") / "brand"
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / part)
    shutil.copytree(HOSTILE, root, dirs_exist_ok=True)
    shutil.copytree(PLATFORMS_OVERLAY / "content", root / "content", dirs_exist_ok=True)
    with (root / "brand" / "channels.yaml").open("a", encoding="utf-8") as channels:
        channels.write((PLATFORMS_OVERLAY / "channels.yaml").read_text(encoding="utf-8"))
    out = root / "build" / "site"
    build_site(root, out, NOW)
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(root, f"http://127.0.0.1:{server.server_port}/", out)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Tab:
    """A page with everything that went wrong on it recorded."""

    page: Any
    base: str
    console_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        return self.page

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.external == [], "requests left localhost"
        assert self.failed == []
        assert self.dialogs == []


@pytest.fixture
def tab(browser: Any, site: Site) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    tab = Tab(page, site.base)
    page.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((site.base, "data:", "blob:")) else tab.external.append(r.url)
        ),
    )
    page.on(
        "response", lambda r: tab.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield tab
    context.close()


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_calendar_shows_the_december_posts(tab: Tab, site: Site) -> None:
    page = tab.open("calendar/2026-12/")
    grid = page.locator("table.td-month")
    assert grid.is_visible()
    data = collect(site.root, NOW)
    december = [
        p
        for p in data.ws.posts.values()
        if p.at and (p.at.astimezone(data.tz).year, p.at.astimezone(data.tz).month) == (2026, 12)
    ]
    assert len(december) >= 19
    for post in december:
        assert grid.get_by_role("link", name=post.title, exact=True).first.is_visible(), post.title
    assert grid.locator(".td-blackout").first.is_visible()
    assert grid.locator(".td-keydate", has_text="St. Nicholas Day").is_visible()
    # a posting slot shows what fills it: an evergreen tip, or "nothing planned"
    assert grid.locator(".td-evergreen, .td-gap").first.is_visible()
    assert page.locator(".td-weeklist").is_hidden()
    _shot(page, "calendar-2026-12.png")
    page.get_by_role("link", name="January 2027 →").click()
    assert page.url.endswith("/calendar/2027-01/")
    tab.assert_clean()


def test_a_post_card_shows_exactly_what_render_gives(tab: Tab, site: Site) -> None:
    page = tab.open("calendar/2026-12/")
    page.locator("table.td-month").get_by_role("link", name="Holiday opening hours").first.click()
    assert page.url.endswith("/posts/2026/12/holiday-opening-hours/")
    page.wait_for_load_state("load")  # the click only waits for the navigation to commit
    data = collect(site.root, NOW)
    post = data.ws.posts["2026/12/holiday-opening-hours"]
    for cid in post.channels:
        rendered = render(post, data.ws.channels[cid], data.ws.brand)
        card = page.locator(f'article.td-card[data-channel="{cid}"]')
        texts = card.locator(".td-text").evaluate_all(
            """els => els.map(el => {
                const copy = el.cloneNode(true);
                copy.querySelectorAll('.td-fold').forEach(f => f.remove());
                return copy.textContent;
            })"""
        )
        assert texts == [p.text for p in rendered.parts], cid
        assert card.locator("figcaption .td-alt").first.is_visible()
    mastodon = page.locator('article.td-card[data-channel="mastodon"]')
    assert mastodon.get_by_text("282 / 500 characters").is_visible()
    for cid in ("linkedin", "instagram"):  # the fold sits exactly where fold_at puts it
        text = render(post, data.ws.channels[cid], data.ws.brand).parts[0].text
        platform_fold = PLATFORMS[data.ws.channels[cid].platform].fold
        assert platform_fold is not None, cid
        cut = fold_at(text, platform_fold)
        assert cut is not None, cid
        fold = page.locator(f'article.td-card[data-channel="{cid}"] .td-text .td-fold').first
        assert fold.is_visible(), cid
        shown = fold.evaluate(
            """f => { const r = document.createRange();
                     r.setStart(f.closest('.td-text'), 0); r.setEndBefore(f);
                     return r.toString(); }"""
        )
        assert shown == text[:cut], cid
    images = page.locator("article.td-card .td-media img")  # the avatars are the brand's
    assert images.count() == len(post.channels)
    assert all(img.get_attribute("alt") for img in images.all())
    for img in images.all():  # loading="lazy": each loads once scrolled to
        img.scroll_into_view_if_needed()
        img.wait_for(state="visible")
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    _shot(page, "post-holiday-opening-hours.png")
    thread = tab.open("posts/2026/12/year-in-numbers/")
    assert thread.locator('article.td-card[data-channel="bluesky"] .td-part').count() == 4
    tab.assert_clean()


HOSTILE_PAGES = (
    "posts/2026/12/hostile/",
    "calendar/2026-12/",
    "",
    "posts/",
    "ideas/",
    "ledger/",
    "campaigns/",
    "campaigns/hostile/",
)


def test_a_hostile_post_runs_nothing(tab: Tab) -> None:
    for path in HOSTILE_PAGES:
        page = tab.open(path)
        page.wait_for_timeout(50)  # let any injected handler fire
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("img[onerror], [onload], [onclick]").count() == 0, path
        assert page.locator('a[href^="javascript:" i]').count() == 0, path
        scripts = page.locator("script").evaluate_all("els => els.map(e => e.textContent)")
        assert not any("__pwned" in s for s in scripts), path
    page = tab.open("posts/2026/12/hostile/")
    card = page.locator('article.td-card[data-channel="mastodon"] .td-text')
    assert "<script>window.__pwned = 'body'</script>" in card.inner_text()
    assert "</textarea><script>alert('textarea')</script>" in card.inner_text()
    assert page.get_by_role("heading", level=1).inner_text().startswith("<script>")
    for link in page.locator("article.md-content__inner a[href^='http']").all():
        assert link.get_attribute("rel") == "noopener nofollow"
    _shot(page, "post-hostile.png")
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function(  # the search worker has loaded the index
        "() => !document.querySelector('.md-search-result__meta')"
        "?.textContent.includes('Initializing')",
        timeout=15000,
    )
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("hostile")  # the theme listens to key events, not `input`
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    assert "matching" in meta.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    tab.assert_clean()


def test_keyboard_reaches_links_with_a_visible_focus(tab: Tab) -> None:
    page = tab.open("posts/2026/12/holiday-opening-hours/")
    seen = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {tag: el.tagName, text: el.textContent.trim().slice(0, 40),
                        inContent: !!el.closest('article.md-content__inner'),
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        seen.append(info)
        if info["tag"] == "A" and info["inContent"]:
            break
    focused = seen[-1]
    assert focused["tag"] == "A" and focused["inContent"], seen
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/campaigns/holidays-2026/" in page.url  # the first link in the post is its campaign
    tab.assert_clean()


def test_narrow_screens_get_the_week_list(tab: Tab) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = tab.open("calendar/2026-12/")
    assert page.locator("table.td-month").is_hidden()
    week_list = page.locator(".td-weeklist")
    assert week_list.is_visible()
    assert week_list.get_by_role("link", name="Holiday opening hours").first.is_visible()
    _shot(page, "calendar-2026-12-narrow.png")
    tab.assert_clean()


def test_every_page_loads_cleanly(tab: Tab) -> None:
    for path in (
        "",
        "calendar/",
        "calendar/2027-01/",
        "posts/",
        "brand/",
        "ideas/",
        "ledger/",
        "campaigns/holidays-2026/",
        "writing-posts/",
        "review/",
        "checks/",
    ):
        tab.open(path)
    ics = tab.page.request.get(tab.base + "calendar.ics")
    assert ics.ok and ics.text().startswith("BEGIN:VCALENDAR\r\n")
    home = tab.open("")
    assert home.get_by_role("heading", name="Going out in the next 7 days").is_visible()
    assert home.get_by_text("Last-minute gift vouchers").first.is_visible()
    _shot(home, "home.png")
    tab.assert_clean()


AUDITED_PAGES = (
    "",
    "calendar/2026-12/",
    "posts/2026/12/holiday-opening-hours/",  # cards for Mastodon, Bluesky, X, LinkedIn, Instagram, …
    "campaigns/",
    "campaigns/holidays-2026/",
    "brand/",
    "ideas/",
    "ledger/",
    "reports/2026-12/",
)


@pytest.mark.parametrize(("preference", "scheme"), [("light", "default"), ("dark", "slate")])
def test_every_text_meets_contrast_aa(
    browser: Any, site: Site, preference: str, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=preference)
    page = context.new_page()
    failures: list[Failure] = []
    focus: list[str] = []
    try:
        for path in AUDITED_PAGES:
            page.goto(site.base + path, wait_until="load")
            found, measured, skipped, shown = contrast_failures(page, path)
            assert shown == scheme, f"{path}: the {preference} preference gave {shown}"
            assert measured > 20, f"{path}: only {measured} texts measured"
            assert skipped <= measured // 10, f"{path}: {skipped} of {measured} texts skipped"
            failures += found
            page.keyboard.press("Tab")  # keyboard modality: focus() then shows :focus-visible
            bad, checked = focus_failures(page, path)
            assert checked >= 3, path
            focus += bad
    finally:
        context.close()
    assert not failures, f"{len(failures)} texts below WCAG AA:\n" + "\n".join(map(str, failures))
    assert not focus, f"{len(focus)} focus indicators below 3:1:\n" + "\n".join(focus)


SAMPLED = 6  # a kind with more pages is one template over many records: one page stands for it


def pages_by_kind(out: Path) -> dict[str, list[str]]:
    """Pages of every kind the build wrote, by kind: a page's kind is its first folder and its
    depth (``posts/*/*/*``, ``calendar/*``, ``dashboards/*``; each hand-written page is its
    own kind), so a new kind of page is tested without a list to update. A kind of many pages
    (posts, months) is one template over many records: its largest page (the most content,
    the likeliest to overflow) stands for it. A small kind may be several templates in one
    folder (each dashboard is its own), so every page of it is tested."""
    kinds: dict[str, list[tuple[int, str]]] = {}
    for index in out.rglob("index.html"):
        parts = index.parent.relative_to(out).parts
        if not parts:
            kind, path = "home", ""
        else:
            kind = "/".join((parts[0], *("*" for _ in parts[1:])))
            path = "/".join(parts) + "/"
        kinds.setdefault(kind, []).append((index.stat().st_size, path))
    return {
        kind: [path for _, path in (sorted(pages) if len(pages) <= SAMPLED else [max(pages)])]
        for kind, pages in sorted(kinds.items())
    }


def test_every_kind_of_page_is_found(site: Site) -> None:
    kinds = pages_by_kind(site.out)
    for kind in (
        "home",
        "posts",
        "posts/*/*/*",
        "calendar/*",
        "campaigns/*",
        "brand",
        "ideas",
        "ledger",
        "dashboards",
        "dashboards/*",
        "reports",
        "reports/*",
        "checks",
        "review",
    ):
        assert kind in kinds, sorted(kinds)
    assert len(kinds["posts/*/*/*"]) == 1  # many posts, one template: its largest page
    assert "dashboards/best-time/" in kinds["dashboards/*"]  # each dashboard its own


STRESSED = ("posts/2026/12/hostile/", "posts/2026/12/every-platform/")  # long words and links

WIDE_ELEMENTS = """() => {  // the outermost elements reaching past the window's right edge
    const w = document.documentElement.clientWidth, out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.right > w + 0.5 && !out.some(o => o.contains(el))) out.push(el);
    }
    return out.slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.classList.value);
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser: Any, site: Site, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    overflowing = []
    try:
        paths = [path for pages in pages_by_kind(site.out).values() for path in pages]
        for path in (*paths, *STRESSED):
            page.goto(site.base + path, wait_until="load")
            scroll, inner = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                overflowing.append(f"/{path}: {scroll} > {inner} px {page.evaluate(WIDE_ELEMENTS)}")
        if width == 390:
            page.goto(site.base + STRESSED[1], wait_until="load")
            _shot(page, "post-every-platform-narrow.png")
    finally:
        context.close()
    assert not overflowing, f"pages wider than {width} px:\n" + "\n".join(overflowing)


CARD_LOOK = """card => {
    const style = el => el ? getComputedStyle(el) : null;
    const body = card.querySelector('.td-card-body');
    const first = body && body.firstElementChild;
    const avatar = card.querySelector('.td-avatar');
    const text = card.querySelector('.td-text');
    const media = card.querySelector('.td-media');
    const a = avatar.getBoundingClientRect(), t = text.getBoundingClientRect();
    return {
        layout: card.dataset.layout,
        accent: style(card).getPropertyValue('--td-accent').trim(),
        radius: style(card).borderTopLeftRadius,
        avatarRadius: style(avatar).borderTopLeftRadius,
        firstIsMedia: !!first && first.classList.contains('td-media'),
        mediaBeforeText: !!media && !!(media.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING),
        avatarBesideText: a.right <= t.left,
        label: card.querySelector('.td-platform-label').textContent.trim(),
    };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_each_platform_has_a_card_of_its_own(browser: Any, site: Site, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(site.base + "posts/2026/12/every-platform/", wait_until="load")
        looks = {}
        for name, row in PLATFORMS.items():
            card = page.locator(f"article.td-card.td-platform-{name}")
            assert card.count() == 1, name
            looks[name] = card.evaluate(CARD_LOOK)
            assert looks[name]["layout"] == row.card.value, name
            assert looks[name]["label"] == row.label, name
            assert looks[name]["accent"] == row.accent, name
        # a reviewer tells them apart at a glance: no two platforms look the same
        signatures = {
            name: (look["layout"], look["accent"], look["radius"], look["avatarRadius"])
            for name, look in looks.items()
        }
        assert len(set(signatures.values())) == len(signatures), signatures
        instagram = looks["instagram"]
        assert instagram["firstIsMedia"] and instagram["mediaBeforeText"], instagram
        for name in ("x", "bluesky", "mastodon", "threads", "linkedin", "facebook"):
            assert not looks[name]["firstIsMedia"] and not looks[name]["mediaBeforeText"], name
        for name in ("x", "bluesky", "threads", "discord", "slack"):  # avatar in its own column
            assert looks[name]["avatarBesideText"], (name, looks[name])
        for name in ("mastodon", "linkedin", "facebook", "instagram"):  # header above the text
            assert not looks[name]["avatarBesideText"], (name, looks[name])
        # a thread is a chain: each later part is a reply (or a comment, where the platform
        # makes later parts comments on the first)
        for name, row in PLATFORMS.items():
            parts = page.locator(f"article.td-platform-{name} .td-part")
            if row.max_parts == 1:  # a pin, a local post: no threads there (the check says so)
                continue
            assert parts.count() == 2, name
            kind = "td-comment" if row.comment_threads else "td-reply"
            assert kind in (parts.nth(1).get_attribute("class") or ""), name
        if width == 1280:
            _shot(page, "post-every-platform.png")
    finally:
        context.close()
