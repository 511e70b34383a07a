"""LinkedIn (Posts API): posts with images and alt text, thread parts as comments.

Publishing a part. Part 0 is a post: each image is registered with ``POST
/rest/images?action=initializeUpload`` (owner = the author), its bytes go to the returned
``uploadUrl`` in one ``PUT``, and LinkedIn processes it asynchronously; the adapter reads
``GET /rest/images/{urn}`` until it is ``AVAILABLE`` (a member token may not read it: then
it waits :data:`IMAGE_GRACE` and, if the post is refused because an image is still
processing, waits and sends it again, within :data:`IMAGE_WAIT`). Then ``POST /rest/posts``
with the commentary exactly as ``render()`` made it (LinkedIn's escaping applied), one image
as ``content.media`` or 2–20 as ``content.multiImage``; the post's URN is the ``x-restli-id``
header of the 201. LinkedIn has no threads: parts 1… become comments on the post, ``POST
/rest/socialActions/{post}/comments`` (a comment's Remote id is its comment URN). A reply
(``content/replies/``, :meth:`LinkedInAdapter.reply_parent`) comments on the post its URL
names, or with ``?commentUrn=`` answers that comment (``parentComment``); every part does,
and is reconciled among that post's or comment's comments.

Every call carries ``Authorization: Bearer``, ``LinkedIn-Version`` (credential ``version``,
default :data:`DEFAULT_VERSION`) and ``X-Restli-Protocol-Version: 2.0.0``. An access token
lasts 60 days; when ``client_id``, ``client_secret`` and ``refresh_token`` are set (LinkedIn
gives refresh tokens to approved partners only) a 401 refreshes it once and the call is
repeated, otherwise the 401 says how to renew the token.

Reconciling (:meth:`LinkedInAdapter.find_part`), where the rule is *never post twice*.
LinkedIn has no idempotency key, so a lost answer to a create is settled by reading:

* a post: the author's posts, newest change first (``GET /rest/posts?q=author&sortBy=
  LAST_MODIFIED``, :data:`PAGE_SIZE` a page, at most :data:`MAX_PAGES` pages);
* a comment: the comments on the thread's post (``GET /rest/socialActions/{post}/comments``),
  by the author.

A candidate matches when its text equals the part's (exactly, or once whitespace is
collapsed), it was created after the attempt began (less :data:`CLOCK_SKEW`), and for a post
its images' alt texts equal ours. One match is returned. None is returned only when the
reading reached back past the attempt's start (or the end of the list) and nothing matched
or nearly matched (our text with other images, or our text from before the attempt). Else
:class:`Unknowable`. A member author's posts can be read only with the restricted
``r_member_social`` permission; without it the answer is Unknowable with that reason.

Metrics: organization pages only. ``organizationalEntityShareStatistics`` with
``shares=List(…)``/``ugcPosts=List(…)``, :data:`STATS_PER_READ` posts a request (likes =
``likeCount``, replies = ``commentCount``, reposts = ``shareCount``, views =
``impressionCount``; no quotes), and followers from ``networkSizes`` (edge type
``COMPANY_FOLLOWED_BY_MEMBER``). A member author's posts are :class:`Unavailable` with the
reason, and its followers are not reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit

import httpx

from tidings.errors import CredentialError, PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.comments import CommentInbox, CommentPage, Post, Said
from tidings.platforms.http import Caller, error_object, json_field, json_object, status_error
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "DEFAULT_VERSION",
    "LinkedInAdapter",
    "Refresh",
    "comment_parts",
    "connect",
    "inbox_reader",
    "metrics_reader",
    "post_body",
    "profile_reader",
    "restli_list",
    "same_text",
    "urn_key",
]

DEFAULT_API = "https://api.linkedin.com"
OAUTH_URL = "https://www.linkedin.com/oauth/v2/accessToken"
WEB = "https://www.linkedin.com/feed/update/"
DEFAULT_VERSION = "202609"
"""``LinkedIn-Version`` when the channel sets none. LinkedIn keeps a version active for about
a year; a 426 answer names the credential to set to a newer ``YYYYMM``."""
RESTLI = "2.0.0"
CLOCK_SKEW = timedelta(minutes=10)
"""How far LinkedIn's ``createdAt`` may disagree with our clock."""
ATTEMPT_TOLERANCE = timedelta(minutes=1)
"""How much earlier than the attempt's start LinkedIn may date our own post; an identical
post dated earlier is another one (made by hand before the attempt), never taken for ours."""
PAGE_SIZE = 20
MAX_PAGES = 5
STATS_PER_READ = 20
"""Posts per ``organizationalEntityShareStatistics`` request (LinkedIn states no limit;
this keeps the URL short)."""
IMAGE_WAIT = 60.0
"""Seconds to wait, in all, for LinkedIn to finish processing a post's images."""
IMAGE_GRACE = 3.0
"""Seconds to wait after uploading when the token may not read an image's status."""
_POLL_DELAYS = (1.0, 2.0, 3.0, 5.0)  # then 5 s until IMAGE_WAIT is used up
REFRESH_WHAT = "refresh the access token"
STAT_NAMES = (
    "likeCount",
    "commentCount",
    "shareCount",
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
)
AUTHOR = re.compile(r"urn:li:(person|organization):[A-Za-z0-9_-]+")
COMMENT = re.compile(r"urn:li:comment:\((urn:li:[a-zA-Z]+:[^,()]+),([^,()]+)\)")
VERSION = re.compile(r"\d{6}(\.\d{2})?")
_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
"""A character the "little" text format escapes (``\\(`` → ``(``)."""


# -- pure logic ---------------------------------------------------------------------------


def urn_key(urn: str) -> str:
    """A URN as a Rest.li 2.0 path key or query value: every reserved character encoded."""
    return quote(urn, safe="")


def restli_list(urns: Sequence[str]) -> str:
    """``List(a,b)`` with each item encoded, as Rest.li 2.0 wants it in a query string."""
    return "List(" + ",".join(urn_key(u) for u in urns) + ")"


def comment_parts(urn: str) -> tuple[str, str] | None:
    """``urn:li:comment:(<parent>,<id>)`` → (parent URN, comment id); None for other URNs."""
    found = COMMENT.fullmatch(urn)
    return (found.group(1), found.group(2)) if found else None


def post_url(urn: str) -> str:
    return WEB + urn


def comment_url(post: str, comment: str) -> str:
    return f"{WEB}{post}?commentUrn={urn_key(comment)}"


def post_body(author: str, text: str, images: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The ``POST /rest/posts`` body: ``images`` are (image URN, alt text) pairs."""
    body: dict[str, Any] = {
        "author": author,
        "commentary": text,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if len(images) == 1:
        body["content"] = {"media": {"id": images[0][0], "altText": images[0][1]}}
    elif images:
        body["content"] = {
            "multiImage": {"images": [{"id": urn, "altText": alt} for urn, alt in images]}
        }
    return body


def _plain(text: str) -> str:
    """Text as a reader sees it: NFC, the "little" format's backslash escapes undone
    (LinkedIn may return the commentary with or without them), whitespace collapsed."""
    return " ".join(_ESCAPED.sub(r"\1", unicodedata.normalize("NFC", text)).split())


def _loose(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def same_text(ours: str, theirs: object) -> bool:
    """Equal once LinkedIn's possible normalisation is undone: escapes, NFC, whitespace."""
    if not isinstance(theirs, str):
        return False
    return ours == theirs or _plain(ours) == _plain(theirs)


def like_text(ours: str, theirs: object) -> bool:
    """Not :func:`same_text`, but the same letters and digits: LinkedIn may have formatted
    it (a mention, a link, punctuation), so it may be ours; a person settles it."""
    if not isinstance(theirs, str):
        return False
    loose = _loose(ours)
    return bool(loose) and loose == _loose(theirs)


def alt_texts(post: Mapping[str, Any]) -> tuple[str, ...]:
    """The alt texts of a post's images as the Posts API returns them ("" when missing)."""
    content = post.get("content")
    if not isinstance(content, dict):
        return ()
    media = content.get("media")
    if isinstance(media, dict):
        return (str(media.get("altText") or ""),)
    multi = content.get("multiImage")
    images = multi.get("images") if isinstance(multi, dict) else None
    if isinstance(images, list):
        return tuple(str(i.get("altText") or "") for i in images if isinstance(i, dict))
    return ()


def _millis(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def post_time(post: Mapping[str, Any], *names: str) -> datetime | None:
    for name in names:
        moment = _millis(post.get(name))
        if moment is not None:
            return moment
    return None


def comment_time(comment: Mapping[str, Any]) -> datetime | None:
    created = comment.get("created")
    return _millis(created.get("time")) if isinstance(created, dict) else None


def comment_text(comment: Mapping[str, Any]) -> object:
    message = comment.get("message")
    return message.get("text") if isinstance(message, dict) else None


def comment_urn(comment: Mapping[str, Any], parent: str) -> str | None:
    for key in ("$URN", "commentUrn"):
        value = comment.get(key)
        if isinstance(value, str) and value.startswith("urn:li:comment:"):
            return value
    cid = comment.get("id")
    if isinstance(cid, (str, int)) and str(cid):
        return f"urn:li:comment:({parent},{cid})"
    return None


def share_counts(stats: Mapping[str, Any]) -> Counts:
    """``totalShareStatistics`` in tidings' words; a number LinkedIn left out is None."""
    raw = {name: count(stats.get(name)) for name in STAT_NAMES if name in stats}
    return Counts(
        likes=raw.get("likeCount"),
        reposts=raw.get("shareCount"),
        replies=raw.get("commentCount"),
        quotes=None,
        views=raw.get("impressionCount"),
        raw=raw,
    )


def error_message(response: httpx.Response) -> str:
    """LinkedIn's own words: ``{status, serviceErrorCode, code, message}``, or OAuth's
    ``{error, error_description}``."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    message = body.get("message") or body.get("error_description") or body.get("error")
    text = str(message) if message else response.reason_phrase
    keys = ("code", "serviceErrorCode") if body.get("message") else ("error",)
    labels = [str(body[k]) for k in keys if body.get(k) not in (None, "") and body[k] != message]
    return f"{text} ({', '.join(labels)})" if labels else text


def still_processing(error: PlatformError) -> bool:
    """A post refused because an image it names is not AVAILABLE yet. ⚠ LinkedIn documents
    no exact message for this; any 400/422 that names an image and processing matches."""
    text = error.message.lower()
    return (
        error.status in (400, 422)
        and "urn:li:image:" in text
        and any(word in text for word in ("processing", "not available", "available state"))
    )


@dataclass(frozen=True)
class Refresh:
    """What ``POST /oauth/v2/accessToken grant_type=refresh_token`` needs."""

    client_id: str
    client_secret: str
    refresh_token: str
    url: str = OAUTH_URL


@dataclass(frozen=True)
class _Names:
    """The environment variable names, for messages that must never hold a value."""

    access_token: str = "LINKEDIN_ACCESS_TOKEN"
    version: str = "LINKEDIN_VERSION"
    refresh_token: str = "LINKEDIN_REFRESH_TOKEN"


# -- the adapter --------------------------------------------------------------------------


class LinkedInAdapter(base.PlatformAdapter, platform="linkedin"):
    def __init__(
        self,
        caller: Caller,
        *,
        token: str,
        author: str,
        api: str = DEFAULT_API,
        version: str = DEFAULT_VERSION,
        refresh: Refresh | None = None,
        names: _Names | None = None,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.caller = caller
        if caller.classify is None:
            caller.classify = self._classify
        self.api = api.rstrip("/")
        self.author = author
        self.version = version
        self.page_size = page_size
        self.max_pages = max_pages
        self._token = token
        self._refresh = refresh
        self._refreshed = False
        self._names = names or _Names()
        self._status_readable = True

    def __repr__(self) -> str:
        return f"LinkedInAdapter({self.api!r}, author={self.author!r})"

    @property
    def organization(self) -> bool:
        return self.author.startswith("urn:li:organization:")

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        if out.reply_to is not None:  # every part of a reply comments on the item
            on = out.reply_to.options
            return self._comment(
                on["object"],
                out.parts[index].text,
                f"post part {index + 1}",
                on=on["on"],
                parent=on.get("parent"),
            )
        if index == 0:
            return self._post(out)
        if not thread:
            raise ValueError(f"part {index + 1} comments on the post: pass the thread")
        return self._comment(thread[0].id, out.parts[index].text, f"post part {index + 1}")

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        if index > 0 and not thread and out.reply_to is None:
            raise ValueError(f"part {index + 1} comments on the post: pass the thread")
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        started = out.started if out.started.tzinfo else out.started.replace(tzinfo=UTC)
        # An attempt creates nothing before it starts; when our clock disagrees with the
        # attempt key, the earlier of the two is the safe bound (more is read, not less).
        since = min(started, now) - CLOCK_SKEW
        earliest = min(started, now) - ATTEMPT_TOLERANCE
        try:
            if out.reply_to is not None:
                on = out.reply_to.options
                return self._find_comment(
                    out, index, thread, since, earliest, on=on["on"], post=on["object"]
                )
            if index == 0:
                return self._find_post(out, since, earliest)
            return self._find_comment(out, index, thread, since, earliest)
        except PlatformError as error:
            if error.uncertain:
                raise
            # The reading failed: nothing was learned, so the part stays pending and the
            # next run asks again (never sent blind).
            raise error.reworded(error.message, uncertain=True) from None

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The post in the URL (``/feed/update/{urn}``), commented on with ``POST
        /rest/socialActions/{urn}/comments``; with ``?commentUrn=`` the comment, answered
        with a nested comment: ``POST /rest/socialActions/{comment}/comments`` with
        ``object`` (the comment's activity) and ``parentComment``. LinkedIn nests one level
        only, so when the comment is itself a reply (``GET .../comments/{id}`` names its
        ``parentComment``), the answer goes under that top-level comment."""
        urn = target.get("urn") or ""
        named = target.get("comment")
        if not named:
            return base.ReplyParent(
                base.Remote(urn, target.url), options={"on": urn, "object": urn}
            )
        comment = unquote(named)
        parts = comment_parts(comment)
        if parts is None:
            raise PlatformError(
                f"answer {target.url}: `commentUrn` is not a comment URN "
                "(urn:li:comment:(urn:li:activity:…,…)); copy the comment's link again",
                retryable=False,
            )
        activity, cid = parts
        what = f"read the comment in {target.url}"
        response = self._call(
            "GET",
            f"/rest/socialActions/{urn_key(activity)}/comments/{urn_key(cid)}",
            safe=True,
            what=what,
            ok=(200, 403, 404),  # 403: reading comments needs a permission writing does not
        )
        if response.status_code == 404:
            raise PlatformError(f"{what}: LinkedIn has no such comment (deleted?)", retryable=False)
        found = json_object(response, what) if response.status_code == 200 else {}
        top = found.get("parentComment")
        parent = top if isinstance(top, str) and comment_parts(top) else comment
        return base.ReplyParent(
            base.Remote(parent, target.url),
            options={"on": parent, "object": activity, "parent": parent},
        )

    def delete(self, part: base.Remote) -> None:
        parent = comment_parts(part.id)
        if parent is not None:
            self._call(
                "DELETE",
                f"/rest/socialActions/{urn_key(parent[0])}/comments/{urn_key(parent[1])}"
                f"?actor={urn_key(self.author)}",
                safe=True,
                what=f"delete comment {part.id}",
                ok=(200, 204, 404),  # 404: already gone
            )
            return
        self._call(
            "DELETE",
            f"/rest/posts/{urn_key(part.id)}",
            safe=True,
            what=f"delete post {part.id}",
            ok=(200, 204, 404),
            headers={"X-RestLi-Method": "DELETE"},
        )

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        if not self.organization:
            why = (
                "LinkedIn reports post statistics to organization pages only; a member's "
                "post analytics need the r_member_postAnalytics permission, not used yet"
            )
            return {part.id: Unavailable(why) for part in parts}
        wanted = list(dict.fromkeys(p.id for p in parts if _is_post(p.id)))
        found: dict[str, Counts] = {}
        for start in range(0, len(wanted), STATS_PER_READ):
            found.update(self._read_stats(wanted[start : start + STATS_PER_READ]))
        return base.counts_by_part(
            {p.id: p.id if _is_post(p.id) else None for p in parts},
            found,
            lambda counts: counts,
            "is not a LinkedIn post URN",
            "LinkedIn reported nothing for it (deleted, older than 12 months, or not this "
            "page's post)",
        )

    def account_metrics(self) -> AccountCounts:
        if not self.organization:
            return AccountCounts(followers=None, raw={})
        response = self._call(
            "GET",
            f"/rest/networkSizes/{urn_key(self.author)}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
            safe=True,
            what="read the page's followers",
        )
        body = json_object(response, "read the page's followers")
        raw = {"firstDegreeSize": count(body.get("firstDegreeSize"))}
        return AccountCounts(followers=raw["firstDegreeSize"], raw=raw)

    def read_profile(self) -> base.Profile:
        """An organization page's profile: ``GET /rest/organizations/{id}`` (Organization
        Lookup API; the administrator's view, which ``rw_organization_admin`` gives):
        ``localizedName``, ``localizedDescription``, ``localizedWebsite`` and the links in
        the description, ``vanityName`` for the page's address; the logo and cover photo
        (``logoV2.original``, ``coverPhotoV2.original``: image URNs) through the Images API
        (``GET /rest/images/{urn}``, its ``downloadUrl``). A member's profile (headline,
        about) is not given to the token tidings holds: a member channel is skipped."""
        organization = self.author.removeprefix("urn:li:organization:")
        what = "read the page"
        response = self._call("GET", f"/rest/organizations/{organization}", safe=True, what=what)
        body = json_object(response, what)
        about = body.get("localizedDescription")
        about = about if isinstance(about, str) else None
        vanity = base.text_of(body.get("vanityName"))
        return base.Profile(
            display_name=base.text_of(body.get("localizedName")),
            bio=about,
            links=base.links_in(base.text_of(body.get("localizedWebsite")), about),
            avatar=self._org_image(body.get("logoV2"), "logo"),
            banner=self._org_image(body.get("coverPhotoV2"), "cover photo"),
            url=f"https://www.linkedin.com/company/{vanity}/" if vanity else None,
        )

    def _org_image(self, found: object, what: str) -> base.Image | None:
        """The page's logo or cover photo: its ``original`` image URN, resolved to its
        ``downloadUrl``; None when the page has none."""
        urn = base.text_of(found.get("original")) if isinstance(found, dict) else None
        if urn is None:
            return None
        try:
            response = self._call(
                "GET", f"/rest/images/{urn_key(urn)}", safe=True, what=f"find the {what}"
            )
            url = base.text_of(json_object(response, f"find the {what}").get("downloadUrl"))
        except PlatformError as exc:
            return base.Image(urn, problem=exc.message)
        if url is None:
            return base.Image(urn, problem="LinkedIn gave no downloadUrl for it")
        return base.fetch_image(self.caller, url, what)

    def _read_stats(self, urns: Sequence[str]) -> dict[str, Counts]:
        what = f"read statistics of {len(urns)} post(s)"
        query = f"q=organizationalEntity&organizationalEntity={urn_key(self.author)}"
        shares = [u for u in urns if u.startswith("urn:li:share:")]
        ugc = [u for u in urns if not u.startswith("urn:li:share:")]
        if shares:
            query += f"&shares={restli_list(shares)}"
        if ugc:
            query += f"&ugcPosts={restli_list(ugc)}"
        path = f"/rest/organizationalEntityShareStatistics?{query}"
        body = json_object(self._call("GET", path, safe=True, what=what), what)
        elements = body.get("elements")
        if not isinstance(elements, list):
            raise PlatformError(f"{what}: the answer has no list of elements", retryable=True)
        found: dict[str, Counts] = {}
        for element in elements:
            if not isinstance(element, dict):
                continue
            urn = element.get("share") or element.get("ugcPost")
            stats = element.get("totalShareStatistics")
            if isinstance(urn, str) and isinstance(stats, dict):
                found[urn] = share_counts(stats)
        return found

    # -- publishing ----------------------------------------------------------------------

    def _post(self, out: base.Outgoing) -> base.Remote:
        what = "post part 1"
        images = [(self._upload(m, n), m.alt) for n, m in enumerate(out.media, 1)]
        waited = self._wait_available([urn for urn, _ in images]) if images else 0.0
        body = post_body(self.author, out.parts[0].text, images)
        delays = iter(_POLL_DELAYS[1:] + (5.0,) * 100)
        while True:
            try:
                response = self._call(
                    "POST", "/rest/posts", safe=False, what=what, ok=(201,), json=body
                )
                break
            except PlatformError as error:
                if not (images and still_processing(error)):
                    raise
                delay = next(delays)
                if waited + delay > IMAGE_WAIT:
                    raise PlatformError(
                        f"{error.message} (still processing after {waited:.0f} s)",
                        retryable=True,
                        status=error.status,
                    ) from None
                self.caller.sleep(delay)
                waited += delay
        urn = response.headers.get("x-restli-id") or _body_id(response)
        if not urn:
            raise PlatformError(
                f"{what}: LinkedIn answered 201 without the post's id (x-restli-id)",
                retryable=True,
                status=201,
                uncertain=True,  # it exists: find it by reading the author's posts
            )
        return base.Remote(urn, post_url(urn))

    def _comment(
        self, post: str, text: str, what: str, *, on: str | None = None, parent: str | None = None
    ) -> base.Remote:
        """A comment on ``post``; with ``parent`` (a comment URN) a reply to that comment,
        sent to ``socialActions/{on}`` (the parent comment) as LinkedIn's nested comments are."""
        body: dict[str, Any] = {"actor": self.author, "object": post, "message": {"text": text}}
        if parent:
            body["parentComment"] = parent
        response = self._call(
            "POST",
            f"/rest/socialActions/{urn_key(on or post)}/comments",
            safe=False,
            what=what,
            ok=(200, 201),
            json=body,
        )
        try:
            data = response.json()
        except ValueError:
            data = {}
        urn = comment_urn(data, post) if isinstance(data, dict) else None
        header = response.headers.get("x-restli-id")
        if urn is None and header:
            urn = (
                header
                if header.startswith("urn:li:comment:")
                else f"urn:li:comment:({post},{header})"
            )
        if urn is None:
            raise PlatformError(
                f"{what}: LinkedIn answered without the comment's id",
                retryable=True,
                status=response.status_code,
                uncertain=True,
            )
        return base.Remote(urn, comment_url(post, urn))

    def _upload(self, media: base.MediaFile, number: int) -> str:
        what = f"upload image {number}"
        response = self._call(
            "POST",
            "/rest/images?action=initializeUpload",
            safe=True,  # an image never used in a post is harmless
            what=what,
            json={"initializeUploadRequest": {"owner": self.author}},
        )
        value = json_object(response, what).get("value")
        value = value if isinstance(value, dict) else {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(image, str):
            raise PlatformError(f"{what}: the answer has no uploadUrl and image", retryable=True)
        self._send(  # with the token only when the address is LinkedIn's (see _ours)
            "PUT",
            upload_url,
            safe=True,
            what=what,
            ok=(200, 201),
            headers={"Content-Type": media.mime},
            content=media.path.read_bytes(),
        )
        return image

    def _ours(self, url: str) -> bool:
        """Send the token only to LinkedIn (or the configured API address)."""
        host = urlsplit(url).hostname or ""
        return host == urlsplit(self.api).hostname or host.endswith(".linkedin.com")

    def _wait_available(self, urns: Sequence[str]) -> float:
        """Poll ``GET /rest/images/{urn}`` until every image is AVAILABLE; the seconds
        waited. A token that may not read image status gets :data:`IMAGE_GRACE` instead."""
        waited = 0.0
        pending = list(urns)
        attempt = 0
        while pending:
            if not self._status_readable:
                self.caller.sleep(IMAGE_GRACE)
                return waited + IMAGE_GRACE
            urn = pending[0]
            what = f"read the status of image {urns.index(urn) + 1}"
            response = self._call(
                "GET", f"/rest/images/{urn_key(urn)}", safe=True, what=what, ok=(200, 403, 404)
            )
            if response.status_code != 200:
                self._status_readable = False
                continue
            status = json_object(response, what).get("status")
            if status == "AVAILABLE":
                pending.pop(0)
                continue
            if status in ("PROCESSING_FAILED", "FAILED"):
                raise PlatformError(
                    f"{what}: LinkedIn could not process the image ({status})", retryable=False
                )
            delay = _POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)]
            attempt += 1
            if waited + delay > IMAGE_WAIT:
                raise PlatformError(f"{what}: still {status} after {waited:.0f} s", retryable=True)
            self.caller.sleep(delay)
            waited += delay
        return waited

    # -- reconciling ---------------------------------------------------------------------

    def _find_post(
        self, out: base.Outgoing, since: datetime, earliest: datetime
    ) -> base.Remote | None:
        what = "look for part 1 among the author's posts"
        text = out.parts[0].text
        alts = tuple(m.alt for m in out.media)
        matches: list[str] = []
        near = 0
        covered = False
        for page in range(self.max_pages):
            path = (
                f"/rest/posts?author={urn_key(self.author)}&q=author&count={self.page_size}"
                f"&start={page * self.page_size}&sortBy=LAST_MODIFIED"
            )
            response = self._call(
                "GET",
                path,
                safe=True,
                what=what,
                ok=(200, 403),
                headers={"X-RestLi-Method": "FINDER"},
            )
            if response.status_code == 403:
                raise base.Unknowable(
                    f"part 1: LinkedIn does not let this token read the author's posts "
                    f"({error_message(response)}; a member's posts need the restricted "
                    "r_member_social permission), so a lost answer cannot be checked: look "
                    "at the profile"
                )
            elements = _elements(response, what)
            if not elements:
                covered = True
                break
            for post in elements:
                changed = post_time(post, "lastModifiedAt", "createdAt")
                if changed is not None and changed < since:
                    covered = True  # sorted by last change: everything after is older
                    break
                commentary = post.get("commentary")
                if not same_text(text, commentary):
                    if like_text(text, commentary):
                        near += 1  # our words, formatted otherwise: maybe ours
                    continue
                created = post_time(post, "createdAt", "publishedAt")
                state = post.get("lifecycleState", "PUBLISHED")
                if created is not None and created < earliest:
                    near += 1  # our text, posted before this attempt (by hand, or edited)
                elif state != "PUBLISHED" or alt_texts(post) != alts:
                    near += 1
                elif isinstance(post.get("id"), str) and post["id"]:
                    matches.append(str(post["id"]))
                else:
                    near += 1  # our post, but no id to record it by: a person looks
            if covered:
                break
        return self._verdict(
            1, matches, near, covered, "post", lambda u: base.Remote(u, post_url(u))
        )

    def _find_comment(
        self,
        out: base.Outgoing,
        index: int,
        thread: base.Thread,
        since: datetime,
        earliest: datetime,
        *,
        on: str | None = None,
        post: str | None = None,
    ) -> base.Remote | None:
        """A part among the comments on ``on`` (a reply's item; else the thread's post)."""
        post = post or thread[0].id
        on = on or post
        what = f"look for part {index + 1} among the post's comments"
        text = out.parts[index].text
        known = {r.id for r in thread}
        matches: list[str] = []
        near = 0
        covered = False
        for page in range(self.max_pages):
            path = (
                f"/rest/socialActions/{urn_key(on)}/comments"
                f"?count={self.page_size}&start={page * self.page_size}"
            )
            elements = _elements(self._call("GET", path, safe=True, what=what), what)
            if not elements:
                covered = True
                break
            for comment in elements:
                if comment.get("actor") not in (None, self.author):
                    continue
                said = comment_text(comment)
                urn = comment_urn(comment, post)
                if urn is not None and urn in known:
                    continue
                if not same_text(text, said):
                    if like_text(text, said):
                        near += 1  # our words, formatted otherwise: maybe ours
                    continue
                if urn is None:
                    near += 1  # our text without an id to record: a person looks
                    continue
                created = comment_time(comment)
                if created is not None and created < earliest:
                    near += 1
                else:
                    matches.append(urn)
        return self._verdict(
            index + 1,
            matches,
            near,
            covered,
            "comment",
            lambda u: base.Remote(u, comment_url(post, u)),
        )

    @staticmethod
    def _verdict(
        number: int,
        matches: Sequence[str],
        near: int,
        covered: bool,
        kind: str,
        remote: Callable[[str], base.Remote],
    ) -> base.Remote | None:
        if len(matches) == 1 and not near:
            return remote(matches[0])
        if not matches and not near and covered:
            return None
        if matches or near:
            raise base.Unknowable(
                f"part {number}: {len(matches)} {kind}(s) match and {near} nearly match (our "
                "text with other images, or from before the attempt); check the account"
            )
        raise base.Unknowable(
            f"part {number}: no {kind} matched in the newest {MAX_PAGES * PAGE_SIZE}, which "
            "do not reach back to the attempt; check the account"
        )

    # -- requests ------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        return {
            **(extra or {}),
            "Authorization": f"Bearer {self._token}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": RESTLI,
        }

    def _call(
        self,
        method: str,
        path: str,
        *,
        safe: bool,
        what: str,
        ok: tuple[int, ...] = (200,),
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._send(
            method, f"{self.api}{path}", safe=safe, what=what, ok=ok, headers=headers, **kwargs
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        safe: bool,
        what: str,
        ok: tuple[int, ...],
        headers: Mapping[str, str] | None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request with LinkedIn's headers; a 401 refreshes the token once (when the
        channel can) and repeats the request, which is safe: a 401 created nothing."""
        while True:
            sent = self._headers(headers) if self._ours(url) else dict(headers or {})
            try:
                return self.caller.call(
                    method, url, safe=safe, what=what, ok=ok, headers=sent, **kwargs
                )
            except PlatformError as error:
                if error.status == 401 and self._refresh and not self._refreshed:
                    self._refresh_token()
                    continue
                raise self._redacted(error) from None

    def _refresh_token(self) -> None:
        assert self._refresh is not None
        self._refreshed = True
        refresh = self._refresh
        what = REFRESH_WHAT
        try:
            response = self.caller.call(
                "POST",
                refresh.url,
                safe=True,
                what=what,
                ok=(200,),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh.refresh_token,
                    "client_id": refresh.client_id,
                    "client_secret": refresh.client_secret,
                },
            )
        except PlatformError as error:
            if error.retryable:
                raise self._redacted(error) from None
            raise self._redacted(
                PlatformError(
                    f"{error.message}; the refresh token in {self._names.refresh_token} lasts "
                    "365 days from when the member first authorised the app: authorise it "
                    "again and update the secrets",
                    retryable=False,
                    status=error.status,
                    auth=True,
                )
            ) from None
        token = json_object(response, what).get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError(f"{what}: the answer has no access_token", retryable=True)
        self._token = self.caller.secret(token, self._names.access_token)

    def _secrets(self) -> list[str]:
        found = [self._token]
        if self._refresh:
            found += [self._refresh.refresh_token, self._refresh.client_secret]
        return [s for s in found if s]

    def _redacted(self, error: PlatformError) -> PlatformError:
        return error.scrubbed(self._secrets(), "[secret]")

    def _classify(self, response: httpx.Response, what: str) -> PlatformError:
        """LinkedIn's errors with its own words; 401 and 426 say what to do."""
        status = response.status_code
        message = f"{what}: {status} {error_message(response)}"
        if what == REFRESH_WHAT:  # OAuth's own answer: _refresh_token explains it
            return PlatformError(message, retryable=status == 429 or status >= 500, status=status)
        if status == 401:
            renew = (
                "and refreshing it did not help"
                if self._refreshed
                else "(LinkedIn access tokens last 60 days)"
            )
            return PlatformError(
                f"{message}: the token in {self._names.access_token} was refused {renew}; "
                f"generate a new one and update {self._names.access_token}",
                retryable=False,
                status=status,
                auth=True,
            )
        if status == 403:
            return PlatformError(
                f"{message}: the token lacks a permission (w_organization_social for a page, "
                "w_member_social for a member) or its member is not an admin of the page",
                retryable=False,
                status=status,
                auth=True,
            )
        if status == 426:
            return PlatformError(
                f"{message}: LinkedIn-Version {self.version} is no longer served; set "
                f"{self._names.version} to a recent YYYYMM",
                retryable=False,
                status=status,
            )
        return status_error(response, message, self.caller.clock())  # 401/403 are above


def _is_post(urn: str) -> bool:
    return urn.startswith(("urn:li:share:", "urn:li:ugcPost:"))


def _elements(response: httpx.Response, what: str) -> list[dict[str, Any]]:
    elements = json_object(response, what).get("elements")
    if not isinstance(elements, list):
        raise PlatformError(f"{what}: the answer has no list of elements", retryable=True)
    return [e for e in elements if isinstance(e, dict)]


def _body_id(response: httpx.Response) -> str | None:
    value = json_field(response, "id")
    return value if isinstance(value, str) and value.startswith("urn:li:") else None


# -- channels -----------------------------------------------------------------------------


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> LinkedInAdapter:
    """The adapter for a ``platform: linkedin`` channel: credentials ``access_token`` and
    ``author_urn``; optional ``version``, ``api_base``, and ``client_id`` + ``client_secret``
    + ``refresh_token`` for token refresh."""
    author = base.credential(channel, env, "author_urn")
    author_var = channel.credentials.get("author_urn", "author_urn")
    if not AUTHOR.fullmatch(author):
        raise CredentialError(
            f"channel {channel.id!r}: {author_var} is not a LinkedIn author URN",
            "use urn:li:organization:<id> for a page or urn:li:person:<id> for a member",
        )
    version = base.credential(channel, env, "version", default=DEFAULT_VERSION)
    version_var = channel.credentials.get("version", "LINKEDIN_VERSION")
    if not VERSION.fullmatch(version):
        raise CredentialError(
            f"channel {channel.id!r}: {version_var} must be a LinkedIn-Version like 202609",
            "LinkedIn versions are YYYYMM; leave it unset for tidings' default",
        )
    api = base.credential(channel, env, "api_base", default=DEFAULT_API).rstrip("/")
    pieces = {n: base.credential(channel, env, n, default="") for n in REFRESH_CREDENTIALS}
    refresh = None
    if any(pieces.values()):
        missing = [channel.credentials.get(n, n) for n, v in pieces.items() if not v]
        if missing:
            raise CredentialError(
                f"channel {channel.id!r}: token refresh needs {', '.join(missing)} as well",
                "set all of client_id, client_secret and refresh_token, or none of them",
            )
        oauth = OAUTH_URL if api == DEFAULT_API else f"{api}/oauth/v2/accessToken"
        refresh = Refresh(
            pieces["client_id"], pieces["client_secret"], pieces["refresh_token"], oauth
        )
    names = _Names(
        access_token=channel.credentials.get("access_token", "LINKEDIN_ACCESS_TOKEN"),
        version=version_var,
        refresh_token=channel.credentials.get("refresh_token", "LINKEDIN_REFRESH_TOKEN"),
    )
    return LinkedInAdapter(
        caller,
        token=base.credential(channel, env, "access_token"),
        author=author,
        api=api,
        version=version,
        refresh=refresh,
        names=names,
    )


REFRESH_CREDENTIALS = ("client_id", "client_secret", "refresh_token")


metrics_reader = connect
"""The metrics reader of a LinkedIn channel: the adapter itself (same token)."""


def profile_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> LinkedInAdapter:
    """The profile reader of a LinkedIn channel: the adapter, for an organization page. A
    member's profile is not readable with the token tidings holds (``w_member_social``; the
    headline and about need partner access): CredentialError, so the audit skips it."""
    adapter = connect(channel, env, caller)
    if not adapter.organization:
        raise CredentialError(
            f"channel {channel.id!r}: LinkedIn does not let tidings read a member's profile; "
            "only an organization page's profile is audited",
            "nothing to do: the channel's cadence and trend are still audited",
        )
    return adapter


# -- the inbox (the InboxReader protocol, over tidings.platforms.comments) -----------------

INBOX_WINDOW = timedelta(days=30)
"""How far back the author's posts are looked at for new comments."""
INBOX_POST_PAGES = 4
COMMENTS_PER_PAGE = 50


def inbox_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> LinkedInInbox:
    """The inbox of a LinkedIn page: the comments under its recent posts."""
    return LinkedInInbox(LinkedInComments(connect(channel, env, caller)))


class LinkedInComments:
    """The comments on the author's posts, read as LinkedIn documents them (Community
    Management, "Comments API" and "Posts API", learn.microsoft.com/linkedin/marketing):

    * our posts: ``GET /rest/posts?q=author&sortBy=LAST_MODIFIED`` (``start``/``count``),
      back to :data:`INBOX_WINDOW` (a member's posts need the restricted
      ``r_member_social``: the channel then fails with LinkedIn's reason);
    * a post's comments: ``GET /rest/socialActions/{post}/comments?start=&count=``, each
      with ``actor``, ``created.time``, ``message.text`` and its URN; a comment whose
      ``actor`` is our author is ours. The listing's order is not documented ⚠: it is taken
      to be the order comments were made in, as the offsets (``start``) of a busy post are
      kept between runs;
    * an item's replies: ``GET /rest/socialActions/{comment URN}/comments``: the comments
      on the comment, each with ``parentComment``; one by our author answers it (those
      are not in the post's listing, so every item still waiting is asked for, at most
      ``direct_reads`` a run).

    Mentions of the organisation are not read (LinkedIn offers them as notifications to
    approved partners only). The author is the item's ``actor`` URN (a name needs another
    permission)."""

    nested: ClassVar[bool] = False
    kind: ClassVar[InboxKind] = InboxKind.COMMENT

    def __init__(self, adapter: LinkedInAdapter) -> None:
        self.adapter = adapter

    def posts(self) -> tuple[list[Post], bool]:
        now = datetime.fromtimestamp(self.adapter.caller.clock(), UTC)
        since = now - INBOX_WINDOW
        found: list[Post] = []
        size = self.adapter.page_size
        what = "read the author's posts"
        for page in range(INBOX_POST_PAGES):
            path = (
                f"/rest/posts?author={urn_key(self.adapter.author)}&q=author&count={size}"
                f"&start={page * size}&sortBy=LAST_MODIFIED"
            )
            response = self.adapter._call(
                "GET", path, safe=True, what=what, headers={"X-RestLi-Method": "FINDER"}
            )
            elements = _elements(response, what)
            for post in elements:
                changed = post_time(post, "lastModifiedAt", "createdAt")
                if changed is not None and changed < since:
                    return found, True  # sorted by last change: the rest is older
                if isinstance(post.get("id"), str) and post["id"]:
                    found.append(Post(post["id"], post_time(post, "createdAt", "publishedAt")))
            if len(elements) < size:
                return found, True
        return found, False

    def comments(self, post: Post, cursor: str | None) -> CommentPage:
        start = int(cursor) if cursor and cursor.isdigit() else 0
        said, listed = self._list(post.id, start, f"read the comments on {post.id}")
        more = listed >= COMMENTS_PER_PAGE
        return CommentPage(said, str(start + listed) if more else None, str(start + listed))

    def replies(self, item: str) -> list[Said]:
        said, _ = self._list(item, 0, f"read the replies to {item}")
        return list(said)

    def mentions(self) -> list[base.Arrival]:
        return []

    def _list(self, target: str, start: int, what: str) -> tuple[tuple[Said, ...], int]:
        path = (
            f"/rest/socialActions/{urn_key(target)}/comments"
            f"?count={COMMENTS_PER_PAGE}&start={start}"
        )
        elements = _elements(self.adapter._call("GET", path, safe=True, what=what), what)
        post = target
        if (parts := comment_parts(target)) is not None:
            post = parts[0]
        said = []
        for comment in elements:
            urn = comment_urn(comment, post)
            at = comment_time(comment)
            if urn is None or at is None:
                continue
            above = comment.get("parentComment")
            text = comment_text(comment)
            actor = str(comment.get("actor") or "")
            said.append(
                Said(
                    id=urn,
                    parent=above if isinstance(above, str) and above else target,
                    author=actor,
                    at=at,
                    url=comment_url(post, urn),
                    ours=actor == self.adapter.author,
                    text=text if isinstance(text, str) else None,
                )
            )
        return tuple(said), len(elements)


class LinkedInInbox(CommentInbox):
    platform: ClassVar[str] = "linkedin"
