"""The dashboards in a real browser (Debian's headless Chromium through Playwright, the
session's browser of tests/chromium.py, helpers of test_site_browser): the example brand with its metrics history, built and
served from 127.0.0.1. Every dashboard renders, every chart is a visible SVG image with its
table beside it, and nothing logs an error or asks anything of another host."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from site_audit import Failure, contrast_failures, focus_failures
from test_site_browser import REPO, SCREENSHOTS, Tab, _Quiet

from tidings.site.build import build_site
from tidings.site.inbox_page import INBOX_PAGE
from tidings.site.links import page_url

from test_dashboards_site import NOW, PAGES  # isort: skip

PARTS = ("tidings.yaml", "mkdocs.yml", "brand", "content", "site", "metrics", "inbox")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("dashboards") / "brand"
    root.mkdir()
    for part in PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copyfile(source, root / part)
    out = root / "build" / "site"
    build_site(root, out, NOW)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_every_dashboard_renders_each_chart_beside_its_table(browser: Any, served: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    tab = Tab(page, served)
    page.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((served, "data:", "blob:")) else tab.external.append(r.url)
        ),
    )
    page.on(
        "response", lambda r: tab.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    charts = 0
    try:
        for src in [*PAGES, "posts/2026/12/holiday-opening-hours.md"]:
            url = page_url(src)
            tab.open(url)
            for figure in page.locator("figure[data-chart]").all():
                svg = figure.locator("svg[role=img]")
                table = figure.locator("table")
                assert svg.is_visible() and table.is_visible(), url
                box, tbox = svg.bounding_box(), table.bounding_box()
                assert box is not None and tbox is not None
                assert box["width"] > 300 and box["height"] > 100, url
                assert tbox["x"] >= box["x"] + box["width"] - 1, "the table sits beside the chart"
                assert figure.locator("svg title").text_content(), url
                assert table.locator("caption").is_visible()
                assert table.locator("tbody tr").count() >= 1
                charts += 1
            if src.endswith("best-time.md"):
                cells = page.locator("table[data-heatmap] td[title]")
                assert cells.count() > 5
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "dashboards-best-time.png"), full_page=True)
            if src.endswith("goals.md"):
                page.screenshot(path=str(SCREENSHOTS / "dashboards-goals.png"), full_page=True)
        assert charts == 17  # 12 dashboards' (a fourth goal), the Inbox page's 3, Listening's 1
        csv = page.request.get(served + "metrics.csv")
        assert csv.ok and csv.text().startswith("date,post,channel,")
        tab.assert_clean()
    finally:
        context.close()


def test_nav_reaches_the_dashboards(browser: Any, served: str) -> None:
    page = browser.new_page()
    try:
        page.goto(served)
        page.get_by_role("link", name="Dashboards").first.click()
        page.wait_for_url("**/dashboards/")
        assert page.get_by_role("heading", name="Dashboards", exact=True).is_visible()
        assert page.get_by_role("rowheader", name="mastodon").first.is_visible()
    finally:
        page.close()


@pytest.mark.parametrize(("preference", "scheme"), [("light", "default"), ("dark", "slate")])
def test_dashboard_text_meets_contrast_aa(
    browser: Any,
    served: str,
    preference: str,
    scheme: str,
) -> None:
    """The audit of test_site_browser on the dashboards: every text (heatmap cells with
    their own colours included) at WCAG AA, every focus ring at 3:1, light and dark."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=preference)
    page = context.new_page()
    failures: list[Failure] = []
    focus: list[str] = []
    try:
        for src in [*PAGES, "posts/2026/12/holiday-opening-hours.md"]:
            path = page_url(src)
            page.goto(served + path, wait_until="load")
            found, measured, skipped, shown = contrast_failures(page, path)
            assert shown == scheme and measured > 20, path
            assert skipped <= measured // 10, f"{path}: {skipped} of {measured} texts skipped"
            failures += found
            page.keyboard.press("Tab")
            bad, _ = focus_failures(page, path)
            focus += bad
    finally:
        context.close()
    assert not failures, f"{len(failures)} texts below WCAG AA:\n" + "\n".join(map(str, failures))
    assert not focus, f"{len(focus)} focus indicators below 3:1:\n" + "\n".join(focus)


def test_the_inbox_page_fits_a_390_px_phone(browser: Any, served: str) -> None:
    """No horizontal scroll at 390 px: the waiting items wrap (long addresses and the
    command included); the tables scroll inside their own focusable region."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(served + page_url(INBOX_PAGE), wait_until="load")
        assert page.get_by_role("heading", name="Waiting for an answer").is_visible()
        items = page.locator("li.td-inbox-item")
        assert items.count() >= 1
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"the page is {wide} px wide at 390"
        for n in range(items.count()):
            box = items.nth(n).bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "inbox-390.png"), full_page=True)
    finally:
        context.close()
