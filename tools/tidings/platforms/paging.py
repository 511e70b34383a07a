"""The one loop that walks a listing page by page, for the reads that reconcile a lost answer
or list an account's posts: Graph's ``paging.cursors.after``, Mastodon's ``max_id``, X's
``pagination_token``.

What a page is, how it is read and where the next one starts differ per platform; the loop
does not: read at most ``max_pages`` pages, each from the cursor the page before gave, and
tell afterwards whether the listing's end was reached or the page limit ran out first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Pages"]

Page = TypeVar("Page")
Cursor = TypeVar("Cursor")


@dataclass
class Pages(Generic[Page, Cursor]):
    """The pages of one listing, read lazily while the caller iterates.

    ``fetch(cursor)`` reads one page (the first with ``None``); ``next_cursor(page)`` says
    where the next one starts, ``None`` or empty at the listing's end. The caller may stop
    early (a page that reaches back past the window it needs); :attr:`ended` is True once a
    page said there is no next one, False while the listing may go on (the caller stopped,
    or ``max_pages`` ran out)."""

    fetch: Callable[[Cursor | None], Page]
    next_cursor: Callable[[Page], Cursor | None]
    max_pages: int
    start: Cursor | None = None
    """Where the first page starts (None: the listing's first page); a listing cut off by
    ``max_pages`` in one run goes on from :attr:`last` in the next."""
    ended: bool = field(default=False, init=False)
    last: Cursor | None = field(default=None, init=False)
    """Where the page after the last one read starts (None once the listing ended)."""

    def __iter__(self) -> Iterator[Page]:
        cursor: Cursor | None = self.start
        for _ in range(self.max_pages):
            page = self.fetch(cursor)
            yield page
            cursor = self.next_cursor(page)
            if cursor is None or cursor == "":
                self.ended = True
                self.last = None
                return
            self.last = cursor
