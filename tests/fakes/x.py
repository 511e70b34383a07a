"""A fake X API v2, built from ../shared/platforms.md (the X rows).

One account. Every request must be signed: OAuth 1.0a is checked for real (the HMAC-SHA1
of RFC 5849 recomputed from the request itself, the consumer key, token, a timestamp within
five minutes and a nonce never seen before), or a Bearer access token that
``POST /2/oauth2/token`` issued (two hours; refresh tokens rotate: a used one is dead).
A bad signature or token is X's 401 ``{"title":"Unauthorized","detail":"Unauthorized",…}``.

* ``POST /2/media/upload`` (multipart ``media`` + ``media_category``) for images;
  ``/2/media/upload/initialize``, ``/{id}/append`` (multipart ``media``, ``segment_index``),
  ``/{id}/finalize`` for a GIF, which then stays ``pending``/``in_progress`` for a few
  ``GET /2/media/upload?command=STATUS&media_id=`` polls before ``succeeded``;
  ``POST /2/media/metadata`` sets alt text (≤1000 characters).
* ``POST /2/tweets`` (JSON ``text``, ``media.media_ids`` 1-4 processed ids of this
  account, ``reply.in_reply_to_tweet_id``) answers 201; the same text again is 403
  "duplicate content"; more than 280 weighted characters is 403 (⚠ shape unconfirmed).
  The text is kept as X shows it: NFC, ``& < >`` escaped, links as ``https://t.co/…`` with
  ``entities.urls``, a trailing ``t.co`` link to the attached media.
* ``DELETE /2/tweets/{id}``; ``GET /2/tweets?ids=`` (≤100, ``errors`` for the missing);
  ``GET /2/users/me`` (with ``user.fields``, :attr:`XFake.profile` as ``openapi.json``'s
  ``User``: ``entities.url.urls``/``entities.description.urls`` expand t.co links); ``GET /2/users/{id}/tweets`` (newest first, ``max_results`` 5-100,
  ``start_time``, ``pagination_token``). Fields come only when asked for, through
  ``tweet.fields`` (``naming="old"``, the prose docs) or ``post.fields`` (``naming="new"``,
  OpenAPI v2.167): the other name is refused with 400 as X refuses unknown parameters, and
  counts use that naming's names (``retweet_count``/``repost_count``, ``tweet_count``/
  ``post_count``, ``edit_history_tweet_ids``/``edit_history_post_ids``).
* ``GET /2/users/{id}/mentions`` (xdevplatform/docs ``openapi.json``, operation
  ``getUsersMentions``; ``x-api/posts/timelines/introduction.mdx``): posts by other accounts
  that mention the account (:meth:`XFake.mention`), newest first, ``max_results`` 5-100,
  ``since_id`` (only newer), ``pagination_token``, ``expansions=author_id`` with
  ``user.fields`` giving ``includes.users[{id, username}]``; ``meta`` as the timeline's.
  A reply carries ``in_reply_to_user_id`` and ``referenced_tweets [{type: replied_to}]``,
  a quote ``referenced_tweets [{type: quoted}]`` (when those fields are asked for).
* Every answer has ``x-rate-limit-*`` headers; :func:`rate_limited` is X's 429.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import html
import itertools
import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
from twitter_text import parse_tweet

from .cases import PlatformCase
from .server import Fake

USER_ID = "1500000000000000001"
USERNAME = "lumengrain"
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
POST_KEYS = {
    "text",
    "media",
    "reply",
    "quote_tweet_id",
    "reply_settings",
    "poll",
    "for_super_followers_only",
    "nullcast",
    "geo",
    "community_id",
    "made_with_ai",
    "paid_partnership",
    "share_with_followers",
}
POST_FIELDS = {
    "attachments",
    "author_id",
    "conversation_id",
    "created_at",
    "edit_history_tweet_ids",
    "edit_history_post_ids",
    "entities",
    "id",
    "in_reply_to_user_id",
    "lang",
    "public_metrics",
    "referenced_tweets",
    "text",
}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def problem(
    status: int, title: str, detail: str, kind: str = "about:blank", **more: Any
) -> httpx.Response:
    return httpx.Response(
        status, json={"title": title, "detail": detail, "type": kind, "status": status, **more}
    )


def invalid(message: str, parameter: str | None = None) -> httpx.Response:
    error: dict[str, Any] = {"message": message}
    if parameter:
        error["parameters"] = {parameter: []}
    return httpx.Response(
        400,
        json={
            "errors": [error],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def rate_limited(reset_in: int = 30) -> dict[str, Any]:
    """``Fake.fault`` arguments for X's 429 (a window that resets in ``reset_in`` s)."""
    return {
        "status": 429,
        "body": {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        "headers": {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(time.time()) + reset_in),
        },
    }


def expired() -> dict[str, Any]:
    """``Fake.fault`` arguments for X's answer to a revoked or expired token."""
    return {"status": 401, "body": dict(UNAUTHORIZED)}


def pct(value: str) -> str:
    """RFC 3986 percent-encoding, written out byte by byte (independent of the adapter's)."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in value.encode("utf-8"))


def form(request: httpx.Request) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """A multipart/form-data body: its text fields and its files (filename, type, bytes)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            files[name] = (filename, part.get_content_type(), data)
    return fields, files


@dataclass
class Media:
    id: str
    key: str
    mime: str
    size: int
    category: str
    state: str = "succeeded"  # pending, in_progress, succeeded, failed
    polls: int = 0
    segments: dict[int, bytes] = field(default_factory=dict)
    alt: str | None = None
    finalized: bool = True


@dataclass
class Post:
    id: str
    sent: str  # the text as the client sent it
    text: str  # as X shows it
    urls: list[dict[str, Any]]
    created: datetime
    media: list[str]
    reply_to: str | None
    metrics: dict[str, int] = field(
        default_factory=lambda: {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    )
    deleted: bool = False


@dataclass
class Mention:
    """A post by another account that mentions ours (``@lumengrain``)."""

    id: str
    author_id: str
    username: str
    text: str
    created: datetime
    reply_to: str | None = None
    quoted: str | None = None


class XFake(Fake):
    """One account (``@lumengrain``); ``posts`` holds every post it created, in order."""

    def __init__(self, *, naming: str = "old", confidential: bool = False) -> None:
        super().__init__()
        assert naming in ("old", "new")
        self.naming = naming
        self.profile: dict[str, Any] = {}
        """The account's profile as ``GET /2/users/me`` gives it when ``user.fields`` asks:
        ``description``, ``url``, ``profile_image_url``, ``verified``, ``protected``,
        ``entities`` (the user object of xdevplatform/docs ``openapi.json``, ``User``)."""
        self.clock = time.time
        self.api_key = "xApiKey0fake0consumer01"
        self.api_secret = "xApiSecret-fake-" + "s" * 26
        self.access_token = f"{USER_ID}-xAccessToken0fake0" + "a" * 12
        self.access_token_secret = "xAccessSecret-fake-" + "t" * 20
        self.client_id = "xClientId-fake-0001"
        self.client_secret = "xClientSecret-fake-" + "c" * 20 if confidential else None
        self.refresh_token = "xRefresh-0-" + "r" * 30
        self.bearers: dict[str, float] = {}  # access token -> expiry (epoch)
        self.refreshes = 0
        self.nonces: set[str] = set()
        self.posts: list[Post] = []
        self.mentions: list[Mention] = []
        self.media: dict[str, Media] = {}
        self.followers: int | None = 1234
        self.gif_polls = 2
        self._ids = itertools.count(1869000000000000001)
        self._tco = itertools.count(1)

    # -- for tests ---------------------------------------------------------------------

    def env(self, base: str) -> dict[str, str]:
        """OAuth 1.0a credentials, as CASE.credentials names them."""
        return {
            "X_API_KEY": self.api_key,
            "X_API_SECRET": self.api_secret,
            "X_ACCESS_TOKEN": self.access_token,
            "X_ACCESS_TOKEN_SECRET": self.access_token_secret,
            "X_API_BASE": base,
        }

    def seed(
        self, text: str, *, created: datetime | None = None, reply_to: str | None = None
    ) -> Post:
        """A post made some other way (the X app, an earlier run)."""
        post_id = str(next(self._ids))
        sent = unicodedata.normalize("NFC", text).strip()
        shown, urls = self._shown(sent, post_id, [])
        when = created or datetime.fromtimestamp(self.clock(), UTC)
        post = Post(post_id, sent, shown, urls, when, [], reply_to)
        self.posts.append(post)
        return post

    def mention(
        self,
        username: str,
        text: str,
        *,
        created: datetime | None = None,
        reply_to: str | None = None,
        quoted: str | None = None,
    ) -> Mention:
        """Another account posts ``text`` mentioning ours (replying to ``reply_to``, or
        quoting ``quoted``, one of our posts)."""
        when = created or datetime.fromtimestamp(self.clock(), UTC)
        author = str(abs(hash(username)) % 10**18 + 10**18)
        made = Mention(
            str(next(self._ids)), author, username, f"@{USERNAME} {text}", when, reply_to, quoted
        )
        self.mentions.append(made)
        return made

    def live(self) -> list[Post]:
        return [p for p in self.posts if not p.deleted]

    def expire_access_tokens(self) -> None:
        self.bearers = dict.fromkeys(self.bearers, 0.0)

    def metric_names(self) -> dict[str, str]:
        new = self.naming == "new"
        return {
            "fields": "post.fields" if new else "tweet.fields",
            "reposts": "repost_count" if new else "retweet_count",
            "posts": "post_count" if new else "tweet_count",
            "history": "edit_history_post_ids" if new else "edit_history_tweet_ids",
        }

    # -- dispatch ----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if path == "/2/oauth2/token" and method == "POST":
            response = self._token(request)
        elif not self._authorised(request):
            response = httpx.Response(401, json=dict(UNAUTHORIZED))
        else:
            response = self._route(request, method, path)
        response.headers.update(
            {
                "x-rate-limit-limit": "900",
                "x-rate-limit-remaining": "899",
                "x-rate-limit-reset": str(int(self.clock()) + 900),
            }
        )
        return response

    def _route(self, request: httpx.Request, method: str, path: str) -> httpx.Response:
        if method == "POST" and path == "/2/tweets":
            return self._create(request)
        if method == "DELETE" and (m := re.fullmatch(r"/2/tweets/(\d+)", path)):
            return self._delete(m.group(1))
        if method == "GET" and path == "/2/tweets":
            return self._lookup(request)
        if method == "GET" and path == "/2/users/me":
            return self._me(request)
        if method == "GET" and (m := re.fullmatch(r"/2/users/(\d+)/mentions", path)):
            return self._mentions(request, m.group(1))
        if method == "GET" and (m := re.fullmatch(r"/2/users/(\d+)/tweets", path)):
            return self._timeline(request, m.group(1))
        if method == "POST" and path == "/2/media/upload":
            return self._upload(request)
        if method == "GET" and path == "/2/media/upload":
            return self._status(request)
        if method == "POST" and path == "/2/media/upload/initialize":
            return self._initialize(request)
        if method == "POST" and (
            m := re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", path)
        ):
            return (
                self._append(request, m.group(1))
                if m.group(2) == "append"
                else self._finalize(m.group(1))
            )
        if method == "POST" and path == "/2/media/metadata":
            return self._metadata(request)
        return problem(404, "Not Found Error", f"no route for {method} {path}")

    # -- auth --------------------------------------------------------------------------

    def _authorised(self, request: httpx.Request) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer "):
            expiry = self.bearers.get(header[7:])
            return expiry is not None and expiry > self.clock()
        if header.startswith("OAuth "):
            return self._oauth1(request, header[6:])
        return False

    def _oauth1(self, request: httpx.Request, header: str) -> bool:
        given = {k: unquote(v) for k, v in re.findall(r'([\w]+)="([^"]*)"', header)}
        needed = (
            "oauth_consumer_key",
            "oauth_nonce",
            "oauth_signature",
            "oauth_signature_method",
            "oauth_timestamp",
            "oauth_token",
        )
        if any(k not in given for k in needed) or given["oauth_signature_method"] != "HMAC-SHA1":
            return False
        if given["oauth_consumer_key"] != self.api_key or given["oauth_token"] != self.access_token:
            return False
        if (
            not given["oauth_timestamp"].isdigit()
            or abs(int(given["oauth_timestamp"]) - self.clock()) > 300
        ):
            return False
        if given["oauth_nonce"] in self.nonces:
            return False
        params = [(k, v) for k, v in given.items() if k not in ("oauth_signature", "realm")]
        raw_query = request.url.query.decode("ascii")
        params += parse_qsl(raw_query, keep_blank_values=True)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
        url = request.url
        port = "" if url.port in (None, {"http": 80, "https": 443}[url.scheme]) else f":{url.port}"
        base_url = f"{url.scheme}://{url.host}{port}{url.path}"
        normal = "&".join(f"{k}={v}" for k, v in sorted((pct(k), pct(v)) for k, v in params))
        base = f"{request.method}&{pct(base_url)}&{pct(normal)}"
        key = f"{pct(self.api_secret)}&{pct(self.access_token_secret)}"
        expected = base64.b64encode(
            hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(expected, given["oauth_signature"]):
            return False
        self.nonces.add(given["oauth_nonce"])
        return True

    def _token(self, request: httpx.Request) -> httpx.Response:
        data = dict(parse_qsl(request.content.decode("utf-8")))
        bad = {
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        }
        if self.client_secret:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {basic}":
                return httpx.Response(
                    401,
                    json={
                        "error": "unauthorized_client",
                        "error_description": "Missing valid authorization header",
                    },
                )
        elif data.get("client_id") != self.client_id:
            return httpx.Response(
                400,
                json={
                    "error": "invalid_request",
                    "error_description": "Missing required parameter [client_id].",
                },
            )
        if (
            data.get("grant_type") != "refresh_token"
            or data.get("refresh_token") != self.refresh_token
        ):
            return httpx.Response(400, json=bad)
        self.refreshes += 1
        self.refresh_token = f"xRefresh-{self.refreshes}-" + "r" * 30
        access = f"xAccess-{self.refreshes}-" + "b" * 30
        self.bearers[access] = self.clock() + 7200
        return httpx.Response(
            200,
            json={
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": access,
                "scope": "tweet.read tweet.write users.read media.write offline.access",
                "refresh_token": self.refresh_token,
            },
        )

    # -- posts -------------------------------------------------------------------------

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return invalid("Request body is not valid JSON.")
        if not isinstance(body, dict):
            return invalid("Request body must be a JSON object.")
        unknown = sorted(set(body) - POST_KEYS)
        if unknown:
            return invalid(
                f"$.{unknown[0]}: is not defined in the schema and the schema does not allow additional properties"
            )
        text = body.get("text")
        media = body.get("media")
        if text is not None and not isinstance(text, str):
            return invalid("$.text: string found, but expected", "text")
        media_ids: list[str] = []
        if media is not None:
            ids = media.get("media_ids") if isinstance(media, dict) else None
            if (
                not isinstance(ids, list)
                or not 1 <= len(ids) <= 4
                or not all(isinstance(i, str) for i in ids)
            ):
                return invalid("$.media.media_ids: must have 1 to 4 string ids", "media.media_ids")
            for media_id in ids:
                item = self.media.get(media_id)
                if item is None or item.state != "succeeded":
                    return invalid("Your media IDs are invalid.", "media.media_ids")
            media_ids = list(ids)
        if not text and not media_ids:
            return invalid("$.text: is missing but it is required", "text")
        reply_to = None
        reply = body.get("reply")
        if reply is not None:
            reply_to = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
            if not isinstance(reply_to, str):
                return invalid(
                    "$.reply.in_reply_to_tweet_id: is missing but it is required", "reply"
                )
            if not any(p.id == reply_to and not p.deleted for p in self.posts):
                return problem(
                    403,
                    "Forbidden",
                    "You attempted to reply to a Tweet that is deleted or not visible to you.",
                )
        sent = unicodedata.normalize("NFC", text or "").strip()
        if sent and parse_tweet(sent).weightedLength > 280:
            return problem(
                403,
                "Forbidden",
                "Your Tweet text is too long. For more information on how X counts characters, see the docs.",
            )
        if sent and any(p.sent == sent for p in self.live()):
            return httpx.Response(403, json=dict(DUPLICATE))
        post_id = str(next(self._ids))
        shown, urls = self._shown(sent, post_id, media_ids)
        post = Post(
            post_id,
            sent,
            shown,
            urls,
            datetime.fromtimestamp(self.clock(), UTC),
            media_ids,
            reply_to,
        )
        self.posts.append(post)
        names = self.metric_names()
        return httpx.Response(
            201, json={"data": {"id": post_id, "text": shown, names["history"]: [post_id]}}
        )

    def _shown(
        self, sent: str, post_id: str, media_ids: list[str]
    ) -> tuple[str, list[dict[str, Any]]]:
        """The text as X shows it: links wrapped, ``& < >`` escaped, a link to the media."""
        urls: list[dict[str, Any]] = []
        pieces: list[str] = []
        last = 0
        for found in URL.finditer(sent):
            tco = f"https://t.co/f{next(self._tco):07d}"
            pieces += [html.escape(sent[last : found.start()], quote=False), tco]
            urls.append(
                {
                    "url": tco,
                    "expanded_url": found.group(),
                    "display_url": found.group().split("://", 1)[1][:26],
                }
            )
            last = found.end()
        pieces.append(html.escape(sent[last:], quote=False))
        shown = "".join(pieces)
        if media_ids:
            tco = f"https://t.co/m{next(self._tco):07d}"
            shown = f"{shown} {tco}" if shown else tco
            urls.append(
                {
                    "url": tco,
                    "expanded_url": f"https://x.com/{USERNAME}/status/{post_id}/photo/1",
                    "display_url": f"pic.x.com/m{post_id[-6:]}",
                    "media_key": self.media[media_ids[0]].key,
                }
            )
        for entity in urls:
            start = shown.index(entity["url"])
            entity.update(start=start, end=start + len(entity["url"]))
        return shown, urls

    def _delete(self, post_id: str) -> httpx.Response:
        post = next((p for p in self.posts if p.id == post_id and not p.deleted), None)
        if post is None:
            return problem(
                404,
                "Not Found Error",
                f"Could not find tweet with id: [{post_id}].",
                "https://api.twitter.com/2/problems/resource-not-found",
            )
        post.deleted = True
        return httpx.Response(200, json={"data": {"deleted": True}})

    def _fields(
        self, request: httpx.Request, allowed: set[str]
    ) -> tuple[set[str], httpx.Response | None]:
        params = request.url.params
        names = self.metric_names()
        wrong = "tweet.fields" if names["fields"] == "post.fields" else "post.fields"
        if wrong in params:
            keys = sorted({*allowed, names["fields"]})
            return set(), invalid(
                f"The query parameter [{wrong}] is not one of [{','.join(keys)}]", wrong
            )
        wanted = {f for f in params.get(names["fields"], "").split(",") if f}
        unknown = wanted - POST_FIELDS
        if unknown:
            return set(), invalid(
                f"The `{names['fields']}` query parameter value [{sorted(unknown)[0]}] is not one of [{','.join(sorted(POST_FIELDS))}]",
                names["fields"],
            )
        return wanted, None

    def _view(self, post: Post, fields: set[str]) -> dict[str, Any]:
        names = self.metric_names()
        view: dict[str, Any] = {"id": post.id, "text": post.text, names["history"]: [post.id]}
        if "created_at" in fields:
            view["created_at"] = post.created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "author_id" in fields:
            view["author_id"] = USER_ID
        if "entities" in fields and post.urls:
            view["entities"] = {"urls": [dict(u) for u in post.urls]}
        if "attachments" in fields and post.media:
            view["attachments"] = {"media_keys": [self.media[m].key for m in post.media]}
        if "referenced_tweets" in fields and post.reply_to:
            view["referenced_tweets"] = [{"type": "replied_to", "id": post.reply_to}]
        if "in_reply_to_user_id" in fields and post.reply_to:
            view["in_reply_to_user_id"] = USER_ID
        if "public_metrics" in fields:
            metrics = dict(post.metrics)
            if "retweet_count" in metrics:
                metrics[names["reposts"]] = metrics.pop("retweet_count")
            view["public_metrics"] = metrics
        return view

    def _lookup(self, request: httpx.Request) -> httpx.Response:
        fields, error = self._fields(request, {"ids", "expansions", "media.fields", "user.fields"})
        if error:
            return error
        ids = [i for i in request.url.params.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            return invalid(
                f"The `ids` query parameter value [{len(ids)} ids] is not between 1 and 100", "ids"
            )
        found = {p.id: p for p in self.live()}
        data = [self._view(found[i], fields) for i in ids if i in found]
        errors = [
            {
                "value": i,
                "detail": f"Could not find tweet with ids: [{i}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": i,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
            for i in ids
            if i not in found
        ]
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return httpx.Response(200, json=body)

    def _me(self, request: httpx.Request) -> httpx.Response:
        wanted = set(request.url.params.get("user.fields", "").split(","))
        data: dict[str, Any] = {"id": USER_ID, "name": "Lumen & Grain", "username": USERNAME}
        if "public_metrics" in wanted:
            metrics: dict[str, Any] = {
                "following_count": 321,
                self.metric_names()["posts"]: len(self.live()),
                "listed_count": 7,
                "like_count": 42,
                "media_count": sum(bool(p.media) for p in self.live()),
            }
            if self.followers is not None:
                metrics["followers_count"] = self.followers
            data["public_metrics"] = metrics
        data.update({k: v for k, v in self.profile.items() if k in wanted})
        return httpx.Response(200, json={"data": data})

    def _timeline(self, request: httpx.Request, user_id: str) -> httpx.Response:
        allowed = {
            "max_results",
            "pagination_token",
            "start_time",
            "end_time",
            "since_id",
            "until_id",
            "exclude",
            "expansions",
            "media.fields",
            "user.fields",
        }
        fields, error = self._fields(request, allowed)
        if error:
            return error
        params = request.url.params
        try:
            size = int(params.get("max_results", "10"))
        except ValueError:
            size = 0
        if not 5 <= size <= 100:
            return invalid(
                "The `max_results` query parameter value is not between 5 and 100", "max_results"
            )
        if user_id != USER_ID:
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        posts = sorted(self.live(), key=lambda p: int(p.id), reverse=True)
        if "start_time" in params:
            try:
                since = datetime.fromisoformat(params["start_time"].replace("Z", "+00:00"))
            except ValueError:
                return invalid(
                    "The `start_time` query parameter value is not a valid RFC 3339 date-time",
                    "start_time",
                )
            posts = [p for p in posts if p.created >= since]
        offset = int(params.get("pagination_token", "t0")[1:] or 0)
        page = posts[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + size < len(posts):
            meta["next_token"] = f"t{offset + size}"
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._view(p, fields) for p in page]
        return httpx.Response(200, json=body)

    def _mentions(self, request: httpx.Request, user_id: str) -> httpx.Response:
        allowed = {
            "max_results",
            "pagination_token",
            "since_id",
            "until_id",
            "start_time",
            "end_time",
            "expansions",
            "media.fields",
            "user.fields",
        }
        fields, error = self._fields(request, allowed)
        if error:
            return error
        params = request.url.params
        try:
            size = int(params.get("max_results", "10"))
        except ValueError:
            size = 0
        if not 5 <= size <= 100:
            return invalid(
                "The `max_results` query parameter value is not between 5 and 100", "max_results"
            )
        found = sorted(
            (m for m in self.mentions if user_id == USER_ID),
            key=lambda m: int(m.id),
            reverse=True,
        )
        if "since_id" in params:
            found = [m for m in found if int(m.id) > int(params["since_id"])]
        # the token names the page's place, not an offset: mentions that arrive meanwhile
        # (newer) do not move the pages after it
        below = params.get("pagination_token", "")[1:]
        if below:
            found = [m for m in found if int(m.id) < int(below)]
        page = found[:size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if size < len(found):
            meta["next_token"] = f"t{page[-1].id}"
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._mention_view(m, fields) for m in page]
            if "author_id" in params.get("expansions", "").split(","):
                users = {m.author_id: m.username for m in page}
                body["includes"] = {
                    "users": [{"id": i, "name": n, "username": n} for i, n in users.items()]
                }
        return httpx.Response(200, json=body)

    def _mention_view(self, mention: Mention, fields: set[str]) -> dict[str, Any]:
        view: dict[str, Any] = {"id": mention.id, "text": mention.text}
        view[self.metric_names()["history"]] = [mention.id]
        if "created_at" in fields:
            view["created_at"] = mention.created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "author_id" in fields:
            view["author_id"] = mention.author_id
        refs = []
        if mention.reply_to:
            refs.append({"type": "replied_to", "id": mention.reply_to})
        if mention.quoted:
            refs.append({"type": "quoted", "id": mention.quoted})
        if "referenced_tweets" in fields and refs:
            view["referenced_tweets"] = refs
        if "in_reply_to_user_id" in fields and mention.reply_to:
            view["in_reply_to_user_id"] = USER_ID
        return view

    # -- media -------------------------------------------------------------------------

    def _new_media(self, mime: str, size: int, category: str, **kw: Any) -> Media:
        media_id = str(next(self._ids))
        prefix = "16" if category == "tweet_gif" else "3"
        item = Media(media_id, f"{prefix}_{media_id}", mime, size, category, **kw)
        self.media[media_id] = item
        return item

    def _data(self, item: Media) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": item.id,
            "media_key": item.key,
            "size": item.size,
            "expires_after_secs": 86400,
        }
        if item.state != "succeeded" or item.category == "tweet_gif":
            info: dict[str, Any] = {"state": item.state}
            if item.state in ("pending", "in_progress"):
                info["check_after_secs"] = 1
                info["progress_percent"] = 0 if item.state == "pending" else 50
            data["processing_info"] = info
        return data

    def _upload(self, request: httpx.Request) -> httpx.Response:
        fields, files = form(request)
        if "media" not in files:
            return invalid("$.media: is missing but it is required", "media")
        category = fields.get("media_category", "tweet_image")
        if category not in ("tweet_image", "tweet_gif", "tweet_video", "dm_image", "subtitles"):
            return invalid(f"The media_category [{category}] is not valid", "media_category")
        _, mime, content = files["media"]
        if len(content) > 5_000_000:
            return invalid("File size exceeds 5242880 bytes.", "media")
        if not content.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")):
            return invalid("media type unrecognized.", "media")
        item = self._new_media(mime, len(content), category)
        return httpx.Response(
            200, json={"data": {**self._data(item), "image": {"image_type": mime, "w": 1, "h": 1}}}
        )

    def _initialize(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("total_bytes"), int)
            or not body.get("media_type")
        ):
            return invalid("$.total_bytes and $.media_type are required", "total_bytes")
        if body["total_bytes"] > 15_000_000 and body.get("media_category") == "tweet_gif":
            return invalid("File size exceeds 15728640 bytes.", "total_bytes")
        item = self._new_media(
            str(body["media_type"]),
            body["total_bytes"],
            str(body.get("media_category") or "tweet_image"),
            state="pending",
            finalized=False,
        )
        return httpx.Response(
            200, json={"data": {"id": item.id, "media_key": item.key, "expires_after_secs": 86400}}
        )

    def _append(self, request: httpx.Request, media_id: str) -> httpx.Response:
        item = self.media.get(media_id)
        if item is None or item.finalized:
            return invalid("Invalid media id or the upload is finalized.", "media_id")
        fields, files = form(request)
        index = fields.get("segment_index", "")
        if "media" not in files or not index.isdigit() or not 0 <= int(index) <= 999:
            return invalid("segment_index (0-999) and media are required", "segment_index")
        item.segments[int(index)] = files["media"][2]
        return httpx.Response(200, json={"data": {"expires_at": int(self.clock()) + 86400}})

    def _finalize(self, media_id: str) -> httpx.Response:
        item = self.media.get(media_id)
        if item is None or item.finalized:
            return invalid("Invalid media id or the upload is finalized.", "media_id")
        got = sum(len(b) for b in item.segments.values())
        if sorted(item.segments) != list(range(len(item.segments))) or got != item.size:
            return invalid(
                f"File size mismatch: {got} bytes received, {item.size} declared.", "media_id"
            )
        item.finalized = True
        item.polls = self.gif_polls
        item.state = "pending" if item.polls else "succeeded"
        return httpx.Response(200, json={"data": self._data(item)})

    def _status(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        item = self.media.get(params.get("media_id", ""))
        if params.get("command") != "STATUS" or item is None:
            return invalid("command=STATUS and a valid media_id are required", "media_id")
        if item.state in ("pending", "in_progress"):
            item.polls -= 1
            item.state = "in_progress" if item.polls > 0 else "succeeded"
        return httpx.Response(200, json={"data": self._data(item)})

    def _metadata(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        media_id = body.get("id") if isinstance(body, dict) else None
        alt = (
            ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
            if isinstance(body, dict)
            else None
        )
        if not isinstance(media_id, str) or media_id not in self.media:
            return invalid("$.id: a valid media id is required", "id")
        if not isinstance(alt, str):
            return invalid("$.metadata.alt_text.text: is missing but it is required", "metadata")
        if len(alt) > 1000:
            return invalid("$.metadata.alt_text.text: must be at most 1000 characters", "metadata")
        self.media[media_id].alt = alt
        return httpx.Response(
            200, json={"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}}
        )


CASE = PlatformCase(
    platform="x",
    credentials={
        "api_key": "X_API_KEY",
        "api_secret": "X_API_SECRET",
        "access_token": "X_ACCESS_TOKEN",
        "access_token_secret": "X_ACCESS_TOKEN_SECRET",
        "api_base": "X_API_BASE",
    },
    make=XFake,
    env=lambda fake, base: fake.env(base) if isinstance(fake, XFake) else {},
    posts=lambda fake: [p.sent for p in fake.live()] if isinstance(fake, XFake) else [],
    write=r"^/2/tweets$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"),
)
