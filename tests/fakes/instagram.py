"""A fake Instagram API (Instagram Login, ``graph.instagram.com``), built from
../shared/platforms.md (Instagram rows; Graph conventions in :mod:`fakes.graph`).

* ``POST /{ig-user}/media``: ``image_url`` (required, **JPEG only**, judged by the URL's
  extension), ``caption`` (at most 2200 characters and 30 hashtags), ``alt_text``;
  ``is_carousel_item=true`` children, then ``media_type=CAROUSEL`` with 2-10 finished
  ``children``. No text-only posts.
* ``GET /{container}?fields=status_code``; ``POST /{ig-user}/media_publish?creation_id=``
  (the daily quota, :attr:`GraphFake.quota_total`, enforced there as code 9, subcode
  2207042); ``GET /{ig-user}/content_publishing_limit``.
* ``GET /{media}?fields=…``, ``GET /{ig-user}/media``, ``POST``/``GET /{media}/comments``.
* ``GET /{media}/insights?metric=views,reach,likes,comments,shares,saved,
  total_interactions`` (``impressions`` is refused as since v22), ``GET /{ig-user}?fields=
  followers_count,media_count``.
* The profile (developers.facebook.com/docs/instagram-platform/instagram-graph-api/
  reference/ig-user, "Fields"): ``GET /{ig-user-id}?fields=username,name,biography,website,
  profile_picture_url`` answers the :attr:`GraphFake.profile` fields asked for (a field
  the account has not filled in is left out).
* ``DELETE /{media}`` is refused: the API cannot delete posts.
* Replies (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/
  ig-comment/replies): ``POST /{ig-comment}/replies?message=…`` → ``{id}``; "you can only
  reply to top-level comments; replies to a reply will be added to the top-level comment";
  "you cannot reply to hidden comments" (code 100 here); ``GET /{ig-comment}/replies``.
  Comments on media (…/reference/ig-media/comments): ``POST /{ig-media}/comments``, on the
  account's own media only. Media carry their ``shortcode`` (…/reference/ig-media), the
  code in the post's web address. :meth:`InstagramFake.someone_comments` adds a visitor's
  comment (``from`` is the visitor), :meth:`InstagramFake.own_post` a published post.
"""

from __future__ import annotations

from typing import Any

import httpx

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

MEDIA_INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")


class InstagramFake(GraphFake):
    status_field = "status_code"

    def __init__(self, *, polls: int = 1) -> None:
        super().__init__(user_id="17841400000000001", username="lumenandgrain", polls=polls)
        self.quota_total = 100

    def own_post(self, caption: str, shortcode: str) -> str:
        """A post the account published earlier (outside tidings); its media id."""
        media_id = self.new_id()
        self.media[media_id] = {
            "id": media_id,
            "kind": "post",
            "media_type": "IMAGE",
            "caption": caption,
            "created": self.clock(),
            "permalink": f"https://www.instagram.com/p/{shortcode}/",
            "shortcode": shortcode,
            "images": [],
        }
        return media_id

    def someone_comments(self, on: str, text: str, *, hidden: bool = False) -> str:
        """A visitor's comment on a media (or, ``on`` a comment, a reply to it); its id."""
        comment_id = self.new_id()
        self.media[comment_id] = {
            "id": comment_id,
            "kind": "comment",
            "on": on,
            "text": text,
            "created": self.clock(),
            "from": {"id": "17841400000000999", "username": "a_visitor"},
            "hidden": hidden,
        }
        return comment_id

    def texts(self) -> list[str]:
        """Captions and comments, in creation order."""
        return [str(m.get("caption") or m.get("text") or "") for m in self.published()]

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        user = path[0] == self.user_id if path else False
        if method == "POST" and user and path[1:] == ["media"]:
            return self.create(params)
        if method == "POST" and user and path[1:] == ["media_publish"]:
            return self.publish(request, params)
        if method == "GET" and user and path[1:] == ["content_publishing_limit"]:
            return httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "quota_usage": self.posts_in_day(("post",)),
                            "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                        }
                    ]
                },
            )
        if method == "GET" and user and path[1:] == ["media"]:
            return self.listing(self.published("post"), params, self.fields)
        if method == "GET" and path == [self.user_id]:
            return self.account(params)
        if len(path) == 2 and path[1] == "replies":
            return self.replies(method, path[0], params)
        if len(path) == 2 and path[1] == "comments":
            if path[0] not in self.media or path[0] in self.deleted:
                return not_found(path[0])
            if method == "POST":
                if self.media[path[0]]["kind"] != "post":
                    return invalid("(#100) Comments can only be created on media")
                return self.comment(path[0], params)
            comments = [m for m in self.published("comment") if m["on"] == path[0]]
            return self.listing(comments, params, self.comment_fields)
        if method == "GET" and len(path) == 2 and path[1] == "insights":
            if "impressions" in params.get("metric", "").split(","):
                return invalid(
                    "(#100) Starting from version v22.0 and above, the impressions metric is "
                    "no longer supported for media created after July 2, 2024."
                )
            return self.insights_of(path[0], params, MEDIA_INSIGHTS)
        if method == "GET" and len(path) == 1:
            if path[0] in self.containers:
                return self.read_container(self.containers[path[0]])
            media = self.media.get(path[0])
            if media is None or media["id"] in self.deleted:
                return not_found(path[0])
            return httpx.Response(200, json=self.fields(media))
        if method == "DELETE":
            return invalid(f"Unsupported delete request. Object {path[-1]} cannot be deleted.")
        return invalid(f"Unsupported {method} request.", kind="GraphMethodException")

    # -- publishing ----------------------------------------------------------------------

    def create(self, params: dict[str, str]) -> httpx.Response:
        caption = params.get("caption", "")
        if len(caption) > 2200:
            return invalid("(#100) The caption is longer than 2200 characters")
        if caption.count("#") > 30:
            return invalid("(#100) The caption has more than 30 hashtags")
        if params.get("media_type") == "CAROUSEL":
            children = [c for c in params.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 10:
                return invalid("(#100) A carousel needs between 2 and 10 children")
            for child in children:
                found = self.containers.get(child)
                if (
                    found is None
                    or found["params"].get("is_carousel_item") != "true"
                    or self.container_state(found, read=False) != "FINISHED"
                ):
                    return invalid(f"(#100) Child {child} is not a finished carousel item")
            return self.make_container(params)
        if params.get("media_type") not in (None, "IMAGE"):
            return invalid("(#100) media_type must be IMAGE, CAROUSEL, REELS or STORIES")
        url = params.get("image_url", "")
        if not url:
            return invalid("(#100) The parameter image_url is required.")
        if not url.startswith(("http://", "https://")):
            return invalid("(#100) Param image_url must be a valid URL")
        if not url.lower().split("?")[0].endswith((".jpg", ".jpeg")):
            return graph_error(
                400,
                "Only photo or video can be accepted as media type.",
                9004,
                subcode=2207052,
                user_title="Media download has failed",
                user_msg="The media could not be fetched: Instagram takes JPEG images only.",
            )
        if params.get("is_carousel_item") == "true" and caption:
            return invalid("(#100) A carousel item has no caption")
        return self.make_container(params)

    def publish(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response:
        taken = self.take_container(params)
        if isinstance(taken, httpx.Response):
            return taken
        p = taken["params"]
        if p.get("is_carousel_item") == "true":
            return invalid("(#100) A carousel item cannot be published on its own")
        if self.posts_in_day(("post",)) >= self.quota_total:
            return graph_error(
                400,
                "Application request limit reached",
                9,
                subcode=2207042,
                user_title="Maximum number of posts reached",
                user_msg="You reached the maximum number of posts that is allowed to be "
                "published by Content Publishing API.",
            )
        media_id = self.new_id()
        carousel = p.get("media_type") == "CAROUSEL"
        items = (
            [self.containers[c]["params"] for c in p["children"].split(",")] if carousel else [p]
        )
        self.media[media_id] = {
            "id": media_id,
            "kind": "post",
            "media_type": "CAROUSEL_ALBUM" if carousel else "IMAGE",
            "caption": p.get("caption", ""),
            "created": self.clock(),
            "permalink": f"{origin(request)}/p/D{media_id[-9:]}/",
            "images": [{"url": i["image_url"], "alt_text": i.get("alt_text", "")} for i in items],
            "container": taken["id"],
        }
        taken["published"] = media_id
        return httpx.Response(200, json={"id": media_id})

    def comment(self, media_id: str, params: dict[str, str]) -> httpx.Response:
        message = params.get("message", "")
        if not message:
            return invalid("(#100) The parameter message is required.")
        if len(message) > 2200:
            return invalid("(#100) The comment is longer than 2200 characters")
        comment_id = self.new_id()
        self.media[comment_id] = {
            "id": comment_id,
            "kind": "comment",
            "on": media_id,
            "text": message,
            "created": self.clock(),
        }
        return httpx.Response(200, json={"id": comment_id})

    def replies(self, method: str, comment_id: str, params: dict[str, str]) -> httpx.Response:
        comment = self.media.get(comment_id)
        if comment is None or comment["kind"] != "comment" or comment_id in self.deleted:
            return not_found(comment_id)
        if method == "GET":
            mine = [m for m in self.published("comment") if m["on"] == comment_id]
            return self.listing(mine, params, self.comment_fields)
        if method != "POST":
            return invalid(f"Unsupported {method} request.", kind="GraphMethodException")
        if comment.get("hidden"):
            return invalid("(#100) You cannot reply to a hidden comment")
        top = comment
        while self.media.get(top["on"], {}).get("kind") == "comment":
            top = self.media[top["on"]]  # a reply to a reply goes to the top-level comment
        return self.comment(top["id"], params)

    # -- reading -------------------------------------------------------------------------

    def fields(self, media: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": media["id"],
            "caption": media["caption"],
            "media_type": media["media_type"],
            "media_product_type": "FEED",
            "timestamp": stamp(media["created"]),
            "permalink": media["permalink"],
            "shortcode": media.get("shortcode") or media["permalink"].rstrip("/").split("/")[-1],
            "username": self.username,
        }

    def comment_fields(self, comment: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": comment["id"],
            "text": comment["text"],
            "timestamp": stamp(comment["created"]),
            "from": comment.get("from") or {"id": self.user_id, "username": self.username},
        }

    def account(self, params: dict[str, str]) -> httpx.Response:
        body: dict[str, Any] = {"id": self.user_id}
        for name in params.get("fields", "id").split(","):
            if name == "followers_count" and self.followers is not None:
                body[name] = self.followers
            elif name == "media_count":
                body[name] = len(self.published("post"))
            elif name == "follows_count":
                body[name] = 12
            elif name == "username":
                body[name] = self.username
        body.update(self.profile_fields(params))
        return httpx.Response(200, json=body)


def _env(fake: Fake, base: str) -> dict[str, str]:
    assert isinstance(fake, InstagramFake)
    return {
        "IG_USER_ID": fake.user_id,
        "IG_ACCESS_TOKEN": fake.token,
        "IG_API_BASE": f"{base}/v23.0",
    }


def _posts(fake: Fake) -> list[str]:
    assert isinstance(fake, InstagramFake)
    return fake.texts()


CASE = PlatformCase(
    platform="instagram",
    credentials={
        "user_id": "IG_USER_ID",
        "access_token": "IG_ACCESS_TOKEN",
        "api_base": "IG_API_BASE",
    },
    make=InstagramFake,
    env=_env,
    posts=_posts,
    write=r"/media_publish$",
    rate_limited=lambda: {"status": 400, "body": rate_limit_body()},
    expired=lambda: {"status": 400, "body": expired_body()},
    secrets=("IG_ACCESS_TOKEN",),
    threads=False,
    reconciles=True,
    media_base_url=True,
)
