"""Bluesky: each part is an ``app.bsky.feed.post`` record in the account's repository.

Calls go to the account's PDS over XRPC. The session comes from ``createSession`` once per
adapter (the PDS allows 30 logins per 5 minutes and 300 a day) and is refreshed with
``refreshSession`` when the PDS answers ``ExpiredToken``.

Publishing a part uploads its images (part 0 only) with ``uploadBlob``, then calls
``createRecord`` with a record key of our own, :func:`record_key`, derived from the part key.
The key makes the create idempotent: the repository cannot hold two records under one key,
so a repeated create fails and we read the record that is there instead
(:meth:`BlueskyAdapter.publish_part`). Reconciling a crashed attempt is one ``getRecord``
(:meth:`BlueskyAdapter.find_part`).

Text is sent as rendered (links already shortened); facets make links, mentions and
hashtags live, with UTF-8 byte offsets. A post without images embeds its first link as a
card (``app.bsky.embed.external``): the page's title, description and thumbnail when the
publisher could read them (``Outgoing.link_card``, see :mod:`tidings.platforms.linkcard`),
else the link text as title; a thumbnail the PDS refuses is left off, never failing the post. The app password and the session tokens appear in no
message, exception or ``repr``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import regex

from tidings.core.inbox import Sweep
from tidings.core.render import RenderedPart
from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.http import Caller, error_object, json_field, json_object
from tidings.platforms.paging import Pages
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "COLLECTION",
    "DEFAULT_APPVIEW",
    "DEFAULT_PDS",
    "POSTS_PER_READ",
    "AppViewReader",
    "BlueskyAdapter",
    "connect",
    "facet_spans",
    "inbox_reader",
    "listening_reader",
    "metrics_reader",
    "profile_reader",
    "record_key",
    "tid",
]

DEFAULT_PDS = "https://bsky.social"
DEFAULT_APPVIEW = "https://public.api.bsky.app"
POSTS_PER_READ = 25
"""``app.bsky.feed.getPosts`` takes at most 25 ``uris`` per request."""
POST_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount", "bookmarkCount")
PROFILE_COUNTS = ("followersCount", "followsCount", "postsCount")
COLLECTION = "app.bsky.feed.post"
WEB = "https://bsky.app"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
AUTH_ERRORS = frozenset(
    {"AuthenticationRequired", "InvalidToken", "AccountTakedown", "AuthFactorTokenRequired"}
)
MAX_PARTS = 1024  # the index lives in the low microseconds of one record-key slot
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
# The detection rules of Bluesky's own client (@atproto/api RichText.detectFacets).
HASHTAG = regex.compile(
    rf"(?:^|(?<=\s))[#＃](?!\ufe0f)([^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)"
)
TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
MENTION = regex.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)")
HANDLE = regex.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
MAX_TAG = 64
NOTIFICATIONS_PER_PAGE = 100
"""``app.bsky.notification.listNotifications`` answers at most 100 a request (``limit``)."""
RECORDS_PER_PAGE = 100
"""``com.atproto.repo.listRecords`` answers at most 100 a request."""
INBOX_PAGES = 100
"""The most pages one run reads per listing (notifications, our own posts)."""
SEARCH_PER_PAGE = 100
"""``app.bsky.feed.searchPosts`` answers at most 100 a request (``limit``, default 25)."""
LISTEN_PAGES = 10
"""The most pages of a search one run reads per term; the next run goes on from there."""
INBOX_REASONS = {"reply": InboxKind.REPLY, "mention": InboxKind.MENTION, "quote": InboxKind.QUOTE}
"""The notification reasons the inbox keeps (likes, reposts and follows are counts, not
conversation), and the kind each becomes."""
OWN_REPLY_SLACK = timedelta(days=1)
"""Our posts are listed by record key, which follows the time the post was made; a
record key may be older than its ``createdAt`` by the publisher's clock skew (or a
client's). Listing goes back this much further than the oldest item looked for."""


def tid(micros: int, clock_id: int) -> str:
    """A TID: 53 bits of microseconds since 1970 and 10 bits of clock id, top bit 0, written
    as 13 characters of base32-sortable."""
    if not 0 <= micros < 2**53 or not 0 <= clock_id < 2**10:
        raise ValueError("TID out of range")
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def record_key(key: str, index: int, started: datetime) -> str:
    """The record key (a TID) of part ``index`` of the attempt ``key`` begun at ``started``.

    Always the same for one (key, index). The attempts of one run share ``started`` (it has
    whole seconds), so a hash of the key spreads posts over 2**16 slots of 1024 µs after it
    and picks the 10-bit clock id: two posts share a record key with odds of about 1 in 2**26.
    The index adds microseconds, so a thread's parts sort in order.
    """
    if not 0 <= index < MAX_PARTS:
        raise ValueError(f"part index {index} out of range")
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    slot, clock_id = (digest >> 10) & 0xFFFF, digest & 0x3FF
    micros = (base.aware(started) - _EPOCH) // timedelta(microseconds=1)
    return tid(micros + slot * MAX_PARTS + index, clock_id)


def created_at(started: datetime, index: int) -> str:
    """``createdAt``: when the attempt began (UTC, milliseconds), a millisecond per part."""
    moment = base.aware(started).astimezone(UTC) + timedelta(milliseconds=index)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def facet_spans(part: RenderedPart) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) in code points: links, then hashtags and mentions outside
    them. ``kind`` is "link" (value: the URL), "tag" (no "#") or "mention" (the handle)."""
    spans = [(link.start, link.end, "link", link.url) for link in part.links]
    taken = [(start, end) for start, end, _, _ in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    text = part.text
    for match in HASHTAG.finditer(text):
        tag = TRAILING_PUNCTUATION.sub("", match.group(1))
        start = match.start()
        end = start + 1 + len(tag)
        if tag and len(tag) <= MAX_TAG and free(start, end):
            spans.append((start, end, "tag", tag))
            taken.append((start, end))
    for match in MENTION.finditer(text):
        handle = match.group(1).rstrip(".-")
        start = match.start()
        end = start + 1 + len(handle)
        if HANDLE.match(handle) and free(start, end):
            spans.append((start, end, "mention", handle))
            taken.append((start, end))
    return sorted(spans)


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def _error_name(response: httpx.Response) -> str:
    return str(json_field(response, "error") or "")


def _error_message(response: httpx.Response) -> str:
    body = error_object(response)
    if isinstance(body, str):
        return body
    message = body.get("message")
    return message if isinstance(message, str) else response.reason_phrase


@dataclass
class _Session:
    did: str
    handle: str
    access: str = field(repr=False)
    refresh: str = field(repr=False)


def _ref(remote: base.Remote) -> dict[str, str]:
    assert remote.cid is not None
    return {"uri": remote.id, "cid": remote.cid}


class BlueskyAdapter(base.PlatformAdapter, platform="bluesky", idempotent=True):
    """Publishes to one Bluesky account through its PDS."""

    def __init__(self, caller: Caller, pds: str, handle: str, password: str) -> None:
        self.caller = caller
        self.pds = pds.rstrip("/")
        self.handle = handle.removeprefix("@")
        self._password = password
        self._session: _Session | None = None
        self._dids: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"BlueskyAdapter(pds={self.pds!r}, handle={self.handle!r})"

    # --- the Adapter protocol -------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        session = self._login_once()
        rkey = record_key(out.key, index, out.started)
        what = f"post part {index + 1}"
        images = out.media if index == 0 else ()
        blobs = [self._upload(media, n) for n, media in enumerate(images, 1)]
        record = self._record(out, index, thread, images, blobs)
        body = {"repo": session.did, "collection": COLLECTION, "rkey": rkey, "record": record}
        try:
            data = _created(
                self._xrpc("POST", "com.atproto.repo.createRecord", what, json=body), what
            )
        except PlatformError as failed:
            # A record under this key means an earlier try went through: the repository
            # refuses a second create under one key (this PDS answers 500 for that).
            if failed.auth:
                raise
            try:
                existing = self._get(rkey, what)
            except PlatformError:
                raise failed from None
            if existing is None:
                raise failed
            if existing[2].get("text") != record["text"]:
                raise PlatformError(
                    f"{what}: record key {rkey} already holds a different post",
                    retryable=False,
                    status=failed.status,
                ) from None
            return self._remote(existing[0], existing[1])
        return self._remote(data[0], data[1])

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        found = self._get(record_key(out.key, index, out.started), f"find part {index + 1}")
        return None if found is None else self._remote(found[0], found[1])

    def delete(self, part: base.Remote) -> None:
        repo, collection, rkey = _split_uri(part.id)
        self._xrpc(
            "POST",
            "com.atproto.repo.deleteRecord",
            f"delete {part.id}",
            json={"repo": repo, "collection": collection, "rkey": rkey},
            allow=("RecordNotFound",),
        )

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """``bsky.app/profile/HANDLE/post/RKEY`` as strong refs: the handle resolved to a DID
        (``resolveHandle``; a DID in the URL is used as it is), the record read with
        ``getRecord`` for its cid, and the root taken from the record's own ``reply.root``
        when it is itself a reply (bsky-docs posts.md ``get_reply_refs``)."""
        handle, rkey = target.get("handle") or "", target.get("rkey") or ""
        did = handle if handle.startswith("did:") else self._resolve(handle)
        if did is None:
            raise PlatformError(f"find {target.url}: no account @{handle}", retryable=False)
        what = f"read {target.url}"
        response = self._xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            what,
            params={"repo": did, "collection": COLLECTION, "rkey": rkey},
            authed=False,
            allow=("RecordNotFound",),
        )
        if response.status_code != 200:
            raise PlatformError(f"{what}: there is no such post (deleted?)", retryable=False)
        data = response.json()
        parent = base.Remote(str(data["uri"]), target.url, str(data["cid"]))
        reply = (data.get("value") or {}).get("reply")
        root_ref = reply.get("root") if isinstance(reply, dict) else None
        if isinstance(root_ref, dict) and root_ref.get("uri") and root_ref.get("cid"):
            root = base.Remote(str(root_ref["uri"]), None, str(root_ref["cid"]))
        else:
            root = parent
        return base.ReplyParent(parent, root)

    # --- the inbox (the InboxReader protocol) ------------------------------------------

    def read_inbox(self, position: str | None) -> base.Reading:
        """``app.bsky.notification.listNotifications`` with ``reasons`` reply, mention and
        quote (:data:`INBOX_REASONS`; others are left out here too, for an AppView that
        ignores the filter), through the PDS, which hands ``app.bsky.*`` calls to its
        AppView. The listing runs newest first with a cursor that pages backwards, so it
        is read back to the newest ``indexedAt`` a finished sweep saw, at most
        :data:`INBOX_PAGES` pages of :data:`NOTIFICATIONS_PER_PAGE` a run; when the bound
        runs out first the sweep stays open (:class:`~tidings.core.inbox.Sweep`) and the
        next run goes on from the cursor of the next older page, so a backlog larger than
        the bound is read across runs without a gap. Bluesky has no direct messages in
        notifications (chat is another service, never read)."""
        arrivals: list[base.Arrival] = []
        sweep = Sweep.read(position)
        newest: str | None = None
        since = base.parse_time(sweep.reach) if sweep.reach else None
        reached = False

        def fetch(cursor: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {
                "limit": NOTIFICATIONS_PER_PAGE,
                "reasons": sorted(INBOX_REASONS),
            }
            if cursor:
                params["cursor"] = cursor
            response = self._xrpc(
                "GET",
                "app.bsky.notification.listNotifications",
                "read notifications",
                params=params,
            )
            return json_object(response, "read notifications")

        pages: Pages[dict[str, Any], str] = Pages(fetch, _cursor, INBOX_PAGES, start=sweep.resume)
        for page in pages:
            listed = page.get("notifications")
            for note in listed if isinstance(listed, list) else []:
                at = base.parse_time(note.get("indexedAt")) if isinstance(note, dict) else None
                if at is None:
                    continue
                if since is not None and at <= since:
                    reached = True
                    continue
                stamp = str(note["indexedAt"])
                if newest is None or at > (base.parse_time(newest) or at):
                    newest = stamp
                arrival = _arrival(note, at)
                if arrival is not None:
                    arrivals.append(arrival)
            if reached:
                break
        finished = reached or pages.ended
        after = sweep.after(newest, None if finished else pages.last)
        return base.Reading(tuple(arrivals), after.position, finished)

    def listen(self, term: str, position: str | None) -> base.Heard:
        """``app.bsky.feed.searchPosts`` (``q`` the term, a hashtag with its ``#``;
        ``sort=latest``; :data:`SEARCH_PER_PAGE` a request), through the PDS, which hands it
        to its AppView. Newest first with a cursor paging backwards; with a position (the
        newest ``indexedAt`` the run before saw, also sent as ``since``), read back to it, at
        most :data:`LISTEN_PAGES` pages, only posts strictly newer returned; without one,
        only the newest page (listening starts now). The account's own posts are left out.
        Two posts indexed in the very same millisecond as the position: the later one is
        not counted (the cost of a time cursor)."""
        me = self._login_once().did
        since = base.parse_time(position) if position else None
        newest = position
        found: dict[str, base.Match] = {}
        reached = False

        def fetch(cursor: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {"q": term, "sort": "latest", "limit": SEARCH_PER_PAGE}
            if position:
                params["since"] = position
            if cursor:
                params["cursor"] = cursor
            response = self._xrpc(
                "GET", "app.bsky.feed.searchPosts", f"search {term!r}", params=params
            )
            return json_object(response, f"search {term!r}")

        pages: Pages[dict[str, Any], str] = Pages(fetch, _cursor, LISTEN_PAGES if position else 1)
        for page in pages:
            listed = page.get("posts")
            for post in listed if isinstance(listed, list) else []:
                at = base.parse_time(post.get("indexedAt")) if isinstance(post, dict) else None
                if at is None:
                    continue
                if since is not None and at <= since:
                    reached = True
                    continue
                if newest is None or at > (base.parse_time(newest) or at):
                    newest = str(post["indexedAt"])
                match = _match(post, at, me)
                if match is not None:
                    found[match.id] = match
            if reached:
                break
        return base.Heard(tuple(found.values()), newest, reached or pages.ended or not position)

    def our_replies(self, since: datetime, to: Collection[str]) -> list[base.Reply]:
        """Our own posts from the PDS (``com.atproto.repo.listRecords``, newest record key
        first, :data:`RECORDS_PER_PAGE` a page), back to ``since`` less
        :data:`OWN_REPLY_SLACK`: those whose ``reply.parent.uri`` is one of ``to``. The
        repository is the truth about our posts, whichever app made them."""
        wanted = set(to)
        session = self._login_once()
        earliest = since - OWN_REPLY_SLACK
        found: list[base.Reply] = []
        older = False

        def fetch(cursor: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {
                "repo": session.did,
                "collection": COLLECTION,
                "limit": RECORDS_PER_PAGE,
            }
            if cursor:
                params["cursor"] = cursor
            response = self._xrpc(
                "GET", "com.atproto.repo.listRecords", "read our posts", params=params, authed=False
            )
            return json_object(response, "read our posts")

        def next_cursor(page: dict[str, Any]) -> str | None:
            return None if older or not page.get("records") else _cursor(page)

        for page in Pages(fetch, next_cursor, INBOX_PAGES):
            records = page.get("records")
            for record in records if isinstance(records, list) else []:
                value = record.get("value") if isinstance(record, dict) else None
                if not isinstance(value, dict):
                    continue
                created = base.parse_time(value.get("createdAt"))
                if created is None:
                    continue
                if created < earliest:
                    older = True
                    continue
                parent = ((value.get("reply") or {}).get("parent") or {}).get("uri")
                if parent in wanted:
                    uri = str(record["uri"])
                    url = f"{WEB}/profile/{session.handle}/post/{_split_uri(uri)[2]}"
                    found.append(base.Reply(str(parent), created, url))
        return found

    # --- records --------------------------------------------------------------------------

    def _record(
        self,
        out: base.Outgoing,
        index: int,
        thread: base.Thread,
        images: Sequence[base.MediaFile],
        blobs: Sequence[dict[str, Any]],
    ) -> dict[str, Any]:
        part = out.parts[index]
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": part.text,
            "createdAt": created_at(out.started, index),
        }
        if out.language:
            record["langs"] = [out.language]
        facets = self._facets(part)
        if facets:
            record["facets"] = facets
        if index > 0 or out.reply_to is not None:
            if index > 0 and not thread:
                raise ValueError(f"part {index + 1} needs the parts before it")
            if out.reply_to is not None:  # the conversation's root, whichever part this is
                root = self._with_cid(out.reply_to.root or out.reply_to.parent)
            else:
                root = self._with_cid(thread[0])
            parent = self._with_cid(thread[-1] if index > 0 else out.reply_to.parent)  # type: ignore[union-attr]
            record["reply"] = {"root": _ref(root), "parent": _ref(parent)}
        if blobs:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "image": blob,
                        "alt": media.alt,
                        "aspectRatio": {"width": media.width, "height": media.height},
                    }
                    for media, blob in zip(images, blobs, strict=True)
                ],
            }
        elif part.links:
            link = part.links[0]
            external: dict[str, Any] = {
                "uri": link.url,
                "title": part.text[link.start : link.end],
                "description": "",
            }
            card = out.link_card if index == 0 else None
            if card is not None and card.url == link.url:
                external["title"], external["description"] = card.title, card.description
                if card.thumb is not None:
                    try:
                        external["thumb"] = self._upload_bytes(*card.thumb, "upload card image")
                    except PlatformError as failed:  # a card never fails a post
                        if failed.auth:
                            raise
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        return record

    def _facets(self, part: RenderedPart) -> list[dict[str, Any]]:
        facets = []
        for start, end, kind, value in facet_spans(part):
            if kind == "link":
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": value}
            elif kind == "tag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": value}
            else:
                did = self._resolve(value)
                if did is None:
                    continue
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            facets.append({"index": _byte_range(part.text, start, end), "features": [feature]})
        return facets

    def _resolve(self, handle: str) -> str | None:
        key = handle.lower()
        if key not in self._dids:
            response = self._xrpc(
                "GET",
                "com.atproto.identity.resolveHandle",
                f"resolve @{handle}",
                params={"handle": key},
                authed=False,
                allow=("InvalidRequest", "HandleNotFound"),
            )
            did = response.json().get("did") if response.status_code == 200 else None
            self._dids[key] = str(did) if did else None
        return self._dids[key]

    def _upload(self, media: base.MediaFile, number: int) -> dict[str, Any]:
        return self._upload_bytes(media.path.read_bytes(), media.mime, f"upload image {number}")

    def _upload_bytes(self, data: bytes, mime: str, what: str) -> dict[str, Any]:
        response = self._xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            what,
            content=data,
            headers={"Content-Type": mime},
        )
        blob: dict[str, Any] = response.json()["blob"]
        return blob

    def _get(self, rkey: str, what: str) -> tuple[str, str, dict[str, Any]] | None:
        """(uri, cid, record) of our post under ``rkey``, None when there is none."""
        session = self._login_once()
        response = self._xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            what,
            params={"repo": session.did, "collection": COLLECTION, "rkey": rkey},
            authed=False,
            allow=("RecordNotFound",),
        )
        if response.status_code != 200:
            return None
        data = response.json()
        return str(data["uri"]), str(data["cid"]), dict(data.get("value") or {})

    def _with_cid(self, remote: base.Remote) -> base.Remote:
        """A reply needs the cid of its root and parent; read it when the ledger lacks it."""
        if remote.cid:
            return remote
        repo, collection, rkey = _split_uri(remote.id)
        response = self._xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            f"read {remote.id}",
            params={"repo": repo, "collection": collection, "rkey": rkey},
            authed=False,
        )
        return base.Remote(remote.id, remote.url, str(response.json()["cid"]))

    def _remote(self, uri: str, cid: str) -> base.Remote:
        handle = self._session.handle if self._session else self.handle
        return base.Remote(id=uri, url=f"{WEB}/profile/{handle}/post/{_split_uri(uri)[2]}", cid=cid)

    # --- XRPC and the session -------------------------------------------------------------

    def _xrpc(
        self,
        method: str,
        nsid: str,
        what: str,
        *,
        authed: bool = True,
        allow: tuple[str, ...] = (),
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One XRPC call. Every call is safe to repeat (record keys are ours). An error named
        in ``allow`` is returned, not raised; ``ExpiredToken`` refreshes the session once."""
        for retry in (False, True):
            sent = dict(headers or {})
            if authed:
                sent["Authorization"] = f"Bearer {self._login_once().access}"
            response = self.caller.call(
                method,
                f"{self.pds}/xrpc/{nsid}",
                safe=True,
                what=what,
                ok=(200, 400, 401),
                headers=sent,
                **kwargs,
            )
            if response.status_code == 200:
                return response
            name = _error_name(response)
            if name in allow:
                return response
            if authed and name == "ExpiredToken" and not retry:
                self._refresh()
                continue
            raise self._error(response, what, name)
        raise AssertionError("unreachable")

    def _error(self, response: httpx.Response, what: str, name: str) -> PlatformError:
        message = _error_message(response)
        for secret in self._secrets():
            message = message.replace(secret, "***")
        status = response.status_code
        return PlatformError(
            f"{what}: {status} {name + ': ' if name else ''}{message}",
            retryable=False,
            status=status,
            auth=status == 401 or name in AUTH_ERRORS or name == "ExpiredToken",
        )

    def _secrets(self) -> list[str]:
        found = [self._password]
        if self._session:
            found += [self._session.access, self._session.refresh]
        return [s for s in found if s]

    def _login_once(self) -> _Session:
        if self._session is None:
            self._session = self._create_session()
        return self._session

    def _create_session(self) -> _Session:
        response = self.caller.call(
            "POST",
            f"{self.pds}/xrpc/com.atproto.server.createSession",
            safe=True,
            what=f"log in as {self.handle}",
            ok=(200, 400, 401),
            json={"identifier": self.handle, "password": self._password},
        )
        if response.status_code != 200:
            error = self._error(response, f"log in as {self.handle}", _error_name(response))
            error.auth = True
            raise error
        return self._kept(_session(json_object(response, f"log in as {self.handle}")))

    def _kept(self, session: _Session) -> _Session:
        """``session`` with both its JWTs registered as secrets."""
        self.caller.secret(session.access, "accessJwt")
        self.caller.secret(session.refresh, "refreshJwt")
        return session

    def _refresh(self) -> None:
        assert self._session is not None
        response = self.caller.call(
            "POST",
            f"{self.pds}/xrpc/com.atproto.server.refreshSession",
            safe=True,
            what="refresh the session",
            ok=(200, 400, 401),
            headers={"Authorization": f"Bearer {self._session.refresh}"},
        )
        if response.status_code == 200:
            self._session = self._kept(_session(json_object(response, "refresh the session")))
        elif _error_name(response) in ("ExpiredToken", "InvalidToken"):
            self._session = self._create_session()  # the refresh token is gone: log in again
        else:
            raise self._error(response, "refresh the session", _error_name(response))


def _session(data: dict[str, Any]) -> _Session:
    """The session a ``createSession`` or ``refreshSession`` answer holds."""
    try:
        return _Session(
            did=str(data["did"]),
            handle=str(data["handle"]),
            access=str(data["accessJwt"]),
            refresh=str(data["refreshJwt"]),
        )
    except KeyError as missing:
        raise PlatformError(f"the PDS's session answer has no {missing}", retryable=True) from None


def _cursor(page: Mapping[str, Any]) -> str | None:
    cursor = page.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _arrival(note: Mapping[str, Any], at: datetime) -> base.Arrival | None:
    """A notification as an inbox arrival; None for a reason the inbox does not keep."""
    kind = INBOX_REASONS.get(str(note.get("reason")))
    uri = note.get("uri")
    if kind is None or not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    author = _mapping(note.get("author"))
    handle = str(author.get("handle") or author.get("did") or "")
    record = _mapping(note.get("record"))
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    if kind is InboxKind.QUOTE:
        parent = _quoted(record.get("embed"))
    text = record.get("text")
    return base.Arrival(
        id=uri,
        url=f"{WEB}/profile/{handle or _split_uri(uri)[0]}/post/{_split_uri(uri)[2]}",
        author=handle,
        at=at.astimezone(UTC),
        kind=kind,
        parent=parent if isinstance(parent, str) else None,
        text=text if isinstance(text, str) else None,
    )


def _match(post: Mapping[str, Any], at: datetime, me: str) -> base.Match | None:
    """A PostView of a search as a listening match; None for the account's own post."""
    uri = post.get("uri")
    author = _mapping(post.get("author"))
    if not isinstance(uri, str) or not uri.startswith("at://") or author.get("did") == me:
        return None
    handle = str(author.get("handle") or author.get("did") or "")
    text = _mapping(post.get("record")).get("text")
    return base.Match(
        id=uri,
        url=f"{WEB}/profile/{handle or _split_uri(uri)[0]}/post/{_split_uri(uri)[2]}",
        author=handle,
        at=at.astimezone(UTC),
        text=text if isinstance(text, str) else None,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _quoted(embed: object) -> str | None:
    """The URI a post's embed quotes (``embed.record``, or ``recordWithMedia``'s record)."""
    if not isinstance(embed, dict):
        return None
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
        inner = inner["record"]  # recordWithMedia
    uri = inner.get("uri") if isinstance(inner, dict) else None
    return uri if isinstance(uri, str) else None


def _split_uri(uri: str) -> tuple[str, str, str]:
    """``at://<repo>/<collection>/<rkey>`` → (repo, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3:
        raise ValueError(f"not a record URI: {uri!r}")
    return parts[0], parts[1], parts[2]


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> BlueskyAdapter:
    """The adapter for a ``platform: bluesky`` channel (credentials handle, app_password, pds)."""
    return BlueskyAdapter(
        caller,
        pds=base.credential(channel, env, "pds", default=DEFAULT_PDS),
        handle=base.credential(channel, env, "handle"),
        password=base.credential(channel, env, "app_password"),
    )


class AppViewReader:
    """Reads counts from a Bluesky AppView: public data, no login, no app password.

    The numbers are the AppView's (the PDS keeps records, not counts): ``getPosts`` with up
    to :data:`POSTS_PER_READ` URIs a request, ``getProfile`` for followers. Bluesky reports
    no views; ``bookmarkCount`` is kept in ``raw`` only.
    """

    platform: ClassVar[str] = "bluesky"

    def __init__(self, caller: Caller, appview: str, actor: str) -> None:
        self.caller = caller
        self.appview = appview.rstrip("/")
        self.actor = actor.removeprefix("@")

    def __repr__(self) -> str:
        return f"AppViewReader(appview={self.appview!r}, actor={self.actor!r})"

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        uris = list(dict.fromkeys(p.id for p in parts if p.id.startswith("at://")))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uris), POSTS_PER_READ):
            batch = uris[start : start + POSTS_PER_READ]
            what = f"read {len(batch)} post(s) from the AppView"
            body = self._get("app.bsky.feed.getPosts", what, {"uris": batch})
            posts = body.get("posts")
            if not isinstance(posts, list):
                raise PlatformError(f"{what}: the answer has no list of posts", retryable=True)
            found.update((str(p.get("uri")), p) for p in posts if isinstance(p, dict))
        return base.counts_by_part(
            {p.id: p.id if p.id.startswith("at://") else None for p in parts},
            found,
            _post_counts,
            "is not an at:// record URI",
            "the AppView has no such post (deleted, or hidden)",
        )

    def account_metrics(self) -> AccountCounts:
        body = self._get(
            "app.bsky.actor.getProfile", f"read the profile of {self.actor}", {"actor": self.actor}
        )
        raw = {name: count(body.get(name)) for name in PROFILE_COUNTS if name in body}
        return AccountCounts(followers=raw.get("followersCount"), raw=raw)

    def read_profile(self) -> base.Profile:
        """``app.bsky.actor.getProfile``: ``displayName``, ``description`` (the bio), the
        addresses in it (the app links bare domains too), avatar and banner measured, and
        verified when ``verification.verifiedStatus`` is ``valid``. Bluesky has no locked
        accounts."""
        what = f"read the profile of {self.actor}"
        body = self._get("app.bsky.actor.getProfile", what, {"actor": self.actor})
        bio = body.get("description") if isinstance(body.get("description"), str) else None
        verification = body.get("verification")
        status = verification.get("verifiedStatus") if isinstance(verification, dict) else None
        name = body.get("displayName")
        return base.Profile(
            display_name=name if isinstance(name, str) else None,
            bio=bio,
            links=base.links_in(bio) + _bare_domains(bio),
            avatar=base.fetch_image(self.caller, _text(body.get("avatar")), "avatar"),
            banner=base.fetch_image(self.caller, _text(body.get("banner")), "banner"),
            verified=status == "valid" if status is not None else None,
            locked=None,
            url=f"{WEB}/profile/{body.get('handle') or self.actor}",
        )

    def _get(self, nsid: str, what: str, params: Mapping[str, Any]) -> dict[str, Any]:
        response = self.caller.call(
            "GET", f"{self.appview}/xrpc/{nsid}", safe=True, what=what, ok=(200,), params=params
        )
        return json_object(response, what)


_BARE = regex.compile(r"(?<![\w@/.])((?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s]*)?)", regex.I)


def _bare_domains(text: str | None) -> tuple[str, ...]:
    """Addresses written without ``https://`` (``lumengrain.example/prices``), which the
    Bluesky app shows as links, each as ``https://…``."""
    found = []
    for match in _BARE.findall(regex.sub(r"https?://\S+", " ", text or "")):
        url = "https://" + match.rstrip(".,;:!?")
        if url not in found:
            found.append(url)
    return tuple(found)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _post_counts(post: Mapping[str, Any]) -> Counts:
    raw = {name: count(post.get(name)) for name in POST_COUNTS if name in post}
    return Counts(
        likes=raw.get("likeCount"),
        reposts=raw.get("repostCount"),
        replies=raw.get("replyCount"),
        quotes=raw.get("quoteCount"),
        views=None,
        raw=raw,
    )


inbox_reader = connect
"""The inbox reader of a Bluesky channel: the adapter itself (notifications need the
account's session; its own posts are read from its PDS)."""

listening_reader = connect
"""The listening reader of a Bluesky channel: the adapter itself (``searchPosts`` through
the account's PDS, which needs its session)."""


def profile_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> AppViewReader:
    """The profile reader of a Bluesky channel: public, as :func:`metrics_reader`."""
    return metrics_reader(channel, env, caller)


def metrics_reader(channel: Channel, env: Mapping[str, str], caller: Caller) -> AppViewReader:
    """The metrics reader of a Bluesky channel: only the handle is needed (credential
    ``handle``); the AppView is credential ``appview`` if set, else :data:`DEFAULT_APPVIEW`."""
    return AppViewReader(
        caller,
        appview=base.credential(channel, env, "appview", default=DEFAULT_APPVIEW),
        actor=base.credential(channel, env, "handle"),
    )


def _created(response: httpx.Response, what: str) -> tuple[str, str]:
    """The ``uri`` and ``cid`` of a created record. An answer without them is uncertain
    (the record may exist): the caller looks it up under its record key, never sends blindly."""
    data = json_object(response, what, uncertain=True)
    uri, cid = data.get("uri"), data.get("cid")
    if not isinstance(uri, str) or not uri or not isinstance(cid, str) or not cid:
        raise PlatformError(
            f"{what}: the answer has no record uri and cid", retryable=True, uncertain=True
        )
    return uri, cid
