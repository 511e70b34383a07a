"""HTML to PDF with a headless Chromium, driven by Playwright: what ``tidings report --pdf``
prints with. Nothing here is imported unless a PDF is asked for.

Playwright is the ``pdf`` extra (``pip install 'tidings[pdf]'``); the browser is the
system's Chromium (Debian's ``chromium``; ``TIDINGS_CHROMIUM`` names another), never one
Playwright downloads. Either missing is one clear message, never a traceback.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from pathlib import Path

from tidings.errors import UsageError

CHROMIUM_ENV = "TIDINGS_CHROMIUM"
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PLAYWRIGHT_HINT = (
    "install the pdf extra: pip install 'tidings[pdf]' "
    "(it brings Playwright; never run `playwright install`: the system's Chromium prints)"
)
CHROMIUM_HINT = (
    "install Chromium (Debian/Ubuntu: apt-get install -y chromium), "
    f"or set {CHROMIUM_ENV} to a Chromium executable"
)


def chromium() -> Path:
    """The Chromium to print with: ``$TIDINGS_CHROMIUM``, else the system's."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        path = Path(named)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise UsageError(f"{CHROMIUM_ENV}={named} is not an executable file", CHROMIUM_HINT)
        return path
    for candidate in (*CANDIDATES, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise UsageError("--pdf needs Chromium, and none was found", CHROMIUM_HINT)


def require() -> Path:
    """The Chromium to print with, once Playwright is known to be installed."""
    try:
        found = importlib.util.find_spec("playwright") is not None
    except ImportError:
        found = False
    if not found:
        raise UsageError("--pdf needs Playwright, which is not installed", PLAYWRIGHT_HINT)
    return chromium()


def print_pdf(html: Path, pdf: Path) -> None:
    """Print the document ``html`` to ``pdf`` (A4 or what its ``@page`` says, backgrounds
    on), as the browser's print dialog would.

    Playwright's sync API refuses to start where an asyncio loop already runs in the thread
    (a notebook, a test session with a browser open), so the printing runs in a thread of
    its own, which has none."""
    executable = require()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            _print(executable, html, pdf)
        except BaseException as exc:  # handed to the caller's thread below
            failures.append(exc)

    thread = threading.Thread(target=work, name="tidings-pdf")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def _print(executable: Path, html: Path, pdf: Path) -> None:
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(executable), headless=True, args=ARGS)
            try:
                page = browser.new_page()
                page.goto(html.resolve().as_uri(), wait_until="load")
                page.emulate_media(media="print")
                page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
            finally:
                browser.close()
    except Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"Chromium could not print {html.name}: {first}", CHROMIUM_HINT) from None


__all__ = ["CHROMIUM_ENV", "chromium", "print_pdf", "require"]
