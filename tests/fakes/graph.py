"""What the fake Threads and Instagram servers share: Meta's Graph conventions, built from
../shared/platforms.md (Threads and Instagram rows, §3 error format, §7 notes).

* Any version prefix (``/v1.0``, ``/v23.0``) is accepted; parameters come from the query
  string and a form body alike; the token is ``access_token`` (query or form) or a Bearer
  header. A wrong token is 400 code 190 ``OAuthException``; an expired one is 400 code 190
  subcode 463 (``expire()``).
* Media containers: created ``IN_PROGRESS``, ready after ``polls`` status reads (then
  ``FINISHED``), or ``ERROR`` with an ``error_message``, ``EXPIRED``, or stuck in progress
  (``next_states``); publishing one that is not ready is 400 code 9007/2207027; a published
  container reads ``PUBLISHED``.
* Lists answer newest first with ``since``, ``limit`` and ``paging.cursors.after``.
* Rate limits are Meta's: HTTP 400 with code 4 (``rate_limit_body``).

The clock (``clock``) starts at :data:`START` and runs with real time, so the timestamps
agree with the tests' ``--now`` in December 2026; tests may replace it.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from .server import Fake

START = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
VERSION = re.compile(r"^/v\d+(?:\.\d+)?(?=/)")


def graph_body(
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    transient: bool = False,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "is_transient": transient,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    return {"error": error}


def graph_error(status: int, message: str, code: int, **kw: Any) -> httpx.Response:
    return httpx.Response(status, json=graph_body(message, code, **kw))


def rate_limit_body() -> dict[str, Any]:
    return graph_body("(#4) Application request limit reached", 4, transient=True)


def expired_body() -> dict[str, Any]:
    return graph_body(
        "Error validating access token: Session has expired on Tuesday, 08-Dec-26 09:00:00 "
        "PST. The current time is Thursday, 10-Dec-26 00:05:00 PST.",
        190,
        subcode=463,
    )


def not_found(object_id: str) -> httpx.Response:
    return graph_error(
        400,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def invalid(message: str, **kw: Any) -> httpx.Response:
    return graph_error(400, message, 100, **kw)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphFake(Fake):
    """One account on a Graph host. Subclasses route the paths (:meth:`route`)."""

    status_field = "status"
    numbers = itertools.count(17_900_000_000_000_001)

    def __init__(self, *, user_id: str, username: str, polls: int = 1) -> None:
        super().__init__()
        self.user_id = user_id
        self.username = username
        self.token = f"EAAG{user_id}x" + "s3cr3t" * 6
        self.expired = False
        self.polls = polls
        self.next_states: list[tuple[str, str | None]] = []
        """States for the next containers created: ("ERROR", message), ("EXPIRED", None),
        ("STUCK", None); popped one per container."""
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}  # published posts (and comments), by id
        self.deleted: list[str] = []
        self.quota_total = 250
        self.followers: int | None = 321
        self.insights: dict[str, dict[str, int | None]] = {}
        self.profile: dict[str, Any] = {}
        """The account's profile fields as the platform names them (``biography``,
        ``profile_picture_url``…): :meth:`profile_fields` answers those ``fields`` asks for."""
        """Per media id, the insight values; None: the platform has no number (empty list)."""
        started = time.monotonic()
        self.clock: Callable[[], datetime] = lambda: (
            START + timedelta(seconds=time.monotonic() - started)
        )

    # -- for tests -----------------------------------------------------------------------

    def expire(self) -> None:
        self.expired = True

    def new_id(self) -> str:
        return str(next(self.numbers))

    def published(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The posts (not deleted) in creation order, optionally only one ``kind``."""
        return [
            m
            for m in self.media.values()
            if m["id"] not in self.deleted and (kind is None or m["kind"] == kind)
        ]

    # -- dispatch ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = self.params(request)
        refused = self.check_token(request, params)
        if refused is not None:
            return refused
        path = VERSION.sub("", request.url.path).strip("/")
        segments = [s for s in path.split("/") if s]
        if segments and segments[0] == "me":
            segments[0] = self.user_id
        return self.route(request, request.method, segments, params)

    def route(
        self, request: httpx.Request, method: str, path: list[str], params: dict[str, str]
    ) -> httpx.Response:
        raise NotImplementedError

    @staticmethod
    def params(request: httpx.Request) -> dict[str, str]:
        found = {k: v for k, v in request.url.params.items()}
        kind = request.headers.get("content-type", "")
        if request.content and "application/x-www-form-urlencoded" in kind:
            for key, values in parse_qs(request.content.decode(), keep_blank_values=True).items():
                found[key] = values[-1]
        return found

    def check_token(self, request: httpx.Request, params: dict[str, str]) -> httpx.Response | None:
        token = params.get("access_token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if not token:
            return graph_error(
                400, "An active access token must be used to query information.", 2500
            )
        if token != self.token:
            return graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        if self.expired:
            return httpx.Response(400, json=expired_body())
        return None

    def profile_fields(self, params: dict[str, str]) -> dict[str, Any]:
        """The account's ``id`` and the :attr:`profile` fields ``fields`` asks for (a field
        expansion such as ``picture.type(large)`` asks for ``picture``); a field not set is
        left out, as Graph leaves out an empty one."""
        body: dict[str, Any] = {"id": self.user_id}
        for name in re.split(r",(?![^(]*\))", params.get("fields", "")):
            base = name.split(".", 1)[0].split("{", 1)[0]
            if base in self.profile:
                body[base] = self.profile[base]
        return body

    # -- containers ----------------------------------------------------------------------

    def make_container(self, params: dict[str, str]) -> httpx.Response:
        container = self.new_id()
        state, message = self.next_states.pop(0) if self.next_states else ("FINISHED", None)
        self.containers[container] = {
            "id": container,
            "params": dict(params),
            "reads": 0,
            "final": state,
            "error_message": message,
            "published": None,
        }
        return httpx.Response(200, json={"id": container})

    def container_state(self, container: dict[str, Any], *, read: bool) -> str:
        if container["published"]:
            return "PUBLISHED"
        if read:
            container["reads"] += 1
        if container["final"] == "STUCK" or container["reads"] <= self.polls:
            return "IN_PROGRESS"
        return str(container["final"])

    def read_container(self, container: dict[str, Any]) -> httpx.Response:
        state = self.container_state(container, read=True)
        body: dict[str, Any] = {self.status_field: state, "id": container["id"]}
        if state == "ERROR":
            body["error_message"] = container["error_message"]
            if self.status_field == "status_code":
                body["status"] = f"Error: {container['error_message']}"
        return httpx.Response(200, json=body)

    def take_container(self, params: dict[str, str]) -> dict[str, Any] | httpx.Response:
        """The container a publish request names, when it may be published."""
        container = self.containers.get(params.get("creation_id", ""))
        if container is None:
            return invalid("(#100) The parameter creation_id is required and must be valid")
        state = self.container_state(container, read=False)
        if state == "PUBLISHED":
            return invalid("(#100) The media has already been published", subcode=2207008)
        if state != "FINISHED":
            return graph_error(
                400,
                "Media ID is not available",
                9007,
                subcode=2207027,
                user_title="Media not ready for publishing",
                user_msg="The media is not ready for publishing, please wait for a moment",
            )
        return container

    def posts_in_day(self, kinds: tuple[str, ...]) -> int:
        since = self.clock() - timedelta(days=1)
        return sum(1 for m in self.published() if m["kind"] in kinds and m["created"] >= since)

    # -- lists and insights --------------------------------------------------------------

    def listing(
        self,
        items: list[dict[str, Any]],
        params: dict[str, str],
        fields: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> httpx.Response:
        """Newest first, ``since`` (unix seconds), ``limit`` (default 25), ``after``."""
        since = params.get("since")
        chosen = sorted(items, key=lambda m: (m["created"], m["id"]), reverse=True)
        if since:
            floor = datetime.fromtimestamp(int(since), UTC)
            chosen = [m for m in chosen if m["created"] >= floor]
        limit = int(params.get("limit") or 25)
        start = int(params.get("after") or 0)
        page = chosen[start : start + limit]
        body: dict[str, Any] = {"data": [fields(m) for m in page]}
        if page:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
            if start + len(page) < len(chosen):
                body["paging"]["next"] = "https://graph.example/next"
        return httpx.Response(200, json=body)

    def insights_of(
        self, media_id: str, params: dict[str, str], allowed: tuple[str, ...]
    ) -> httpx.Response:
        if media_id not in self.media or media_id in self.deleted:
            return not_found(media_id)
        names = [n for n in params.get("metric", "").split(",") if n]
        for name in names:
            if name not in allowed:
                return invalid(
                    f"(#100) metric[{names.index(name)}] must be one of the following values: "
                    + ", ".join(allowed)
                )
        values = self.insights.get(media_id, {})
        data = []
        for name in names:
            value = values.get(name, 0)
            data.append(
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [] if value is None else [{"value": value}],
                    "title": name.title(),
                    "id": f"{media_id}/insights/{name}/lifetime",
                }
            )
        return httpx.Response(200, json={"data": data})


def origin(request: httpx.Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc.decode()}"
