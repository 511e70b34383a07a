"""A fake LinkedIn (Posts, Images, Comments, share statistics, network sizes, OAuth refresh),
built from ../shared/platforms.md and LinkedIn's API documentation.

It enforces what the real API enforces, in LinkedIn's error shape ``{status,
serviceErrorCode, code, message}``:

* every ``/rest/`` call needs ``Authorization: Bearer <valid token>`` (401), ``LinkedIn-Version``
  (400 VERSION_MISSING; a version before :data:`OLDEST_VERSION` is 426) and
  ``X-Restli-Protocol-Version: 2.0.0`` (400); URNs in paths and queries must be encoded
  (Rest.li 2.0);
* images: ``initializeUpload`` for the account's own author only, one ``PUT`` of the bytes to
  the upload URL (served on the fake's own host), then PROCESSING until ``processing_reads``
  status reads (or ``processing_refusals`` refused posts) have passed, then AVAILABLE; a post
  that names an image that is not AVAILABLE is refused with 400 ⚠ (LinkedIn documents no
  exact message; this one names the image and its state);
* posts: the required fields, ``commentary`` ≤ 3000 characters, one ``media`` or a
  ``multiImage`` of 2–20; 201 with an empty body and ``x-restli-id``;
* comments on a post (``$URN`` = ``urn:li:comment:(urn:li:activity:N,M)``), listing, delete;
* nested comments (learn.microsoft.com/linkedin/marketing/community-management/shares/
  comments-api: Create a Comment with ``parentComment`` "for nested comments", sent to
  ``socialActions/{parent comment URN}/comments`` with ``object`` the post's activity; Get
  Comments on Comments; Get a Comment, whose ``parentComment`` names a reply's parent).
  LinkedIn nests one level: a reply to a reply is refused here (422). A post's comment list
  holds its top-level comments; :meth:`LinkedInFake.someone_comments` adds a member's;
* the organization page's profile (learn.microsoft.com/linkedin/marketing/community-
  management/organizations/organization-lookup-api, "Retrieve an Administered
  Organization"; images-api, "Get a Single Image"): ``GET /rest/organizations/{id}`` gives
  the administrator's view of :attr:`LinkedInFake.organization` (``localizedName``,
  ``localizedDescription``, ``localizedWebsite``, ``vanityName``, ``logoV2``/
  ``coverPhotoV2`` with an ``original`` image URN); another organization (or a member
  author) is 403. An image :meth:`LinkedInFake.org_image` adds answers ``downloadUrl``;
* ``member=True`` makes the author a person: image status and reading the author's posts
  are 403 (``r_member_social`` is restricted), statistics are for organizations only.

``clock`` (seconds) stamps ``createdAt``; it defaults to the real time.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from .cases import PlatformCase
from .server import Fake

ORG = "urn:li:organization:2414183"
PERSON = "urn:li:person:8675309abc"
OLDEST_VERSION = "202511"
CREDENTIALS = {
    "access_token": "LINKEDIN_ACCESS_TOKEN",
    "author_urn": "LINKEDIN_AUTHOR_URN",
    "api_base": "LINKEDIN_API_BASE",
}


def error(status: int, code: str, message: str, service: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service is not None:
        body["serviceErrorCode"] = service
    return body


def rate_limited() -> dict[str, Any]:
    """LinkedIn's 429 (⚠ the body is LinkedIn's shape; it sends no Retry-After)."""
    return {
        "status": 429,
        "body": error(
            429,
            "TOO_MANY_REQUESTS",
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
            101,
        ),
    }


def expired() -> dict[str, Any]:
    """An expired access token (⚠ code and serviceErrorCode as commonly reported)."""
    return {
        "status": 401,
        "body": error(
            401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65601
        ),
    }


@dataclass
class Image:
    urn: str
    owner: str
    status: str = "WAITING_UPLOAD"
    data: bytes = b""
    download_url: str = ""
    reads_left: int = 0
    refusals_left: int = 0


@dataclass
class Post:
    urn: str
    activity: str
    body: dict[str, Any]
    created: int
    modified: int


@dataclass
class Comment:
    urn: str
    cid: str
    post: str
    actor: str
    text: str
    created: int
    parent: str | None = None


@dataclass
class LinkedInFake(Fake):
    member: bool = False
    token: str = "AQV-linkedin-access-token-0123456789"
    processing_reads: int = 1
    processing_refusals: int = 1
    followers: int | None = 321
    clock: Callable[[], float] = time.time
    refresh_token: str = "AQX-linkedin-refresh-token-9876543210"
    client_id: str = "86abcdef"
    client_secret: str = "client-secret-xyz-123"
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per post URN, the ``totalShareStatistics`` to report (default: all zero)."""

    def __post_init__(self) -> None:
        super().__init__()
        self.author = PERSON if self.member else ORG
        self.images: dict[str, Image] = {}
        self.posts: dict[str, Post] = {}
        self.comments: list[Comment] = []
        self.deleted: list[str] = []
        self.expired_tokens: set[str] = set()
        self.refreshed: list[str] = []
        self._created: list[str] = []
        self._ids = itertools.count(7_100_000_000_000_000_001)
        self.organization: dict[str, Any] = {"localizedName": "Lumen & Grain"}
        """The page's fields as the administrator's lookup gives them."""

    # -- for tests -----------------------------------------------------------------------

    def env(self, base: str, token: str | None = None) -> dict[str, str]:
        return {
            "LINKEDIN_ACCESS_TOKEN": self.token if token is None else token,
            "LINKEDIN_AUTHOR_URN": self.author,
            "LINKEDIN_API_BASE": base,
        }

    def org_image(self, url: str) -> dict[str, str]:
        """An AVAILABLE image of the page downloadable at ``url``: the ``logoV2`` (or
        ``coverPhotoV2``) value naming it."""
        urn = f"urn:li:image:D4E0Bfake{next(self._ids)}"
        self.images[urn] = Image(urn, self.author, "AVAILABLE", download_url=url)
        return {"original": urn, "cropped": urn}

    def existing_post(self, text: str) -> str:
        """A post the author made earlier (outside tidings); its share URN."""
        number = next(self._ids)
        urn = f"urn:li:share:{number}"
        now = self._now_ms()
        body = {"author": self.author, "commentary": text, "lifecycleState": "PUBLISHED"}
        self.posts[urn] = Post(urn, f"urn:li:activity:{number + 10**17}", body, now, now)
        return urn

    def someone_comments(self, post_urn: str, text: str, parent: str | None = None) -> str:
        """A member's comment on a post (or a reply to the comment ``parent``); its URN."""
        post = self.posts[post_urn]
        cid = str(next(self._ids))
        urn = f"urn:li:comment:({post.activity},{cid})"
        actor = "urn:li:person:someoneElse42"
        self.comments.append(Comment(urn, cid, post.urn, actor, text, self._now_ms(), parent))
        return urn

    def texts(self) -> list[str]:
        """Every post and comment the fake holds, in creation order."""
        items = [(p.created, p.urn, p.body["commentary"]) for p in self.posts.values()]
        items += [(c.created, c.urn, c.text) for c in self.comments]
        order = {urn: n for n, urn in enumerate(self._created)}
        return [text for _, urn, text in sorted(items, key=lambda i: order[i[1]])]

    def expire(self) -> None:
        """The current token expires (a refresh gives a new one)."""
        self.expired_tokens.add(self.token)

    # -- dispatch ------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode().split("?", 1)[0]
        if path == "/oauth/v2/accessToken" and request.method == "POST":
            return self._oauth(request)
        if path.startswith("/dms-uploads/") and request.method == "PUT":
            return self._put_image(request, path)
        if not path.startswith("/rest/"):
            return _json(404, error(404, "NOT_FOUND", f"No resource found for {path}"))
        refused = self._check_headers(request)
        if refused is not None:
            return refused
        query = request.url.raw_path.decode().partition("?")[2]
        params = _query(query)
        for value in params.values():
            if ":" in value:  # Rest.li 2.0: reserved characters in values must be encoded
                return _json(400, error(400, "ILLEGAL_ARGUMENT", "Invalid Rest.li syntax in query"))
        method = request.method
        if (
            path == "/rest/images"
            and method == "POST"
            and params.get("action") == "initializeUpload"
        ):
            return self._initialize(request)
        if (found := re.fullmatch(r"/rest/images/([^/]+)", path)) and method == "GET":
            return self._image_status(found.group(1))
        if path == "/rest/posts" and method == "POST":
            return self._create_post(request)
        if path == "/rest/posts" and method == "GET" and params.get("q") == "author":
            return self._find_posts(params)
        if (found := re.fullmatch(r"/rest/posts/([^/]+)", path)) and method == "DELETE":
            return self._delete_post(found.group(1))
        if found := re.fullmatch(r"/rest/socialActions/([^/]+)/comments", path):
            if method == "POST":
                return self._create_comment(request, found.group(1))
            if method == "GET":
                return self._list_comments(found.group(1), params)
        if (found := re.fullmatch(r"/rest/socialActions/([^/]+)/comments/([^/]+)", path)) and (
            method == "DELETE"
        ):
            return self._delete_comment(found.group(1), found.group(2), params)
        if (found := re.fullmatch(r"/rest/socialActions/([^/]+)/comments/([^/]+)", path)) and (
            method == "GET"
        ):
            return self._get_comment(found.group(1), found.group(2))
        if path == "/rest/organizationalEntityShareStatistics" and method == "GET":
            return self._statistics(params)
        if (found := re.fullmatch(r"/rest/organizations/(\d+)", path)) and method == "GET":
            if self.member or f"urn:li:organization:{found.group(1)}" != self.author:
                return _json(403, error(403, "ACCESS_DENIED", "Not enough permissions"))
            return _json(200, {"id": int(found.group(1)), **self.organization})
        if (found := re.fullmatch(r"/rest/networkSizes/([^/]+)", path)) and method == "GET":
            return self._network_size(found.group(1), params)
        return _json(404, error(404, "NOT_FOUND", f"No resource found for {method} {path}"))

    def _check_headers(self, request: httpx.Request) -> httpx.Response | None:
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        if not token or token in self.expired_tokens:
            return _json(401, expired()["body"])
        if token != self.token:
            return _json(401, error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600))
        version = request.headers.get("linkedin-version")
        if not version:
            return _json(
                400,
                error(
                    400,
                    "VERSION_MISSING",
                    "A version must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                ),
            )
        if not re.fullmatch(r"\d{6}", version) or version < OLDEST_VERSION:
            return _json(
                426, error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not active")
            )
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return _json(
                400,
                error(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required"),
            )
        return None

    # -- images --------------------------------------------------------------------------

    def _initialize(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if not isinstance(owner, str):
            return _json(
                422,
                error(422, "FIELD_MISSING", "/initializeUploadRequest/owner :: field is required"),
            )
        if owner != self.author:
            return _json(
                403, error(403, "ACCESS_DENIED", f"Not enough permissions to upload for {owner}")
            )
        number = next(self._ids)
        urn = f"urn:li:image:D4E10AQ{number}"
        self.images[urn] = Image(urn, owner)
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        upload = (
            f"{base}/dms-uploads/sp/{number}/uploaded-image/0?ca=vector_feedshare&sig=s{number}"
        )
        expires = self._now_ms() + 24 * 3600 * 1000
        return _json(
            200, {"value": {"uploadUrlExpiresAt": expires, "uploadUrl": upload, "image": urn}}
        )

    def _put_image(self, request: httpx.Request, path: str) -> httpx.Response:
        found = re.fullmatch(r"/dms-uploads/sp/(\d+)/uploaded-image/0", path)
        image = self.images.get(f"urn:li:image:D4E10AQ{found.group(1)}") if found else None
        if image is None or f"sig=s{found.group(1) if found else ''}" not in str(request.url):
            return httpx.Response(403, text="signature does not match")
        if image.status != "WAITING_UPLOAD":
            return httpx.Response(400, text="the upload URL was already used (single PUT)")
        if not request.content:
            return httpx.Response(400, text="empty upload")
        image.data = request.content
        image.status = "PROCESSING"
        image.reads_left = self.processing_reads
        image.refusals_left = self.processing_refusals
        if not image.reads_left or not image.refusals_left:
            image.status = "AVAILABLE"
        return httpx.Response(201)

    def _image_status(self, key: str) -> httpx.Response:
        urn = unquote(key)
        image = self.images.get(urn)
        if image is None or image.owner != self.author:
            return _json(404, error(404, "NOT_FOUND", f"Image {urn} not found"))
        if self.member:
            return _json(
                403,
                error(
                    403, "ACCESS_DENIED", "Not enough permissions to access: images.GET.20260901"
                ),
            )
        if image.status == "PROCESSING":
            image.reads_left -= 1
            if image.reads_left <= 0:
                image.status = "AVAILABLE"
                return _json(200, self._image(image, "PROCESSING"))
        return _json(200, self._image(image, image.status))

    @staticmethod
    def _image(image: Image, status: str) -> dict[str, Any]:
        body = {"id": image.urn, "owner": image.owner, "status": status}
        if image.download_url and status == "AVAILABLE":
            body["downloadUrl"] = image.download_url
        return body

    # -- posts ---------------------------------------------------------------------------

    def _create_post(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        for name in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
            if name not in body:
                return _json(422, error(422, "FIELD_MISSING", f"/{name} :: field is required"))
        if body["author"] != self.author:
            return _json(
                403,
                error(403, "ACCESS_DENIED", f"Not enough permissions to post as {body['author']}"),
            )
        if not isinstance(body["commentary"], str) or len(body["commentary"]) > 3000:
            return _json(
                422,
                error(422, "INVALID_VALUE", "/commentary :: length must be between 0 and 3000"),
            )
        if body["visibility"] not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
            return _json(422, error(422, "INVALID_VALUE", "/visibility :: invalid value"))
        if (body.get("distribution") or {}).get("feedDistribution") is None:
            return _json(
                422, error(422, "FIELD_MISSING", "/distribution/feedDistribution :: required")
            )
        refused = self._check_content(body.get("content"))
        if refused is not None:
            return refused
        number = next(self._ids)
        urn = f"urn:li:share:{number}"
        now = self._now_ms()
        self.posts[urn] = Post(urn, f"urn:li:activity:{number + 10**17}", body, now, now)
        self._created.append(urn)
        return httpx.Response(201, headers={"x-restli-id": urn})

    def _check_content(self, content: Any) -> httpx.Response | None:
        if content is None:
            return None
        if not isinstance(content, dict) or len(content) != 1:
            return _json(422, error(422, "INVALID_VALUE", "/content :: exactly one kind"))
        if "media" in content:
            items = [content["media"]]
        elif "multiImage" in content:
            items = (content["multiImage"] or {}).get("images") or []
            if not 2 <= len(items) <= 20:
                return _json(
                    422,
                    error(422, "INVALID_VALUE", "/content/multiImage/images :: 2 to 20 images"),
                )
        else:
            return _json(422, error(422, "INVALID_VALUE", "/content :: unsupported content"))
        for item in items:
            urn = item.get("id") if isinstance(item, dict) else None
            image = self.images.get(urn or "")
            if image is None or image.owner != self.author:
                return _json(
                    400,
                    error(
                        400,
                        "INVALID_CONTENT_OWNERSHIP",
                        "Content(s) you provided must be owned by post author",
                    ),
                )
            if image.status != "AVAILABLE":
                if image.status == "PROCESSING":
                    image.refusals_left -= 1
                    if image.refusals_left <= 0:
                        image.status = "AVAILABLE"
                return _json(
                    400,
                    error(
                        400,
                        "INVALID_VALUE",
                        f"/content :: media {urn} is not in AVAILABLE state, please retry "
                        "after it finishes processing",
                    ),
                )
        return None

    def _element(self, post: Post) -> dict[str, Any]:
        body = post.body
        return {
            "id": post.urn,
            "author": body["author"],
            "commentary": body["commentary"],
            "visibility": body["visibility"],
            "distribution": body["distribution"],
            "lifecycleState": body["lifecycleState"],
            "isReshareDisabledByAuthor": body.get("isReshareDisabledByAuthor", False),
            "createdAt": post.created,
            "publishedAt": post.created,
            "lastModifiedAt": post.modified,
            "lifecycleStateInfo": {"isEditedByAuthor": post.modified != post.created},
            **({"content": body["content"]} if "content" in body else {}),
        }

    def _find_posts(self, params: dict[str, str]) -> httpx.Response:
        author = unquote(params.get("author", ""))
        if author != self.author:
            return _json(403, error(403, "ACCESS_DENIED", f"Not enough permissions for {author}"))
        if self.member:
            return _json(
                403,
                error(
                    403, "ACCESS_DENIED", "Not enough permissions to access: posts.FINDER-author"
                ),
            )
        start, size = int(params.get("start", "0")), min(int(params.get("count", "10")), 100)
        posts = sorted(self.posts.values(), key=lambda p: (p.modified, p.urn), reverse=True)
        page = posts[start : start + size]
        return _json(
            200,
            {
                "elements": [self._element(p) for p in page],
                "paging": {"start": start, "count": size, "links": [], "total": len(posts)},
            },
        )

    def _delete_post(self, key: str) -> httpx.Response:
        urn = unquote(key)
        post = self.posts.pop(urn, None)
        if post is None:
            return _json(404, error(404, "NOT_FOUND", f"Post {urn} does not exist"))
        self.comments = [c for c in self.comments if c.post != urn]
        self.deleted.append(urn)
        return httpx.Response(204)

    # -- comments ------------------------------------------------------------------------

    def _target(self, key: str) -> Post | None:
        urn = unquote(key)
        return self.posts.get(urn) or next(
            (p for p in self.posts.values() if p.activity == urn), None
        )

    def _parent_comment(self, key: str) -> Comment | None:
        return next((c for c in self.comments if c.urn == unquote(key)), None)

    def _create_comment(self, request: httpx.Request, key: str) -> httpx.Response:
        body = _body(request)
        parent = self._parent_comment(key)
        if parent is not None:  # a nested comment: object is the post, parentComment the key
            post = self.posts.get(parent.post)
            if body.get("parentComment") != parent.urn or post is None:
                return _json(
                    422,
                    error(422, "INVALID_VALUE", "/parentComment must be the comment in the path"),
                )
            if parent.parent is not None:
                return _json(422, error(422, "INVALID_VALUE", "a reply cannot be replied to"))
            if body.get("object") not in (post.urn, post.activity):
                return _json(422, error(422, "INVALID_VALUE", "/object must be the comment's post"))
        else:
            post = self._target(key)
            if post is None:
                return _json(404, error(404, "NOT_FOUND", f"{unquote(key)} does not exist"))
            if body.get("object") != unquote(key):
                return _json(422, error(422, "FIELD_MISSING", "/object is required"))
        text = (body.get("message") or {}).get("text")
        if not isinstance(text, str):
            return _json(422, error(422, "FIELD_MISSING", "/object and /message/text are required"))
        if body.get("actor") != self.author:
            return _json(
                403, error(403, "ACCESS_DENIED", "Not enough permissions to comment as actor")
            )
        cid = str(next(self._ids))
        urn = f"urn:li:comment:({post.activity},{cid})"
        now = self._now_ms()
        comment = Comment(
            urn, cid, post.urn, self.author, text, now, parent.urn if parent else None
        )
        self.comments.append(comment)
        self._created.append(urn)
        return _json(201, self._comment(comment, post), headers={"x-restli-id": cid})

    def _get_comment(self, key: str, cid: str) -> httpx.Response:
        post = self._target(key)
        found = [c for c in self.comments if post and c.post == post.urn and c.cid == unquote(cid)]
        if not found or post is None:
            return _json(404, error(404, "NOT_FOUND", "Comment does not exist"))
        return _json(200, self._comment(found[0], post))

    @staticmethod
    def _comment(comment: Comment, post: Post) -> dict[str, Any]:
        stamp = {"actor": comment.actor, "time": comment.created}
        extra = {"parentComment": comment.parent} if comment.parent else {}
        return {
            **extra,
            "actor": comment.actor,
            "object": post.activity,
            "message": {"text": comment.text, "attributes": []},
            "created": stamp,
            "lastModified": stamp,
            "id": comment.cid,
            "commentUrn": comment.urn,
            "$URN": comment.urn,
        }

    def _list_comments(self, key: str, params: dict[str, str]) -> httpx.Response:
        parent = self._parent_comment(key)
        post = self.posts.get(parent.post) if parent else self._target(key)
        if post is None:
            return _json(404, error(404, "NOT_FOUND", f"{unquote(key)} does not exist"))
        start, size = int(params.get("start", "0")), min(int(params.get("count", "10")), 100)
        wanted = parent.urn if parent else None
        mine = [c for c in self.comments if c.post == post.urn and c.parent == wanted]
        return _json(
            200,
            {
                "elements": [self._comment(c, post) for c in mine[start : start + size]],
                "paging": {"start": start, "count": size, "total": len(mine)},
            },
        )

    def _delete_comment(self, key: str, cid: str, params: dict[str, str]) -> httpx.Response:
        post = self._target(key)
        if unquote(params.get("actor", "")) != self.author:
            return _json(403, error(403, "ACCESS_DENIED", "actor must be the comment's author"))
        found = [c for c in self.comments if post and c.post == post.urn and c.cid == unquote(cid)]
        if not found:
            return _json(404, error(404, "NOT_FOUND", "Comment does not exist"))
        self.comments.remove(found[0])
        self.deleted.append(found[0].urn)
        return httpx.Response(204)

    # -- statistics ----------------------------------------------------------------------

    def _statistics(self, params: dict[str, str]) -> httpx.Response:
        if params.get("q") != "organizationalEntity":
            return _json(400, error(400, "ILLEGAL_ARGUMENT", "q must be organizationalEntity"))
        org = unquote(params.get("organizationalEntity", ""))
        if self.member or org != self.author:
            return _json(
                403, error(403, "ACCESS_DENIED", f"Not enough permissions to access {org}")
            )
        elements = []
        for name, kind in (("shares", "share"), ("ugcPosts", "ugcPost")):
            value = params.get(name)
            if value is None:
                continue
            if not (value.startswith("List(") and value.endswith(")")):
                return _json(400, error(400, "ILLEGAL_ARGUMENT", f"{name} must be a List(...)"))
            urns = [unquote(v) for v in value[5:-1].split(",") if v]
            if len(urns) > 20:
                return _json(400, error(400, "ILLEGAL_ARGUMENT", f"at most 20 {name}"))
            for urn in urns:
                if urn in self.posts:
                    stats = self.stats.get(urn) or {
                        "uniqueImpressionsCount": 0,
                        "shareCount": 0,
                        "engagement": 0.0,
                        "clickCount": 0,
                        "likeCount": 0,
                        "impressionCount": 0,
                        "commentCount": sum(c.post == urn for c in self.comments),
                    }
                    elements.append(
                        {"organizationalEntity": org, kind: urn, "totalShareStatistics": stats}
                    )
        return _json(200, {"elements": elements, "paging": {"start": 0, "count": 10, "links": []}})

    def _network_size(self, key: str, params: dict[str, str]) -> httpx.Response:
        if params.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
            return _json(400, error(400, "ILLEGAL_ARGUMENT", "edgeType is required"))
        if unquote(key) != self.author or self.member:
            return _json(403, error(403, "ACCESS_DENIED", "Not enough permissions"))
        body = {} if self.followers is None else {"firstDegreeSize": self.followers}
        return _json(200, body)

    # -- OAuth ---------------------------------------------------------------------------

    def _oauth(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return _json(400, {"error": "unsupported_grant_type", "error_description": "grant"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return _json(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if form.get("refresh_token") != self.refresh_token:
            return _json(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant or refresh token is "
                    "invalid, expired or revoked",
                },
            )
        self.token = f"AQV-refreshed-{next(self._ids)}"
        self.refreshed.append(self.token)
        return _json(
            200,
            {
                "access_token": self.token,
                "expires_in": 5_184_000,
                "refresh_token": self.refresh_token,
                "refresh_token_expires_in": 31_000_000,
            },
        )


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )


def _body(request: httpx.Request) -> dict[str, Any]:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _query(raw: str) -> dict[str, str]:
    """The query's values still encoded (Rest.li 2.0 values are checked raw)."""
    out: dict[str, str] = {}
    for pair in raw.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            out[unquote(key)] = value
    return out


CASE = PlatformCase(
    platform="linkedin",
    credentials=CREDENTIALS,
    make=LinkedInFake,
    env=lambda fake, base: fake.env(base) if isinstance(fake, LinkedInFake) else {},
    posts=lambda fake: fake.texts() if isinstance(fake, LinkedInFake) else [],
    write=r"/rest/posts$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("LINKEDIN_ACCESS_TOKEN",),
    threads=False,  # thread parts go out as comments on the post
)
