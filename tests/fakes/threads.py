"""A fake Threads API, built from ../shared/platforms.md (Threads rows; Graph conventions
in :mod:`fakes.graph`).

* ``POST /{user}/threads``: ``media_type`` TEXT (``text`` required), IMAGE (``image_url``
  JPEG or PNG by its extension, ``alt_text``), CAROUSEL (``children``: 2-20 finished
  ``is_carousel_item`` containers); ``reply_to_id`` must be a published post; ``alt_text``
  on a TEXT post, text over 500 characters or more than 5 links are refused (the last as
  ``THREADS_API__LINK_LIMIT_EXCEEDED``). Characters are counted as Meta documents them, not
  as tidings does: "Emojis are counted as the number of UTF-8 bytes" (a grapheme cluster
  holding a pictograph, a regional indicator or a keycap counts its bytes, anything else one
  per code point); "all unique URLs found in the text field are counted as links", with or
  without a scheme (the docs' own example is ``www.facebook.com``).
* ``GET /{container}?fields=status,error_message``; ``POST /{user}/threads_publish
  ?creation_id=`` (250 posts and 1000 replies a day, enforced there as code 4);
  ``GET /{user}/threads_publishing_limit``.
* ``GET /{media}?fields=…``, ``GET /{user}/threads`` (top-level posts), ``GET
  /{user}/replies`` (with ``replied_to``), ``DELETE /{media}``.
* ``GET /{media}/insights?metric=views,likes,replies,reposts,quotes,shares``, ``GET
  /{user}/threads_insights?metric=followers_count``.
* The profile (developers.facebook.com/docs/threads/threads-profiles, "Retrieve a Threads
  User's Profile Information"): ``GET /me?fields=id,username,name,
  threads_profile_picture_url,threads_biography`` (``/me`` or the user's id) answers the
  :attr:`GraphFake.profile` fields asked for, with ``username`` always there to ask for.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import regex

from .cases import PlatformCase
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
from .server import Fake

MEDIA_INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "shares")
LINK = re.compile(r"https?://[^\s,]+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b(?:/[^\s,]*)?", re.I)
GRAPHEME = regex.compile(r"\X")
EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]")


def meta_length(text: str) -> int:
    """Threads' count: one per character, an emoji's UTF-8 bytes for each emoji."""
    return sum(
        len(g.encode("utf-8")) if EMOJI.search(g) else len(g) for g in GRAPHEME.findall(text)
    )


def unique_links(text: str) -> set[str]:
    """The distinct links Threads counts, trailing sentence punctuation left out."""
    return {m.group(0).rstrip(".,;:!?)").lower() for m in LINK.finditer(text)}


KINDS = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "CAROUSEL": "CAROUSEL_ALBUM"}


class ThreadsFake(GraphFake):
    status_field = "status"

    def __init__(self, *, polls: int = 1) -> None:
        super().__init__(user_id="7770001112223334", username="lumengrain", polls=polls)
        self.reply_quota_total = 1000
        self.profile["username"] = self.username

    def texts(self) -> list[str]:
        return [str(m.get("text") or "") for m in self.published()]

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        user = path[0] == self.user_id if path else False
        if method == "POST" and user and path[1:] == ["threads"]:
            return self.create(params)
        if method == "POST" and user and path[1:] == ["threads_publish"]:
            return self.publish(request, params)
        if method == "GET" and user and path[1:] == ["threads_publishing_limit"]:
            return self.limit()
        if method == "GET" and user and path[1:] == ["threads"]:
            items = [m for m in self.published() if not m.get("replied_to")]
            return self.listing(items, params, self.fields)
        if method == "GET" and user and path[1:] == ["replies"]:
            items = [m for m in self.published() if m.get("replied_to")]
            return self.listing(items, params, self.fields)
        if method == "GET" and user and path[1:] == ["threads_insights"]:
            return self.followers_insight(params)
        if method == "GET" and len(path) == 2 and path[1] == "insights":
            return self.insights_of(path[0], params, MEDIA_INSIGHTS)
        if method == "GET" and path == [self.user_id]:
            return httpx.Response(200, json=self.profile_fields(params))
        if method == "GET" and len(path) == 1:
            if path[0] in self.containers:
                return self.read_container(self.containers[path[0]])
            media = self.media.get(path[0])
            if media is None or media["id"] in self.deleted:
                return not_found(path[0])
            return httpx.Response(200, json=self.fields(media))
        if method == "DELETE" and len(path) == 1:
            if path[0] not in self.media or path[0] in self.deleted:
                return not_found(path[0])
            self.deleted.append(path[0])
            return httpx.Response(200, json={"success": True, "deleted_id": path[0]})
        return invalid(f"Unsupported {method} request.", kind="GraphMethodException")

    # -- publishing ----------------------------------------------------------------------

    def create(self, params: dict[str, str]) -> httpx.Response:
        kind = params.get("media_type")
        text = params.get("text", "")
        if kind not in KINDS:
            return invalid("(#100) Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}")
        if meta_length(text) > 500:
            return invalid("(#100) Param text must be at most 500 characters long.")
        if len(unique_links(text)) > 5:
            return invalid(
                "THREADS_API__LINK_LIMIT_EXCEEDED",
                user_title="Too many links",
                user_msg="Posts can't have more than 5 links.",
            )
        if kind == "TEXT":
            if not text:
                return invalid("(#100) Param text is required for TEXT posts")
            if "alt_text" in params or "image_url" in params:
                return invalid("(#100) alt_text and image_url are only for IMAGE or VIDEO")
        if kind == "IMAGE":
            url = params.get("image_url", "")
            if not url.startswith(("http://", "https://")):
                return invalid("(#100) Param image_url must be a valid URL")
            if not url.lower().endswith((".jpg", ".jpeg", ".png")):
                return invalid(
                    "(#100) The image format is not supported",
                    user_msg="Threads takes JPEG and PNG images.",
                )
        if kind == "CAROUSEL":
            children = [c for c in params.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 20:
                return invalid("(#100) A carousel needs between 2 and 20 children")
            for child in children:
                found = self.containers.get(child)
                if (
                    found is None
                    or found["params"].get("is_carousel_item") != "true"
                    or self.container_state(found, read=False) != "FINISHED"
                ):
                    return invalid(f"(#100) Child {child} is not a finished carousel item")
        elif params.get("is_carousel_item") == "true" and (text or params.get("reply_to_id")):
            return invalid("(#100) A carousel item has no text and replies to nothing")
        reply_to = params.get("reply_to_id")
        if reply_to and (reply_to not in self.media or reply_to in self.deleted):
            return invalid(f"(#100) reply_to_id {reply_to} is not a published post")
        return self.make_container(params)

    def publish(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        taken = self.take_container(params)
        if isinstance(taken, httpx.Response):
            return taken
        if taken["params"].get("is_carousel_item") == "true":
            return invalid("(#100) A carousel item cannot be published on its own")
        reply_to = taken["params"].get("reply_to_id")
        kinds = ("reply",) if reply_to else ("post",)
        total = self.reply_quota_total if reply_to else self.quota_total
        if self.posts_in_day(kinds) >= total:
            return graph_error(400, "(#4) The user has reached the publishing limit", 4)
        media_id = self.new_id()
        shortcode = f"C{media_id[-8:]}"
        p = taken["params"]
        media: dict[str, Any] = {
            "id": media_id,
            "kind": kinds[0],
            "media_type": KINDS[p["media_type"]],
            "text": p.get("text", ""),
            "created": self.clock(),
            "permalink": f"{origin(request)}/@{self.username}/post/{shortcode}",
            "shortcode": shortcode,
            "container": taken["id"],
        }
        if reply_to:
            media["replied_to"] = reply_to
            root = self.media[reply_to]
            media["root_post"] = root.get("root_post", reply_to)
        if p["media_type"] == "IMAGE":
            media["images"] = [{"url": p["image_url"], "alt_text": p.get("alt_text", "")}]
        if p["media_type"] == "CAROUSEL":
            media["images"] = [
                {
                    "url": self.containers[c]["params"]["image_url"],
                    "alt_text": self.containers[c]["params"].get("alt_text", ""),
                }
                for c in p["children"].split(",")
            ]
        self.media[media_id] = media
        taken["published"] = media_id
        return httpx.Response(200, json={"id": media_id})

    def limit(self) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "quota_usage": self.posts_in_day(("post",)),
                        "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                        "reply_quota_usage": self.posts_in_day(("reply",)),
                        "reply_config": {
                            "quota_total": self.reply_quota_total,
                            "quota_duration": 86400,
                        },
                    }
                ]
            },
        )

    # -- reading -------------------------------------------------------------------------

    def fields(self, media: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": media["id"],
            "media_product_type": "THREADS",
            "media_type": media["media_type"],
            "text": media["text"],
            "timestamp": stamp(media["created"]),
            "permalink": media["permalink"],
            "shortcode": media["shortcode"],
            "username": self.username,
            "is_reply": bool(media.get("replied_to")),
        }
        if media.get("replied_to"):
            body["replied_to"] = {"id": media["replied_to"]}
            body["root_post"] = {"id": media["root_post"]}
        return body

    def followers_insight(self, params: dict[str, str]) -> httpx.Response:
        if params.get("metric") != "followers_count":
            return invalid("(#100) metric must be one of: views, likes, ..., followers_count")
        value: dict[str, Any] = {} if self.followers is None else {"value": self.followers}
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "name": "followers_count",
                        "period": "day",
                        "title": "followers_count",
                        "total_value": value,
                        "id": f"{self.user_id}/insights/followers_count/day",
                    }
                ]
            },
        )


def _env(fake: Fake, base: str) -> dict[str, str]:
    assert isinstance(fake, ThreadsFake)
    return {
        "THREADS_USER_ID": fake.user_id,
        "THREADS_ACCESS_TOKEN": fake.token,
        "THREADS_API_BASE": f"{base}/v1.0",
    }


def _posts(fake: Fake) -> list[str]:
    assert isinstance(fake, ThreadsFake)
    return fake.texts()


CASE = PlatformCase(
    platform="threads",
    credentials={
        "user_id": "THREADS_USER_ID",
        "access_token": "THREADS_ACCESS_TOKEN",
        "api_base": "THREADS_API_BASE",
    },
    make=ThreadsFake,
    env=_env,
    posts=_posts,
    write=r"/threads_publish$",
    rate_limited=lambda: {"status": 400, "body": rate_limit_body()},
    expired=lambda: {"status": 400, "body": expired_body()},
    secrets=("THREADS_ACCESS_TOKEN",),
    threads=True,
    reconciles=True,
    media_base_url=True,
)
