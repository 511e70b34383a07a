"""A small Bluesky AppView for the tests: the public read endpoints tidings uses,
answered from the records on the test PDS (which has no AppView of its own).

The real AppView counts what it sees on the network; this one counts the records of every
repository on the PDS, read through the PDS's own sync and repo APIs
(``com.atproto.sync.listRepos``, ``describeRepo``, ``listRecords``; a repository is read
again only when its ``rev`` changed):

* ``GET /xrpc/app.bsky.feed.getPosts?uris=…`` (1 to 25 ``uris``, else 400
  ``InvalidRequest``): ``{"posts": [PostView]}`` in the order asked, unknown posts left out.
  ``likeCount`` / ``repostCount``: ``app.bsky.feed.like`` / ``.repost`` records whose
  ``subject.uri`` is the post; ``replyCount``: posts whose ``reply.parent.uri`` is it;
  ``quoteCount``: posts embedding it (``app.bsky.embed.record``, or ``recordWithMedia``);
  ``bookmarkCount``: 0 (bookmarks are private, not records).
* ``GET /xrpc/app.bsky.feed.getAuthorFeed?actor=…&filter=…&limit=…`` (limit 1 to 100):
  ``{"feed": [{"post": PostView, "reason"?}]}``, newest first: the actor's posts and its
  reposts (with ``reason`` ``#reasonRepost``); ``filter=posts_no_replies`` leaves out its
  replies. No cursor: one page.
* ``GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID>``: ``followersCount``
  (``app.bsky.graph.follow`` records whose subject is the DID), ``followsCount``,
  ``postsCount``; an unknown actor is 400 ``InvalidRequest`` "Profile not found". With an
  ``app.bsky.actor.profile`` record (rkey ``self``): its ``displayName`` and
  ``description``, and ``avatar`` / ``banner`` as addresses of the blobs (the real AppView
  hands out its CDN's copy; here the PDS's own ``com.atproto.sync.getBlob``).

* ``GET /xrpc/app.bsky.notification.listNotifications?reasons=…&limit=…&cursor=…``
  (lexicon ``app.bsky.notification.listNotifications``, bluesky-social/atproto
  ``lexicons/app/bsky/notification/listNotifications.json``; added here for the inbox, as
  the PDS has no AppView to hand it to): needs ``Authorization: Bearer <accessJwt>``, which
  is checked by asking the PDS (``com.atproto.server.getSession``; 401
  ``AuthenticationRequired`` without one). Answers ``{"notifications": [Notification],
  "cursor"?}``, newest ``indexedAt`` first (the record's ``createdAt``), ``limit`` 1 to 100
  (default 50), the cursor being the last one's ``indexedAt`` and URI. A notification is
  ``{uri, cid, author: {did, handle}, reason, reasonSubject?, record, isRead: false,
  indexedAt}`` for another account's ``reply`` (``reply.parent`` is the viewer's post),
  ``quote`` (embeds the viewer's post), ``mention`` (a ``#mention`` facet of the viewer's
  DID, in a post that is no reply to the viewer), ``like``, ``repost`` and ``follow``;
  ``reasons`` (repeated) keeps only those reasons.

* ``GET /xrpc/app.bsky.feed.searchPosts?q=…&sort=…&since=…&limit=…&cursor=…`` (lexicon
  ``app.bsky.feed.searchPosts``, bluesky-social/atproto
  ``lexicons/app/bsky/feed/searchPosts.json``; added here for listening): ``q`` required
  (400 ``InvalidRequest`` without), matched case-insensitively in the post's text (a
  ``#tag`` also by the post's ``tags`` and ``#tag`` facets); ``sort`` ``latest`` (the
  default here; ``top`` is served the same way), newest ``indexedAt`` first; ``since``
  (inclusive) a datetime; ``limit`` 1 to 100 (default 25). Answers ``{"posts":
  [PostView], "cursor"?}``, the cursor being the last one's ``indexedAt`` and URI.

Everything else (``com.atproto.*``, GET and POST) is passed to the PDS unchanged, so the
AppView's address can stand for the PDS in a channel, as a real PDS hands ``app.bsky.*``
calls to its AppView and serves the rest itself.

For the tests: ``requests`` logs every request as ``(nsid, {param: [values]})``, and
``fail(status, count=…)`` makes the next requests answer ``status`` with an XRPC error body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

MAX_URIS = 25
POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"
COLLECTIONS = (
    POST,
    "app.bsky.feed.like",
    "app.bsky.feed.repost",
    "app.bsky.graph.follow",
    PROFILE,
)


@dataclass
class _Repo:
    rev: str
    did: str
    handle: str
    records: dict[str, list[dict[str, Any]]]  # collection -> [{uri, cid, value}]


@dataclass
class _Fault:
    status: int
    count: int | None
    body: dict[str, Any]


@dataclass
class AppView:
    pds_url: str
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    _repos: dict[str, _Repo] = field(default_factory=dict)
    _faults: list[_Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> AppView:
        view = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                sent = self.rfile.read(length) if length else b""
                auth = self.headers.get("Authorization")
                answer = view.handle(self.path, auth) if method == "GET" else None
                if answer is None:
                    kind = self.headers.get("Content-Type")
                    status, data, kind = view.forward(method, self.path, auth, kind, sent)
                else:
                    status, kind = answer[0], "application/json; charset=utf-8"
                    data = json.dumps(answer[1]).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail(
        self, status: int = 500, *, count: int | None = 1, error: str = "InternalServerError"
    ) -> None:
        """Answer the next ``count`` requests (None: all) with ``status`` and an XRPC error."""
        body = {"error": error, "message": f"{error} (fault injected by the test)"}
        self._faults.append(_Fault(status, count, body))

    def calls(self, nsid: str) -> list[dict[str, list[str]]]:
        return [params for name, params in self.requests if name == nsid]

    # ------------------------------------------------------------------ requests

    def forward(
        self, method: str, target: str, auth: str | None, kind: str | None, body: bytes
    ) -> tuple[int, bytes, str]:
        """Pass a request the AppView does not serve to the PDS, unchanged."""
        headers = {k: v for k, v in (("Authorization", auth), ("Content-Type", kind)) if v}
        response = httpx.request(
            method, f"{self.pds_url}{target}", headers=headers, content=body, timeout=10.0
        )
        return (
            response.status_code,
            response.content,
            response.headers.get("content-type", "application/json"),
        )

    def handle(self, target: str, auth: str | None = None) -> tuple[int, dict[str, Any]] | None:
        """The answer to a GET the AppView serves; None for one it passes to the PDS."""
        split = urlsplit(target)
        nsid = split.path.removeprefix("/xrpc/")
        params = parse_qs(split.query)
        with self._lock:
            self.requests.append((nsid, params))
            for fault in self._faults:
                if fault.count is None or fault.count > 0:
                    if fault.count is not None:
                        fault.count -= 1
                    return fault.status, fault.body
            try:
                if nsid == "app.bsky.feed.getPosts":
                    return self._get_posts(params.get("uris", []))
                if nsid == "app.bsky.actor.getProfile":
                    return self._get_profile((params.get("actor") or [""])[0])
                if nsid == "app.bsky.feed.getAuthorFeed":
                    return self._get_author_feed(
                        (params.get("actor") or [""])[0],
                        (params.get("filter") or ["posts_with_replies"])[0],
                        (params.get("limit") or ["50"])[0],
                    )
                if nsid == "app.bsky.notification.listNotifications":
                    return self._list_notifications(auth, params)
                if nsid == "app.bsky.feed.searchPosts":
                    return self._search_posts(params)
            except httpx.HTTPError as exc:
                return 502, {"error": "UpstreamFailure", "message": str(exc)}
        if nsid.startswith("app.bsky."):
            return 501, {"error": "MethodNotImplemented", "message": f"{nsid} is not served here"}
        return None

    def _list_notifications(
        self, auth: str | None, params: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        if not auth:
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
        session = httpx.get(
            f"{self.pds_url}/xrpc/com.atproto.server.getSession",
            headers={"Authorization": auth},
            timeout=10.0,
        )
        if session.status_code != 200:
            return 401, {"error": "InvalidToken", "message": "Token could not be verified"}
        viewer = session.json()["did"]
        limit = (params.get("limit") or ["50"])[0]
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return 400, _invalid("limit must be 1 to 100")
        reasons = set(params.get("reasons") or params.get("reasons[]") or [])
        repos = self._index()
        found = [n for n in _notifications(repos, viewer) if not reasons or n["reason"] in reasons]
        found.sort(key=lambda n: (n["indexedAt"], n["uri"]), reverse=True)
        cursor = (params.get("cursor") or [""])[0]
        if cursor:
            after = tuple(cursor.split("::", 1))
            found = [n for n in found if (n["indexedAt"], n["uri"]) < after]
        page = found[: int(limit)]
        body: dict[str, Any] = {"notifications": page}
        if len(found) > len(page):
            body["cursor"] = f"{page[-1]['indexedAt']}::{page[-1]['uri']}"
        return 200, body

    def _search_posts(self, params: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        q = (params.get("q") or [""])[0].strip()
        if not q:
            return 400, _invalid('Error: Params must have the property "q"')
        limit = (params.get("limit") or ["25"])[0]
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return 400, _invalid("limit must be 1 to 100")
        since = (params.get("since") or [""])[0]
        repos = self._index()
        found = []
        for repo in repos.values():
            for record in repo.records[POST]:
                value = record["value"]
                if not _matches(value, q):
                    continue
                view = _view(repos, repo, record)
                if since and str(view["indexedAt"] or "") < since:
                    continue
                found.append(view)
        found.sort(key=lambda v: (v["indexedAt"] or "", v["uri"]), reverse=True)
        cursor = (params.get("cursor") or [""])[0]
        if cursor:
            after = tuple(cursor.split("::", 1))
            found = [v for v in found if (v["indexedAt"] or "", v["uri"]) < after]
        page = found[: int(limit)]
        body: dict[str, Any] = {"posts": page}
        if len(found) > len(page):
            body["cursor"] = f"{page[-1]['indexedAt']}::{page[-1]['uri']}"
        return 200, body

    def _get_posts(self, uris: list[str]) -> tuple[int, dict[str, Any]]:
        if not uris or len(uris) > MAX_URIS:
            return 400, _invalid(f"uris must have 1 to {MAX_URIS} elements, not {len(uris)}")
        if any(not u.startswith("at://") for u in uris):
            return 400, _invalid("uris must be at-uris")
        repos = self._index()
        records = {r["uri"]: (repo, r) for repo in repos.values() for r in repo.records[POST]}
        posts = [_view(repos, *records[uri]) for uri in uris if uri in records]
        return 200, {"posts": posts}

    def _get_author_feed(self, actor: str, filter: str, limit: str) -> tuple[int, dict[str, Any]]:
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            return 400, _invalid("limit must be 1 to 100")
        repos = self._index()
        repo = next((r for r in repos.values() if actor in (r.did, r.handle)), None)
        if repo is None:
            return 400, _invalid("Profile not found")
        items: list[tuple[str, dict[str, Any]]] = []
        for record in repo.records[POST]:
            if filter == "posts_no_replies" and _parent(record["value"]) is not None:
                continue
            items.append(
                (record["value"].get("createdAt", ""), {"post": _view(repos, repo, record)})
            )
        records = {r["uri"]: (o, r) for o in repos.values() for r in o.records[POST]}
        for repost in repo.records["app.bsky.feed.repost"]:
            subject = (repost["value"].get("subject") or {}).get("uri")
            if subject in records:
                when = repost["value"].get("createdAt", "")
                reason = {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "by": {"did": repo.did, "handle": repo.handle},
                    "indexedAt": when,
                }
                items.append((when, {"post": _view(repos, *records[subject]), "reason": reason}))
        items.sort(key=lambda item: item[0], reverse=True)
        return 200, {"feed": [item for _, item in items[: int(limit)]]}

    def _get_profile(self, actor: str) -> tuple[int, dict[str, Any]]:
        repos = self._index()
        repo = next((r for r in repos.values() if actor in (r.did, r.handle)), None)
        if repo is None:
            return 400, _invalid("Profile not found")
        followers = sum(
            1 for v in _values(repos, "app.bsky.graph.follow") if v.get("subject") == repo.did
        )
        own = next((r["value"] for r in repo.records[PROFILE] if r["uri"].endswith("/self")), {})
        shown: dict[str, Any] = {}
        for key in ("displayName", "description"):
            if isinstance(own.get(key), str):
                shown[key] = own[key]
        for key in ("avatar", "banner"):
            link = (own.get(key) or {}).get("ref", {}).get("$link")
            if link:
                shown[key] = (
                    f"{self.pds_url}/xrpc/com.atproto.sync.getBlob?did={repo.did}&cid={link}"
                )
        return 200, {
            "did": repo.did,
            "handle": repo.handle,
            **shown,
            "followersCount": followers,
            "followsCount": len(repo.records["app.bsky.graph.follow"]),
            "postsCount": len(repo.records[POST]),
            "labels": [],
            "viewer": {},
        }

    # ------------------------------------------------------------------ the index

    def _index(self) -> dict[str, _Repo]:
        with httpx.Client(base_url=self.pds_url, timeout=10.0) as pds:
            for entry in _pages(pds, "com.atproto.sync.listRepos", "repos", {}):
                did, rev = entry["did"], entry.get("rev", "")
                known = self._repos.get(did)
                if known is not None and known.rev == rev:
                    continue
                handle = _get(pds, "com.atproto.repo.describeRepo", {"repo": did})["handle"]
                records = {
                    c: list(
                        _pages(
                            pds,
                            "com.atproto.repo.listRecords",
                            "records",
                            {"repo": did, "collection": c},
                        )
                    )
                    for c in COLLECTIONS
                }
                self._repos[did] = _Repo(rev, did, handle, records)
        return self._repos


def _notifications(repos: dict[str, _Repo], viewer: str) -> Iterator[dict[str, Any]]:
    """Every notification ``viewer`` has, in no order."""
    for repo in repos.values():
        if repo.did == viewer:
            continue
        for collection, records in repo.records.items():
            for record in records:
                reason, subject = _reason(collection, record["value"], viewer)
                if reason is None:
                    continue
                note = {
                    "uri": record["uri"],
                    "cid": record["cid"],
                    "author": {"did": repo.did, "handle": repo.handle},
                    "reason": reason,
                    "record": record["value"],
                    "isRead": False,
                    "indexedAt": record["value"].get("createdAt", ""),
                    "labels": [],
                }
                if subject:
                    note["reasonSubject"] = subject
                yield note


def _reason(collection: str, value: dict[str, Any], viewer: str) -> tuple[str | None, str | None]:
    def mine(uri: str | None) -> bool:
        return bool(uri) and str(uri).startswith(f"at://{viewer}/")

    if collection in ("app.bsky.feed.like", "app.bsky.feed.repost"):
        subject = (value.get("subject") or {}).get("uri")
        name = "like" if collection.endswith("like") else "repost"
        return (name, subject) if mine(subject) else (None, None)
    if collection == "app.bsky.graph.follow":
        return ("follow", None) if value.get("subject") == viewer else (None, None)
    parent = _parent(value)
    if mine(parent):
        return "reply", parent
    quoted = _quoted(value)
    if mine(quoted):
        return "quote", quoted
    for facet in value.get("facets") or ():
        for feature in facet.get("features") or ():
            if feature.get("$type") == "app.bsky.richtext.facet#mention" and (
                feature.get("did") == viewer
            ):
                return "mention", None
    return None, None


def _view(repos: dict[str, _Repo], repo: _Repo, record: dict[str, Any]) -> dict[str, Any]:
    """A post as the AppView shows it (PostView), with counts from every repository."""
    uri = record["uri"]
    return {
        "uri": uri,
        "cid": record["cid"],
        "author": {"did": repo.did, "handle": repo.handle},
        "record": record["value"],
        "indexedAt": record["value"].get("createdAt"),
        "likeCount": _subjects(repos, "app.bsky.feed.like", uri),
        "repostCount": _subjects(repos, "app.bsky.feed.repost", uri),
        "replyCount": sum(1 for v in _values(repos, POST) if _parent(v) == uri),
        "quoteCount": sum(1 for v in _values(repos, POST) if _quoted(v) == uri),
        "bookmarkCount": 0,
        "labels": [],
        "viewer": {},
    }


def _get(pds: httpx.Client, nsid: str, params: dict[str, Any]) -> dict[str, Any]:
    response = pds.get(f"/xrpc/{nsid}", params=params)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _pages(
    pds: httpx.Client, nsid: str, key: str, params: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = _get(pds, nsid, {**params, "limit": 100, **({"cursor": cursor} if cursor else {})})
        yield from page[key]
        cursor = page.get("cursor")
        if not cursor or not page[key]:
            return


def _values(repos: dict[str, _Repo], collection: str) -> Iterator[dict[str, Any]]:
    for repo in repos.values():
        for record in repo.records[collection]:
            yield record["value"]


def _subjects(repos: dict[str, _Repo], collection: str, uri: str) -> int:
    return sum(1 for v in _values(repos, collection) if (v.get("subject") or {}).get("uri") == uri)


def _parent(value: dict[str, Any]) -> str | None:
    reply = value.get("reply") or {}
    parent = reply.get("parent") or {}
    uri = parent.get("uri")
    return uri if isinstance(uri, str) else None


def _quoted(value: dict[str, Any]) -> str | None:
    embed = value.get("embed") or {}
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        uri = (embed.get("record") or {}).get("uri")
    elif kind == "app.bsky.embed.recordWithMedia":
        uri = ((embed.get("record") or {}).get("record") or {}).get("uri")
    else:
        return None
    return uri if isinstance(uri, str) else None


def _matches(value: dict[str, Any], q: str) -> bool:
    """Whether a post matches a search: the words in its text (case-insensitive); a
    ``#tag`` also by its ``tags`` or a ``#tag`` facet."""
    text = str(value.get("text") or "").lower()
    if q.startswith("#"):
        tag = q[1:].lower()
        tags = {str(t).lower() for t in value.get("tags") or ()}
        for facet in value.get("facets") or ():
            for feature in facet.get("features") or ():
                if feature.get("$type") == "app.bsky.richtext.facet#tag":
                    tags.add(str(feature.get("tag", "")).lower())
        return tag in tags or q.lower() in text
    return q.lower() in text


def _invalid(message: str) -> dict[str, Any]:
    return {"error": "InvalidRequest", "message": message}
