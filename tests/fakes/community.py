"""People on the Meta platforms: the read side of comments and replies that the inbox uses,
added to the publishing fakes (:mod:`fakes.facebook`, :mod:`fakes.instagram`,
:mod:`fakes.threads`) by subclassing, so publishing behaves exactly as there.

Each class names the document its contract comes from. Ordering, paging and the shape of
each object are this module's own reading of those documents (offset cursors that stay
valid while items are appended; nothing is imported from ``tidings``).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import httpx

from .facebook import PAGE_ID, FacebookFake, split_fields
from .graph import invalid, not_found, stamp
from .instagram import InstagramFake
from .threads import ThreadsFake

_ids = itertools.count(880_000_000_000_001)


def _page(items: list[dict[str, Any]], params: dict[str, str], limit: int = 25) -> dict[str, Any]:
    """A Graph list page: ``limit``, ``after`` (an offset here), ``paging.next`` while
    more follow; ``cursors.after`` always names the position after the page."""
    size = int(params.get("limit") or limit)
    start = int(params.get("after") or 0)
    chunk = items[start : start + size]
    body: dict[str, Any] = {"data": chunk}
    body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
    if start + len(chunk) < len(items):
        body["paging"]["next"] = "https://graph.example/next"
    return body


class FacebookPeople(FacebookFake):
    """Comments by people on a Page's posts. Contract: Graph API reference, "Page Post
    Comments" and "/{object-id}/comments" (developers.facebook.com/docs/graph-api/reference/
    object/comments): ``filter`` = ``toplevel`` (default: comments directly on the object)
    or ``stream`` (every comment, replies included, each reply with ``parent``); ``order`` =
    ``chronological`` (default) or ``reverse_chronological``; ``from`` = ``{id, name}``;
    ``/{page}/published_posts`` lists the Page's posts newest first, ``since`` in unix
    seconds."""

    def say(
        self,
        on: str,
        name: str,
        text: str,
        at: datetime,
        *,
        page: bool = False,
    ) -> str:
        """A comment under ``on`` (a post, or a comment: then a reply), by ``name`` or, with
        ``page``, by the Page itself. Its id."""
        above = self.media[on]
        root = above.get("post") or (on if above["kind"] == "post" else above["parent"])
        cid = f"{root.split('_')[-1]}_{next(_ids)}"
        self.media[cid] = {
            "id": cid,
            "kind": "comment",
            "message": text,
            "created": at,
            "permalink_url": f"https://www.facebook.com/{root}?comment_id={cid}",
            "parent": on,
            "post": root,
            "from": {"id": PAGE_ID, "name": "Lumen & Grain Studio"}
            if page
            else {"id": str(next(_ids)), "name": name},
        }
        return cid

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        if method == "GET" and path == [PAGE_ID, "published_posts"]:
            since = params.get("since")
            posts = sorted(self.posts(), key=lambda m: m["created"], reverse=True)
            if since:
                floor = datetime.fromtimestamp(int(since), UTC)
                posts = [p for p in posts if p["created"] >= floor]
            rows = [self._row(p, params.get("fields")) for p in posts]
            return httpx.Response(200, json=_page(rows, params))
        if method == "GET" and len(path) == 2 and path[1] == "comments":
            target = self._live(path[0])
            if target is None:
                return not_found(path[0])
            mode = params.get("filter", "toplevel")
            if mode not in ("toplevel", "stream"):
                return invalid("(#100) filter must be one of stream, toplevel")
            order = params.get("order", "chronological")
            if order not in ("chronological", "reverse_chronological"):
                return invalid("(#100) order must be one of chronological, reverse_chronological")
            found = [
                c
                for c in self.comments()
                if c["parent"] == path[0]
                or (mode == "stream" and target["kind"] == "post" and c.get("post") == path[0])
            ]
            found.sort(key=lambda c: (c["created"], c["id"]), reverse=order != "chronological")
            rows = [self._row(c, params.get("fields")) for c in found]
            return httpx.Response(200, json=_page(rows, params))
        return super().route(request, method, path, params)

    def _row(self, item: dict[str, Any], fields: str | None) -> dict[str, Any]:
        wanted = split_fields(fields or "id,message,created_time")
        row: dict[str, Any] = {"id": item["id"]}
        for name in wanted:
            key = name.split("{", 1)[0]
            if key == "message":
                row["message"] = item["message"]
            elif key == "created_time":
                row["created_time"] = stamp(item["created"])
            elif key == "permalink_url":
                row["permalink_url"] = item["permalink_url"]
            elif key == "from":
                row["from"] = item.get("from") or {"id": PAGE_ID, "name": "Lumen & Grain Studio"}
            elif key == "parent" and item["kind"] == "comment":
                above = self.media.get(item["parent"])
                if above is not None and above["kind"] == "comment":
                    row["parent"] = {"id": above["id"]}
        return row


__all__ = ["FacebookPeople", "InstagramFake", "ThreadsFake"]
