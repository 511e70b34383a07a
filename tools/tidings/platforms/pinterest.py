"""Pinterest: a pin on one board through the Pinterest API v5
(https://developers.pinterest.com/docs/api/v5/: pins/create, pins/delete, boards/list_pins,
pins/analytics, user_account/get).

The channel names ``access_token`` (an OAuth token with ``boards:read``, ``pins:read``,
``pins:write`` and ``user_accounts:read``) and ``board_id`` (the board the pins go to: one
channel per board; an id, not a secret). Requests carry ``Authorization: Bearer``.

Publishing: a post is one pin (the row's ``max_parts`` is 1, and ``tidings check`` refuses
more). ``POST /v5/pins`` with ``board_id``, ``description`` (the text, at most 800),
``title`` (``variants.<channel>.options.title``, at most 100), ``link`` (``options.link``,
else the text's first link: where the pin leads), ``alt_text`` (the first image's, at most
500) and ``media_source``: ``image_base64`` for one image, ``multiple_image_base64`` for a
carousel of 2–5 (the API takes no alt text per carousel item). Images are required. The
answer is the Pin; its address is ``https://www.pinterest.com/pin/<id>/``.

Reconciling (:meth:`PinterestAdapter.find_part`): Pinterest has no idempotency key. The
board's pins (``GET /v5/boards/<board>/pins``, newest first, 25 a page, at most
:data:`PAGES` pages) are compared with the pin that was sent: the same description and
title, made since the attempt began (less :data:`CLOCK_SKEW`). One match is the pin; None
when the listing reached back past the attempt with no match; anything else
:class:`~tidings.platforms.base.Unknowable`.

Deleting: ``DELETE /v5/pins/<id>`` (204; 404 is already gone).

Metrics: ``GET /v5/pins/<id>/analytics`` over the last 90 days (Pinterest keeps no
longer), summed: ``IMPRESSION`` as views, ``SAVE`` as reposts (a save puts the pin on
someone's board); ``PIN_CLICK`` and ``OUTBOUND_CLICK`` in ``raw``. Followers:
``GET /v5/user_account`` → ``follower_count``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tidings.errors import PlatformError
from tidings.metrics.counts import AccountCounts, Counts, Unavailable, count
from tidings.platforms import base
from tidings.platforms.http import Caller, error_object, json_object
from tidings.workspace.model import Channel

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_API",
    "PinterestAdapter",
    "connect",
    "error_message",
    "metrics_reader",
    "pin_counts",
    "profile_reader",
]

DEFAULT_API = "https://api.pinterest.com/v5"
WEB = "https://www.pinterest.com/pin"
CLOCK_SKEW = timedelta(minutes=10)
PAGES = 4
CAROUSEL_MAX = 5
METRICS = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")
ANALYTICS_DAYS = 89  # Pinterest answers at most 90 days back


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> PinterestAdapter:
    """The adapter for a ``platform: pinterest`` channel: credentials ``access_token`` and
    ``board_id``, optional ``api_base`` (default :data:`DEFAULT_API`)."""
    token = base.credential(channel, env, "access_token").strip()
    variable = channel.credentials.get("access_token", "access_token")
    board = base.credential(channel, env, "board_id").strip()
    api = base.credential(channel, env, "api_base", default=DEFAULT_API).rstrip("/")
    caller.secret(token, variable)
    caller.message = error_message
    caller.classify = _classifier(variable)
    return PinterestAdapter(caller, api, token, board)


metrics_reader = connect
"""The metrics reader of a Pinterest channel: the adapter (pin analytics, followers)."""

profile_reader = connect
"""The profile reader of a Pinterest channel: the adapter (``GET /v5/user_account``)."""


class PinterestAdapter(base.PlatformAdapter, platform="pinterest"):
    def __init__(self, caller: Caller, api: str, token: str, board: str) -> None:
        self.caller = caller
        self.api = api
        self.board = board
        self._headers = {"Authorization": f"Bearer {token}"}

    def __repr__(self) -> str:
        return f"PinterestAdapter(board={self.board!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        what = "create the pin"
        if index > 0:
            raise PlatformError(
                f"part {index + 1}: a pin is one part; write a one-part variant",
                retryable=False,
            )
        if not out.media:
            raise PlatformError(f"{what}: Pinterest needs an image", retryable=False)
        response = self.caller.call(
            "POST",
            f"{self.api}/pins",
            safe=False,
            what=what,
            ok=(201, 200),
            json=pin_body(out, self.board),
            headers=self._headers,
        )
        pin = json_object(response, what, uncertain=True, status=True)
        pin_id = pin.get("id")
        if not isinstance(pin_id, str) or not pin_id:
            raise PlatformError(f"{what}: the answer has no pin id", retryable=True, uncertain=True)
        return base.Remote(pin_id, f"{WEB}/{pin_id}/")

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        want = pin_body(out, self.board, with_media=False)
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        since = min(base.aware(out.started), now) - CLOCK_SKEW  # the safe side of both clocks
        matches: list[str] = []
        complete = False
        bookmark: str | None = None
        for _ in range(PAGES):
            params: dict[str, str | int] = {"page_size": 25}
            if bookmark:
                params["bookmark"] = bookmark
            response = self.caller.call(
                "GET",
                f"{self.api}/boards/{self.board}/pins",
                safe=True,
                what="read the board's pins",
                params=params,
                headers=self._headers,
            )
            page = json_object(response, "read the board's pins", status=True)
            listed = page.get("items")
            items: list[Any] = listed if isinstance(listed, list) else []
            for pin in items:
                if not isinstance(pin, dict):
                    continue
                made = base.parse_time(pin.get("created_at"))
                if made is not None and made < since:
                    complete = True
                    continue
                if (pin.get("description") or "") == want.get("description", "") and (
                    pin.get("title") or ""
                ) == want.get("title", ""):
                    matches.append(str(pin.get("id")))
            bookmark = page.get("bookmark") if isinstance(page.get("bookmark"), str) else None
            if complete or not bookmark:
                complete = True
                break
        if len(matches) == 1:
            return base.Remote(matches[0], f"{WEB}/{matches[0]}/")
        if not matches and complete:
            return None
        raise base.Unknowable(
            f"{len(matches)} pins on the board look like this one"
            if matches
            else "the board has too many new pins to tell whether this one went out"
        )

    def delete(self, part: base.Remote) -> None:
        pin = _pin_id(part)
        try:
            self.caller.call(
                "DELETE",
                f"{self.api}/pins/{pin}",
                safe=True,
                what=f"delete pin {pin}",
                ok=(204, 200),
                headers=self._headers,
            )
        except PlatformError as error:
            if error.status == 404 and not error.auth:
                return  # already gone
            raise

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """Each pin's analytics over the last 90 days, one request a pin."""
        today = datetime.fromtimestamp(self.caller.clock(), UTC).date()
        start = today - timedelta(days=ANALYTICS_DAYS)
        result: dict[str, Counts | Unavailable] = {}
        for part in parts:
            try:
                pin = _pin_id(part)
            except PlatformError as error:
                result[part.id] = Unavailable(error.message)
                continue
            try:
                response = self.caller.call(
                    "GET",
                    f"{self.api}/pins/{pin}/analytics",
                    safe=True,
                    what=f"read pin {pin}'s analytics",
                    params={
                        "start_date": start.isoformat(),
                        "end_date": today.isoformat(),
                        "metric_types": ",".join(METRICS),
                    },
                    headers=self._headers,
                )
            except PlatformError as error:
                if error.status == 404 and not error.auth:
                    result[part.id] = Unavailable("Pinterest has no such pin (deleted)")
                    continue
                raise
            result[part.id] = pin_counts(json_object(response, "read pin analytics", status=True))
        return result

    def account_metrics(self) -> AccountCounts:
        response = self.caller.call(
            "GET",
            f"{self.api}/user_account",
            safe=True,
            what="read the account",
            headers=self._headers,
        )
        account = json_object(response, "read the account", status=True)
        followers = count(account.get("follower_count"))
        return AccountCounts(followers=followers, raw={"follower_count": followers})

    def read_profile(self) -> base.Profile:
        """``GET /v5/user_account`` (Pinterest API v5, user_account/get): ``business_name``
        (else ``username``) as the name, ``about``, ``website_url`` and the links in
        ``about``, ``profile_image``. The API gives no cover image: not a finding."""
        what = "read the profile"
        response = self.caller.call(
            "GET", f"{self.api}/user_account", safe=True, what=what, headers=self._headers
        )
        account = json_object(response, what, status=True)
        about = account.get("about")
        about = about if isinstance(about, str) else None
        username = base.text_of(account.get("username"))
        return base.Profile(
            display_name=base.text_of(account.get("business_name")) or username,
            bio=about,
            links=base.links_in(base.text_of(account.get("website_url")), about),
            avatar=base.fetch_image(
                self.caller, base.text_of(account.get("profile_image")), "avatar"
            ),
            url=f"https://www.pinterest.com/{username}/" if username else None,
            not_exposed=("banner",),
        )


def pin_body(out: base.Outgoing, board: str, *, with_media: bool = True) -> dict[str, Any]:
    """The ``POST /v5/pins`` body for ``out``: its one part as the description, the options'
    title and link (else the text's first link), the images base64."""
    part = out.parts[0]
    body: dict[str, Any] = {"board_id": board, "description": part.text}
    title = out.options.get("title")
    if isinstance(title, str) and title:
        body["title"] = title
    link = out.options.get("link")
    if not (isinstance(link, str) and link) and part.links:
        link = part.links[0].url
    if isinstance(link, str) and link:
        body["link"] = link
    if out.media and out.media[0].alt:
        body["alt_text"] = out.media[0].alt
    if with_media:
        images = out.media[:CAROUSEL_MAX]
        if len(images) == 1:
            body["media_source"] = {
                "source_type": "image_base64",
                "content_type": images[0].mime,
                "data": _b64(images[0]),
            }
        else:
            body["media_source"] = {
                "source_type": "multiple_image_base64",
                "items": [{"content_type": m.mime, "data": _b64(m)} for m in images],
            }
    return body


def _b64(media: base.MediaFile) -> str:
    return base64.b64encode(media.path.read_bytes()).decode("ascii")


def pin_counts(analytics: Mapping[str, Any]) -> Counts:
    """A pin's ``all.summary_metrics`` (or the daily numbers summed when there is no
    summary): impressions as views, saves as reposts; clicks in ``raw``."""
    block = analytics.get("all") if isinstance(analytics.get("all"), dict) else {}
    summary = block.get("summary_metrics") if isinstance(block, dict) else None
    totals: dict[str, int | None] = {}
    if isinstance(summary, dict):
        totals = {m: count(summary.get(m)) for m in METRICS}
    else:
        days = block.get("daily_metrics") if isinstance(block, dict) else None
        for m in METRICS:
            found = [
                count(d.get("metrics", {}).get(m))
                for d in days or []
                if isinstance(d, dict) and isinstance(d.get("metrics"), dict)
            ]
            numbers = [n for n in found if n is not None]
            totals[m] = sum(numbers) if numbers else None
    return Counts(
        views=totals.get("IMPRESSION"),
        reposts=totals.get("SAVE"),
        raw={k.lower(): v for k, v in totals.items()},
    )


def _pin_id(part: base.Remote) -> str:
    """The pin id of a ledger part: the id, or the id in a pin address recorded by hand."""
    candidate = part.id.rstrip("/").rsplit("/", 1)[-1]
    if not candidate.isdigit():
        raise PlatformError(f"{part.id!r} is not a Pinterest pin id", retryable=False)
    return candidate


def error_message(response: httpx.Response) -> str:
    """Pinterest's ``message`` (its errors are ``{"code": N, "message": "…"}``)."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    return str(body.get("message") or response.reason_phrase)


def _classifier(variable: str) -> Callable[[httpx.Response, str], PlatformError | None]:
    def classify(response: httpx.Response, what: str) -> PlatformError | None:
        status = response.status_code
        if status in (401, 403):
            return PlatformError(
                f"{what}: {status} {error_message(response)}; check the token in {variable} "
                "(it needs pins:write and boards:read; Pinterest's tokens last 30 days and are "
                "renewed with the refresh token)",
                retryable=False,
                status=status,
                auth=True,
            )
        return None

    return classify
