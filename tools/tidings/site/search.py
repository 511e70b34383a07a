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

import re

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
