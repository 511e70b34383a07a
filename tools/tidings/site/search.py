"""What the search index reads of a generated page: its HTML without the elements marked
``data-search-exclude``.

mkdocs-material's search plugin parses a page's whole HTML with Python's ``HTMLParser`` and
only then skips what is marked ``data-search-exclude``: on a post page that is most of the
markup (every card after the first, the meters, the ledger footers, the metrics tables and
chart), and parsing it was about a third of a site build. The plugin hands the search
plugin this smaller HTML instead and puts the full page back before the theme renders it,
so the site shows exactly the same and the index holds the same text; only the parsing of
what was never indexed is saved.

The HTML is our templates' own (autoescaped, so ``<`` never appears in text or attribute
values, and every element is closed): an excluded element ends at the close tag that
balances its open tag, counting nested elements of the same name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tidings.workspace.files import checked, source_stamp, summed, write_atomic

MARK = " data-search-exclude"
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")


def _end_of(html: str, name: str, start: int) -> int:
    """The index just after the close tag balancing the ``<name`` open tag that ends
    before ``start``; the end of ``html`` when it is never closed."""
    opening, closing = f"<{name}", f"</{name}>"
    depth, at = 1, start
    while depth:
        close = html.find(closing, at)
        if close < 0:
            return len(html)
        open_ = html.find(opening, at, close)
        while open_ >= 0 and html[open_ + len(opening)] not in " \t\n>/":
            open_ = html.find(opening, open_ + 1, close)  # `<span` is not `<spanx`
        if open_ >= 0:
            depth += 1
            at = open_ + len(opening)
        else:
            depth -= 1
            at = close + len(closing)
    return at


def searchable(html: str) -> str:
    """``html`` without its ``data-search-exclude`` elements (and what they hold)."""
    if MARK not in html:
        return html
    kept: list[str] = []
    pos = 0
    while (mark := html.find(MARK, pos)) >= 0:
        start = html.rfind("<", pos, mark)
        in_tag = start >= 0 and html.find(">", start, mark) < 0
        name = _NAME.match(html, start) if in_tag else None
        if name is None:  # text that reads like the mark (a post about MkDocs): keep it
            kept.append(html[pos : mark + len(MARK)])
            pos = mark + len(MARK)
            continue
        tag = name.group(1).lower()
        head_end = html.find(">", mark)
        head_end = len(html) if head_end < 0 else head_end + 1
        kept.append(html[pos:start])
        pos = head_end if tag in _VOID else _end_of(html, tag, head_end)
    kept.append(html[pos:])
    return "".join(kept)


# ---------------------------------------------------------------- entries kept between builds

CACHE = "build/cache/search.json"
FORMAT = 2  # bump when what is kept, or how a page is keyed, changes
_ENTRY_KEYS = frozenset(["location", "title", "text", "tags", "boost"])


def _is_entry(value: object) -> bool:
    """An index entry as mkdocs-material's search plugin makes one, and nothing else: a
    kept entry goes into the published index as it is."""
    if not isinstance(value, dict) or not set(value) <= _ENTRY_KEYS:
        return False
    if not all(isinstance(value.get(k, ""), str) for k in ("location", "title", "text")):
        return False
    tags = value.get("tags", [])
    boost = value.get("boost", 0)
    return (
        isinstance(tags, list)
        and all(isinstance(t, str) for t in tags)
        and type(boost) in (int, float)
        and math.isfinite(boost)
    )


class EntryCache:
    """The search index entries of generated pages, kept in ``build/cache/search.json``
    between builds.

    The search plugin parses each page's HTML into sections with Python's ``HTMLParser``:
    after :func:`searchable`, still about a tenth of a big site build's CPU, the same for a
    page each time its HTML is the same. A page's entries depend only on what the plugin
    reads of it (its address, title, front matter, table of contents and HTML) and on the
    plugin itself, so they are kept under a hash of those, stamped with :data:`FORMAT` and
    the plugin's module (a digest of its source, and whether it segments Chinese text).
    A page whose hash is kept is given its entries and skipped by the plugin; any other is
    parsed as before and its entries kept. Only the entries this build used are written
    back, atomically. A missing, stale or malformed file is ignored; the index is the same,
    byte for byte, either way."""

    def __init__(self, root: Path, stamp: str) -> None:
        self.root = root
        self.stamp = stamp
        self._kept: dict[str, list[dict[str, Any]]] = {}
        self._used: dict[str, list[dict[str, Any]]] = {}
        self._changed = False

    @classmethod
    def open(cls, root: Path, plugin: object) -> EntryCache | None:
        """The cache for ``plugin`` (the site's search plugin), or None when it is not
        mkdocs-material's (whose entries this knows)."""
        module = sys.modules.get(type(plugin).__module__)
        if module is None or module.__name__ != "material.plugins.search.plugin":
            return None
        config = getattr(plugin, "config", None)
        jieba = [getattr(config, k, None) for k in ("jieba_dict", "jieba_dict_user")]
        try:  # the plugin, Python's HTMLParser it parses with, and its Chinese segmenter
            made_by = json.dumps(
                [source_stamp(str(module.__file__)), sys.version, bool(module.jieba), jieba],
                default=str,
            )
        except (OSError, TypeError):
            return None
        cache = cls(root, f"{FORMAT}:{made_by}")
        cache._load()
        return cache

    def _load(self) -> None:
        try:
            data = json.loads(checked((self.root / CACHE).read_bytes()))
        except (OSError, ValueError, RecursionError):
            return
        if not isinstance(data, dict) or data.get("stamp") != self.stamp:
            return
        pages = data.get("pages")
        if not isinstance(pages, dict):
            return
        for key, entries in pages.items():
            if isinstance(entries, list) and all(_is_entry(e) for e in entries):
                self._kept[key] = entries

    @staticmethod
    def key(page: Any) -> str:
        """What the search plugin reads of ``page`` (a MkDocs page), hashed."""
        meta = page.meta or {}
        toc = [(item.id, item.url) for item in _flat(page.toc)]
        read = [
            page.url,
            str(page.title),
            meta.get("title"),
            meta.get("tags"),
            meta.get("search"),
            toc,
            page.content,
        ]
        text = json.dumps(read, default=repr, ensure_ascii=False)
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def get(self, key: str, url: str) -> list[dict[str, Any]] | None:
        """The entries kept for ``key``, a page at ``url``: only entries of that page."""
        found = self._kept.get(key)
        if found is None or not all(_at(entry["location"], url) for entry in found):
            return None
        self._used[key] = found
        return found

    def put(self, key: str, entries: list[dict[str, Any]]) -> None:
        self._used[key] = entries
        self._changed = True

    def found(self) -> dict[str, list[dict[str, Any]] | None]:
        """What this process used, for a worker to hand back to the process that forked it:
        the entries it parsed, and None for those it was given (the parent has them)."""
        kept = self._kept
        return {k: None if kept.get(k) is v else v for k, v in self._used.items()}

    def merge(self, found: dict[str, list[dict[str, Any]] | None]) -> None:
        """Add what a worker :meth:`found`."""
        for key, entries in found.items():
            if key in self._used:
                continue
            if entries is None:
                entries = self._kept.get(key)
                if entries is None:
                    continue
            else:
                self._changed = True
            self._used[key] = entries

    def save(self) -> None:
        """Write back the entries this build used, when they differ from the file's; never
        fails a build."""
        if not self._changed and self._used.keys() == self._kept.keys():
            return
        text = json.dumps({"stamp": self.stamp, "pages": self._used}, ensure_ascii=False)
        with contextlib.suppress(OSError):
            write_atomic(self.root / CACHE, summed(text), sync=False)
        self._kept, self._changed = dict(self._used), False


def _at(location: str, url: str) -> bool:
    """Whether an index entry's ``location`` is the page at ``url`` or a section of it."""
    return location.startswith(url) and location[len(url) : len(url) + 1] in ("", "#")


def _flat(toc: Any) -> Iterator[Any]:
    for item in toc or ():
        yield item
        yield from _flat(item.children)
