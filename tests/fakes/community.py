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
from urllib.parse import unquote

import httpx

from .facebook import PAGE_ID, FacebookFake, split_fields
from .graph import graph_error, invalid, not_found, stamp
from .instagram import InstagramFake
from .linkedin import Comment, LinkedInFake, _json, error
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
    seconds. Page reference, "Tagged" (``GET /{page-id}/tagged``): the public posts of
    people and other Pages that tag the Page, newest first; without the
    ``pages_read_user_content`` permission it answers code 10 (``tagged_served`` False)."""

    def __init__(self) -> None:
        super().__init__()
        self.tagged: list[dict[str, Any]] = []
        self.tagged_served = True

    def tags_page(self, name: str, text: str, at: datetime) -> str:
        """Someone's public post tagging the Page; its id ``<their id>_<n>``."""
        author = str(next(_ids))
        post_id = f"{author}_{next(_ids)}"
        self.tagged.append(
            {
                "id": post_id,
                "message": text,
                "created_time": stamp(at),
                "permalink_url": f"https://www.facebook.com/{author}/posts/{post_id.split('_')[1]}",
                "from": {"id": author, "name": name},
            }
        )
        return post_id

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
        if method == "GET" and path == [PAGE_ID, "tagged"]:
            if not self.tagged_served:
                return graph_error(
                    403, "(#10) This endpoint requires the 'pages_read_user_content' permission", 10
                )
            wanted = split_fields(params.get("fields") or "id,message,created_time")
            rows = [
                {k: v for k, v in t.items() if k == "id" or k in wanted}
                for t in reversed(self.tagged)
            ]
            return httpx.Response(200, json=_page(rows, params))
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


class InstagramPeople(InstagramFake):
    """Comments by people on the account's media. Contract: Instagram Platform reference,
    "IG Media > Comments" (``GET /{ig-media-id}/comments``: top-level comments; fields
    ``id, text, timestamp, username, from{id, username}``, and ``replies`` as a nested edge
    ``{data: [...]}``), "IG Comment > Replies" (``GET /{ig-comment-id}/replies``), "IG User
    > Tags" (``GET /{ig-user-id}/tags``: media the account is tagged in). Comments are
    served oldest first here (the order is not documented)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, Any]] = []
        self.tags_served = True

    def say(self, on: str, username: str, text: str, at: datetime) -> str:
        """A comment on the medium ``on``, or a reply under the comment ``on``; by
        ``username`` (the account's own username: the brand answers)."""
        cid = str(next(_ids))
        self.media[cid] = {
            "id": cid,
            "kind": "comment",
            "on": on,
            "text": text,
            "created": at,
            "username": username,
            "from_id": self.user_id if username == self.username else str(next(_ids)),
        }
        return cid

    def tag(self, username: str, caption: str, at: datetime) -> str:
        mid = str(next(_ids))
        self.tags.append(
            {
                "id": mid,
                "caption": caption,
                "timestamp": stamp(at),
                "permalink": f"https://www.instagram.com/p/T{mid[-6:]}/",
                "username": username,
            }
        )
        return mid

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        if method == "GET" and len(path) == 2 and path[1] in ("comments", "replies"):
            above = self.media.get(path[0])
            if above is None or (path[1] == "replies") != (above["kind"] == "comment"):
                return not_found(path[0])
            under = sorted(
                (c for c in self.published("comment") if c["on"] == path[0]),
                key=lambda c: (c["created"], c["id"]),
            )
            rows = [self._comment(c, params.get("fields", "id")) for c in under]
            return httpx.Response(200, json=_page(rows, params))
        if method == "GET" and path == [self.user_id, "tags"]:
            if not self.tags_served:
                return invalid("(#100) Tried accessing nonexisting field (tags)")
            return httpx.Response(200, json=_page(list(reversed(self.tags)), params))
        return super().route(request, method, path, params)

    def _comment(self, comment: dict[str, Any], fields: str) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name in split_fields(fields):
            key, _, inner = name.partition("{")
            if key == "id":
                row["id"] = comment["id"]
            elif key == "text":
                row["text"] = comment["text"]
            elif key == "timestamp":
                row["timestamp"] = stamp(comment["created"])
            elif key == "username":
                row["username"] = comment.get("username", self.username)
            elif key == "from":
                row["from"] = {
                    "id": comment.get("from_id", self.user_id),
                    "username": comment.get("username", self.username),
                }
            elif key == "replies":
                under = sorted(
                    (c for c in self.published("comment") if c["on"] == comment["id"]),
                    key=lambda c: (c["created"], c["id"]),
                )
                row["replies"] = {"data": [self._comment(c, inner.rstrip("}")) for c in under]}
        return row


class ThreadsPeople(ThreadsFake):
    """Replies and mentions by people. Contract: Threads API, "Retrieve Media Replies and
    Conversations" and the "Reply Management" reference (``GET /{media}/replies``: direct
    replies; ``GET /{media}/conversation``: every reply at any depth, flattened; ``reverse``
    true by default = newest first; fields ``username``, ``replied_to``, ``root_post``,
    ``is_reply_owned_by_me``), and "Mentions" (``GET /{user}/mentions``: public posts that
    tag the profile; refused without ``threads_manage_mentions``, which ``mentions_allowed``
    = False plays: Graph code 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.mentions_allowed = True

    def say(self, on: str | None, username: str, text: str, at: datetime) -> str:
        """A reply to ``on`` (None: a post of its own, e.g. a mention) by ``username`` (the
        account's own: the brand answers)."""
        mid = str(next(_ids))
        media: dict[str, Any] = {
            "id": mid,
            "kind": "reply" if on else "post",
            "media_type": "TEXT_POST",
            "text": text,
            "created": at,
            "permalink": f"https://www.threads.com/@{username}/post/P{mid[-8:]}",
            "shortcode": f"P{mid[-8:]}",
            "author": username,
            "elsewhere": on is None,  # not on our profile
        }
        if on:
            media["replied_to"] = on
            media["root_post"] = self.media[on].get("root_post", on)
        self.media[mid] = media
        return mid

    def fields(self, media: dict[str, Any]) -> dict[str, Any]:
        body = super().fields(media)
        author = media.get("author", self.username)
        body["username"] = author
        if media.get("replied_to"):
            body["is_reply_owned_by_me"] = author == self.username
        return body

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        if method == "GET" and len(path) == 2 and path[1] in ("replies", "conversation"):
            if path[0] not in self.media or path[0] in self.deleted:
                return not_found(path[0])
            key = "replied_to" if path[1] == "replies" else "root_post"
            found = [m for m in self.published() if m.get(key) == path[0]]
            newest_first = params.get("reverse", "true") != "false"
            found.sort(key=lambda m: (m["created"], m["id"]), reverse=newest_first)
            return httpx.Response(200, json=_page([self.fields(m) for m in found], params))
        if method == "GET" and path == [self.user_id, "mentions"]:
            if not self.mentions_allowed:
                return graph_error(
                    400, "(#10) Application does not have permission for this action", 10
                )
            found = [
                m
                for m in self.published()
                if m.get("author", self.username) != self.username
                and f"@{self.username}" in m["text"]
            ]
            found.sort(key=lambda m: (m["created"], m["id"]), reverse=True)
            return httpx.Response(200, json=_page([self.fields(m) for m in found], params))
        if method == "GET" and path == [self.user_id, "threads"]:
            mine = [m for m in self.published("post") if not m.get("elsewhere")]
            return self.listing(mine, params, self.fields)
        return super().route(request, method, path, params)


class LinkedInPeople(LinkedInFake):
    """Comments by members on the organisation's posts. Contract: LinkedIn Community
    Management, "Comments API" (learn.microsoft.com/linkedin/marketing/community-management/
    shares/comments-api): ``GET /rest/socialActions/{post URN}/comments`` lists the comments
    on a post (``start``/``count``), ``GET /rest/socialActions/{comment URN}/comments`` the
    comments on a comment, each of those with ``parentComment``; every comment has
    ``actor``, ``created.time`` (epoch ms), ``message.text``, ``commentUrn``. Served in the
    order they were made (the order is not documented)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.parents: dict[str, str] = {}

    def say(self, on: str, actor: str, text: str, at: datetime) -> str:
        """A comment on the post ``on`` (its URN), or on the comment ``on``; by ``actor`` (a
        member URN, or the organisation's: the brand answers). Its URN."""
        parent = next((c for c in self.comments if c.urn == on), None)
        post = self.posts[parent.post if parent else on]
        cid = str(next(self._ids))
        urn = f"urn:li:comment:({post.activity},{cid})"
        self.comments.append(Comment(urn, cid, post.urn, actor, text, int(at.timestamp() * 1000)))
        self._created.append(urn)
        if parent is not None:
            self.parents[urn] = parent.urn
        return urn

    def _list_comments(self, key: str, params: dict[str, str]) -> httpx.Response:
        target = unquote(key)
        parent = next((c for c in self.comments if c.urn == target), None)
        post = self.posts.get(parent.post) if parent else self._target(key)
        if post is None:
            return _json(404, error(404, "NOT_FOUND", f"{target} does not exist"))
        if parent is not None:
            found = [c for c in self.comments if self.parents.get(c.urn) == target]
        else:
            found = [c for c in self.comments if c.post == post.urn and c.urn not in self.parents]
        start, size = int(params.get("start", "0")), min(int(params.get("count", "10")), 100)
        rows = []
        for comment in found[start : start + size]:
            row = self._comment(comment, post)
            if comment.urn in self.parents:
                row["parentComment"] = self.parents[comment.urn]
            rows.append(row)
        return _json(200, {"elements": rows, "paging": {"start": start, "count": size}})


__all__ = ["FacebookPeople", "InstagramPeople", "LinkedInPeople", "ThreadsPeople"]
