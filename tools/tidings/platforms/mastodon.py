"""Mastodon: statuses with an ``Idempotency-Key``, images with alt text, threads by reply.

Publishing a part: upload the images (part 0 only) with ``POST /api/v2/media``, wait until
the server has processed them, then ``POST /api/v1/statuses`` with the header
``Idempotency-Key: <part key>``. Both calls are safe to repeat: Mastodon answers a repeated
key with the status it already created, and an upload that is never attached is removed by
the server.

Reconciling a crashed attempt (:meth:`MastodonAdapter.find_part`), where the rule is
*never post twice*:

* Mastodon keeps an ``Idempotency-Key`` for one hour after the status was created. While
  the attempt began less than :data:`KEY_FRESH` (50 minutes) ago, the key is certainly
  still stored, so the lookup *is* the replay: the same POST with the same key returns the
  status if the crashed run created it, and creates it exactly once if it did not.
* Later the key may be gone and a replay could post a second copy, so nothing is sent.
  The account's own statuses are read newest first (``limit=40``, at most five pages) and
  compared on their plain text (Mastodon returns HTML; ``@user@domain`` shows as
  ``@user``), their reply parent and their images' alt text. Texts that are equal once
  whitespace is collapsed match; texts equal only in their letters and digits (the server
  formatted them) match when there are at least :data:`LOOSE_MINIMUM` of them. One match
  is returned. None is returned only when the pages reach back past the start of the
  attempt (less :data:`CLOCK_SKEW`) or to an empty page, and nothing matched or nearly
  matched. Everything else raises :class:`Unknowable` for a person to settle: history too
  long to read, two matches, our text with other images, a short text that matches only
  loosely.

So ``find_part`` can publish the part while the key is fresh: call it only where the part
would otherwise be sent. A status deleted by hand since the crash is not found by the
replay (Mastodon looks the key up among existing statuses) and is posted again.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.http import Caller, json_object
from tidings.platforms.paging import Pages
from tidings.workspace.inbox import InboxKind
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "KEY_FRESH",
    "InstanceLimits",
    "MastodonAdapter",
    "connect",
    "inbox_reader",
    "instance_limits",
    "listening_reader",
    "metrics_reader",
    "plain_text",
]

KEY_FRESH = timedelta(minutes=50)
"""Mastodon stores an Idempotency-Key for 3600 s; replay only well inside that."""
CLOCK_SKEW = timedelta(minutes=10)
"""How far the server's ``created_at`` may disagree with our clock."""
ATTEMPT_TOLERANCE = timedelta(minutes=1)
"""A status with our text that the server dates more than this before the attempt began
was not made by it (perhaps by hand): it is never taken for our part."""
MEDIA_WAIT = 60.0
"""Seconds to wait for the server to finish processing the images of one post."""
LOOSE_MINIMUM = 20
"""Letters and digits a text needs before a match that ignores formatting counts."""
_POLL_DELAYS = (1.0, 2.0, 3.0, 5.0)  # then 5 s until MEDIA_WAIT is used up
STATUSES_PER_READ = 20
"""``GET /api/v1/statuses?id[]=…`` answers at most this many (``DEFAULT_STATUSES_LIMIT``)."""
STATUS_COUNTS = ("favourites_count", "reblogs_count", "replies_count", "quotes_count")
ACCOUNT_COUNTS = ("followers_count", "following_count", "statuses_count")
NOTIFICATIONS_PER_PAGE = 40
"""``GET /api/v1/notifications`` answers at most 40 a request (``limit``, default 40)."""
INBOX_PAGES = 100
"""The most pages of notifications (or of the account's own statuses) one run reads per
channel; the next run goes on from where this one stopped."""
_LINK_MIN_ID = re.compile(r"[?&]min_id=(\d+)")


@dataclass(frozen=True)
class InstanceLimits:
    """What ``GET /api/v2/instance`` says about statuses and media (defaults: Mastodon's)."""

    max_characters: int = 500
    characters_reserved_per_url: int = 23
    max_media_attachments: int = 4
    image_size_limit: int | None = None
    image_matrix_limit: int | None = None
    description_limit: int | None = None  # alt text; advertised from Mastodon 4.4
    supported_mime_types: tuple[str, ...] = ()


def _int(value: object, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def instance_limits(caller: Caller, base_url: str) -> InstanceLimits:
    """Read the instance's limits (no token needed). Raises PlatformError."""
    response = caller.call(
        "GET", f"{base_url}/api/v2/instance", safe=True, what="read instance limits", ok=(200,)
    )
    body = _json(response)
    config = body.get("configuration")
    config = config if isinstance(config, dict) else {}
    statuses = config.get("statuses")
    statuses = statuses if isinstance(statuses, dict) else {}
    media = config.get("media_attachments")
    media = media if isinstance(media, dict) else {}
    mimes = media.get("supported_mime_types")
    default = InstanceLimits()
    return InstanceLimits(
        max_characters=_int(statuses.get("max_characters"), default.max_characters) or 500,
        characters_reserved_per_url=_int(
            statuses.get("characters_reserved_per_url"), default.characters_reserved_per_url
        )
        or 23,
        max_media_attachments=_int(
            statuses.get("max_media_attachments", media.get("max_media_attachments")),
            default.max_media_attachments,
        )
        or 4,
        image_size_limit=_int(media.get("image_size_limit"), None),
        image_matrix_limit=_int(media.get("image_matrix_limit"), None),
        description_limit=_int(media.get("description_limit"), None),
        supported_mime_types=tuple(m for m in mimes if isinstance(m, str))
        if isinstance(mimes, list)
        else (),
    )


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> MastodonAdapter:
    """The adapter for a Mastodon channel (credentials ``base_url`` and ``access_token``)."""
    base_url = base.credential(channel, env, "base_url").rstrip("/")
    token = base.credential(channel, env, "access_token")
    return MastodonAdapter(caller, base_url, token)


metrics_reader = connect
"""The metrics reader of a Mastodon channel: the adapter itself (it needs the token for
``verify_credentials`` and for statuses that are not public)."""

profile_reader = connect
"""The profile reader of a Mastodon channel: the adapter itself (``verify_credentials``
shows the bio as written, ``source.note``, beside the rendered ``note``)."""

inbox_reader = connect
"""The inbox reader of a Mastodon channel: the adapter itself (notifications need the
token's ``read:notifications`` scope, the account's statuses ``read:statuses``)."""

listening_reader = connect
"""The listening reader of a Mastodon channel: the adapter itself (``GET
/api/v1/timelines/tag/:hashtag`` and ``GET /api/v2/search?type=statuses``)."""

LISTEN_PAGES = 10
"""The most pages one run reads per term and channel; the next run goes on from there."""


class MastodonAdapter(base.PlatformAdapter, platform="mastodon", idempotent=True):
    def __init__(
        self,
        caller: Caller,
        base_url: str,
        token: str,
        *,
        page_size: int = 40,
        max_pages: int = 5,
        processing_attempts: int = 6,
    ) -> None:
        self.caller = caller
        self.base_url = base_url
        self._token = token
        self.page_size = page_size
        self.max_pages = max_pages
        self.processing_attempts = processing_attempts
        self._limits: InstanceLimits | None = None
        self._account_id: str | None = None
        self._batch_reads = True

    def __repr__(self) -> str:
        return f"MastodonAdapter({self.base_url!r})"

    def limits(self) -> InstanceLimits:
        """The instance's limits, read once per adapter."""
        if self._limits is None:
            self._limits = instance_limits(self.caller, self.base_url)
        return self._limits

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        _check_thread(index, thread)
        media_ids = [self._upload(m, n) for n, m in enumerate(out.media, 1)] if index == 0 else []
        data: dict[str, Any] = {
            "status": out.parts[index].text,
            "visibility": str(out.options.get("visibility", "public")),
        }
        if media_ids:
            data["media_ids[]"] = media_ids
        parent = base.parent_of(out, index, thread)
        if parent is not None:
            data["in_reply_to_id"] = parent.id
        if out.language:
            data["language"] = out.language
        what = f"post part {index + 1}"
        headers = {"Idempotency-Key": out.part_key(index)}
        delays = iter(_processing_delays(self.processing_attempts))
        while True:
            try:
                response = self._call(
                    "POST", "/api/v1/statuses", safe=True, what=what, data=data, headers=headers
                )
            except PlatformError as error:
                if not _still_processing(error):
                    raise
                delay = next(delays, None)
                if delay is None:  # try again in the next run
                    raise PlatformError(error.message, retryable=True, status=422) from None
                self.caller.sleep(delay)
                continue
            return _remote(_json(response), what)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        _check_thread(index, thread)
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        if now - base.aware(out.started) < KEY_FRESH:
            return self.publish_part(out, index, thread)  # the key is still stored: replay
        return self._search_history(out, index, thread)

    def reply_parent(self, target: base.ReplyTarget) -> base.ReplyParent:
        """The status's id on this instance. The id in the URL is tried first (a status on
        this instance: its ``url`` or ``uri`` must be the URL), then
        ``GET /api/v2/search?q=URL&resolve=true&type=statuses``, which fetches a remote
        status into this instance; the status whose ``url`` or ``uri`` is the URL is taken,
        never a search result that merely mentions it."""
        wanted = _same_url(target.url)
        status_id = target.get("status")
        if status_id:
            found = self._read_status(status_id)
            if found is not None and wanted in {
                _same_url(str(found.get("url") or "")),
                _same_url(str(found.get("uri") or "")),
            }:
                return base.ReplyParent(base.Remote(str(found["id"]), found.get("url")))
        what = f"find {target.url} on {self.base_url}"
        response = self._call(
            "GET",
            "/api/v2/search",
            safe=True,
            what=what,
            params={"q": target.url, "resolve": "true", "type": "statuses", "limit": 5},
        )
        statuses = _json(response).get("statuses")
        for status in statuses if isinstance(statuses, list) else []:
            if not isinstance(status, dict) or status.get("id") is None:
                continue
            urls = {_same_url(str(status.get(k) or "")) for k in ("url", "uri")}
            if wanted in urls:
                return base.ReplyParent(base.Remote(str(status["id"]), status.get("url")))
        raise PlatformError(
            f"{what}: the instance does not know that status (deleted, private, or from an "
            "instance that blocks this one)",
            retryable=False,
        )

    def delete(self, part: base.Remote) -> None:
        self._call(
            "DELETE",
            f"/api/v1/statuses/{part.id}",
            safe=True,
            what=f"delete status {part.id}",
            ok=(200, 404),  # 404: already gone
        )

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """Counts as this instance sees them, :data:`STATUSES_PER_READ` statuses a request
        (Mastodon 4.3+). A server without that endpoint (404) is read one status at a time.
        Mastodon reports no views; ``quotes_count`` only from 4.5: otherwise null."""
        ids = {part.id: _status_id(part.id) for part in parts}
        wanted = sorted({i for i in ids.values() if i}, key=lambda i: (len(i), i))
        found: dict[str, Mapping[str, Any]] = {}
        if self._batch_reads:
            try:
                for start in range(0, len(wanted), STATUSES_PER_READ):
                    found.update(self._read_statuses(wanted[start : start + STATUSES_PER_READ]))
            except PlatformError as error:
                if error.status != 404:
                    raise
                self._batch_reads = False  # before Mastodon 4.3
        if not self._batch_reads:
            for status_id in wanted:
                if status_id not in found:
                    status = self._read_status(status_id)
                    if status is not None:
                        found[status_id] = status
        return base.counts_by_part(
            ids,
            found,
            _status_counts,
            "is not a status id or a status address",
            "the server has no such status (deleted, or private)",
        )

    def account_metrics(self) -> AccountCounts:
        response = self._call(
            "GET", "/api/v1/accounts/verify_credentials", safe=True, what="read the account"
        )
        body = _json(response)
        raw = {name: count(body.get(name)) for name in ACCOUNT_COUNTS if name in body}
        return AccountCounts(followers=raw.get("followers_count"), raw=raw)

    def read_profile(self) -> base.Profile:
        """``GET /api/v1/accounts/verify_credentials``: display name, the bio as written
        (``source.note``, else the text of ``note``), the profile's links (its fields' and
        the bio's), avatar and header measured, ``locked``; verified when a field's link
        carries ``verified_at`` (Mastodon's rel=me check)."""
        response = self._call(
            "GET", "/api/v1/accounts/verify_credentials", safe=True, what="read the profile"
        )
        body = _json(response)
        found = body.get("source")
        source: dict[str, Any] = found if isinstance(found, dict) else {}
        note = source.get("note") if isinstance(source.get("note"), str) else None
        if note is None and isinstance(body.get("note"), str):
            note = plain_text(body["note"])
        fields = [f for f in body.get("fields") or () if isinstance(f, dict)]
        values = [plain_text(str(f.get("value") or "")) for f in fields]
        hrefs = [h for f in fields for h in _HREF.findall(str(f.get("value") or ""))]
        links = base.links_in(*hrefs, *values, note)
        verified = any(f.get("verified_at") for f in fields) if fields else None
        avatar, header = body.get("avatar"), body.get("header")
        return base.Profile(
            display_name=body.get("display_name")
            if isinstance(body.get("display_name"), str)
            else None,
            bio=note,
            links=links,
            avatar=None
            if _placeholder(avatar)
            else base.fetch_image(self.caller, avatar, "avatar"),
            banner=None
            if _placeholder(header)
            else base.fetch_image(self.caller, header, "header"),
            verified=verified,
            locked=body.get("locked") if isinstance(body.get("locked"), bool) else None,
            url=body.get("url") if isinstance(body.get("url"), str) else None,
        )

    def _read_statuses(self, ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        what = f"read {len(ids)} status(es)"
        response = self._call("GET", "/api/v1/statuses", safe=True, what=what, params={"id[]": ids})
        page = response.json()
        if not isinstance(page, list):
            raise PlatformError(f"{what}: the answer is not a list", retryable=True)
        return {str(s["id"]): s for s in page if isinstance(s, dict) and s.get("id") is not None}

    def _read_status(self, status_id: str) -> Mapping[str, Any] | None:
        what = f"read status {status_id}"
        response = self._call(
            "GET", f"/api/v1/statuses/{status_id}", safe=True, what=what, ok=(200, 404, 410)
        )
        return _json(response) if response.status_code == 200 else None

    # -- the inbox (the InboxReader protocol) --------------------------------------------

    def read_inbox(self, position: str | None) -> base.Reading:
        """``GET /api/v1/notifications?types[]=mention``, oldest first from ``position``
        (the newest notification id seen; ``min_id``, which Mastodon answers with the
        notifications immediately newer, so a run that stops at the page bound leaves no
        gap: the next one goes on from there), :data:`NOTIFICATIONS_PER_PAGE` a request.
        The next page starts at the ``min_id`` of the ``Link`` header's ``prev`` address
        (only that value is taken from it), else at the page's newest id; a short page is
        the end. A reply to one of our statuses is a mention too (Mastodon mentions the
        author replied to). Statuses with ``visibility: direct`` (direct messages) are
        skipped, never returned."""
        me = self._account()
        arrivals: list[base.Arrival] = []
        newest = position
        complete = False
        cursor = position or "0"
        for _ in range(INBOX_PAGES):
            response = self._call(
                "GET",
                "/api/v1/notifications",
                safe=True,
                what="read notifications",
                params={"types[]": ["mention"], "limit": NOTIFICATIONS_PER_PAGE, "min_id": cursor},
            )
            page = response.json()
            if not isinstance(page, list):
                raise PlatformError("read notifications: the answer is not a list", retryable=True)
            ids = [str(n["id"]) for n in page if isinstance(n, dict) and n.get("id") is not None]
            for notification in page:
                arrival = _arrival(notification, me) if isinstance(notification, dict) else None
                if arrival is not None:
                    arrivals.append(arrival)
            if ids:
                top = max(ids, key=_id_order)
                newest = top if newest is None else max(newest, top, key=_id_order)
            if len(page) < NOTIFICATIONS_PER_PAGE or not ids:
                complete = True
                break
            cursor = _link_min_id(response) or newest or cursor
        return base.Reading(tuple(arrivals), newest, complete)

    def our_replies(self, since: datetime, to: Collection[str]) -> list[base.Reply]:
        """The account's own statuses (``GET /api/v1/accounts/:id/statuses``, newest first,
        40 a page, at most :data:`INBOX_PAGES` pages) back to ``since`` (less
        :data:`CLOCK_SKEW`), those whose ``in_reply_to_id`` is one of ``to``."""
        wanted = set(to)
        path = f"/api/v1/accounts/{self._account()}/statuses"
        earliest = since - CLOCK_SKEW
        found: list[base.Reply] = []

        def fetch(max_id: str | None) -> list[Any]:
            params: dict[str, str | int] = {"limit": self.page_size, "exclude_reblogs": "true"}
            if max_id:
                params["max_id"] = max_id
            response = self._call("GET", path, safe=True, what="read our statuses", params=params)
            page = response.json()
            if not isinstance(page, list):
                raise PlatformError("read our statuses: the answer is not a list", retryable=True)
            return page

        for page in Pages(fetch, _last_id, INBOX_PAGES):
            if not page:
                break
            older = False
            for status in page:
                if not isinstance(status, dict):
                    continue
                created = base.parse_time(status.get("created_at"))
                if created is not None and created < earliest:
                    older = True
                    continue
                parent = status.get("in_reply_to_id")
                if parent is None or str(parent) not in wanted or created is None:
                    continue
                url = status.get("url") or status.get("uri") or str(status.get("id"))
                found.append(base.Reply(str(parent), created, str(url)))
            if older or len(page) < self.page_size:
                break
        return found

    # -- listening (the ListeningReader protocol) ----------------------------------------

    def listen(self, term: str, position: str | None) -> base.Heard:
        """A hashtag reads its public tag timeline (``GET /api/v1/timelines/tag/:hashtag``)
        forward from ``position`` with ``min_id``, as the inbox reads notifications (the
        ``Link`` header's ``prev`` gives the next page); a keyword reads ``GET
        /api/v2/search?type=statuses`` newest first (``max_id`` pages back) until it
        reaches ``position``. Either way only public statuses strictly newer than
        ``position``, none of the brand account's own, are returned. Without a position,
        only the newest page is read (listening starts now, not at the server's start)."""
        me = self._account()
        if term.startswith("#"):
            pages = self._tag_pages(term[1:], position)
        else:
            pages = self._search_pages(term, position)
        seen: dict[str, base.Match] = {}
        newest = position
        complete = True
        for page, last in pages:
            for status in page:
                match = _match(status, me)
                if match is None or (
                    position is not None and _id_order(match.id) <= _id_order(position)
                ):
                    continue
                seen[match.id] = match
            ids = [str(s["id"]) for s in page if isinstance(s, dict) and s.get("id") is not None]
            if ids:
                top = max(ids, key=_id_order)
                newest = top if newest is None else max(newest, top, key=_id_order)
            complete = last
        return base.Heard(tuple(seen.values()), newest, complete)

    def _statuses(
        self, path: str, what: str, params: dict[str, Any]
    ) -> tuple[list[Any], httpx.Response]:
        response = self._call("GET", path, safe=True, what=what, params=params)
        page = response.json()
        if isinstance(page, dict):  # /api/v2/search answers {accounts, statuses, hashtags}
            page = page.get("statuses")
        if not isinstance(page, list):
            raise PlatformError(f"{what}: the answer is not a list", retryable=True)
        return [s for s in page if isinstance(s, dict)], response

    def _tag_pages(self, tag: str, position: str | None) -> Iterator[tuple[list[Any], bool]]:
        path = f"/api/v1/timelines/tag/{quote(tag, safe='')}"
        limit = self.page_size
        if position is None:  # the newest page only
            page, _ = self._statuses(path, f"read #{tag}", {"limit": limit})
            yield page, True
            return
        cursor = position
        for _ in range(LISTEN_PAGES):
            params = {"limit": limit, "min_id": cursor}
            page, response = self._statuses(path, f"read #{tag}", params)
            ids = [str(s["id"]) for s in page if s.get("id") is not None]
            last = len(page) < limit or not ids
            yield page, last
            if last:
                return
            cursor = _link_min_id(response) or max(ids, key=_id_order)
        return

    def _search_pages(self, q: str, position: str | None) -> Iterator[tuple[list[Any], bool]]:
        limit = self.page_size
        max_id: str | None = None
        seen: set[str] = set()
        for _ in range(LISTEN_PAGES if position is not None else 1):
            params: dict[str, Any] = {"q": q, "type": "statuses", "limit": limit}
            if position is not None:
                params["min_id"] = position
            if max_id is not None:
                params["max_id"] = max_id
            page, _ = self._statuses("/api/v2/search", f"search {q!r}", params)
            ids = [str(s["id"]) for s in page if s.get("id") is not None]
            fresh = [i for i in ids if i not in seen]
            seen.update(ids)
            oldest = min(ids, key=_id_order) if ids else None
            reached = position is None or oldest is None or _id_order(oldest) <= _id_order(position)
            # a short page, one that reaches the position, or one that repeats the last
            # (a server that ignores max_id) is the end
            last = len(page) < limit or reached or not fresh
            yield page, last or position is None
            if last:
                return
            max_id = oldest
        return

    # -- requests ------------------------------------------------------------------------

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
        all_headers = {**(headers or {}), "Authorization": f"Bearer {self._token}"}
        try:
            return self.caller.call(
                method,
                f"{self.base_url}{path}",
                safe=safe,
                what=what,
                ok=ok,
                headers=all_headers,
                **kwargs,
            )
        except PlatformError as error:
            raise error.scrubbed([self._token]) from None

    def _upload(self, media: base.MediaFile, number: int) -> str:
        what = f"upload image {number}"
        response = self._call(
            "POST",
            "/api/v2/media",
            safe=True,  # an upload never attached is harmless
            what=what,
            ok=(200, 202),
            files={"file": (media.path.name, media.path.read_bytes(), media.mime)},
            data={"description": media.alt},
        )
        body = _json(response)
        media_id = body.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise PlatformError(f"{what}: the answer has no media id", retryable=True)
        if response.status_code == 202:
            self._wait_processed(media_id, what)
        return media_id

    def _wait_processed(self, media_id: str, what: str) -> None:
        """Poll ``GET /api/v1/media/:id`` (206 = still processing) until it answers 200."""
        waited = 0.0
        for attempt in range(1000):
            delay = _POLL_DELAYS[min(attempt, len(_POLL_DELAYS) - 1)]
            if waited + delay > MEDIA_WAIT:
                break
            self.caller.sleep(delay)
            waited += delay
            response = self._call(
                "GET", f"/api/v1/media/{media_id}", safe=True, what=what, ok=(200, 206)
            )
            if response.status_code == 200:
                return
        raise PlatformError(
            f"{what}: the server was still processing it after {waited:.0f} s", retryable=True
        )

    # -- reconciling without the key -----------------------------------------------------

    def _account(self) -> str:
        if self._account_id is None:
            response = self._call(
                "GET", "/api/v1/accounts/verify_credentials", safe=True, what="read the account"
            )
            account_id = _json(response).get("id")
            if not isinstance(account_id, str) or not account_id:
                raise PlatformError("read the account: the answer has no id", retryable=True)
            self._account_id = account_id
        return self._account_id

    def _search_history(
        self, out: base.Outgoing, index: int, thread: base.Thread
    ) -> base.Remote | None:
        what = f"look for part {index + 1} in the account's statuses"
        since = base.aware(out.started) - CLOCK_SKEW
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        earliest = min(base.aware(out.started), now) - ATTEMPT_TOLERANCE
        path = f"/api/v1/accounts/{self._account()}/statuses"
        want = _Wanted.of(out, index, thread)
        matches: list[dict[str, Any]] = []
        near = 0
        covered = False

        def fetch(max_id: str | None) -> list[Any]:
            params: dict[str, str | int] = {"limit": self.page_size}
            if max_id:
                params["max_id"] = max_id
            response = self._call("GET", path, safe=True, what=what, params=params)
            page = response.json()
            if not isinstance(page, list):
                raise PlatformError(f"{what}: the answer is not a list", retryable=True)
            return page

        for page in Pages(fetch, _last_id, self.max_pages):
            if not page:
                covered = True  # the account's whole history has been read
                break
            for status in page:
                if not isinstance(status, dict):
                    continue
                created = base.parse_time(status.get("created_at"))
                if created is not None and created < since:
                    covered = True
                    break
                verdict = want.compare(status)
                if verdict == "match" and created is not None and created < earliest:
                    verdict = "near"  # our text, but older than the attempt
                if verdict == "match":
                    matches.append(status)
                elif verdict == "near":
                    near += 1
            if covered:
                break
        if len(matches) == 1 and not near:
            return _remote(matches[0], what)
        if matches or near:
            raise base.Unknowable(
                f"part {index + 1}: {len(matches)} status(es) match and {near} nearly match "
                "(similar text, other images or alt text, or our text from before the attempt) "
                "since the attempt began; check "
                "the account and settle it by hand"
            )
        if covered:
            return None
        raise base.Unknowable(
            f"part {index + 1}: the account posted more than {self.page_size * self.max_pages} "
            "statuses since the attempt began; it could not be checked for sure"
        )


@dataclass(frozen=True)
class _Wanted:
    """What a status must look like to be the part we are looking for."""

    strict: str
    loose: str
    reply_to: str | None
    alts: tuple[str, ...]
    skip: frozenset[str]

    @classmethod
    def of(cls, out: base.Outgoing, index: int, thread: base.Thread) -> _Wanted:
        text = _shorten_mentions(out.parts[index].text)
        parent = base.parent_of(out, index, thread)
        reply_to = parent.id if parent is not None else None
        alts = tuple(_strict(m.alt) for m in out.media) if index == 0 else ()
        return cls(_strict(text), _loose(text), reply_to, alts, frozenset(p.id for p in thread))

    def compare(self, status: Mapping[str, Any]) -> str:
        """``match``; ``near``: our text with other images, or a short text equal only when
        formatting is ignored (too little to be sure); ``no``."""
        if status.get("reblog") or str(status.get("id")) in self.skip:
            return "no"
        parent = status.get("in_reply_to_id")
        if (str(parent) if parent else None) != self.reply_to:
            return "no"
        content = status.get("content")
        text = _shorten_mentions(plain_text(content) if isinstance(content, str) else "")
        if _strict(text) != self.strict:
            if not self.loose or _loose(text) != self.loose:
                return "no"
            if len(self.loose) < LOOSE_MINIMUM:
                return "near"
        attachments = status.get("media_attachments")
        alts = tuple(
            _strict(str(a.get("description") or ""))
            for a in (attachments if isinstance(attachments, list) else [])
            if isinstance(a, dict)
        )
        return "match" if alts == self.alts else "near"


_HREF = re.compile(r'href="([^"]+)"')
_MISSING = ("/missing.png", "/generated/")
"""Where Mastodon (``/avatars/original/missing.png``, ``/headers/original/missing.png``) and
mastodon-mock (``/avatars/generated/<acct>.svg``) point an account that set no image."""


def _placeholder(url: object) -> bool:
    return not isinstance(url, str) or not url or any(m in url for m in _MISSING)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "p" and self.chunks:
            self.chunks.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def plain_text(content: str) -> str:
    """The text of a status's HTML ``content``: paragraphs and line breaks kept, tags
    dropped (a shortened link's hidden spans still hold the whole URL)."""
    parser = _TextOf()
    parser.feed(content)
    parser.close()
    return html.unescape("".join(parser.chunks)).strip()


_REMOTE_MENTION = re.compile(r"(?<![\w@/])(@\w[\w.-]*)@[\w-]+(?:\.[\w-]+)+", re.ASCII)


def _shorten_mentions(text: str) -> str:
    """``@user@domain`` is shown as ``@user`` in the rendered HTML."""
    return _REMOTE_MENTION.sub(r"\1", text)


def _strict(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _loose(text: str) -> str:
    """Letters and digits only: survives the server's own formatting of the text."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _same_url(url: str) -> str:
    """A status URL as compared: scheme and host in lower case, no trailing ``/``."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _status_id(part_id: str) -> str:
    """The status id of a ledger part: the id itself, or the last segment of a status web
    address recorded by hand (``https://instance/@user/1134…``). Empty when neither."""
    candidate = part_id.rstrip("/").rsplit("/", 1)[-1]
    return candidate if candidate.isdigit() else ""


def _status_counts(status: Mapping[str, Any]) -> Counts:
    raw = {name: count(status.get(name)) for name in STATUS_COUNTS if name in status}
    return Counts(
        likes=raw.get("favourites_count"),
        reposts=raw.get("reblogs_count"),
        replies=raw.get("replies_count"),
        quotes=raw.get("quotes_count"),
        views=None,
        raw=raw,
    )


def _check_thread(index: int, thread: base.Thread) -> None:
    if index > 0 and not thread:
        raise ValueError(f"part {index + 1} replies to the part before it: pass the thread")


def _still_processing(error: PlatformError) -> bool:
    return error.status == 422 and "processing" in error.message.lower()


def _processing_delays(attempts: int) -> list[float]:
    return [min(5.0, 1.0 * 2**n) for n in range(attempts)]


def _json(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object; an error names the request (``GET /api/v1/…``)."""
    what = f"{response.request.method} {response.request.url.path}"
    return json_object(response, what, uncertain=True, status=True)


def _id_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numbers in strings: a longer one is newer."""
    return (len(status_id), status_id)


def _link_min_id(response: httpx.Response) -> str | None:
    """The ``min_id`` of the ``Link`` header's ``rel="prev"`` address (newer items)."""
    for link in response.headers.get("link", "").split(","):
        if 'rel="prev"' in link:
            found = _LINK_MIN_ID.search(link)
            if found:
                return found.group(1)
    return None


def _arrival(notification: Mapping[str, Any], me: str) -> base.Arrival | None:
    """A mention notification as an inbox arrival; None for a direct message, or one
    without a status."""
    status = notification.get("status")
    if not isinstance(status, dict) or status.get("visibility") == "direct":
        return None
    account = status.get("account") or notification.get("account") or {}
    acct = (
        str(account.get("acct") or account.get("username") or "")
        if isinstance(account, dict)
        else ""
    )
    at = base.parse_time(notification.get("created_at")) or base.parse_time(
        status.get("created_at")
    )
    if at is None or status.get("id") is None:
        return None
    parent = status.get("in_reply_to_id")
    to_us = str(status.get("in_reply_to_account_id") or "") == me
    content = status.get("content")
    return base.Arrival(
        id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or "") or None,
        author=f"@{acct}" if acct else "",
        at=at.astimezone(UTC),
        kind=InboxKind.REPLY if parent is not None and to_us else InboxKind.MENTION,
        parent=str(parent) if parent is not None else None,
        text=plain_text(content) if isinstance(content, str) else None,
    )


def _match(status: Mapping[str, Any], me: str) -> base.Match | None:
    """A public status as a listening match; None for one that is not public, is the
    brand account's own, or has no id or time."""
    if status.get("visibility", "public") != "public" or status.get("id") is None:
        return None
    account = status.get("account") or {}
    if not isinstance(account, dict) or str(account.get("id") or "") == me:
        return None
    at = base.parse_time(status.get("created_at"))
    if at is None:
        return None
    acct = str(account.get("acct") or account.get("username") or "")
    content = status.get("content")
    return base.Match(
        id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or "") or None,
        author=f"@{acct}" if acct else "",
        at=at.astimezone(UTC),
        text=plain_text(content) if isinstance(content, str) else None,
    )


def _last_id(page: list[Any]) -> str:
    """Where the next (older) page of statuses starts: the last one's id (``max_id``); ""
    when it has none. Paging goes on until a page is empty: a short page alone does not
    prove the end."""
    return str(page[-1].get("id", "")) if isinstance(page[-1], dict) else ""


def _remote(status: Mapping[str, Any], what: str) -> base.Remote:
    """The status a create call answered with; an answer without a usable id is uncertain
    (the status may exist), so the publisher reconciles it under the same Idempotency-Key
    instead of sending it again under a new one."""
    status_id = status.get("id")
    if not isinstance(status_id, str) or not status_id:
        raise PlatformError(f"{what}: the answer has no status id", retryable=True, uncertain=True)
    url = status.get("url") or status.get("uri")
    return base.Remote(status_id, url if isinstance(url, str) else None)
