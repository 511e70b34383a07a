"""Facebook Pages: each post is a Page feed post; a thread's later parts are its comments.

Credentials: ``page_id`` (``FB_PAGE_ID``), ``access_token`` (``FB_PAGE_ACCESS_TOKEN``, a
Page token with ``pages_manage_posts``, ``pages_read_engagement`` and ``read_insights``)
and the optional ``api_base`` (default :data:`DEFAULT_API`). A Page token made from a
long-lived user token does not expire, so there is nothing to refresh: an expired or
revoked one (Graph code 190) stops the channel with a message naming the variable. The
token travels in the query string, as Meta shows it; :class:`graph.Graph` keeps it out of
every message, and so does the photo upload here.

Publishing part 0: each image is uploaded *unpublished* with ``POST /{page}/photos``
(multipart ``source``: the exact bytes tidings converted, so no public address is needed,
``published=false``, the alt text as ``alt_text_custom``), then ``POST /{page}/feed`` with
``message`` and ``attached_media=[{"media_fbid": …}]`` and ``fields=id,permalink_url`` so
the answer carries the address. An unpublished photo never attached is invisible, so the
uploads are safe to repeat; the feed post is not. Later parts are comments on the post,
``POST /{post}/comments``, in order. A reply (``content/replies/``) comments on the item its
URL names (:meth:`FacebookAdapter.reply_parent`): ``POST /{comment}/comments`` answers a
comment, ``POST /{post}/comments`` a post; each of its parts does, in order, and is
reconciled among that object's comments like a thread's later parts.

Reconciling (:meth:`FacebookAdapter.find_part`): Graph has no idempotency key. The Page's
feed (``GET /{page}/feed``) or the post's comments (``GET /{post}/comments``, newest first)
are read from the attempt's start (less :data:`CLOCK_SKEW`) on, at most
:data:`MAX_PAGES` pages of :data:`PAGE_SIZE`, and compared on their text
(:func:`graph.pick`): one match is the part; None only when the listing certainly covers
the time since the attempt began and nothing is alike; otherwise :class:`Unknowable` for
a person to settle.

Deleting: ``DELETE /{id}`` (comments first, then the post); an object that no longer exists
(code 100, subcode 33) is already gone. Metrics: up to :data:`IDS_PER_READ` posts in one
``GET /?ids=…&fields=reactions.summary(total_count),comments.summary(total_count),shares,
insights.metric(post_total_media_view_unique)``: likes = all reactions, replies =
comments, reposts = shares (Graph leaves ``shares`` out when there are none: 0), views =
unique media views, null when Meta has no number. Followers: ``GET /{page}?fields=
followers_count,fan_count``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.comments import CommentInbox, CommentPage, Post, Said
from tidings.platforms.graph import (
    Graph,
    error_code,
    graph_page,
    insight_values,
    list_since,
    not_before,
    pick,
)
from tidings.platforms.http import Caller, json_field, json_object
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "IDS_PER_READ",
    "FacebookAdapter",
    "connect",
    "inbox_reader",
    "metrics_reader",
    "post_counts",
    "profile_reader",
]

DEFAULT_API = "https://graph.facebook.com/v23.0"
CLOCK_SKEW = timedelta(minutes=10)
"""How far Facebook's ``created_time`` may disagree with our clock."""
PAGE_SIZE = 25
MAX_PAGES = 4
LINK_PAGE_SIZE = 100  # the Page's posts read to find a ``pfbid0…`` link's post
LINK_PAGES = 5
IDS_PER_READ = 50
"""Graph answers at most 50 ``ids`` in one request."""
VIEWS = "post_total_media_view_unique"
"""Unique media views: ``post_impressions_unique`` was removed on 2025-06-15."""
COUNT_FIELDS = (
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
MISSING_IDS = 803
""""Some of the aliases you requested do not exist": one unknown id fails the whole read."""


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> FacebookAdapter:
    """The adapter for a Facebook Page (credentials ``page_id``, ``access_token``, and the
    optional ``api_base``)."""
    page = base.credential(channel, env, "page_id")
    token = base.credential(channel, env, "access_token")
    api = base.credential(channel, env, "api_base", DEFAULT_API).rstrip("/")
    variable = channel.credentials.get("access_token", "access_token")
    hint = f"make a new Page access token (Graph API Explorer, /me/accounts) and update {variable}"
    return FacebookAdapter(Graph(caller, api, token, hint), page)


metrics_reader = connect
"""The metrics reader of a Facebook Page: the adapter itself."""

profile_reader = connect
"""The profile reader of a Facebook Page: the adapter itself."""

PROFILE_FIELDS = "name,about,website,picture.type(large),cover,link"


class FacebookAdapter(base.PlatformAdapter, platform="facebook"):
    def __init__(self, graph: Graph, page_id: str) -> None:
        self.graph = graph
        self.page = page_id
        self._views = True  # False once Graph refused the views metric for this Page

    def __repr__(self) -> str:
        return f"FacebookAdapter({self.page!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        what = f"post part {index + 1}"
        text = out.parts[index].text
        if out.reply_to is not None:  # a reply: every part comments on the item it answers
            data: dict[str, Any] = {"message": text}
            path = f"{out.reply_to.parent.id}/comments"
        elif index > 0:
            if not thread:
                raise ValueError(f"part {index + 1} is a comment on part 1: pass the thread")
            data = {"message": text}
            path = f"{thread[0].id}/comments"
        else:
            data = {"message": text}
            photos = [self._upload(m, n) for n, m in enumerate(out.media, 1)]
            if photos:
                data["attached_media"] = json.dumps([{"media_fbid": p} for p in photos])
            path = f"{self.page}/feed"
        body = self.graph.json(
            "POST",
            path,
            safe=False,  # no idempotency: an uncertain answer is reconciled by find_part
            what=what,
            params={"fields": "id,permalink_url"},
            data=data,
        )
        return _remote(body, what)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        what = f"look for part {index + 1}"
        since = base.aware(out.started) - CLOCK_SKEW
        # the feed also holds visitors' posts: only the Page's own count
        path = f"{self.page}/feed" if index == 0 else f"{thread[0].id}/comments"
        if out.reply_to is not None:
            path = f"{out.reply_to.parent.id}/comments"
        items, covered = self._list(path, since, what)
        found = pick(
            items,
            covered,
            text_field="message",
            text=out.parts[index].text,
            skip=[p.id for p in thread],
            same_place=lambda item: _author(item) in (None, self.page),
            part=index + 1,
            not_before=not_before(self.graph.caller, out.started),
            time_field="created_time",
        )
        return _remote(found, what) if found is not None else None

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The Graph object a reply comments on: the comment (``comment_id=``, Graph's
        ``{post}_{comment}``; the newer base64 form ``comment:{post}_{comment}`` is read as
        it is) or else the post (``{page}_{post}``; a Page named by its vanity name in the
        URL is taken to be the channel's own Page). It is read once (``GET /{id}``) so that
        a deleted item or someone else's fails here, before anything is sent."""
        post = target.get("post") or ""
        page = target.get("page") or ""
        comment = target.get("comment")
        what = f"find {target.url}"
        pfbid = target.get("pfbid")
        if pfbid:  # the newer link form names no Graph id: find the post by its link
            post = self._post_of_link(pfbid, what).split("_", 1)[-1]
            page = self.page
        if comment:
            object_id = _comment_object(post, comment)
            if object_id is None:
                raise PlatformError(
                    f"{what}: `comment_id={comment}` is not a comment id Facebook uses; open "
                    "the comment's timestamp link and copy that URL",
                    retryable=False,
                )
        else:
            object_id = f"{page if page.isdigit() else self.page}_{post}"
        found = self.graph.read(object_id, "id,permalink_url", what)
        url = found.get("permalink_url")
        return base.ReplyParent(
            base.Remote(str(found.get("id") or object_id), url if isinstance(url, str) else None)
        )

    def _post_of_link(self, pfbid: str, what: str) -> str:
        """The Graph id of the Page's own post whose web address has ``pfbid`` (the form
        Facebook's links now take, ``/posts/pfbid0…``, from which no Graph id can be read):
        the Page's newest posts are read, at most :data:`LINK_PAGES` pages of
        :data:`LINK_PAGE_SIZE`, and their ``permalink_url`` compared."""
        params = {"fields": "id,permalink_url", "limit": LINK_PAGE_SIZE}
        after: str | None = None
        for _ in range(LINK_PAGES):
            items, after, _ = graph_page(self.graph, f"{self.page}/posts", params, after, what)
            for item in items:
                link = item.get("permalink_url")
                if isinstance(link, str) and _pfbid_of(link) == pfbid and item.get("id"):
                    return str(item["id"])
            if after is None:
                break
        raise PlatformError(
            f"{what}: no post of the Page among its newest {LINK_PAGES * LINK_PAGE_SIZE} has "
            "this address (a reply goes under the Page's own posts and their comments); check "
            "the link, or answer it in the Facebook app",
            retryable=False,
        )

    def delete(self, part: base.Remote) -> None:
        what = f"delete {part.id}"
        response = self.graph.call("DELETE", part.id, safe=True, what=what, ok=(200, 400, 404))
        if response.status_code == 200:
            return
        code, subcode = error_code(response)
        if response.status_code == 404 or (code == 100 and subcode == 33):
            return  # already gone
        raise self.graph.error(response, what)

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """:data:`IDS_PER_READ` posts a request; a batch holding an id Facebook no longer
        knows is read one post at a time, so only that post is unavailable."""
        ids = list(dict.fromkeys(p.id for p in parts))
        found: dict[str, Mapping[str, Any]] = {}
        missing: dict[str, str] = {}
        for start in range(0, len(ids), IDS_PER_READ):
            chunk = ids[start : start + IDS_PER_READ]
            batch = self._read_many(chunk)
            if batch is not None:
                found.update(batch)
                continue
            for one in chunk:
                got = self._read_many([one])
                if got is None or one not in got:
                    missing[one] = "Facebook has no such post (deleted, or not the Page's)"
                else:
                    found.update(got)
        result: dict[str, Counts | Unavailable] = {}
        for part_id in ids:
            if part_id in found:
                result[part_id] = post_counts(found[part_id])
            else:
                result[part_id] = Unavailable(missing.get(part_id, "Facebook did not answer"))
        return result

    def account_metrics(self) -> AccountCounts:
        body = self.graph.read(self.page, "followers_count,fan_count", "read the Page")
        raw = {name: count(body.get(name)) for name in ("followers_count", "fan_count")}
        return AccountCounts(followers=raw["followers_count"], raw=raw)

    def read_profile(self) -> base.Profile:
        """``GET /{page-id}?fields=`` :data:`PROFILE_FIELDS` (the Page reference): name,
        ``about`` (the Page's short description), ``website`` (addresses separated by
        spaces) and the links in ``about``, the picture (none when ``is_silhouette``: the
        default) and the cover photo's ``source``."""
        body = self.graph.read(self.page, PROFILE_FIELDS, "read the Page")
        about = body.get("about")
        about = about if isinstance(about, str) else None
        found = body.get("picture")
        picture = found.get("data") if isinstance(found, dict) else None
        avatar = None
        if isinstance(picture, dict) and not picture.get("is_silhouette"):
            avatar = base.text_of(picture.get("url"))
        cover = body.get("cover")
        banner = base.text_of(cover.get("source")) if isinstance(cover, dict) else None
        website = base.text_of(body.get("website")) or ""
        return base.Profile(
            display_name=base.text_of(body.get("name")),
            bio=about,
            links=base.links_in(*website.split(), about),
            avatar=base.fetch_image(self.graph.caller, avatar, "picture"),
            banner=base.fetch_image(self.graph.caller, banner, "cover"),
            url=base.text_of(body.get("link")),
        )

    # -- requests ------------------------------------------------------------------------

    def _read_many(self, ids: Sequence[str]) -> dict[str, Mapping[str, Any]] | None:
        """``{id: post}`` for ``ids`` in one request; None when one of them is unknown."""
        what = f"read {len(ids)} post(s)"
        while True:
            fields = COUNT_FIELDS + (f",insights.metric({VIEWS})" if self._views else "")
            response = self.graph.call(
                "GET",
                "",
                safe=True,
                what=what,
                params={"ids": ",".join(ids), "fields": fields},
                ok=(200, 400),
            )
            if response.status_code == 200:
                break
            code, subcode = error_code(response)
            if code == MISSING_IDS or (code == 100 and subcode == 33):
                return None
            if code == 100 and self._views and "metric" in response.text:
                self._views = False  # this Page (or version) has no such metric: views null
                continue
            raise self.graph.error(response, what)
        body = json_object(response, what)
        return {k: v for k, v in body.items() if isinstance(v, dict)}

    def _upload(self, media: base.MediaFile, number: int) -> str:
        """Upload one image unpublished (multipart ``source``); its photo id."""
        what = f"upload image {number}"
        data = {"published": "false"}
        if media.alt:
            data["alt_text_custom"] = media.alt
        response = self.graph.call(
            "POST",
            f"{self.page}/photos",
            safe=True,  # an unpublished photo never attached is invisible
            what=what,
            data=data,
            files={"source": (media.path.name, media.path.read_bytes(), media.mime)},
        )
        photo = json_field(response, "id")
        if not isinstance(photo, str) or not photo:
            raise PlatformError(f"{what}: the answer has no photo id", retryable=True)
        return photo

    def _list(self, path: str, since: datetime, what: str) -> tuple[list[dict[str, Any]], bool]:
        """Items of a feed or comment list from ``since`` on, newest first; True when the
        listing certainly holds every item since then."""
        return list_since(
            self.graph,
            path,
            fields="id,message,created_time,permalink_url,from",
            since=since,
            what=what,
            page_size=PAGE_SIZE,
            max_pages=MAX_PAGES,
            time_field="created_time",
            order="reverse_chronological",
            missing="list",
        )


def post_counts(post: Mapping[str, Any]) -> Counts:
    """Counts of one post as ``?fields=`` :data:`COUNT_FIELDS` and the views insight give
    them. A summary that is missing is null; ``shares`` missing means none shared (0)."""
    raw: dict[str, int | None] = {
        "reactions": _summary(post.get("reactions")),
        "comments": _summary(post.get("comments")),
    }
    shares = post.get("shares")
    raw["shares"] = count(shares.get("count")) if isinstance(shares, dict) else 0
    insights = post.get("insights")
    views = insight_values(insights).get(VIEWS) if isinstance(insights, dict) else None
    if isinstance(insights, dict):
        raw[VIEWS] = views
    return Counts(
        likes=raw["reactions"],
        reposts=raw["shares"],
        replies=raw["comments"],
        quotes=None,
        views=views,
        raw=raw,
    )


def _summary(edge: object) -> int | None:
    summary = edge.get("summary") if isinstance(edge, dict) else None
    return count(summary.get("total_count")) if isinstance(summary, dict) else None


def _pfbid_of(link: str) -> str | None:
    found = re.search(r"/posts/(pfbid0[0-9A-Za-z]+)", link)
    return found.group(1) if found else None


def _comment_object(post: str, comment: str) -> str | None:
    """A comment's Graph id from a URL's ``comment_id``: ``{post}_{comment}`` for the
    digits, the id inside the base64 form (``comment:{post}_{comment}``); None otherwise."""
    if comment.isdigit():
        return f"{post}_{comment}"
    try:
        text = base64.b64decode(unquote(comment) + "==", validate=False).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    found = re.fullmatch(r"comment:(\d+_\d+)", text.strip())
    return found.group(1) if found else None


def _author(item: Mapping[str, Any]) -> str | None:
    author = item.get("from")
    found = author.get("id") if isinstance(author, dict) else None
    return str(found) if found else None


def _remote(body: Mapping[str, Any], what: str) -> base.Remote:
    post_id = body.get("id")
    if not isinstance(post_id, str) or not post_id:
        raise PlatformError(f"{what}: the answer has no id", retryable=True, uncertain=True)
    url = body.get("permalink_url")
    return base.Remote(post_id, url if isinstance(url, str) and url else None)


# -- the inbox (the InboxReader protocol, over tidings.platforms.comments) -----------------

INBOX_WINDOW = timedelta(days=30)
"""How far back the Page's posts are looked at for new comments."""
INBOX_POST_PAGES = 4
"""Pages of :data:`PAGE_SIZE` of the Page's posts in that window read a run."""
COMMENTS_PER_PAGE = 100
COMMENT_FIELDS = "id,message,created_time,permalink_url,from,parent{id}"


def inbox_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> FacebookInbox:
    """The inbox of a Facebook Page: the comments under its recent posts."""
    adapter = connect(channel, env, caller)
    return FacebookInbox(FacebookComments(adapter.graph, adapter.page))


class FacebookComments:
    """The Page's comments, read as Graph documents them (Pages API, "Page Post Comments"):

    * our posts: ``GET /{page}/published_posts?since=…`` (newest first, ``created_time``),
      within :data:`INBOX_WINDOW`, at most :data:`INBOX_POST_PAGES` pages;
    * a post's comments: ``GET /{post}/comments?filter=stream&order=chronological`` with
      ``from`` and ``parent``: ``stream`` lists replies under comments too, each with the
      comment it answers as ``parent``; oldest first, so a post cut off by the page bound
      is read on from its ``after`` cursor next run and what arrives meanwhile comes after;
    * an item's replies: ``GET /{comment}/comments`` (``from``, ``created_time``).

    The Page's own comments (``from.id`` = the Page) are its answers; a comment is an item
    when someone else wrote it directly under the post (no ``parent``). Mentions are the
    public posts that tag the Page (``GET /{page}/tagged``, Page reference, "Tagged": the
    newest :data:`COMMENTS_PER_PAGE`, each once by its id; it needs the
    ``pages_read_user_content`` permission, and without it there are none)."""

    nested: ClassVar[bool] = True
    kind: ClassVar[InboxKind] = InboxKind.COMMENT

    def __init__(self, graph: Graph, page: str) -> None:
        self.graph = graph
        self.page = page

    def posts(self) -> tuple[list[Post], bool]:
        now = datetime.fromtimestamp(self.graph.caller.clock(), UTC)
        items, covered = list_since(
            self.graph,
            f"{self.page}/published_posts",
            fields="id,created_time",
            since=now - INBOX_WINDOW,
            what="read the Page's posts",
            page_size=PAGE_SIZE,
            max_pages=INBOX_POST_PAGES,
            time_field="created_time",
        )
        return [
            Post(str(i["id"]), base.parse_time(i.get("created_time"))) for i in items if i.get("id")
        ], covered

    def comments(self, post: Post, cursor: str | None) -> CommentPage:
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "chronological",
            "limit": COMMENTS_PER_PAGE,
        }
        data, after, end = graph_page(
            self.graph, f"{post.id}/comments", params, cursor, f"read the comments on {post.id}"
        )
        said = tuple(self._said(c, post.id) for c in data if _usable(c))
        return CommentPage(said, after, end)

    def replies(self, item: str) -> list[Said]:
        params = {"fields": COMMENT_FIELDS, "limit": COMMENTS_PER_PAGE}
        data, _, _ = graph_page(
            self.graph, f"{item}/comments", params, None, f"read the replies to {item}"
        )
        return [self._said(c, item) for c in data if _usable(c)]

    def mentions(self) -> list[base.Arrival]:
        what = "read the posts that tag the Page"
        params = {
            "fields": "id,message,created_time,permalink_url,from",
            "limit": COMMENTS_PER_PAGE,
        }
        try:
            data, _, _ = graph_page(self.graph, f"{self.page}/tagged", params, None, what)
        except PlatformError as error:
            if error.retryable:
                raise
            # a token without `pages_read_user_content` (code 10): the comments were read
            # with it just before, so it is the permission, not the token: no mentions
            return []
        found = []
        for item in data:
            at = base.parse_time(item.get("created_time"))
            if not item.get("id") or at is None or _author(item) == self.page:
                continue
            author = item.get("from")
            name = author.get("name") if isinstance(author, dict) else None
            link, message = item.get("permalink_url"), item.get("message")
            found.append(
                base.Arrival(
                    id=str(item["id"]),
                    url=link if isinstance(link, str) and link else None,
                    author=str(name or _author(item) or ""),
                    at=at.astimezone(UTC),
                    kind=InboxKind.MENTION,
                    text=message if isinstance(message, str) else None,
                )
            )
        return found

    def _said(self, comment: Mapping[str, Any], post: str) -> Said:
        parent = comment.get("parent")
        above = str(parent.get("id")) if isinstance(parent, dict) and parent.get("id") else post
        author = comment.get("from")
        author = author if isinstance(author, dict) else {}
        at = base.parse_time(comment.get("created_time"))
        assert at is not None  # _usable
        url = comment.get("permalink_url")
        message = comment.get("message")
        return Said(
            id=str(comment["id"]),
            parent=above,
            author=str(author.get("name") or author.get("id") or ""),
            at=at,
            url=url if isinstance(url, str) and url else None,
            ours=str(author.get("id") or "") == self.page,
            text=message if isinstance(message, str) else None,
        )


def _usable(comment: Mapping[str, Any]) -> bool:
    return bool(comment.get("id")) and base.parse_time(comment.get("created_time")) is not None


class FacebookInbox(CommentInbox):
    platform: ClassVar[str] = "facebook"
