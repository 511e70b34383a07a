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
from datetime import timedelta
from typing import Any, ClassVar

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, count
from tidings.platforms import base, graph
from tidings.platforms.http import Caller
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "MAX_CAROUSEL",
    "InstagramAdapter",
    "connect",
    "profile_reader",
]

DEFAULT_API = "https://graph.instagram.com/v23.0"
CLOCK_SKEW = timedelta(minutes=10)
MAX_CAROUSEL = 10
INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
"""The 2025 names (``impressions`` is gone since v22)."""
MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type"
COMMENT_FIELDS = "id,text,timestamp,from"
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
        if index > 0:
            return self._comment(out, index, thread)
        what = "post part 1"
        urls = _urls(out.media, what)
        self.graph.check_quota(f"{self.user}/content_publishing_limit", what, "Instagram")
        caption = out.parts[0].text
        params: dict[str, Any] = {"caption": caption} if caption else {}
        return self._send(out, 0, params, out.media, urls, what)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
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
            avatar=base.fetch_image(self.caller, picture, "avatar"),
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
