"""What the Meta Graph APIs (Threads, Instagram, Facebook Pages) share: their error body, a
caller that keeps the access token out of every message, container polling, quotas.

**Errors.** Graph answers ``{"error": {"message", "type", "code", "error_subcode",
"is_transient", "error_user_title", "error_user_msg", "fbtrace_id"}}``, mostly with HTTP 400
whatever went wrong, so the *code* decides (:func:`graph_error`, usable as
``Caller.classify``):

* throttling, codes :data:`RATE_LIMIT_CODES` (4, 17, 32, 613, 80001…): retryable; the
  request was refused, so it is certain nothing was created. The wait is Meta's
  ``estimated_time_to_regain_access`` (``X-Business-Use-Case-Usage``/``X-App-Usage``
  headers) when given, else :data:`THROTTLE_WAIT`; a wait longer than the caller's budget
  ends the run's attempt and the next run tries again;
* an expired, revoked or invalid token, codes :data:`AUTH_CODES` (190, 102, 463, 467…),
  or a missing permission, :data:`PERMISSION_CODES` (10, 200-299), or HTTP 401/403:
  ``auth=True``, the publisher stops the channel; :class:`Graph` adds the name of the
  variable holding the token and how to refresh it, never the value;
* ``is_transient``, codes 1/2 or a 5xx: retryable, and *uncertain* (the platform may have
  acted): a request that could create a post is then reconciled, never blindly resent;
* everything else (code 100 invalid parameter, 36000/2207xxx media errors, 24 not ready…):
  permanent, with Meta's ``error_user_msg`` when it has one, else its ``message``.

**Tokens.** Graph tokens travel in the query string (``access_token=…``), as Meta's docs
show. Messages are built from the error body and the caller's ``what`` only, never from
URLs; :class:`Graph` also replaces the token in any message text as a last guard.

**Containers.** Threads and Instagram publish in three steps: create a container, wait until
its status is ``FINISHED``, publish it. :func:`wait_finished` polls with the injected sleep:
the first read at once (images are usually ready), then after :data:`POLL_DELAYS` (Meta
recommends once a minute), never more than :data:`POLL_BUDGET` seconds (5 minutes) for one
post; ``ERROR`` is permanent with the container's ``error_message``, ``EXPIRED`` and a
container still in progress at the end are retryable (a new container next run). An
unpublished container is harmless: it expires after 24 hours, so creating one is safe to
repeat.
"""

from __future__ import annotations

import html
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

import httpx

from tidings.errors import PlatformError
from tidings.metrics.counts import Counts, Unavailable
from tidings.platforms import base
from tidings.platforms.http import Caller, json_field, json_object
from tidings.platforms.paging import Pages
from tidings.workspace.model import Channel

__all__ = [
    "ATTEMPT_TOLERANCE",
    "AUTH_CODES",
    "POLL_BUDGET",
    "POLL_DELAYS",
    "RATE_LIMIT_CODES",
    "THROTTLE_WAIT",
    "ContainerAdapter",
    "Graph",
    "Quota",
    "error_code",
    "graph_error",
    "image_urls",
    "insight_values",
    "list_since",
    "loose_text",
    "new_id",
    "normal_text",
    "not_before",
    "pick",
    "quota",
    "redacted",
    "wait_finished",
]

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008, 80014})
"""Application, user, page and business-use-case throttling (Graph "rate limiting" docs)."""
AUTH_CODES = frozenset({102, 190, 463, 467})
"""Session/token errors: 190 invalid or expired OAuth token (subcodes 458-467), 102 API
session."""
PERMISSION_CODES = frozenset({10, *range(200, 300)})
"""The token lacks a permission (``pages_manage_posts``, ``threads_content_publish``…) or
its user is no admin of the Page. Also ``auth``: the channel stops and its posts stay due
(``retry``), so once a person grants the permission they go out; a permanent failure would
leave every post of the channel undone for good."""
TRANSIENT_CODES = frozenset({1, 2})
"""API Unknown / API Service: temporary, and the platform may have acted."""
QUOTA_CODES = frozenset({9})
"""Instagram's "maximum number of posts reached" (subcode 2207042): try again next run."""
QUOTA_WAIT = 3600.0
"""Longer than any caller waits in one run: the caller gives up at once, the run goes on."""
THROTTLE_WAIT = 60.0
"""Seconds to wait after a throttling answer that does not say how long."""
POLL_DELAYS = (3.0, 10.0, 30.0, 60.0, 60.0, 60.0, 60.0)
"""Waits between container status reads (the first read is immediate)."""
ATTEMPT_TOLERANCE = timedelta(minutes=1)
"""How much earlier than the attempt's start a platform may date our own post (clocks
disagree by a second or two on NTP-synchronised machines): an identical post dated earlier
than that is someone else's, made before the attempt."""
POLL_BUDGET = 300.0
"""Seconds one post may wait for its containers (Meta: poll for no more than 5 minutes)."""


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _error_body(response: httpx.Response) -> Mapping[str, Any] | None:
    error = json_field(response, "error")
    return error if isinstance(error, dict) else None


def _regain_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) Meta's usage headers give."""
    longest: float | None = None
    for name in ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage"):
        value = headers.get(name)
        if not value:
            continue
        try:
            data = json.loads(value)
        except ValueError:
            continue
        entries: list[Any] = []
        if isinstance(data, dict):
            entries.append(data)
            for item in data.values():
                entries.extend(item if isinstance(item, list) else [item])
        for entry in entries:
            minutes = (
                entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
            )
            if isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
                longest = max(longest or 0.0, float(minutes) * 60)
    return longest


def graph_error(response: httpx.Response, what: str) -> PlatformError | None:
    """Meta's reading of a Graph error answer (use as ``Caller.classify``); None when the
    answer is not in the Graph error shape (the caller's status-code rules apply)."""
    error = _error_body(response)
    if error is None:
        return None
    status = response.status_code
    code = _as_int(error.get("code"))
    subcode = _as_int(error.get("error_subcode"))
    user_msg = error.get("error_user_msg")
    message = error.get("message")
    title = error.get("error_user_title")
    text = user_msg if isinstance(user_msg, str) and user_msg else message
    if not isinstance(text, str) or not text:
        text = response.reason_phrase or "error"
    if isinstance(title, str) and title and title not in text:
        text = f"{title}: {text}"
    where = f"Graph error {code}" + (f"/{subcode}" if subcode else "") if code else f"HTTP {status}"
    full = f"{what}: {text} ({where})"
    if code in RATE_LIMIT_CODES:
        wait = _regain_seconds(response.headers)
        return PlatformError(
            f"{what}: rate limited by the platform: {text} ({where})",
            retryable=True,
            status=status,
            retry_after=THROTTLE_WAIT if wait is None else wait,
        )
    if code in QUOTA_CODES:
        return PlatformError(
            f"{what}: the account's publishing quota is used up: {text} ({where}); the next "
            "run tries again",
            retryable=True,
            status=status,
            retry_after=QUOTA_WAIT,
        )
    if code in AUTH_CODES or code in PERMISSION_CODES:
        return PlatformError(full, retryable=False, status=status, auth=True)
    if error.get("is_transient") is True or code in TRANSIENT_CODES or status >= 500:
        return PlatformError(full, retryable=True, status=status, uncertain=True)
    return PlatformError(full, retryable=False, status=status, auth=status in (401, 403))


def redacted(error: PlatformError, token: str, hint: str) -> PlatformError:
    """``error`` with the token removed, and on an auth error ``hint`` (which variable to
    renew, and how) added."""
    error = error.scrubbed([token])
    return error.reworded(f"{error.message}; {hint}") if error.auth and hint else error


class Graph:
    """Calls one Graph host with one access token (sent as ``access_token`` in the query).

    ``token_hint`` is added to auth errors: it names the variable that holds the token and
    how to renew it (never the token). The caller's ``classify`` becomes :func:`graph_error`
    unless it already has one.
    """

    def __init__(self, caller: Caller, base: str, token: str, token_hint: str = "") -> None:
        self.caller = caller
        self.base = base.rstrip("/")
        self._token = token
        self.token_hint = token_hint
        if caller.classify is None:
            caller.classify = graph_error

    def __repr__(self) -> str:
        return f"Graph({self.base!r})"

    def call(
        self,
        method: str,
        path: str,
        *,
        safe: bool,
        what: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """One request to ``base + path``; ``data`` goes in a form body (multipart with
        ``files``). Raises PlatformError whose message never holds the token."""
        query = {**(params or {}), "access_token": self._token}
        try:
            return self.caller.call(
                method,
                f"{self.base}/{path.lstrip('/')}",
                safe=safe,
                what=what,
                ok=ok,
                params=query,
                data=dict(data) if data else None,
                files=dict(files) if files else None,
            )
        except PlatformError as error:
            raise redacted(error, self._token, self.token_hint) from None

    def error(self, response: httpx.Response, what: str) -> PlatformError:
        """The error for an answer :meth:`call` was told to accept (``ok=``) but the adapter
        cannot use, read as :func:`graph_error` would, token removed."""
        return redacted(self.caller.error(response, what), self._token, self.token_hint)

    # -- the container flow Threads and Instagram share ----------------------------------

    def check_quota(
        self,
        path: str,
        what: str,
        network: str,
        *,
        usage: str = "quota_usage",
        config: str = "config",
        kind: str = "posts",
    ) -> None:
        """Read a ``…_publishing_limit`` and refuse, retryably and before anything is
        created, when the quota is used up (the next run tries again)."""
        body = self.read(path, f"{usage},{config}", f"{what}: read the publishing quota")
        limit = quota(body, usage, config)
        if limit.exhausted:
            hours = f" in {limit.seconds // 3600} h" if limit.seconds else ""
            raise PlatformError(
                f"{what}: the {network} publishing quota is used up ({limit.used} of "
                f"{limit.total} {kind}{hours}); nothing was sent, the next run tries again",
                retryable=True,
            )

    def container(self, path: str, params: Mapping[str, Any], what: str) -> str:
        """Create a media container; its id. Safe to repeat: an unpublished container
        expires unseen."""
        body = self.json("POST", path, safe=True, what=f"{what}: create container", data=params)
        container = body.get("id")
        if not isinstance(container, str) or not container:
            raise PlatformError(f"{what}: the answer has no container id", retryable=True)
        return container

    def permalink(self, media_id: str, what: str) -> base.Remote:
        """The published post with its permalink; the post is out, so a failure to read
        the address leaves the address empty instead of failing the part."""
        try:
            body = self.read(media_id, "permalink", f"{what}: read the address")
        except PlatformError:
            return base.Remote(media_id, None)
        url = body.get("permalink")
        return base.Remote(media_id, url if isinstance(url, str) else None)

    def json(
        self,
        method: str,
        path: str,
        *,
        safe: bool,
        what: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """:meth:`call`, and the answer as a JSON object (else a retryable error)."""
        response = self.call(method, path, safe=safe, what=what, params=params, data=data)
        return json_object(response, what, uncertain=not safe)

    def read(self, node: str, fields: str, what: str) -> dict[str, Any]:
        """The ``fields`` (comma-separated) of a node, read with a safe ``GET``."""
        return self.json("GET", node, safe=True, what=what, params={"fields": fields})


class ContainerAdapter(base.PlatformAdapter):
    """The container flow Instagram and Threads share, as a base class: create a container
    (carousel children first), wait until it is ``FINISHED``, publish it, read its permalink;
    reconcile by the container's state and the account's listing; each post's insights.

    A subclass holds only what differs: its paths, the container's status field, the
    ``media_type`` of an image, how a listed post is named, its insight names and how they
    map onto :class:`Counts`. Not idempotent: a lost answer to a publish is reconciled,
    never resent."""

    network: ClassVar[str]
    """The platform's name in messages ("Instagram")."""
    default_api: ClassVar[str]
    refresh_grant: ClassVar[str]
    """The ``grant_type`` that renews a long-lived token (named in auth errors)."""
    media_path: ClassVar[str]
    """Where containers are created under the user (``media``, ``threads``)."""
    publish_path: ClassVar[str]
    status_field: ClassVar[str]
    """The container's state field (``status_code`` on Instagram, ``status`` on Threads)."""
    image_type: ClassVar[Mapping[str, str]] = {}
    """Parameters that mark a container as one image (Threads: ``media_type=IMAGE``)."""
    post_id_name: ClassVar[str] = "id"
    """What a publish answer lacks when it has no id ("the answer has no post id")."""
    listing: ClassVar[str] = "posts"
    """What the account's listing holds ("the account's media")."""
    insights: ClassVar[tuple[str, ...]]

    def __init__(self, graph: Graph, user: str, *, page_size: int = 25, max_pages: int = 4):
        self.graph = graph
        self.user = user
        self.page_size = page_size
        self.max_pages = max_pages
        self._published: dict[tuple[str, int], str] = {}  # (attempt key, part) -> container

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.graph.base!r}, user={self.user!r})"

    @classmethod
    def from_channel(cls, channel: Channel, env: Mapping[str, str], caller: Caller) -> Self:
        """The adapter for a channel: credentials ``user_id``, ``access_token``, optional
        ``api_base`` (default :attr:`default_api`)."""
        var = channel.credentials.get("access_token", "the access token")
        hint = (
            f"renew the long-lived token in {var} (grant_type={cls.refresh_grant}, see the "
            "setup guide) and update the secret"
        )
        graph = Graph(
            caller,
            base.credential(channel, env, "api_base", default=cls.default_api),
            base.credential(channel, env, "access_token"),
            hint,
        )
        return cls(graph, base.credential(channel, env, "user_id"))

    def _send(
        self,
        out: base.Outgoing,
        index: int,
        params: dict[str, Any],
        images: Sequence[base.MediaFile],
        urls: Sequence[str],
        what: str,
    ) -> base.Remote:
        """Create the container of part ``index`` (``params`` plus its images), wait for
        it, publish it and read its address."""
        path = f"{self.user}/{self.media_path}"
        if len(images) == 1:
            params.update(self.image_type, image_url=urls[0], alt_text=images[0].alt)
        elif images:
            children = [
                self.graph.container(
                    path,
                    {
                        **self.image_type,
                        "is_carousel_item": "true",
                        "image_url": url,
                        "alt_text": media.alt,
                    },
                    f"{what}: image {n}",
                )
                for n, (media, url) in enumerate(zip(images, urls, strict=True), 1)
            ]
            wait_finished(self.graph, children, field=self.status_field, what=what)
            params.update(media_type="CAROUSEL", children=",".join(children))
        else:
            params["media_type"] = "TEXT"  # Threads only: Instagram refuses it before
        container = self.graph.container(path, params, what)
        wait_finished(self.graph, [container], field=self.status_field, what=what)
        self._published[(out.key, index)] = container
        body = self.graph.json(
            "POST",
            f"{self.user}/{self.publish_path}",
            safe=False,  # no idempotency: a lost answer is reconciled, never resent
            what=what,
            data={"creation_id": container},
        )
        return self.graph.permalink(new_id(body, what, self.post_id_name), what)

    def _was_published(self, out: base.Outgoing, index: int, what: str) -> bool:
        """Whether the container this run published for part ``index`` says ``PUBLISHED``
        (False when this run published none)."""
        container = self._published.get((out.key, index))
        if container is None:
            return False
        state = self.graph.read(container, self.status_field, what).get(self.status_field)
        return bool(state == "PUBLISHED")

    def _listed(
        self, found: Mapping[str, Any] | None, published: bool, index: int
    ) -> base.Remote | None:
        """The part :func:`pick` found in the listing; None when it is not there and its
        container was not published, else :class:`Unknowable`."""
        if found is None:
            if published:  # it went out, but the listing does not show it (yet)
                raise base.Unknowable(
                    f"part {index + 1}: {self.network} says it was published, but it is not "
                    f"among the account's {self.listing}; check the account and settle it by "
                    "hand"
                )
            return None
        url = found.get("permalink")
        return base.Remote(str(found["id"]), url if isinstance(url, str) else None)

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """Each post's insights (one request a post: no batch read); a metric the platform
        has no number for is null, never 0 (see :meth:`counts`)."""
        result: dict[str, Counts | Unavailable] = {}
        for part in parts:
            if part.id in result:
                continue
            try:
                body = self.graph.json(
                    "GET",
                    f"{part.id}/insights",
                    safe=True,
                    what=f"read the insights of {part.id}",
                    params={"metric": ",".join(self.insights)},
                )
            except PlatformError as error:
                if error.auth or error.retryable:
                    raise
                result[part.id] = Unavailable(error.message)
                continue
            result[part.id] = self.counts(insight_values(body))
        return result

    def counts(self, raw: dict[str, int | None]) -> Counts:
        """A post's counts from its insight values."""
        raise NotImplementedError


def new_id(body: Mapping[str, Any], what: str, name: str = "id") -> str:
    """The ``id`` of a created object; a missing one is an uncertain, retryable error (the
    object may exist)."""
    value = body.get("id")
    if not isinstance(value, str) or not value:
        raise PlatformError(f"{what}: the answer has no {name}", retryable=True, uncertain=True)
    return value


@dataclass
class _Budget:
    left: float


def wait_finished(
    graph: Graph,
    containers: Sequence[str],
    *,
    field: str,
    what: str,
    budget: float = POLL_BUDGET,
    delays: Sequence[float] = POLL_DELAYS,
) -> None:
    """Wait until every container's ``field`` (``status`` on Threads, ``status_code`` on
    Instagram) is ``FINISHED``, sharing one time budget. Raises PlatformError: permanent on
    ``ERROR`` (with the container's ``error_message``), retryable on ``EXPIRED``, on
    ``PUBLISHED`` (someone published it already: reconcile, do not publish it again) and when
    the budget runs out."""
    left = _Budget(budget)
    for container in containers:
        _wait_one(graph, container, field, what, left, delays)


def _wait_one(
    graph: Graph, container: str, field: str, what: str, left: _Budget, delays: Sequence[float]
) -> None:
    fields = f"{field},error_message" if field == "status" else field
    for attempt in range(len(delays) + 1):
        if attempt:
            delay = delays[attempt - 1]
            if delay > left.left:
                break
            graph.caller.sleep(delay)
            left.left -= delay
        body = graph.read(container, fields, f"{what}: check container")
        state = str(body.get(field) or "")
        if state == "FINISHED":
            return
        if state == "ERROR":
            reason = body.get("error_message") or body.get("status") or "no reason given"
            raise PlatformError(
                f"{what}: the platform could not prepare the post: {reason}", retryable=False
            )
        if state == "EXPIRED":
            raise PlatformError(
                f"{what}: the container expired before it was published", retryable=True
            )
        if state == "PUBLISHED":
            raise PlatformError(
                f"{what}: the container was already published", retryable=True, uncertain=True
            )
    raise PlatformError(
        f"{what}: the platform was still preparing the post after {POLL_BUDGET - left.left:.0f} s;"
        " the next run tries again",
        retryable=True,
    )


@dataclass(frozen=True)
class Quota:
    """A publishing quota as ``…_publishing_limit`` reports it."""

    used: int
    total: int | None
    seconds: int | None

    @property
    def exhausted(self) -> bool:
        return self.total is not None and self.used >= self.total


def image_urls(images: Sequence[base.MediaFile], what: str, network: str) -> list[str]:
    """The public addresses Meta fetches the images from (``media_base_url``); a permanent
    failure when the channel has none."""
    urls = [m.url for m in images]
    if any(url is None for url in urls):
        raise PlatformError(
            f"{what}: {network} fetches images from a public address, and this channel has "
            "none: set media_base_url in brand/channels.yaml (where the site serves media/)",
            retryable=False,
        )
    return [u for u in urls if u]


def quota(body: Mapping[str, Any], usage: str = "quota_usage", config: str = "config") -> Quota:
    """The quota in a ``{"data": [{"quota_usage": n, "config": {"quota_total",
    "quota_duration"}}]}`` answer (``usage``/``config`` name other pairs, e.g. Threads'
    ``reply_quota_usage``/``reply_config``). Missing numbers mean "no known limit"."""
    data = body.get("data")
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    settings = entry.get(config)
    settings = settings if isinstance(settings, dict) else {}
    return Quota(
        used=_as_int(entry.get(usage)) or 0,
        total=_as_int(settings.get("quota_total")),
        seconds=_as_int(settings.get("quota_duration")),
    )


def error_code(response: httpx.Response) -> tuple[int | None, int | None]:
    """(code, error_subcode) of a Graph error answer, (None, None) for any other answer."""
    error = _error_body(response)
    if error is None:
        return None, None
    return _as_int(error.get("code")), _as_int(error.get("error_subcode"))


def insight_values(body: Mapping[str, Any]) -> dict[str, int | None]:
    """``{name: value}`` of an ``…/insights`` answer: ``data[{name, values[{value}]}]`` or
    ``data[{name, total_value{value}}]``. A metric the platform has no number for comes as
    an empty ``values`` list: None, never 0."""
    found: dict[str, int | None] = {}
    data = body.get("data")
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        total = item.get("total_value")
        values = item.get("values")
        value: object = None
        if isinstance(total, dict):
            value = total.get("value")
        elif isinstance(values, list) and values and isinstance(values[-1], dict):
            value = values[-1].get("value")
        found[item["name"]] = (
            value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
        )
    return found


def pick(
    items: Iterable[Mapping[str, Any]],
    covered: bool,
    *,
    text_field: str,
    text: str,
    skip: Iterable[str] = (),
    same_place: Callable[[Mapping[str, Any]], bool] = lambda item: True,
    same_media: Callable[[Mapping[str, Any]], bool] = lambda item: True,
    part: int = 1,
    not_before: datetime | None = None,
    time_field: str = "timestamp",
) -> Mapping[str, Any] | None:
    """Reconcile without idempotency: the one listed item that is our part, None when the
    listing is complete (``covered``) and nothing is like it, else :class:`Unknowable`.

    An item is *like* ours when its ``text_field`` equals ``text`` (see :func:`normal_text`)
    and ``same_place`` holds (the same reply parent, or top level); it *matches* when its
    media also agree (``same_media``). One match and nothing else alike is the answer; two
    matches, or our text with other media, are for a person to settle. An item like ours
    whose ``time_field`` is before ``not_before`` (the attempt's start less
    :data:`ATTEMPT_TOLERANCE`) is an older post with our text, perhaps made by hand: never
    taken for ours (that would lose our post), so it too is for a person."""
    wanted = normal_text(text)
    loose = loose_text(text)
    ignore = set(skip)
    matches: list[Mapping[str, Any]] = []
    near = 0
    for item in items:
        if str(item.get("id")) in ignore or not same_place(item):
            continue
        value = item.get(text_field)
        value = value if isinstance(value, str) else ""
        if normal_text(value) != wanted:
            if loose and loose_text(value) == loose:
                near += 1  # our words, formatted by the platform: maybe ours
            continue
        moment = base.parse_time(item.get(time_field))
        if not_before is not None and moment is not None and moment < not_before:
            near += 1  # our text, posted before the attempt began: not this attempt's
        elif same_media(item) and isinstance(item.get("id"), (str, int)) and str(item["id"]):
            matches.append(item)
        else:
            near += 1  # other images, or no id to record it by: a person looks
    if len(matches) == 1 and not near:
        return matches[0]
    if matches or near:
        raise base.Unknowable(
            f"part {part}: {len(matches)} post(s) match and {near} have the same text (or the "
            "same words formatted otherwise) with other images since the attempt began; check "
            "the account and settle it by hand"
        )
    if covered:
        return None
    raise base.Unknowable(
        f"part {part}: the account posted too much since the attempt began to check for sure"
    )


def normal_text(text: str) -> str:
    """Text compared for reconciling: HTML entities undone (``&amp;``), NFC, whitespace
    runs collapsed, ends stripped."""
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def loose_text(text: str) -> str:
    """Only the letters and digits (NFKC, case folded): texts equal here but not in
    :func:`normal_text` were perhaps formatted by the platform, so a person settles them."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def not_before(caller: Caller, started: datetime) -> datetime:
    """The earliest time a platform may date a post of the attempt that began at
    ``started``: the attempt's start (or our clock, when that is earlier: the safe side)
    less :data:`ATTEMPT_TOLERANCE`."""
    start = started if started.tzinfo else started.replace(tzinfo=UTC)
    return min(start, datetime.fromtimestamp(caller.clock(), UTC)) - ATTEMPT_TOLERANCE


def list_since(
    graph: Graph,
    path: str,
    *,
    fields: str,
    since: datetime,
    what: str,
    page_size: int = 25,
    max_pages: int = 4,
    newest_first: bool = True,
    time_field: str = "timestamp",
    order: str | None = None,
    missing: str = "list of posts",
) -> tuple[list[dict[str, Any]], bool]:
    """The items of a Graph list (``data`` + ``paging.cursors.after``) from ``since`` on,
    dated by their ``time_field``; ``order`` is sent as the list's ``order`` (Facebook's
    ``reverse_chronological``), ``missing`` names the list in the error for an answer
    without one. The flag is True when the listing certainly holds every item since then
    (it reached the end, or, for a list known to be ``newest_first``, a page that ends with
    an older item: an older item first, like a pinned post, does not end it), False when
    ``max_pages`` ran out first."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": fields, "limit": page_size, "since": int(since.timestamp())}
    if order:
        params["order"] = order

    def fetch(after: str | None) -> dict[str, Any]:
        query = {**params, "after": after} if after else params
        return graph.json("GET", path, safe=True, what=what, params=query)

    pages = Pages(fetch, _after, max_pages)
    for body in pages:
        data = body.get("data")
        if not isinstance(data, list):
            raise PlatformError(f"{what}: the answer has no {missing}", retryable=True)
        older_last = False
        for item in data:
            if not isinstance(item, dict):
                continue
            moment = base.parse_time(item.get(time_field))
            older_last = moment is not None and moment < since
            if not older_last:
                items.append(item)
        if newest_first and older_last:
            # The page *ends* before the window: everything after it is older. An older
            # item earlier on the page (a pinned post) proves nothing, so it is skipped.
            return items, True
    return items, pages.ended


def _after(body: Mapping[str, Any]) -> str | None:
    """Where the next page of a Graph list starts; None at its end (an empty page is no
    end on Graph: only a missing ``paging.next`` is)."""
    paging = body.get("paging")
    paging = paging if isinstance(paging, dict) else {}
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return str(after) if paging.get("next") and after else None


def graph_page(
    graph: Graph, path: str, params: Mapping[str, Any], after: str | None, what: str
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """One page of a Graph list (``data``), from the cursor ``after``; the cursor of the
    next page (None at the list's end: no ``paging.next``); and the cursor after the page's
    last item, which Graph gives at the end too (what is added later is read from it)."""
    query = {**params, "after": after} if after else dict(params)
    body = graph.json("GET", path, safe=True, what=what, params=query)
    data = body.get("data")
    if not isinstance(data, list):
        raise PlatformError(f"{what}: the answer has no list", retryable=True)
    paging = body.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    end = cursors.get("after") if isinstance(cursors, dict) else None
    items = [item for item in data if isinstance(item, dict)]
    return items, _after(body), str(end) if end and items else after
