"""A fake Pinterest API v5 for one account and its boards, built from Pinterest's API v5
reference (https://developers.pinterest.com/docs/api/v5/: pins/create, pins/delete,
boards/list_pins, pins/analytics, user_account/get; "Rate limits" and the error object).

``POST /v5/pins`` (JSON, ``Authorization: Bearer``) needs ``board_id`` (a board of the
account, else 404 ``{"code": 3, "message": "Board not found."}``) and ``media_source``
(``image_base64`` with ``content_type`` and ``data``, or ``multiple_image_base64`` with 2–5
``items``; anything else 400 ``{"code": 1, "message": "Invalid parameters."}``); ``title``
≤100, ``description`` ≤800, ``alt_text`` ≤500, ``link`` ≤2048 (else 400 code 1 naming the
field). It answers 201 with the Pin. ``GET /v5/boards/<id>/pins`` lists a board's pins
newest first, ``page_size`` a page with a ``bookmark``; ``DELETE /v5/pins/<id>`` 204 (404
code 50 "Pin not found." when gone); ``GET /v5/pins/<id>/analytics`` the pin's numbers
(``all.summary_metrics`` and ``daily_metrics``); ``GET /v5/user_account`` the account
(user_account/get, the ``Account`` object: ``account_type``, ``username``,
``follower_count``, and the :attr:`PinterestFake.profile` fields ``business_name``,
``about``, ``website_url``, ``profile_image``; there is no cover image in it). A wrong token is 401 ``{"code": 2, "message": "Authentication
failed."}``; a rate limit 429 ``{"code": 8, "message": "…"}``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from .cases import PlatformCase
from .graph import START
from .server import Fake

BOARD = "998877665544332211"
LIMITS = {"title": 100, "description": 800, "alt_text": 500, "link": 2048}


def _error(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message})


class PinterestFake(Fake):
    """One account with one board; ``pins`` newest last, ``images`` the bytes of each."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "pina_AMAfakeTOKENs3cr3t0123456789abcdefXYZ"
        self.pins: list[dict[str, Any]] = []
        self.images: dict[str, list[bytes]] = {}
        self.deleted: list[str] = []
        self.analytics: dict[str, dict[str, int]] = {}
        self.profile: dict[str, Any] = {}
        """``business_name``, ``about``, ``website_url``, ``profile_image`` of the account."""
        started = time.monotonic()  # the clock starts with the tests' --now, as graph.py's
        self.clock: Callable[[], datetime] = lambda: (
            START + timedelta(seconds=time.monotonic() - started)
        )
        self._ids = itertools.count(1_125_000_000_000_000_001)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, 2, "Authentication failed.")
        path = request.url.path
        if path == "/v5/pins" and request.method == "POST":
            return self._create(request)
        if path == "/v5/user_account" and request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "account_type": "BUSINESS",
                    "username": "lumengrain",
                    "follower_count": 812,
                    **self.profile,
                },
            )
        match = re.fullmatch(r"/v5/boards/(\d+)/pins", path)
        if match and request.method == "GET":
            return self._list(match.group(1), request)
        match = re.fullmatch(r"/v5/pins/(\d+)(/analytics)?", path)
        if match:
            pin = next((p for p in self.pins if p["id"] == match.group(1)), None)
            if pin is None:
                return _error(404, 50, "Pin not found.")
            if match.group(2) and request.method == "GET":
                return self._analytics(pin, request)
            if request.method == "DELETE" and not match.group(2):
                self.pins.remove(pin)
                self.deleted.append(pin["id"])
                return httpx.Response(204)
        return _error(404, 404, "Not found.")

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return _error(400, 1, "Invalid parameters.")
        if body.get("board_id") != BOARD:
            return _error(404, 3, "Board not found.")
        for field, limit in LIMITS.items():
            if len(str(body.get(field) or "")) > limit:
                return _error(400, 1, f"Invalid parameters. '{field}' is too long (max {limit}).")
        source = body.get("media_source") or {}
        kind = source.get("source_type")
        try:
            if kind == "image_base64":
                if source.get("content_type") not in ("image/jpeg", "image/png"):
                    return _error(
                        400,
                        1,
                        "Invalid parameters. 'content_type' must be image/jpeg or image/png.",
                    )
                images = [base64.b64decode(source["data"], validate=True)]
            elif kind == "multiple_image_base64":
                items = source.get("items") or []
                if not 2 <= len(items) <= 5:
                    return _error(400, 1, "Invalid parameters. A carousel has 2 to 5 images.")
                images = [base64.b64decode(i["data"], validate=True) for i in items]
            else:
                return _error(400, 1, "Invalid parameters. 'media_source' is required.")
        except (KeyError, ValueError):
            return _error(400, 1, "Invalid parameters. 'data' is not base64.")
        pin_id = str(next(self._ids))
        pin = {
            "id": pin_id,
            "created_at": self.clock().strftime("%Y-%m-%dT%H:%M:%S"),
            "link": body.get("link"),
            "title": body.get("title"),
            "description": body.get("description"),
            "alt_text": body.get("alt_text"),
            "board_id": BOARD,
            "board_owner": {"username": "lumengrain"},
            "media": {"media_type": "image" if len(images) == 1 else "multiple_images"},
        }
        self.pins.append(pin)
        self.images[pin_id] = images
        return httpx.Response(201, json=pin)

    def _list(self, board: str, request: httpx.Request) -> httpx.Response:
        if board != BOARD:
            return _error(404, 3, "Board not found.")
        size = int(request.url.params.get("page_size", "25"))
        start = int(request.url.params.get("bookmark", "0") or 0)
        newest = list(reversed(self.pins))
        page = newest[start : start + size]
        more = start + size < len(newest)
        return httpx.Response(
            200, json={"items": page, "bookmark": str(start + size) if more else None}
        )

    def _analytics(self, pin: dict[str, Any], request: httpx.Request) -> httpx.Response:
        for name in ("start_date", "end_date", "metric_types"):
            if not request.url.params.get(name):
                return _error(400, 1, f"Invalid parameters. '{name}' is required.")
        wanted = request.url.params["metric_types"].split(",")
        numbers = self.analytics.get(pin["id"], {})
        summary = {m: numbers.get(m, 0) for m in wanted}
        return httpx.Response(
            200,
            json={
                "all": {
                    "daily_metrics": [
                        {
                            "date": request.url.params["end_date"],
                            "data_status": "READY",
                            "metrics": summary,
                        }
                    ],
                    "summary_metrics": summary,
                    "lifetime_metrics": summary,
                }
            },
        )


def rate_limited() -> dict[str, Any]:
    return {
        "status": 429,
        "headers": {"Retry-After": "2"},
        "body": {"code": 8, "message": "You have exceeded your rate limit. Try again later."},
    }


def expired() -> dict[str, Any]:
    return {"status": 401, "body": {"code": 2, "message": "Authentication failed."}}


CASE = PlatformCase(
    platform="pinterest",
    credentials={
        "access_token": "PINTEREST_ACCESS_TOKEN",
        "board_id": "PINTEREST_BOARD_ID",
        "api_base": "PINTEREST_API",
    },
    make=PinterestFake,
    env=lambda fake, base: {
        "PINTEREST_ACCESS_TOKEN": fake.token,  # type: ignore[attr-defined]
        "PINTEREST_BOARD_ID": BOARD,
        "PINTEREST_API": f"{base}/v5",
    },
    posts=lambda fake: [p["description"] or "" for p in fake.pins],  # type: ignore[attr-defined]
    write=r"/v5/pins$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("PINTEREST_ACCESS_TOKEN",),
    threads=False,
    parts=1,
)
