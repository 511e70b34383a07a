"""Threads (Meta): posts through media containers, images by public URL with alt text,
carousels, threads by ``reply_to_id``, delete, insights and followers.

Publishing a part: read the publishing quota (``GET /{user}/threads_publishing_limit``:
250 posts and 1000 replies a day); when it is used up the part fails *retryable* with no
container created, and the next run tries again. Then create the container
(``POST /{user}/threads`` with ``media_type`` TEXT, IMAGE with ``image_url`` and
``alt_text``, or CAROUSEL with ``children`` made from ``is_carousel_item`` containers;
parts after the first carry ``reply_to_id`` = the part before), wait until it is
``FINISHED`` (:func:`graph.wait_finished`: bounded, 5 minutes at most), publish it
(``POST /{user}/threads_publish?creation_id=…``) and read its ``permalink``.

Images are fetched by Meta from ``MediaFile.url`` (the channel's ``media_base_url`` + the
site path of the exact rendition): a post with images on a channel without one fails
permanently. Posts with more than 5 links are refused by Threads
(``THREADS_API__LINK_LIMIT_EXCEEDED``, permanent; ``tidings check`` warns first).

Reconciling (:meth:`ThreadsAdapter.find_part`): Threads has no idempotency, so *never post
twice* rests on reading back. Creating a container is safe to repeat: an unpublished one
expires after 24 hours and is never seen. Only the publish call can leave a post out there
unknown to us. In the run that lost the answer, the container it published says whether
it went out (``FINISHED``: certainly not; ``PUBLISHED``: yes). In any case the account's
own posts (``GET /{user}/threads``, or ``/{user}/replies`` for parts 2+) since the attempt
began (less :data:`CLOCK_SKEW`) are read, newest first, and compared on their text, their
reply parent and their kind (text, image, carousel): one match is returned; None only when
the listing reaches back past the attempt and nothing is alike (and the container, when
known, was not published); anything else raises :class:`Unknowable` for a person.

Tokens: a long-lived token lasts 60 days and can be renewed once it is a day old
(``GET /refresh_access_token?grant_type=th_refresh_token``). The adapter does not renew it:
a renewed token could not be saved back into the GitHub secret by the run itself, and the
old one stays valid until it expires anyway. An expired token (Graph code 190) stops the
channel with a message naming the variable and the renewal; ``site/setup.md`` explains it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from tidings.core.platforms import PLATFORMS
from tidings.platforms.base import (
    AccountCounts,
    Caller,
    Counts,
    Outgoing,
    PlatformError,
    Remote,
    Unavailable,
    Unknowable,
    aware,
    credential,
)
from tidings.platforms.graph import (
    Graph,
    error_code,
    image_urls,
    insight_values,
    list_since,
    not_before,
    pick,
    wait_finished,
)
from tidings.workspace.model import Channel

__all__ = ["CLOCK_SKEW", "DEFAULT_API", "ThreadsAdapter", "connect", "metrics_reader"]

DEFAULT_API = "https://graph.threads.net/v1.0"
CLOCK_SKEW = timedelta(minutes=10)
"""How far Threads' ``timestamp`` may disagree with our clock."""
INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "shares")
POST_FIELDS = "id,text,timestamp,permalink,media_type,is_reply,replied_to"
REPLY_FIELDS = "id,text,timestamp,permalink,media_type,replied_to"
KIND = {0: "TEXT_POST", 1: "IMAGE"}  # more images: CAROUSEL_ALBUM


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> ThreadsAdapter:
    """The adapter for a ``platform: threads`` channel: credentials ``user_id`` (or ``me``),
    ``access_token``, optional ``api_base`` (default :data:`DEFAULT_API`)."""
    var = channel.credentials.get("access_token", "the access token")
    hint = (
        f"renew the long-lived token in {var} (grant_type=th_refresh_token, see the setup "
        "guide) and update the secret"
    )
    graph = Graph(
        caller,
        credential(channel, env, "api_base", default=DEFAULT_API),
        credential(channel, env, "access_token"),
        hint,
    )
    return ThreadsAdapter(graph, credential(channel, env, "user_id"))


def metrics_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> ThreadsAdapter:
    """The metrics reader of a Threads channel: the adapter itself (insights need the
    token and ``threads_manage_insights``)."""
    return connect(channel, env, caller)


class ThreadsAdapter:
    platform: ClassVar[str] = "threads"
    can_delete: ClassVar[bool] = PLATFORMS["threads"].can_delete
    idempotent: ClassVar[bool] = False

    def __init__(self, graph: Graph, user: str, *, page_size: int = 25, max_pages: int = 4):
        self.graph = graph
        self.user = user
        self.page_size = page_size
        self.max_pages = max_pages
        self._published: dict[tuple[str, int], str] = {}  # (attempt key, part) -> container

    def __repr__(self) -> str:
        return f"ThreadsAdapter({self.graph.base!r}, user={self.user!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: Outgoing, index: int, thread: Sequence[Remote]) -> Remote:
        _check_thread(index, thread)
        what = f"post part {index + 1}"
        images = out.media if index == 0 else ()
        urls = image_urls(images, what, "Threads")
        if index == 0:
            self.graph.check_quota(f"{self.user}/threads_publishing_limit", what, "Threads")
        else:
            self.graph.check_quota(
                f"{self.user}/threads_publishing_limit",
                what,
                "Threads",
                usage="reply_quota_usage",
                config="reply_config",
                kind="replies",
            )
        params: dict[str, Any] = {}
        if out.parts[index].text:
            params["text"] = out.parts[index].text
        if index > 0:
            params["reply_to_id"] = thread[-1].id
        if len(images) == 1:
            params.update(media_type="IMAGE", image_url=urls[0], alt_text=images[0].alt)
        elif images:
            children = [
                self.graph.container(
                    f"{self.user}/threads",
                    {
                        "media_type": "IMAGE",
                        "is_carousel_item": "true",
                        "image_url": url,
                        "alt_text": media.alt,
                    },
                    f"{what}: image {n}",
                )
                for n, (media, url) in enumerate(zip(images, urls, strict=True), 1)
            ]
            wait_finished(self.graph, children, field="status", what=what)
            params.update(media_type="CAROUSEL", children=",".join(children))
        else:
            params["media_type"] = "TEXT"
        container = self.graph.container(f"{self.user}/threads", params, what)
        wait_finished(self.graph, [container], field="status", what=what)
        self._published[(out.key, index)] = container
        body = self.graph.json(
            "POST",
            f"{self.user}/threads_publish",
            safe=False,  # no idempotency: a lost answer is reconciled, never resent
            what=what,
            data={"creation_id": container},
        )
        media_id = body.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise PlatformError(
                f"{what}: the answer has no post id", retryable=True, uncertain=True
            )
        return self.graph.permalink(media_id, what)

    def find_part(self, out: Outgoing, index: int, thread: Sequence[Remote]) -> Remote | None:
        _check_thread(index, thread)
        what = f"look for part {index + 1} among the account's posts"
        container = self._published.get((out.key, index))
        published: bool | None = None
        if container is not None:
            state = self.graph.json(
                "GET", container, safe=True, what=what, params={"fields": "status"}
            ).get("status")
            published = state == "PUBLISHED"
        since = aware(out.started) - CLOCK_SKEW
        parent = thread[-1].id if index > 0 else None
        path, fields = (
            (f"{self.user}/replies", REPLY_FIELDS)
            if parent
            else (f"{self.user}/threads", POST_FIELDS)
        )
        items, covered = list_since(
            self.graph,
            path,
            fields=fields,
            since=since,
            what=what,
            page_size=self.page_size,
            max_pages=self.max_pages,
        )
        kind = KIND.get(len(out.media) if index == 0 else 0, "CAROUSEL_ALBUM")
        found = pick(
            items,
            covered,
            text_field="text",
            text=out.parts[index].text,
            skip=[p.id for p in thread],
            same_place=lambda item: _same_place(item, parent),
            same_media=lambda item: item.get("media_type") in (None, kind),
            part=index + 1,
            not_before=not_before(self.graph.caller, out.started),
        )
        if found is None:
            if published:  # it went out, but the listing does not show it (yet)
                raise Unknowable(
                    f"part {index + 1}: Threads says it was published, but it is not among "
                    "the account's posts; check the account and settle it by hand"
                )
            return None
        url = found.get("permalink")
        return Remote(str(found["id"]), url if isinstance(url, str) else None)

    def delete(self, part: Remote) -> None:
        what = f"delete post {part.id}"
        response = self.graph.call("DELETE", part.id, safe=True, what=what, ok=(200, 400, 404))
        if response.status_code == 200 or _gone(response):
            return
        raise self.graph.error(response, what)

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[Remote]) -> dict[str, Counts | Unavailable]:
        """Each post's insights (one request a post: the Threads API has no batch read).
        A metric Threads has no number for is null, never 0; nested replies are not
        counted (Meta's rule)."""
        result: dict[str, Counts | Unavailable] = {}
        for part in parts:
            if part.id in result:
                continue
            try:
                body = self.graph.json(
                    "GET",
                    f"{part.id}/insights",
                    safe=True,
                    what=f"read the insights of {part.id}",
                    params={"metric": ",".join(INSIGHTS)},
                )
            except PlatformError as error:
                if error.auth or error.retryable:
                    raise
                result[part.id] = Unavailable(error.message)
                continue
            raw = insight_values(body)
            result[part.id] = Counts(
                likes=raw.get("likes"),
                reposts=raw.get("reposts"),
                replies=raw.get("replies"),
                quotes=raw.get("quotes"),
                views=raw.get("views"),
                raw=raw,
            )
        return result

    def account_metrics(self) -> AccountCounts:
        body = self.graph.json(
            "GET",
            f"{self.user}/threads_insights",
            safe=True,
            what="read the followers",
            params={"metric": "followers_count"},
        )
        raw = insight_values(body)
        return AccountCounts(followers=raw.get("followers_count"), raw=raw)


def _parent(item: Mapping[str, Any]) -> str | None:
    replied = item.get("replied_to")
    if isinstance(replied, dict) and replied.get("id"):
        return str(replied["id"])
    return None


def _same_place(item: Mapping[str, Any], parent: str | None) -> bool:
    """A reply to ``parent``, or (parent None) a post that is no reply at all."""
    if parent is None:
        return _parent(item) is None and not item.get("is_reply")
    return _parent(item) == parent


def _gone(response: httpx.Response) -> bool:
    code, subcode = error_code(response)
    return response.status_code == 404 or (code == 100 and subcode == 33)


def _check_thread(index: int, thread: Sequence[Remote]) -> None:
    if index > 0 and not thread:
        raise ValueError(f"part {index + 1} replies to the part before it: pass the thread")
