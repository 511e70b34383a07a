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

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts
from tidings.platforms import base, graph
from tidings.platforms.comments import CommentInbox, CommentPage, Post, Said
from tidings.platforms.http import Caller
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "ThreadsAdapter",
    "connect",
    "inbox_reader",
    "metrics_reader",
    "profile_reader",
]

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
    return ThreadsAdapter.from_channel(channel, env, caller)


metrics_reader = connect
"""The metrics reader of a Threads channel: the adapter itself (insights need the
token and ``threads_manage_insights``)."""

profile_reader = connect
"""The profile reader of a Threads channel: the adapter itself (``threads_basic``)."""

PROFILE_FIELDS = "username,name,threads_profile_picture_url,threads_biography"


class ThreadsAdapter(graph.ContainerAdapter, platform="threads"):
    """Threads on the shared container flow; a thread's later parts are replies."""

    network: ClassVar[str] = "Threads"
    default_api: ClassVar[str] = DEFAULT_API
    refresh_grant: ClassVar[str] = "th_refresh_token"
    media_path: ClassVar[str] = "threads"
    publish_path: ClassVar[str] = "threads_publish"
    status_field: ClassVar[str] = "status"
    image_type: ClassVar[Mapping[str, str]] = {"media_type": "IMAGE"}
    post_id_name: ClassVar[str] = "post id"
    insights: ClassVar[tuple[str, ...]] = INSIGHTS

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        _check_thread(index, thread)
        what = f"post part {index + 1}"
        images = out.media if index == 0 else ()
        urls = graph.image_urls(images, what, "Threads")
        if index == 0 and out.reply_to is None:
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
        parent = base.parent_of(out, index, thread)
        if parent is not None:
            params["reply_to_id"] = parent.id
        return self._send(out, index, params, images, urls, what)

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The media id the URL carries (``?media_id=``): ``reply_to_id``."""
        return base.ReplyParent(base.Remote(target.get("media") or "", target.url))

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        _check_thread(index, thread)
        what = f"look for part {index + 1} among the account's posts"
        published = self._was_published(out, index, what)
        since = base.aware(out.started) - CLOCK_SKEW
        answered = base.parent_of(out, index, thread)
        parent = answered.id if answered is not None else None
        path, fields = (
            (f"{self.user}/replies", REPLY_FIELDS)
            if parent
            else (f"{self.user}/threads", POST_FIELDS)
        )
        items, covered = graph.list_since(
            self.graph,
            path,
            fields=fields,
            since=since,
            what=what,
            page_size=self.page_size,
            max_pages=self.max_pages,
        )
        kind = KIND.get(len(out.media) if index == 0 else 0, "CAROUSEL_ALBUM")
        found = graph.pick(
            items,
            covered,
            text_field="text",
            text=out.parts[index].text,
            skip=[p.id for p in thread],
            same_place=lambda item: _same_place(item, parent),
            same_media=lambda item: item.get("media_type") in (None, kind),
            part=index + 1,
            not_before=graph.not_before(self.graph.caller, out.started),
        )
        return self._listed(found, published, index)

    def delete(self, part: base.Remote) -> None:
        what = f"delete post {part.id}"
        response = self.graph.call("DELETE", part.id, safe=True, what=what, ok=(200, 400, 404))
        if response.status_code == 200 or _gone(response):
            return
        raise self.graph.error(response, what)

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def counts(self, raw: dict[str, int | None]) -> Counts:
        """Nested replies are not counted (Meta's rule)."""
        return Counts(
            likes=raw.get("likes"),
            reposts=raw.get("reposts"),
            replies=raw.get("replies"),
            quotes=raw.get("quotes"),
            views=raw.get("views"),
            raw=raw,
        )

    def account_metrics(self) -> AccountCounts:
        body = self.graph.json(
            "GET",
            f"{self.user}/threads_insights",
            safe=True,
            what="read the followers",
            params={"metric": "followers_count"},
        )
        raw = graph.insight_values(body)
        return AccountCounts(followers=raw.get("followers_count"), raw=raw)

    def read_profile(self) -> base.Profile:
        """``GET /me?fields=`` :data:`PROFILE_FIELDS` (Threads' profiles reference): name,
        biography, the links written in it, the picture. The API gives neither the profile's
        link field nor a banner (Threads has none): those are not findings."""
        body = self.graph.read("me", PROFILE_FIELDS, "read the profile")
        bio = body.get("threads_biography")
        bio = bio if isinstance(bio, str) else None
        username = base.text_of(body.get("username"))
        picture = base.text_of(body.get("threads_profile_picture_url"))
        return base.Profile(
            display_name=base.text_of(body.get("name")),
            bio=bio,
            links=base.links_in(bio),
            avatar=base.fetch_image(self.graph.caller, picture, "avatar"),
            url=f"https://www.threads.net/@{username}" if username else None,
            not_exposed=("link", "banner"),
        )


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
    code, subcode = graph.error_code(response)
    return response.status_code == 404 or (code == 100 and subcode == 33)


def _check_thread(index: int, thread: base.Thread) -> None:
    if index > 0 and not thread:
        raise ValueError(f"part {index + 1} replies to the part before it: pass the thread")


# -- the inbox (the InboxReader protocol, over tidings.platforms.comments) -----------------

INBOX_WINDOW = timedelta(days=30)
"""How far back the account's posts are looked at for new replies."""
INBOX_POST_PAGES = 4
REPLIES_PER_PAGE = 100
INBOX_FIELDS = "id,text,timestamp,permalink,username,replied_to,is_reply_owned_by_me"


def inbox_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> ThreadsInbox:
    """The inbox of a Threads account: replies in the conversations under its recent posts,
    and its mentions."""
    adapter = connect(channel, env, caller)
    return ThreadsInbox(ThreadsReplies(adapter.graph, adapter.user, adapter.page_size))


class ThreadsReplies:
    """The account's replies, read as the Threads API documents them ("Retrieve Media
    Replies and Conversations", "Reply Management" reference, "Mentions"):

    * our posts: ``GET /{user}/threads`` (newest first) within :data:`INBOX_WINDOW`;
    * a post's conversation: ``GET /{media}/conversation?reverse=false``, every reply at
      any depth, oldest first, each with ``replied_to`` and ``is_reply_owned_by_me`` (ours:
      a later part of a thread, or an answer);
    * an item's replies: ``GET /{media}/replies?reverse=false``;
    * mentions: ``GET /{user}/mentions`` (one page a run; needs ``threads_manage_mentions``:
      without it, or on a host that does not serve it, there are none).

    An item's address is its permalink with ``?media_id=<id>``: what a reply file's
    ``in_reply_to`` needs on Threads."""

    nested: ClassVar[bool] = True
    kind: ClassVar[InboxKind] = InboxKind.REPLY

    def __init__(self, api: graph.Graph, user: str, page_size: int) -> None:
        self.graph = api
        self.user = user
        self.page_size = page_size

    def posts(self) -> tuple[list[Post], bool]:
        now = datetime.fromtimestamp(self.graph.caller.clock(), UTC)
        items, covered = graph.list_since(
            self.graph,
            f"{self.user}/threads",
            fields="id,timestamp,permalink",
            since=now - INBOX_WINDOW,
            what="read the account's posts",
            page_size=self.page_size,
            max_pages=INBOX_POST_PAGES,
        )
        return [Post(str(i["id"]), base.parse_time(i.get("timestamp"))) for i in items], covered

    def comments(self, post: Post, cursor: str | None) -> CommentPage:
        params = {"fields": INBOX_FIELDS, "reverse": "false", "limit": REPLIES_PER_PAGE}
        data, after, end = graph.graph_page(
            self.graph, f"{post.id}/conversation", params, cursor, f"read the replies to {post.id}"
        )
        return CommentPage(tuple(s for s in map(_said, data) if s is not None), after, end)

    def replies(self, item: str) -> list[Said]:
        params = {"fields": INBOX_FIELDS, "reverse": "false", "limit": REPLIES_PER_PAGE}
        data, _, _ = graph.graph_page(
            self.graph, f"{item}/replies", params, None, f"read the replies to {item}"
        )
        return [s for s in map(_said, data) if s is not None]

    def mentions(self) -> list[base.Arrival]:
        params = {"fields": INBOX_FIELDS, "limit": REPLIES_PER_PAGE}
        try:
            data, _, _ = graph.graph_page(
                self.graph, f"{self.user}/mentions", params, None, "read the mentions"
            )
        except PlatformError as error:
            if error.retryable:
                raise
            return []  # no threads_manage_mentions, or no such edge: no mentions
        found = []
        for media in data:
            said = _said(media)
            if said is None or said.ours:
                continue
            found.append(
                base.Arrival(
                    id=said.id,
                    url=said.url,
                    author=said.author,
                    at=said.at.astimezone(UTC),
                    kind=InboxKind.MENTION,
                    parent=said.parent or None,
                    text=said.text,
                )
            )
        return found


def _said(media: Mapping[str, Any]) -> Said | None:
    at = base.parse_time(media.get("timestamp"))
    if not media.get("id") or at is None:
        return None
    mid = str(media["id"])
    link = media.get("permalink")
    name = media.get("username")
    text = media.get("text")
    return Said(
        id=mid,
        parent=_parent(media) or "",
        author=f"@{name}" if isinstance(name, str) and name else "",
        at=at,
        url=f"{link}?media_id={mid}" if isinstance(link, str) and link else None,
        ours=media.get("is_reply_owned_by_me") is True,
        text=text if isinstance(text, str) else None,
    )


class ThreadsInbox(CommentInbox):
    platform: ClassVar[str] = "threads"
