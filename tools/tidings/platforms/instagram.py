"""Instagram (Meta, Instagram API with Instagram Login): image posts through media
containers, alt text, carousels, comments for a thread's later parts, insights, followers.

Publishing the first part: Instagram has no text-only posts, so a post without an image
fails permanently. Read the publishing quota (``GET /{ig-user}/content_publishing_limit``;
its ``config.quota_total`` is read, never assumed); when it is used up the part fails
*retryable* with no container created, and the next run tries again. Then create the
container (``POST /{ig-user}/media`` with ``image_url``, ``caption``, ``alt_text``; several
images become ``is_carousel_item`` children of a ``media_type=CAROUSEL`` container, at most
10), wait until its ``status_code`` is ``FINISHED`` (:func:`graph.wait_finished`: bounded,
5 minutes at most), publish it (``POST /{ig-user}/media_publish?creation_id=…``) and read
its ``permalink``. Images are fetched by Meta from ``MediaFile.url`` (the channel's
``media_base_url`` + the site path of the exact rendition, already a JPEG, the only format
Instagram takes); without a ``media_base_url`` the post fails permanently.

**Instagram has no threads.** A post's later parts become comments on the published post,
in order (``POST /{ig-media}/comments?message=…``); a comment's address is the post's.

Replies (``content/replies/``, :meth:`InstagramAdapter.reply_parent`): a comment's URL is
answered with ``POST /{ig-comment}/replies?message=…``, a post's URL (one of the account's
own) with ``POST /{ig-media}/comments``; every part of the reply does so, in order, and a
lost answer is reconciled among that comment's replies or that post's comments.

Reconciling (:meth:`InstagramAdapter.find_part`): there is no idempotency. Creating a
container is safe to repeat (an unpublished one expires after 24 hours, unseen), so only a
lost answer to ``media_publish`` or to a comment can leave something out there unknown to
us. In the run that lost it, the container says whether it was published. In any case the
account's media (``GET /{ig-user}/media``, newest first) or the post's comments since the
attempt began (less :data:`CLOCK_SKEW`) are read and compared on the caption or comment
text and the kind of post (image or carousel): one match is returned; None only when the
listing reaches back past the attempt and nothing is alike; else :class:`Unknowable`.

Delete: the Instagram API cannot delete posts (``can_delete = False``): an ``expires``
post stays up and the publisher says so; remove it in the app.

Tokens: an Instagram-Login token lasts 60 days and can be renewed once it is a day old
(``GET /refresh_access_token?grant_type=ig_refresh_token``). The adapter does not renew it
(a renewed token could not be saved back into the GitHub secret); an expired token (Graph
code 190) stops the channel with a message naming the variable and the renewal.
``api_base`` may point at ``https://graph.facebook.com/v23.0`` for a Facebook-Login token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, count
from tidings.platforms import base, graph
from tidings.platforms.comments import CommentInbox, CommentPage, Post, Said
from tidings.platforms.http import Caller
from tidings.platforms.paging import Pages
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "MAX_CAROUSEL",
    "InstagramAdapter",
    "connect",
    "inbox_reader",
    "profile_reader",
]

DEFAULT_API = "https://graph.instagram.com/v23.0"
CLOCK_SKEW = timedelta(minutes=10)
MAX_CAROUSEL = 10
INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
"""The 2025 names (``impressions`` is gone since v22)."""
MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type"
COMMENT_FIELDS = "id,text,timestamp,from"
SHORTCODE_PAGES = 10
SHORTCODE_PAGE_SIZE = 50
"""A reply to a post URL looks for the post among the account's newest 500."""
ACCOUNT_FIELDS = ("followers_count", "follows_count", "media_count")


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> InstagramAdapter:
    """The adapter for a ``platform: instagram`` channel: credentials ``user_id`` (the
    Instagram professional account id), ``access_token``, optional ``api_base`` (default
    :data:`DEFAULT_API`)."""
    return InstagramAdapter.from_channel(channel, env, caller)


metrics_reader = connect
"""The metrics reader of an Instagram channel: the adapter itself."""

profile_reader = connect
"""The profile reader of an Instagram channel: the adapter itself."""

PROFILE_FIELDS = "username,name,biography,website,profile_picture_url"


class InstagramAdapter(graph.ContainerAdapter, platform="instagram"):
    """Instagram on the shared container flow; a thread's later parts are comments."""

    network: ClassVar[str] = "Instagram"
    default_api: ClassVar[str] = DEFAULT_API
    refresh_grant: ClassVar[str] = "ig_refresh_token"
    media_path: ClassVar[str] = "media"
    publish_path: ClassVar[str] = "media_publish"
    status_field: ClassVar[str] = "status_code"
    listing: ClassVar[str] = "media"
    insights: ClassVar[tuple[str, ...]] = INSIGHTS

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        if out.reply_to is not None:
            return self._reply(out, index)
        if index > 0:
            return self._comment(out, index, thread)
        what = "post part 1"
        urls = _urls(out.media, what)
        self.graph.check_quota(f"{self.user}/content_publishing_limit", what, "Instagram")
        caption = out.parts[0].text
        params: dict[str, Any] = {"caption": caption} if caption else {}
        return self._send(out, 0, params, out.media, urls, what)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        if out.reply_to is not None:
            return self._find_reply(out, index, thread)
        if index > 0:
            return self._find_comment(out, index, thread)
        what = "look for part 1 among the account's media"
        published = self._was_published(out, 0, what)
        items, covered = graph.list_since(
            self.graph,
            f"{self.user}/media",
            fields=MEDIA_FIELDS,
            since=base.aware(out.started) - CLOCK_SKEW,
            what=what,
            page_size=self.page_size,
            max_pages=self.max_pages,
        )
        kind = "IMAGE" if len(out.media) <= 1 else "CAROUSEL_ALBUM"
        found = graph.pick(
            items,
            covered,
            text_field="caption",
            text=out.parts[0].text,
            same_media=lambda item: item.get("media_type") in (None, kind),
            not_before=graph.not_before(self.graph.caller, out.started),
        )
        return self._listed(found, published, 0)

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """A comment's URL (``/p/CODE/c/ID/``): the comment, answered with
        ``POST /{comment}/replies``. A post's URL (``/p/CODE/``): the account's own post
        with that shortcode, found in ``GET /{ig-user}/media`` (newest first, at most
        :data:`SHORTCODE_PAGES` pages), answered with ``POST /{media}/comments``; the API
        comments only on the account's own media, so any other post fails here, before
        anything is sent."""
        comment = target.get("comment")
        if comment:
            return base.ReplyParent(base.Remote(comment, target.url), options={"edge": "replies"})
        code = target.get("code") or ""
        what = f"find {target.url} among the account's posts"

        def fetch(after: str | None) -> dict[str, Any]:
            params = {"fields": "id,shortcode,permalink", "limit": SHORTCODE_PAGE_SIZE}
            return self.graph.json(
                "GET",
                f"{self.user}/media",
                safe=True,
                what=what,
                params={**params, "after": after} if after else params,
            )

        for page in Pages(fetch, _next_page, SHORTCODE_PAGES):
            for item in page.get("data") or []:
                if not isinstance(item, dict) or not item.get("id"):
                    continue
                link = str(item.get("permalink") or "")
                if item.get("shortcode") == code or f"/{code}/" in link:
                    return base.ReplyParent(
                        base.Remote(str(item["id"]), link or target.url),
                        options={"edge": "comments"},
                    )
        raise PlatformError(
            f"{what}: it is not one of the account's newest "
            f"{SHORTCODE_PAGES * SHORTCODE_PAGE_SIZE} posts, and Instagram lets the account "
            "comment only on its own posts; for a comment, copy the comment's URL "
            "(it ends in /c/ID/)",
            retryable=False,
        )

    def delete(self, part: base.Remote) -> None:
        raise PlatformError(
            f"delete {part.id}: the Instagram API cannot delete posts; delete it in the app",
            retryable=False,
        )

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def counts(self, raw: dict[str, int | None]) -> Counts:
        """Instagram's numbers can lag up to 48 hours. ``comments`` are the replies;
        ``shares`` (sends) and ``saved`` stay in ``raw``."""
        return Counts(
            likes=raw.get("likes"),
            reposts=None,
            replies=raw.get("comments"),
            quotes=None,
            views=raw.get("views"),
            raw=raw,
        )

    def account_metrics(self) -> AccountCounts:
        body = self.graph.read(self.user, ",".join(ACCOUNT_FIELDS), "read the account")
        raw = {name: count(body.get(name)) for name in ACCOUNT_FIELDS if name in body}
        return AccountCounts(followers=raw.get("followers_count"), raw=raw)

    def read_profile(self) -> base.Profile:
        """``GET /{ig-user-id}?fields=`` :data:`PROFILE_FIELDS` (the IG User reference):
        name, biography, website and the links in the biography, the picture. Instagram
        profiles have no banner."""
        body = self.graph.read(self.user, PROFILE_FIELDS, "read the profile")
        bio = body.get("biography")
        bio = bio if isinstance(bio, str) else None
        username = base.text_of(body.get("username"))
        picture = base.text_of(body.get("profile_picture_url"))
        return base.Profile(
            display_name=base.text_of(body.get("name")),
            bio=bio,
            links=base.links_in(base.text_of(body.get("website")), bio),
            avatar=base.fetch_image(self.graph.caller, picture, "avatar"),
            url=f"https://www.instagram.com/{username}/" if username else None,
            not_exposed=("banner",),
        )

    # -- comments (a thread's later parts) -----------------------------------------------

    def _comment(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        if not thread:
            raise ValueError(f"part {index + 1} comments on the post: pass the thread")
        what = f"post part {index + 1} as a comment"
        body = self.graph.json(
            "POST",
            f"{thread[0].id}/comments",
            safe=False,
            what=what,
            data={"message": out.parts[index].text},
        )
        return base.Remote(graph.new_id(body, what), thread[0].url)

    # -- replies (content/replies/) ------------------------------------------------------

    def _reply(self, out: base.Outgoing, index: int) -> base.Remote:
        """Part ``index`` of a reply: a reply to the comment (``/{comment}/replies``), or a
        comment on the post (``/{media}/comments``). Every part answers the item itself:
        Instagram adds a reply to a reply to its top-level comment anyway."""
        parent = out.reply_to.parent  # type: ignore[union-attr]
        edge = out.reply_to.options.get("edge", "replies")  # type: ignore[union-attr]
        what = f"post part {index + 1} as a reply"
        body = self.graph.json(
            "POST",
            f"{parent.id}/{edge}",
            safe=False,
            what=what,
            data={"message": out.parts[index].text},
        )
        return base.Remote(graph.new_id(body, what), parent.url)

    def _find_reply(
        self, out: base.Outgoing, index: int, thread: base.Thread
    ) -> base.Remote | None:
        """A reply's part among the item's replies or comments since the attempt began,
        by the account, with the part's text (as :meth:`_find_comment` does)."""
        parent = out.reply_to.parent  # type: ignore[union-attr]
        edge = out.reply_to.options.get("edge", "replies")  # type: ignore[union-attr]
        items, covered = graph.list_since(
            self.graph,
            f"{parent.id}/{edge}",
            fields=COMMENT_FIELDS,
            since=base.aware(out.started) - CLOCK_SKEW,
            what=f"look for part {index + 1} among the item's replies",
            page_size=50,
            max_pages=self.max_pages,
            newest_first=False,
        )
        found = graph.pick(
            items,
            covered,
            text_field="text",
            text=out.parts[index].text,
            skip=[p.id for p in thread],
            same_place=lambda item: _ours(item, self.user),
            part=index + 1,
            not_before=graph.not_before(self.graph.caller, out.started),
        )
        return None if found is None else base.Remote(str(found["id"]), parent.url)

    def _find_comment(
        self, out: base.Outgoing, index: int, thread: base.Thread
    ) -> base.Remote | None:
        if not thread:
            raise ValueError(f"part {index + 1} comments on the post: pass the thread")
        items, covered = graph.list_since(
            self.graph,
            f"{thread[0].id}/comments",
            fields=COMMENT_FIELDS,
            since=base.aware(out.started) - CLOCK_SKEW,
            what=f"look for part {index + 1} among the post's comments",
            page_size=50,
            max_pages=self.max_pages,
            newest_first=False,  # the order of comments is not documented
        )
        found = graph.pick(
            items,
            covered,
            text_field="text",
            text=out.parts[index].text,
            skip=[p.id for p in thread],
            same_place=lambda item: _ours(item, self.user),
            part=index + 1,
            not_before=graph.not_before(self.graph.caller, out.started),
        )
        return None if found is None else base.Remote(str(found["id"]), thread[0].url)


def _next_page(body: Mapping[str, Any]) -> str | None:
    """Where the next page of a Graph list starts (``paging.cursors.after`` while there is a
    ``paging.next``)."""
    paging = body.get("paging")
    paging = paging if isinstance(paging, dict) else {}
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return str(after) if paging.get("next") and after else None


def _urls(images: Sequence[base.MediaFile], what: str) -> list[str]:
    if not images:
        raise PlatformError(
            f"{what}: Instagram has no text-only posts; add an image to the post",
            retryable=False,
        )
    if len(images) > MAX_CAROUSEL:
        raise PlatformError(
            f"{what}: Instagram takes at most {MAX_CAROUSEL} images in a post", retryable=False
        )
    return graph.image_urls(images, what, "Instagram")


def _ours(comment: Mapping[str, Any], user: str) -> bool:
    """False only for a comment certainly by someone else (with ``user_id`` ``me`` the
    author cannot be compared, and our own text is taken as ours: never post twice)."""
    author = comment.get("from")
    author_id = str(author.get("id") or "") if isinstance(author, dict) else ""
    return not (user.isdigit() and author_id and author_id != user)


# -- the inbox (the InboxReader protocol, over tidings.platforms.comments) -----------------

INBOX_WINDOW = timedelta(days=30)
"""How far back the account's media are looked at for new comments."""
INBOX_MEDIA_PAGES = 4
COMMENTS_PER_PAGE = 50
SAID_FIELDS = "id,text,timestamp,username,from"
INBOX_COMMENT_FIELDS = f"{SAID_FIELDS},replies{{{SAID_FIELDS}}}"
TAG_FIELDS = "id,caption,timestamp,permalink,username"


def inbox_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> InstagramInbox:
    """The inbox of an Instagram account: comments under its recent media, and the media
    it is tagged in."""
    adapter = connect(channel, env, caller)
    return InstagramInbox(InstagramComments(adapter.graph, adapter.user, adapter.page_size))


class InstagramComments:
    """The account's comments, read as the Instagram Platform documents them ("IG Media
    Comments", "IG Comment", "Comment moderation", "IG User Tags"):

    * our media: ``GET /{ig-user}/media`` (newest first, ``timestamp``) within
      :data:`INBOX_WINDOW`;
    * a medium's comments: ``GET /{ig-media}/comments?fields=id,text,timestamp,username,
      from,replies{…}``: top-level comments, each with the replies under it (a reply by our
      username answers it); the order is not documented, so every page is read;
    * an item's replies: ``GET /{ig-comment}/replies``;
    * mentions: ``GET /{ig-user}/tags`` (media the account is tagged in; one page a run).
      A host that does not serve it (a permanent, non-auth error) gives no mentions.

    A comment's address is the medium's permalink + ``c/<comment id>/``, as Instagram's web
    app links a comment."""

    nested: ClassVar[bool] = True
    kind: ClassVar[InboxKind] = InboxKind.COMMENT

    def __init__(self, api: graph.Graph, user: str, page_size: int) -> None:
        self.graph = api
        self.user = user
        self.page_size = page_size
        self._username: str | None = None
        self._links: dict[str, str] = {}

    def posts(self) -> tuple[list[Post], bool]:
        now = datetime.fromtimestamp(self.graph.caller.clock(), UTC)
        items, covered = graph.list_since(
            self.graph,
            f"{self.user}/media",
            fields="id,timestamp,permalink",
            since=now - INBOX_WINDOW,
            what="read the account's media",
            page_size=self.page_size,
            max_pages=INBOX_MEDIA_PAGES,
        )
        found = []
        for item in items:
            link = item.get("permalink")
            post = Post(
                str(item["id"]),
                base.parse_time(item.get("timestamp")),
                link if isinstance(link, str) and link else None,
            )
            if post.url:
                self._links[post.id] = post.url
            found.append(post)
        return found, covered

    def comments(self, post: Post, cursor: str | None) -> CommentPage:
        params = {"fields": INBOX_COMMENT_FIELDS, "limit": COMMENTS_PER_PAGE}
        data, after, end = graph.graph_page(
            self.graph, f"{post.id}/comments", params, cursor, f"read the comments on {post.id}"
        )
        said: list[Said] = []
        for comment in data:
            top = self._said(comment, post.id, post.id)
            if top is None:
                continue
            said.append(top)
            replies = comment.get("replies")
            listed = replies.get("data") if isinstance(replies, dict) else None
            for reply in listed if isinstance(listed, list) else []:
                under = self._said(reply, top.id, post.id) if isinstance(reply, dict) else None
                if under is not None:
                    said.append(under)
        return CommentPage(tuple(said), after, end)

    def replies(self, item: str) -> list[Said]:
        params = {"fields": SAID_FIELDS, "limit": COMMENTS_PER_PAGE}
        data, _, _ = graph.graph_page(
            self.graph, f"{item}/replies", params, None, f"read the replies to {item}"
        )
        return [s for s in (self._said(r, item, None) for r in data) if s is not None]

    def mentions(self) -> list[base.Arrival]:
        what = "read the media the account is tagged in"
        try:
            data, _, _ = graph.graph_page(
                self.graph,
                f"{self.user}/tags",
                {"fields": TAG_FIELDS, "limit": COMMENTS_PER_PAGE},
                None,
                what,
            )
        except PlatformError as error:
            if error.auth or error.retryable:
                raise
            return []  # this host does not serve tags: no mentions
        found = []
        for media in data:
            at = base.parse_time(media.get("timestamp"))
            if not media.get("id") or at is None:
                continue
            link = media.get("permalink")
            caption = media.get("caption")
            found.append(
                base.Arrival(
                    id=str(media["id"]),
                    url=link if isinstance(link, str) and link else None,
                    author=f"@{media['username']}" if media.get("username") else "",
                    at=at.astimezone(UTC),
                    kind=InboxKind.MENTION,
                    text=caption if isinstance(caption, str) else None,
                )
            )
        return found

    def _said(self, comment: Mapping[str, Any], parent: str, media: str | None) -> Said | None:
        at = base.parse_time(comment.get("timestamp"))
        if not comment.get("id") or at is None:
            return None
        cid = str(comment["id"])
        author = comment.get("from")
        author = author if isinstance(author, dict) else {}
        name = str(comment.get("username") or author.get("username") or "")
        link = self._links.get(media or "")
        text = comment.get("text")
        return Said(
            id=cid,
            parent=parent,
            author=f"@{name}" if name else "",
            at=at,
            url=f"{link.rstrip('/')}/c/{cid}/" if link else None,
            ours=self._ours(name, str(author.get("id") or "")),
            text=text if isinstance(text, str) else None,
        )

    def _ours(self, username: str, author_id: str) -> bool:
        if author_id and author_id == self.user:
            return True
        if self._username is None:
            body = self.graph.read(self.user, "username", "read the account's username")
            self._username = str(body.get("username") or "")
        return bool(username) and username == self._username


class InstagramInbox(CommentInbox):
    platform: ClassVar[str] = "instagram"
