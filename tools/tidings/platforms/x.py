"""X (API v2): posts with images and alt text, threads by reply, delete, public metrics.

Publishing a part: upload its images (part 0 only), then ``POST /2/tweets`` with
``text``, ``media.media_ids`` and, for later parts, ``reply.in_reply_to_tweet_id``. Images
go in one ``POST /2/media/upload``; a GIF goes in chunks (``initialize``, ``append``,
``finalize``) and is polled (``command=STATUS``) until X has processed it. Alt text is set
with ``POST /2/media/metadata``. Uploads are safe to repeat: media never attached expire.

Credentials decide the signing (see :mod:`tidings.platforms.x_auth`): ``api_key``,
``api_secret``, ``access_token``, ``access_token_secret`` for OAuth 1.0a (recommended), or
``client_id``, ``refresh_token``, ``refresh_token_file`` (and ``client_secret`` for a
confidential client) for OAuth 2.0. ``api_base`` (optional) points elsewhere than
``https://api.x.com``.

X has no idempotency key, so ``POST /2/tweets`` is never resent once its outcome is
uncertain. Reconciling (:meth:`XAdapter.find_part`), where the rule is *never post twice*:
the account's own posts are read newest first (``GET /2/users/:id/tweets``, 100 a page,
``start_time`` at the start of the attempt less :data:`CLOCK_SKEW`, at most
:data:`MAX_PAGES` pages) and compared after X's normalisation (NFC, ``& < >`` escaped,
links wrapped as ``t.co`` with the address in ``entities.urls``, a trailing link to the
attached media): same text, same reply parent, same number of images. One match is
returned. None is returned only when the pages reached the start of the window and nothing
matched or nearly matched; everything else raises :class:`Unknowable`. X's own rule against
duplicate content is a second guard: a repeated text is refused with 403 "duplicate
content", and :meth:`XAdapter.publish_part` then looks for the post instead; if it cannot
find it, the part is Unknowable, never posted again. X's timeline can lag a few seconds
behind a new post; that guard covers the gap.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tidings.core.inbox import Sweep
from tidings.errors import CredentialError, DuplicateContent, PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.http import Caller, error_object, json_field, json_object, wait_seconds
from tidings.platforms.paging import Pages
from tidings.platforms.x_auth import BearerAuth, OAuth1, OAuth1Keys, TokenSource
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "IDS_PER_READ",
    "DuplicateContent",
    "XAdapter",
    "classify",
    "connect",
    "inbox_reader",
    "message",
    "metrics_reader",
    "post_text",
    "profile_reader",
]

DEFAULT_API = "https://api.x.com"
WEB = "https://x.com/i/web/status/"
IDS_PER_READ = 100
"""``GET /2/tweets?ids=`` takes at most 100 ids."""
PAGE_SIZE = 100
MAX_PAGES = 5
CLOCK_SKEW = timedelta(minutes=10)
MENTIONS_PER_PAGE = 100
"""``GET /2/users/:id/mentions`` answers at most 100 a request (``max_results``)."""
INBOX_PAGES = 50
"""The most pages one inbox run reads per listing (X keeps the 800 newest mentions)."""
"""How far X's ``created_at`` may disagree with our clock."""
ATTEMPT_TOLERANCE = timedelta(minutes=1)
"""How much earlier than the attempt's start X may date our own post; an identical post
dated earlier is another one (made by hand before the attempt), never taken for ours."""
LOOSE_MINIMUM = 20
"""Letters and digits a text needs before a match that ignores punctuation counts."""
MEDIA_WAIT = 120.0
"""Seconds to wait for X to process one GIF."""
CHUNK = 4 * 1024 * 1024
"""Bytes per ``append`` (X takes at most 5 MB a segment)."""
FIELD_PARAMS = ("tweet.fields", "post.fields")
"""X renamed ``tweet.fields`` to ``post.fields`` (OpenAPI v2.167); either may be refused."""
AUTH_PROBLEMS = ("client-forbidden", "oauth1-permissions", "unsupported-authentication")
DUPLICATE = "duplicate content"


# -- X's answers ---------------------------------------------------------------------------


def message(response: httpx.Response) -> str:
    """X's own words: a problem's ``detail`` (or ``title``) and the ``errors[].message``
    behind a generic one; the v1 shape ``{"errors":[{"code":88,"message":…}]}``."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    main = next(
        (body[k] for k in ("detail", "title", "error_description") if isinstance(body.get(k), str)),
        "",
    )
    details = []
    errors = body.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        text = error.get("message") or error.get("detail")
        if isinstance(text, str) and text and text != main:
            code = error.get("code")
            details.append(f"{text} (code {code})" if isinstance(code, int) else text)
    words = ": ".join(w for w in (main, "; ".join(details[:3])) if w)
    return (words or response.reason_phrase)[:500]


def classify(
    response: httpx.Response, what: str, clock: Callable[[], float] = time.time
) -> PlatformError | None:
    """X's errors: 401 is auth; a 403 is duplicate content (:class:`DuplicateContent`), an
    app or token without the permission (auth), or a refusal of this post (permanent); a
    429 waits for the reset of the limit that ran out (the 24-hour ones included)."""
    status = response.status_code
    words = message(response)
    text = f"{what}: {status} {words}"
    if status == 429:
        return PlatformError(
            text, retryable=True, status=status, retry_after=_rate_wait(response.headers, clock())
        )
    if status == 401:
        return PlatformError(text, retryable=False, status=status, auth=True)
    if status == 403:
        if DUPLICATE in words.lower():
            return DuplicateContent(text, retryable=False, status=status)
        problem = _problem_type(response)
        auth = words.strip().lower() == "forbidden" or problem.endswith(AUTH_PROBLEMS)
        return PlatformError(text, retryable=False, status=status, auth=auth)
    return None


def _problem_type(response: httpx.Response) -> str:
    kind = json_field(response, "type")
    return kind if isinstance(kind, str) else ""


def _rate_wait(headers: httpx.Headers, now: float) -> float | None:
    """Until the limit that ran out resets: a 24-hour user or app limit, else the window's."""
    for scope in ("user", "app"):
        if headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            reset = headers.get(f"x-{scope}-limit-24hour-reset")
            if reset:
                return wait_seconds({"x-rate-limit-reset": reset}, now)
    return wait_seconds(headers, now)


# -- what X shows for a post ------------------------------------------------------------------

_SCHEME = re.compile(r"https?://", re.I)
_SLASH_END = re.compile(r"/(?=\s|$)")
_MEDIA_LINK = re.compile(r"/status/\d+/(?:photo|video)/\d+$")


def post_text(post: Mapping[str, Any]) -> str:
    """A post's text as it was sent: ``t.co`` links back to their addresses, the link to
    the attached media dropped, X's ``&amp; &lt; &gt;`` undone."""
    text = str(post.get("text") or "")
    entities = post.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for entity in urls if isinstance(urls, list) else []:
        if not isinstance(entity, dict) or not isinstance(entity.get("url"), str):
            continue
        expanded = entity.get("unwound_url") or entity.get("expanded_url") or entity["url"]
        if entity.get("media_key") or _MEDIA_LINK.search(str(expanded)):
            text = text.replace(entity["url"], "")
        else:
            text = text.replace(entity["url"], str(expanded))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _strict(text: str) -> str:
    """Equal for texts X would show the same: NFC, schemes and trailing slashes of links
    dropped (X links ``example.com`` as ``http://example.com``), whitespace collapsed."""
    text = _SLASH_END.sub("", _SCHEME.sub("", unicodedata.normalize("NFC", text)))
    return " ".join(text.split())


def _loose(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


@dataclass(frozen=True)
class _Wanted:
    """What a post must look like to be the part we are looking for."""

    strict: str
    loose: str
    reply_to: str | None
    images: int
    skip: frozenset[str]
    not_before: datetime | None = None
    """An identical post X dates earlier is not this attempt's (see :data:`ATTEMPT_TOLERANCE`)."""

    @classmethod
    def of(
        cls,
        out: base.Outgoing,
        index: int,
        thread: base.Thread,
        not_before: datetime | None = None,
    ) -> _Wanted:
        text = out.parts[index].text
        return cls(
            _strict(text),
            _loose(text),
            parent.id if (parent := base.parent_of(out, index, thread)) is not None else None,
            len(out.media) if index == 0 else 0,
            frozenset(p.id for p in thread),
            not_before,
        )

    def compare(self, post: Mapping[str, Any]) -> str:
        """``match``; ``near`` (our text with other images, or a short text equal only in
        its letters and digits); ``no``."""
        if str(post.get("id")) in self.skip:
            return "no"
        refs = post.get("referenced_tweets")
        kinds = {
            str(r.get("type")): str(r.get("id"))
            for r in (refs if isinstance(refs, list) else [])
            if isinstance(r, dict)
        }
        if "retweeted" in kinds or kinds.get("replied_to") != self.reply_to:
            return "no"
        text = post_text(post)
        if _strict(text) != self.strict:
            if not self.loose or _loose(text) != self.loose:
                return "no"
            if len(self.loose) < LOOSE_MINIMUM:
                return "near"
        attachments = post.get("attachments")
        keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
        images = len(keys) if isinstance(keys, list) else 0
        post_id = post.get("id")
        if not isinstance(post_id, str) or not post_id:
            return "near"  # our text with no id to record it by: a person looks
        created = base.parse_time(post.get("created_at"))
        if self.not_before is not None and created is not None and created < self.not_before:
            return "near"  # our text, posted before the attempt began (by hand?)
        return "match" if images == self.images else "near"


# -- connecting ---------------------------------------------------------------------------

PROFILE_FIELDS = "description,url,profile_image_url,verified,protected,entities"
"""The ``user.fields`` a profile is read with (the v2 user object has no banner)."""

OAUTH1 = ("api_key", "api_secret", "access_token", "access_token_secret")
OAUTH2 = ("client_id", "refresh_token", "refresh_token_file")


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> XAdapter:
    """The adapter for a ``platform: x`` channel; its credentials pick OAuth 1.0a or 2.0."""
    api = base.credential(channel, env, "api_base", default=DEFAULT_API).rstrip("/")
    names = channel.credentials
    caller.classify = lambda response, what: classify(response, what, caller.clock)
    caller.message = message
    if "api_key" in names or "client_id" not in names:
        values = [base.credential(channel, env, name) for name in OAUTH1]
        keys = OAuth1Keys(*values)
        return XAdapter(caller, api, keys=keys, names=[names[n] for n in OAUTH1])
    if "refresh_token_file" not in names:
        raise CredentialError(
            f"channel {channel.id!r} uses OAuth 2.0 but names no refresh_token_file: X "
            "replaces the refresh token at every use, so the new one must be kept",
            "add credentials.refresh_token_file (a variable holding a file path) and save "
            "that file back as the refresh token secret after each run, or use OAuth 1.0a "
            "(api_key, api_secret, access_token, access_token_secret)",
        )
    client_id, refresh, path = (base.credential(channel, env, name) for name in OAUTH2)
    secret = base.credential(channel, env, "client_secret") if "client_secret" in names else None
    tokens = TokenSource(
        caller,
        f"{api}/2/oauth2/token",
        client_id=client_id,
        client_secret=secret,
        refresh_token=refresh,
        refresh_var=names["refresh_token"],
        token_file=Path(path),
        file_var=names["refresh_token_file"],
    )
    return XAdapter(caller, api, tokens=tokens, names=[names[n] for n in OAUTH2])


metrics_reader = connect
"""The metrics reader of an X channel: the adapter itself (user context)."""

profile_reader = connect
"""The profile reader of an X channel: the adapter itself (``/2/users/me``)."""

inbox_reader = connect
"""The inbox reader of an X channel: the adapter itself (mentions need user context)."""


class XAdapter(base.PlatformAdapter, platform="x"):
    def __init__(
        self,
        caller: Caller,
        api: str,
        *,
        keys: OAuth1Keys | None = None,
        tokens: TokenSource | None = None,
        names: Sequence[str] = (),
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        chunk: int = CHUNK,
    ) -> None:
        if (keys is None) == (tokens is None):
            raise ValueError("XAdapter needs OAuth 1.0a keys or an OAuth 2.0 token source")
        self.caller = caller
        self.api = api
        self._keys = keys
        self._tokens = tokens
        self.names = tuple(names)
        self.page_size = page_size
        self.max_pages = max_pages
        self.chunk = chunk
        self._user: tuple[str, str] | None = None
        self._fields = FIELD_PARAMS[0]

    def __repr__(self) -> str:
        kind = "OAuth 1.0a" if self._keys else "OAuth 2.0"
        return f"XAdapter({self.api!r}, {kind})"

    # -- the Adapter protocol --------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        _check_thread(index, thread)
        media_ids = [self._upload(m, n) for n, m in enumerate(out.media, 1)] if index == 0 else []
        body: dict[str, Any] = {"text": out.parts[index].text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        parent = base.parent_of(out, index, thread)
        if parent is not None:
            body["reply"] = {"in_reply_to_tweet_id": parent.id}
        what = f"post part {index + 1}"
        try:
            response = self._call(
                "POST", "/2/tweets", what=what, safe=False, ok=(200, 201), json=body
            )
        except DuplicateContent as duplicate:
            found = self._search(out, index, thread)
            if found is not None:
                return found
            raise base.Unknowable(
                f"part {index + 1}: X refuses it as a duplicate of a recent post, but no post "
                "since the attempt began matches it; check the account and settle it by hand"
            ) from duplicate
        try:
            post_id = _data(response, what).get("id")
        except PlatformError:
            post_id = None
        if not isinstance(post_id, str) or not post_id:  # it may be out: reconcile
            raise PlatformError(
                f"{what}: the answer has no post id", retryable=True, uncertain=True
            )
        return _remote(post_id)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        _check_thread(index, thread)
        return self._search(out, index, thread)

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The post id in the status URL (``x.com/USER/status/ID``): ``reply.in_reply_to_tweet_id``."""
        return base.ReplyParent(base.Remote(target.get("tweet") or "", target.url))

    def delete(self, part: base.Remote) -> None:
        post_id = _post_id(part.id)
        if not post_id:
            raise PlatformError(f"delete {part.id!r}: not an X post id", retryable=False)
        what = f"delete post {post_id}"
        response = self._call("DELETE", f"/2/tweets/{post_id}", what=what, ok=(200, 404))
        if response.status_code == 404:
            return  # already gone
        if _data(response, what).get("deleted") is not True:
            raise PlatformError(f"{what}: X did not delete it", retryable=True)

    # -- metrics (the MetricsReader protocol) ----------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """``public_metrics``, :data:`IDS_PER_READ` posts a request. Old and new field names
        are both read (``retweet_count`` or ``repost_count``); a count X does not send is
        null, never 0. ``impression_count`` is the views."""
        ids = {part.id: _post_id(part.id) for part in parts}
        wanted = sorted({i for i in ids.values() if i}, key=lambda i: (len(i), i))
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(wanted), IDS_PER_READ):
            batch = wanted[start : start + IDS_PER_READ]
            what = f"read {len(batch)} post(s)"
            body = self._read("/2/tweets", what, {"ids": ",".join(batch)}, "public_metrics")
            posts = body.get("data", [])
            if not isinstance(posts, list):
                raise PlatformError(f"{what}: the answer has no list of posts", retryable=True)
            found.update((str(p.get("id")), p) for p in posts if isinstance(p, dict))
        return base.counts_by_part(
            ids,
            found,
            _counts,
            "is not an X post id or address",
            "X has no such post (deleted, or not visible)",
        )

    def account_metrics(self) -> AccountCounts:
        body = self._read_me()
        metrics = body.get("public_metrics")
        metrics = metrics if isinstance(metrics, dict) else {}
        raw = {str(name): count(value) for name, value in metrics.items()}
        return AccountCounts(followers=raw.get("followers_count"), raw=raw)

    # -- the profile (the ProfileReader protocol) -----------------------------------------

    def read_profile(self) -> base.Profile:
        """``GET /2/users/me`` with ``user.fields`` :data:`PROFILE_FIELDS`: name, description,
        the ``url`` field and the bio's links as ``entities`` expand them (X shows t.co
        addresses), the avatar (``profile_image_url`` is the 48 px ``_normal`` size: the
        400×400 one is read), verified and protected. The v2 user object has no banner."""
        what = "read the profile"
        response = self._call(
            "GET", "/2/users/me", what=what, params={"user.fields": PROFILE_FIELDS}
        )
        data = _data(response, what)
        found = data.get("entities")
        entities = found if isinstance(found, dict) else {}
        urls = [u for key in ("url", "description") for u in _entity_urls(entities.get(key))]
        expanded = [str(u["expanded_url"]) for u in urls if base.text_of(u.get("expanded_url"))]
        short = {u.get("url") for u in urls}
        bio = data.get("description") if isinstance(data.get("description"), str) else None
        own = [u for u in base.links_in(base.text_of(data.get("url")), bio) if u not in short]
        avatar = base.text_of(data.get("profile_image_url"))
        if avatar:
            avatar = re.sub(r"_normal(\.\w+)$", r"_400x400\1", avatar)
        username = base.text_of(data.get("username"))
        return base.Profile(
            display_name=base.text_of(data.get("name")),
            bio=bio,
            links=tuple(dict.fromkeys([*expanded, *own])),
            avatar=base.fetch_image(self.caller, avatar, "avatar"),
            banner=None,
            verified=data.get("verified") if isinstance(data.get("verified"), bool) else None,
            locked=data.get("protected") if isinstance(data.get("protected"), bool) else None,
            url=f"https://x.com/{username}" if username else None,
            not_exposed=("banner",),
        )

    # -- the inbox (the InboxReader protocol) ----------------------------------------------

    def read_inbox(self, position: str | None) -> base.Reading:
        """``GET /2/users/:id/mentions`` (newest first, :data:`MENTIONS_PER_PAGE` a page,
        ``since_id`` = ``position``, the newest mention id the run before saw; at most
        :data:`INBOX_PAGES` pages, with the authors' usernames expanded). X pages backwards
        from the newest, so a run that stops at the page bound leaves the sweep open
        (:class:`~tidings.core.inbox.Sweep`): the next run goes on from the
        ``pagination_token`` of the next older page with the same ``since_id``, until it
        gets there; only then does the newest id seen become the position. A backlog
        larger than the bound is read across runs, without a gap. A mention that replies to
        a post of ours is a ``reply``, one that quotes it a ``quote``. X's direct messages
        are another API, never read."""
        me = self._me()[0]
        sweep = Sweep.read(position)
        params = {
            "max_results": str(MENTIONS_PER_PAGE),
            "expansions": "author_id",
            "user.fields": "username",
        }
        if sweep.reach:
            params["since_id"] = sweep.reach
        fields = "created_at,author_id,referenced_tweets,in_reply_to_user_id,conversation_id"
        what = "read mentions"

        def fetch(token: str | None) -> dict[str, Any]:
            query = {**params, "pagination_token": token} if token else params
            return self._read(f"/2/users/{me}/mentions", what, query, fields)

        arrivals: list[base.Arrival] = []
        newest: str | None = None
        pages = Pages(fetch, _next_token, INBOX_PAGES, start=sweep.resume)
        for body in pages:
            page = body.get("data", [])
            if not isinstance(page, list) or ("data" not in body and body.get("errors")):
                raise PlatformError(f"{what}: the answer has no list of posts", retryable=True)
            users = _usernames(body)
            for post in page:
                seen = str(post.get("id") or "") if isinstance(post, dict) else ""
                if seen and (newest is None or _id_order(seen) > _id_order(newest)):
                    newest = seen
                arrival = _arrival(post, me, users) if isinstance(post, dict) else None
                if arrival is not None:
                    arrivals.append(arrival)
        after = sweep.after(newest, None if pages.ended else pages.last)
        return base.Reading(tuple(arrivals), after.position, pages.ended)

    def our_replies(self, since: datetime, to: Collection[str]) -> list[base.Reply]:
        """The account's own posts since ``since`` (less :data:`CLOCK_SKEW`; ``GET
        /2/users/:id/tweets`` with ``start_time``) whose ``referenced_tweets`` reply to one
        of ``to``."""
        wanted = set(to)
        params = {
            "max_results": str(self.page_size),
            "start_time": (since - CLOCK_SKEW).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        path = f"/2/users/{self._me()[0]}/tweets"

        def fetch(token: str | None) -> dict[str, Any]:
            query = {**params, "pagination_token": token} if token else params
            return self._read(path, "read our posts", query, "created_at,referenced_tweets")

        found: list[base.Reply] = []
        for body in Pages(fetch, _next_token, INBOX_PAGES):
            for post in body.get("data") or ():
                if not isinstance(post, dict):
                    continue
                created = base.parse_time(post.get("created_at"))
                for ref in post.get("referenced_tweets") or ():
                    if (
                        isinstance(ref, dict)
                        and ref.get("type") == "replied_to"
                        and str(ref.get("id")) in wanted
                        and created is not None
                    ):
                        found.append(base.Reply(str(ref["id"]), created, f"{WEB}{post['id']}"))
        return found

    # -- reconciling ------------------------------------------------------------------------

    def _search(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        what = f"look for part {index + 1} in the account's posts"
        started = base.aware(out.started)
        clock = datetime.fromtimestamp(self.caller.clock(), UTC)
        since = min(started, clock) - CLOCK_SKEW  # a wider window is always safe
        want = _Wanted.of(out, index, thread, min(started, clock) - ATTEMPT_TOLERANCE)
        params: dict[str, str] = {
            "max_results": str(self.page_size),
            "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        fields = "created_at,entities,referenced_tweets,attachments"
        matches: list[str] = []
        near = 0
        path = f"/2/users/{self._me()[0]}/tweets"

        def fetch(token: str | None) -> dict[str, Any]:
            query = {**params, "pagination_token": token} if token else params
            return self._read(path, what, query, fields)

        pages = Pages(fetch, _next_token, self.max_pages)
        for body in pages:
            page = body.get("data", [])
            if not isinstance(page, list) or ("data" not in body and body.get("errors")):
                # a 200 may carry only errors[]: that is not "no posts"
                raise PlatformError(f"{what}: the answer has no list of posts", retryable=True)
            for post in page:
                verdict = want.compare(post) if isinstance(post, dict) else "no"
                if verdict == "match":
                    matches.append(str(post["id"]))
                elif verdict == "near":
                    near += 1
        covered = pages.ended  # every post since the start of the window has been read
        if len(matches) == 1 and not near:
            return _remote(matches[0])
        if matches or near:
            raise base.Unknowable(
                f"part {index + 1}: {len(matches)} post(s) match and {near} nearly match "
                "(similar text, or other images) since the attempt began; check the account "
                "and settle it by hand"
            )
        if covered:
            return None
        raise base.Unknowable(
            f"part {index + 1}: the account posted more than {self.page_size * self.max_pages} "
            "times since the attempt began; it could not be checked for sure"
        )

    def _me(self) -> tuple[str, str]:
        """(id, username) of the account the credentials belong to."""
        if self._user is None:
            data = self._read_me()
            user_id, name = data.get("id"), data.get("username")
            if not isinstance(user_id, str) or not user_id:
                raise PlatformError("read the account: the answer has no id", retryable=True)
            self._user = (user_id, str(name or ""))
        return self._user

    def _read_me(self) -> dict[str, Any]:
        what = "read the account"
        response = self._call(
            "GET", "/2/users/me", what=what, params={"user.fields": "public_metrics"}
        )
        data = _data(response, what)
        if isinstance(data.get("id"), str):
            self._user = (str(data["id"]), str(data.get("username") or ""))
        return data

    # -- media ------------------------------------------------------------------------------

    def _upload(self, media: base.MediaFile, number: int) -> str:
        what = f"upload image {number}"
        content = media.path.read_bytes()
        if media.mime == "image/gif":
            media_id = self._upload_chunked(content, media.mime, what)
        else:
            response = self._call(
                "POST",
                "/2/media/upload",
                what=what,
                files={"media": (media.path.name, content, media.mime)},
                data={"media_category": "tweet_image"},
            )
            data = _data(response, what)
            media_id = _media_id(data, what)
            self._wait_processed(media_id, data, what)
        if media.alt:
            self._call(
                "POST",
                "/2/media/metadata",
                what=f"set the alt text of image {number}",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}},
            )
        return media_id

    def _upload_chunked(self, content: bytes, mime: str, what: str) -> str:
        response = self._call(
            "POST",
            "/2/media/upload/initialize",
            what=what,
            json={"media_type": mime, "total_bytes": len(content), "media_category": "tweet_gif"},
        )
        media_id = _media_id(_data(response, what), what)
        for segment, start in enumerate(range(0, len(content), self.chunk)):
            self._call(
                "POST",
                f"/2/media/upload/{media_id}/append",
                what=f"{what} (segment {segment + 1})",
                files={
                    "media": (
                        "chunk",
                        content[start : start + self.chunk],
                        "application/octet-stream",
                    )
                },
                data={"segment_index": str(segment)},
            )
        response = self._call("POST", f"/2/media/upload/{media_id}/finalize", what=what)
        self._wait_processed(media_id, _data(response, what), what)
        return media_id

    def _wait_processed(self, media_id: str, data: Mapping[str, Any], what: str) -> None:
        """Poll ``command=STATUS`` as ``processing_info.check_after_secs`` says, until
        ``succeeded``; ``failed`` is permanent with X's words."""
        waited = 0.0
        while True:
            info = data.get("processing_info")
            if not isinstance(info, dict) or info.get("state") == "succeeded":
                return
            if info.get("state") == "failed":
                error = info.get("error")
                words = error.get("message") if isinstance(error, dict) else None
                raise PlatformError(
                    f"{what}: X could not process it: {words or 'failed'}", retryable=False
                )
            delay = info.get("check_after_secs")
            delay = float(delay) if isinstance(delay, (int, float)) and delay > 0 else 1.0
            if waited + delay > MEDIA_WAIT:
                raise PlatformError(
                    f"{what}: X was still processing it after {waited:.0f} s", retryable=True
                )
            self.caller.sleep(delay)
            waited += delay
            response = self._call(
                "GET",
                "/2/media/upload",
                what=what,
                params={"command": "STATUS", "media_id": media_id},
            )
            data = _data(response, what)

    # -- requests ---------------------------------------------------------------------------

    def _read(self, path: str, what: str, params: Mapping[str, str], fields: str) -> dict[str, Any]:
        """A GET with the post fields; X renamed ``tweet.fields`` to ``post.fields``, so a
        400 that names the one we sent switches to the other (remembered)."""
        for name in (self._fields, *(f for f in FIELD_PARAMS if f != self._fields)):
            try:
                response = self._call("GET", path, what=what, params={**params, name: fields})
            except PlatformError as error:
                if error.status == 400 and name in error.message:
                    continue
                raise
            self._fields = name
            return json_object(response, what)
        raise PlatformError(
            f"{what}: X refuses both tweet.fields and post.fields", retryable=False, status=400
        )

    def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        safe: bool = True,
        ok: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> httpx.Response:
        """One request, signed. With OAuth 2.0 a 401 (expired access token) refreshes the
        token once and tries again: X refused the request, so repeating it is safe."""
        try:
            for again in (False, True):
                auth: httpx.Auth
                if self._keys is not None:
                    auth = OAuth1(self._keys, self.caller.clock)
                else:
                    assert self._tokens is not None
                    auth = BearerAuth(self._tokens.access())
                try:
                    return self.caller.call(
                        method,
                        f"{self.api}{path}",
                        safe=safe,
                        what=what,
                        ok=ok,
                        auth=auth,
                        **kwargs,
                    )
                except PlatformError as error:
                    if self._tokens is None or error.status != 401 or again:
                        raise
                    self._tokens.refresh()
            raise AssertionError("unreachable")
        except PlatformError as error:
            raise self._scrubbed(error) from None

    def _hint(self, error: PlatformError) -> str:
        """An auth failure says which variables to check (never their values)."""
        if not error.auth or not self.names or self.names[0] in error.message:
            return error.message
        return f"{error.message} (X refused the credentials in {', '.join(self.names)})"

    def _secrets(self) -> list[str]:
        found = self._keys.secrets() if self._keys else []
        if self._tokens is not None:
            found += self._tokens.secrets()
        return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)

    def _scrubbed(self, error: PlatformError) -> PlatformError:
        hinted = self._hint(error)
        return (error if hinted == error.message else error.reworded(hinted)).scrubbed(
            self._secrets(), "***"
        )


# -- small helpers ------------------------------------------------------------------------


def _entity_urls(part: object) -> list[dict[str, Any]]:
    """The ``urls`` of one of a user's ``entities`` (``url`` or ``description``)."""
    urls = part.get("urls") if isinstance(part, dict) else None
    return [u for u in urls or () if isinstance(u, dict)]


def _counts(post: Mapping[str, Any]) -> Counts:
    metrics = post.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    raw = {str(name): count(value) for name, value in metrics.items()}
    reposts = raw.get("repost_count", raw.get("retweet_count"))
    return Counts(
        likes=raw.get("like_count"),
        reposts=reposts,
        replies=raw.get("reply_count"),
        quotes=raw.get("quote_count"),
        views=raw.get("impression_count"),
        raw=raw,
    )


def _post_id(part_id: str) -> str:
    """The post id of a ledger part: the id itself, or the last segment of a post address
    recorded by hand (``https://x.com/user/status/18…``). Empty when neither."""
    candidate = part_id.rstrip("/").rsplit("/", 1)[-1]
    return candidate if candidate.isdigit() else ""


def _remote(post_id: str) -> base.Remote:
    return base.Remote(post_id, f"{WEB}{post_id}")


def _id_order(post_id: str) -> tuple[int, str]:
    return (len(post_id), post_id)


def _usernames(body: Mapping[str, Any]) -> dict[str, str]:
    includes = body.get("includes")
    users = includes.get("users") if isinstance(includes, dict) else None
    return {
        str(u["id"]): str(u.get("username") or "")
        for u in users or ()
        if isinstance(u, dict) and u.get("id") is not None
    }


def _arrival(post: Mapping[str, Any], me: str, users: Mapping[str, str]) -> base.Arrival | None:
    post_id, at = post.get("id"), base.parse_time(post.get("created_at"))
    if not isinstance(post_id, str) or at is None:
        return None
    refs = {
        str(r.get("type")): str(r.get("id"))
        for r in post.get("referenced_tweets") or ()
        if isinstance(r, dict)
    }
    username = users.get(str(post.get("author_id")), "")
    parent: str | None
    if "replied_to" in refs and str(post.get("in_reply_to_user_id")) == me:
        kind, parent = InboxKind.REPLY, refs["replied_to"]
    elif "quoted" in refs:
        kind, parent = InboxKind.QUOTE, refs["quoted"]
    else:
        kind, parent = InboxKind.MENTION, refs.get("replied_to")
    text = post.get("text")
    return base.Arrival(
        id=post_id,
        url=f"https://x.com/{username}/status/{post_id}" if username else f"{WEB}{post_id}",
        author=f"@{username}" if username else str(post.get("author_id") or ""),
        at=at.astimezone(UTC),
        kind=kind,
        parent=parent,
        text=text if isinstance(text, str) else None,
    )


def _next_token(body: Mapping[str, Any]) -> str | None:
    """Where the next page of a timeline starts (``meta.next_token``); None at its end."""
    meta = body.get("meta")
    token = meta.get("next_token") if isinstance(meta, dict) else None
    return str(token) if token else None


def _check_thread(index: int, thread: base.Thread) -> None:
    if index > 0 and not thread:
        raise ValueError(f"part {index + 1} replies to the part before it: pass the thread")


def _data(response: httpx.Response, what: str) -> dict[str, Any]:
    data = json_object(response, what).get("data")
    if not isinstance(data, dict):
        raise PlatformError(f"{what}: the answer has no data", retryable=True)
    return data


def _media_id(data: Mapping[str, Any], what: str) -> str:
    media_id = data.get("id") or data.get("media_id_string")
    if not isinstance(media_id, str) or not media_id:
        raise PlatformError(f"{what}: the answer has no media id", retryable=True)
    return media_id
