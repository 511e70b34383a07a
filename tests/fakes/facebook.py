"""A fake Facebook Page on the Graph API, built from ../shared/platforms.md (Facebook rows)
on the Graph conventions of tests/fakes/graph.py (token in the query, code 190 for a bad or
expired token, code 4 rate limits, lists newest first with ``since`` and cursors).

* ``POST /{page}/photos``: multipart ``source`` (or ``url``), ``published=false`` required
  here (a published photo would be a post of its own), ``alt_text_custom`` kept → ``{id}``.
* ``POST /{page}/feed``: ``message`` and/or ``attached_media`` (a JSON list of
  ``{"media_fbid"}`` naming unpublished photos not attached before) → ``{id: "<page>_<n>"}``,
  with ``permalink_url`` when ``fields`` asks for it.
* ``POST /{post}/comments`` ``{message}`` → ``{id: "<post>_<n>"}``.
* ``GET /{page}/feed`` (and ``/{page}/posts``, the Page's own), ``GET /{post}/comments``: lists (``id, message, created_time,
  permalink_url, from``).
* ``GET /?ids=a,b&fields=…``: ``reactions.summary(total_count)``, ``comments.summary(…)``,
  ``shares`` (left out when 0), ``insights.metric(…)``; one unknown id fails the whole
  request with code 803, as Graph does; ``GET /{page}?fields=followers_count,fan_count``.
* The Page's profile (developers.facebook.com/docs/graph-api/reference/page, "Fields";
  …/reference/page/picture; …/reference/cover-photo): ``GET /{page-id}?fields=name,about,
  website,picture,cover,link`` answers the :attr:`GraphFake.profile` fields asked for:
  ``picture`` as ``{"data": {"url", "is_silhouette", "width", "height"}}`` (the field
  expansion ``picture.type(large)`` asks for it), ``cover`` as ``{"id", "source",
  "offset_x", "offset_y"}``, ``website`` the addresses separated by spaces.
* ``DELETE /{id}`` → ``{"success": true}``; an unknown id is code 100 subcode 33.
* Replies (developers.facebook.com/docs/graph-api/reference/object/comments, "Publishing":
  ``POST /{object-id}/comments`` on a post or on a comment; a comment's id is
  ``<post>_<n>``, and its web address is the post's with ``?comment_id=<n>``):
  :meth:`FacebookFake.someone_comments` adds a visitor's comment (``from`` the visitor); a
  comment on a comment is a reply in that comment's thread, listed by
  ``GET /{comment}/comments``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from .cases import PlatformCase
from .discord import form
from .graph import (
    GraphFake,
    expired_body,
    graph_error,
    invalid,
    not_found,
    origin,
    rate_limit_body,
    stamp,
)

PAGE_ID = "104000000000001"
VIEWS = "post_total_media_view_unique"


def split_fields(fields: str) -> list[str]:
    """``a.b(x,y).c(1),d`` → ``["a.b(x,y).c(1)", "d"]``: commas inside brackets stay."""
    out, depth, current = [], 0, ""
    for char in fields:
        if char == "," and depth == 0:
            out.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(char, 0)
        current += char
    if current:
        out.append(current)
    return [f for f in out if f]


class FacebookFake(GraphFake):
    """One Page. ``media`` (from GraphFake) holds posts and comments; ``photos`` uploads."""

    def __init__(self) -> None:
        super().__init__(user_id=PAGE_ID, username="lumengrain")
        self.photos: dict[str, dict[str, Any]] = {}
        self.reactions: dict[str, int] = {}
        self.shares: dict[str, int] = {}
        self.fans = 290
        self.views_metric = True  # False: the Page has no such insight (code 100)
        self.serial = 0

    # -- for tests -----------------------------------------------------------------------

    def posts(self) -> list[dict[str, Any]]:
        return self.published("post")

    def comments(self) -> list[dict[str, Any]]:
        return self.published("comment")

    def texts(self) -> list[str]:
        return [m["message"] for m in self.published()]

    def page_post(self, text: str, pfbid: str | None = None) -> str:
        """A post the Page made earlier (outside tidings); its Graph id ``<page>_<n>``. With
        ``pfbid``, its web address has the newer form ``/posts/pfbid0…``, which holds no
        Graph id (what Facebook's share links and ``permalink_url`` now give)."""
        post_id = f"{PAGE_ID}_{self._serial()}"
        self.media[post_id] = {
            "id": post_id,
            "kind": "post",
            "message": text,
            "created": self.clock(),
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/"
            + (pfbid or post_id.split("_")[1]),
            "parent": None,
        }
        return post_id

    def someone_comments(self, post_id: str, text: str) -> str:
        """A visitor's comment on a post; its Graph id ``<post>_<n>``."""
        comment_id = f"{post_id.split('_')[1]}_{self._serial()}"
        self.media[comment_id] = {
            "id": comment_id,
            "kind": "comment",
            "message": text,
            "created": self.clock(),
            "permalink_url": None,
            "parent": post_id,
            "from": {"id": "100000000000777", "name": "A Visitor"},
        }
        return comment_id

    # -- routes --------------------------------------------------------------------------

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        if method == "POST" and path == [PAGE_ID, "photos"]:
            return self._photo(request, params)
        if method == "POST" and path == [PAGE_ID, "feed"]:
            return self._post(request, params)
        if method == "POST" and len(path) == 2 and path[1] == "comments":
            return self._comment(request, path[0], params)
        if method == "GET" and path in ([PAGE_ID, "feed"], [PAGE_ID, "posts"]):
            # /posts: the Page's own posts only (…/reference/page/posts); all of this fake's are
            return self.listing(self.posts(), params, lambda m: self._fields(m, None))
        if method == "GET" and len(path) == 2 and path[1] == "comments":
            post = self._live(path[0])
            if post is None:
                return not_found(path[0])
            mine = [c for c in self.comments() if c["parent"] == post["id"]]
            return self.listing(mine, params, lambda m: self._fields(m, None))
        if method == "GET" and len(path) == 2 and path[1] == "insights":
            return self.insights_of(path[0], params, (VIEWS, "post_clicks"))
        if method == "GET" and not path and "ids" in params:
            return self._many(params)
        if method == "GET" and path == [PAGE_ID]:
            return self._page(params)
        if method == "GET" and len(path) == 1:
            found = self._live(path[0])
            if found is None:
                return not_found(path[0])
            return httpx.Response(200, json=self._fields(found, params.get("fields")))
        if method == "DELETE" and len(path) == 1:
            found = self._live(path[0])
            if found is None:
                return graph_error(
                    400,
                    f"Unsupported delete request. Object with ID '{path[0]}' does not exist, "
                    "cannot be loaded due to missing permissions, or does not support this "
                    "operation.",
                    100,
                    subcode=33,
                    kind="GraphMethodException",
                )
            self.deleted.append(found["id"])
            return httpx.Response(200, json={"success": True})
        return invalid(f"(#100) Unknown path components: /{'/'.join(path)}")

    def _live(self, object_id: str) -> dict[str, Any] | None:
        found = self.media.get(object_id)
        return found if found is not None and object_id not in self.deleted else None

    def _photo(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        files: dict[str, tuple[str, str, bytes]] = {}
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            fields, files = form(request)
            params = {**params, **fields}
        if "source" not in files and not params.get("url"):
            return graph_error(400, "(#324) Requires upload file", 324)
        if str(params.get("published", "true")).lower() != "false":
            return invalid("(#100) this fake only takes unpublished photos (published=false)")
        photo = self.new_id()
        self.photos[photo] = {
            "id": photo,
            "bytes": files["source"][2] if "source" in files else None,
            "url": params.get("url"),
            "alt": params.get("alt_text_custom"),
            "attached_to": None,
        }
        return httpx.Response(200, json={"id": photo})

    def _post(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        message = params.get("message", "")
        try:
            attached = json.loads(params.get("attached_media") or "[]")
        except ValueError:
            return invalid("(#100) param attached_media must be an array")
        photos = []
        for n, item in enumerate(attached if isinstance(attached, list) else [None]):
            photo = self.photos.get(str(item.get("media_fbid"))) if isinstance(item, dict) else None
            if photo is None or photo["attached_to"]:
                return invalid(
                    f"(#100) param attached_media[{n}] must be a valid unpublished photo"
                )
            photos.append(photo)
        if not message.strip() and not photos:
            return invalid("(#100) Your post must contain a message or an attachment")
        post = self._create("post", f"{PAGE_ID}_{self._serial()}", message, request)
        post["photos"] = [p["id"] for p in photos]
        for photo in photos:
            photo["attached_to"] = post["id"]
        return httpx.Response(200, json=self._fields(post, params.get("fields") or "id"))

    def _comment(
        self, request: httpx.Request, parent: str, params: dict[str, str]
    ) -> httpx.Response:
        target = self._live(parent)
        if target is None:
            return not_found(parent)
        message = params.get("message", "")
        if not message.strip():
            return invalid("(#100) Missing message or attachment")
        post_part = target["id"].split("_")[1] if target["kind"] == "post" else target["id"]
        comment = self._create(
            "comment", f"{post_part.split('_')[0]}_{self._serial()}", message, request
        )
        comment["parent"] = target["id"]
        return httpx.Response(200, json=self._fields(comment, params.get("fields") or "id"))

    def _serial(self) -> int:
        self.serial += 1
        return 122000000000000 + self.serial

    def _create(
        self, kind: str, object_id: str, message: str, request: httpx.Request
    ) -> dict[str, Any]:
        if kind == "post":
            link = f"{origin(request)}/{PAGE_ID}/posts/{object_id.split('_')[1]}"
        else:
            link = f"{origin(request)}/{PAGE_ID}/posts/c{object_id}"
        item = {
            "id": object_id,
            "kind": kind,
            "message": message,
            "created": self.clock(),
            "permalink_url": link,
            "parent": None,
        }
        self.media[object_id] = item
        return item

    # -- reading -------------------------------------------------------------------------

    def _fields(self, item: dict[str, Any], fields: str | None) -> dict[str, Any]:
        wanted = split_fields(fields or "id,message,created_time,permalink_url,from")
        out: dict[str, Any] = {"id": item["id"]}
        for name in wanted:
            base = name.split(".", 1)[0].split("{", 1)[0]
            if base == "message" and item["message"]:
                out["message"] = item["message"]
            elif base == "created_time":
                out["created_time"] = stamp(item["created"])
            elif base == "permalink_url" and item["permalink_url"]:
                out["permalink_url"] = item["permalink_url"]
            elif base == "from":
                out["from"] = item.get("from") or {"id": PAGE_ID, "name": "Lumen & Grain Studio"}
            elif base == "reactions":
                out["reactions"] = _edge(self.reactions.get(item["id"], 0))
            elif base == "comments":
                replies = [c for c in self.comments() if c["parent"] == item["id"]]
                out["comments"] = _edge(len(replies))
            elif base == "shares" and self.shares.get(item["id"]):
                out["shares"] = {"count": self.shares[item["id"]]}
        return out

    def _many(self, params: dict[str, str]) -> httpx.Response:
        ids = [i for i in params["ids"].split(",") if i]
        if len(ids) > 50:
            return invalid("(#100) Too many IDs. Maximum: 50. Provided: " + str(len(ids)))
        unknown = [i for i in ids if self._live(i) is None]
        if unknown:
            return graph_error(
                400,
                f"(#803) Some of the aliases you requested do not exist: {','.join(unknown)}",
                803,
            )
        fields = split_fields(params.get("fields", "id"))
        body = {}
        for object_id in ids:
            item = self._live(object_id)
            assert item is not None
            entry = self._fields(item, ",".join(f for f in fields if not f.startswith("insights")))
            for name in fields:
                metric = re.match(r"insights\.metric\(([^)]*)\)", name)
                if not metric:
                    continue
                answer = self.insights_of(object_id, {"metric": metric.group(1)}, self._metrics())
                if answer.status_code != 200:
                    return answer
                entry["insights"] = answer.json()
            body[object_id] = entry
        return httpx.Response(200, json=body)

    def _metrics(self) -> tuple[str, ...]:
        return (VIEWS, "post_clicks") if self.views_metric else ("post_clicks",)

    def _page(self, params: dict[str, str]) -> httpx.Response:
        body: dict[str, Any] = {"id": PAGE_ID}
        fields = split_fields(params.get("fields", "id,name"))
        if "name" in fields:
            body["name"] = "Lumen & Grain Studio"
        if "followers_count" in fields and self.followers is not None:
            body["followers_count"] = self.followers
        if "fan_count" in fields:
            body["fan_count"] = self.fans
        body.update({k: v for k, v in self.profile_fields(params).items() if k != "id"})
        return httpx.Response(200, json=body)


def _edge(total: int) -> dict[str, Any]:
    return {"data": [], "summary": {"total_count": total, "can_comment": True}}


def rate_limited() -> dict[str, Any]:
    return {
        "status": 400,
        "body": rate_limit_body(),
        "headers": {
            "X-Business-Use-Case-Usage": json.dumps(
                {
                    PAGE_ID: [
                        {
                            "type": "pages",
                            "call_count": 100,
                            "total_cputime": 12,
                            "total_time": 20,
                            "estimated_time_to_regain_access": 2,
                        }
                    ]
                }
            )
        },
    }


def expired() -> dict[str, Any]:
    return {"status": 400, "body": expired_body()}


CASE = PlatformCase(
    platform="facebook",
    credentials={
        "page_id": "FB_PAGE_ID",
        "access_token": "FB_PAGE_ACCESS_TOKEN",
        "api_base": "FB_API_BASE",
    },
    make=FacebookFake,
    env=lambda fake, base: {
        "FB_PAGE_ID": PAGE_ID,
        "FB_PAGE_ACCESS_TOKEN": fake.token,  # type: ignore[attr-defined]
        "FB_API_BASE": f"{base}/v23.0",
    },
    posts=lambda fake: fake.texts(),  # type: ignore[attr-defined]
    write=r"/feed$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("FB_PAGE_ACCESS_TOKEN",),
    threads=False,
)
