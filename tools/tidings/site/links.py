"""Addresses on the preview site: page URLs, relative links between pages, and which
hrefs taken from content may become links at all.

Generated pages are HTML that MkDocs does not rewrite, so links between them are computed
here, the way MkDocs maps a source path to a URL.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote, urlsplit

SAFE_SCHEMES = frozenset({"http", "https"})
CONTENT_REL = "noopener nofollow"
"""The ``rel`` of every link whose address comes from content."""


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page or file ``src_uri``."""
    if not src_uri.endswith(".md"):
        return src_uri
    stem = src_uri[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        folder = stem[: -len("index")]
        return folder if directory_urls else f"{folder}index.html"
    return f"{stem}/" if directory_urls else f"{stem}.html"


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath(path, start)`` for site-relative paths, without asking the
    operating system for the working directory (twice a link: a few per cent of a build)."""
    if ".." in path or ".." in start:
        return posixpath.relpath(path, start)
    to = [x for x in posixpath.normpath("/" + path).split("/") if x]
    here = [x for x in posixpath.normpath("/" + start).split("/") if x]
    same = 0
    while same < min(len(to), len(here)) and to[same] == here[same]:
        same += 1
    rel = [".."] * (len(here) - same) + to[same:]
    return "/".join(rel) if rel else "."


def relative(from_url: str, to_url: str) -> str:
    """A relative href from the page at ``from_url`` to ``to_url`` (both site-relative)."""
    base = from_url[:-1] if from_url.endswith("/") else posixpath.dirname(from_url)
    target = to_url[:-1] if to_url.endswith("/") else to_url
    rel = _relpath(target or ".", base or ".")
    if to_url.endswith("/") or not to_url:
        rel = "./" if rel == "." else rel + "/"
    return quote(rel, safe="/#.-_~")


class Linker:
    """Hrefs from one page to others, named by their source paths (``posts/2026/12/a.md``)."""

    def __init__(self, src_uri: str, directory_urls: bool = True) -> None:
        self.directory_urls = directory_urls
        self.here = page_url(src_uri, directory_urls)

    def __call__(self, src_uri: str, fragment: str = "") -> str:
        href = relative(self.here, page_url(src_uri, self.directory_urls))
        return f"{href}#{quote(fragment, safe='-_.')}" if fragment else href


def safe_href(url: str | None) -> str | None:
    """``url`` if it may be a link: an absolute http(s) address without control characters
    or spaces (browsers drop those before reading the scheme: ``java\\tscript:``). Anything
    else (``javascript:``, ``data:``, relative paths) is shown as text, never linked."""
    if not url:
        return None
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return url


def absolute(site_url: str | None, url: str) -> str | None:
    """``url`` (site-relative) under the published site's address, when that is known."""
    base = safe_href(site_url)
    if base is None:
        return None
    return base.rstrip("/") + "/" + quote(url, safe="/#.-_~")
