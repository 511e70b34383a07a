"""A fake Google Business Profile location, built from Google's documents: "Create posts on
Google" (developers.google.com/my-business/content/posts-data), the v4 REST reference of
``accounts.locations.localPosts`` (create, list, delete, reportInsights; the ``LocalPost``,
``CallToAction``, ``LocalPostEvent``, ``LocalPostOffer`` objects), Google's error object
(cloud.google.com/apis/design/errors) and OAuth 2.0 for web server apps (refreshing an
access token: ``POST /token``, ``grant_type=refresh_token``).

``POST /token`` (form) answers ``{"access_token", "expires_in": 3599, "token_type":
"Bearer"}``, or 400 ``{"error": "invalid_grant", "error_description": "Token has been
expired or revoked."}``. ``POST /v4/accounts/<a>/locations/<l>/localPosts`` (Bearer) checks
``summary`` (≤1500), ``topicType`` (STANDARD, EVENT, OFFER; EVENT and OFFER need
``event.title`` and ``event.schedule``), ``callToAction.actionType`` (BOOK, ORDER, SHOP,
LEARN_MORE, SIGN_UP, CALL; a url for all but CALL), ``media[].sourceUrl``, and answers the
LocalPost (``name``, ``searchUrl``, ``state: LIVE``, ``createTime``). ``GET …/localPosts``
lists newest first (``pageSize``, ``nextPageToken``); ``DELETE /v4/<name>`` answers ``{}``
(404 NOT_FOUND when gone); ``POST …/localPosts:reportInsights`` answers
``localPostMetrics`` with ``metricValues[].totalValue.value`` as a string. Errors are
``{"error": {"code", "message", "status"}}``: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED,
429 RESOURCE_EXHAUSTED.

The location's profile (Business Information API v1, ``locations.get`` and the
``Location`` resource: developers.google.com/my-business/reference/businessinformation/
rest/v1/locations): ``GET /v1/locations/<l>?readMask=…`` answers the
:attr:`GoogleBusinessFake.profile` fields the mask names (``title``, ``profile`` as
``{"description"}``, ``websiteUri``, ``metadata`` with ``mapsUri``), with ``name``; a
request without ``readMask`` is 400 INVALID_ARGUMENT, as the API requires one.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from .cases import PlatformCase
from .graph import START
from .server import Fake

ACCOUNT = "112233445566778899"
LOCATION = "9988776655443322110"
PARENT = f"accounts/{ACCOUNT}/locations/{LOCATION}"
ACTIONS = {"BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "CALL"}


def _error(status: int, name: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": status, "message": message, "status": name}}
    )


def _invalid(message: str) -> httpx.Response:
    return _error(400, "INVALID_ARGUMENT", message)


class GoogleBusinessFake(Fake):
    """One location; ``posts`` oldest first; ``views`` per post name for insights."""

    def __init__(self) -> None:
        super().__init__()
        self.client_id = "1234-fake.apps.googleusercontent.com"
        self.client_secret = "GOCSPX-fakeClientSecret_s3cr3t"
        self.refresh_token = "1-0gFakeRefreshToken_s3cr3t-abcdef"
        self.tokens: set[str] = set()
        self.posts: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.views: dict[str, tuple[int, int]] = {}
        self.insights_gone = False
        self.profile: dict[str, Any] = {
            "title": "Lumen & Grain",
            "metadata": {"mapsUri": f"https://maps.google.com/maps?cid={LOCATION}"},
        }
        """The Location's fields (``title``, ``profile``, ``websiteUri``, ``metadata``)."""
        self._ids = itertools.count(1)
        started = time.monotonic()
        self.clock: Callable[[], datetime] = lambda: (
            START + timedelta(seconds=time.monotonic() - started)
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/token" and request.method == "POST":
            return self._token(request)
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if path == f"/v4/{PARENT}/localPosts":
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return self._list(request)
        if path == f"/v1/locations/{LOCATION}" and request.method == "GET":
            return self._location(request)
        if path == f"/v4/{PARENT}/localPosts:reportInsights" and request.method == "POST":
            return self._insights(request)
        match = re.fullmatch(rf"/v4/({PARENT}/localPosts/[^/]+)", path)
        if match and request.method == "DELETE":
            post = next((p for p in self.posts if p["name"] == match.group(1)), None)
            if post is None:
                return _error(404, "NOT_FOUND", "Requested entity was not found.")
            self.posts.remove(post)
            self.deleted.append(post["name"])
            return httpx.Response(200, json={})
        return _error(404, "NOT_FOUND", "Requested entity was not found.")

    def _location(self, request: httpx.Request) -> httpx.Response:
        mask = request.url.params.get("readMask", "")
        if not mask:
            return _invalid("Request contains an invalid argument: read_mask is required.")
        body: dict[str, Any] = {"name": f"locations/{LOCATION}"}
        for field in mask.split(","):
            top = field.strip().split(".", 1)[0]
            if top in self.profile:
                body[top] = self.profile[top]
        return httpx.Response(200, json=body)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return httpx.Response(
                401, json={"error": "invalid_client", "error_description": "Unauthorized"}
            )
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
        ):
            return httpx.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        token = f"ya29.fake-{next(self._ids)}"
        self.tokens.add(token)
        return httpx.Response(
            200, json={"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return _invalid("Invalid JSON payload received.")
        summary = body.get("summary") or ""
        if len(summary) > 1500:
            return _invalid("Request contains an invalid argument. (summary is too long)")
        topic = body.get("topicType", "STANDARD")
        if topic not in ("STANDARD", "EVENT", "OFFER"):
            return _invalid(f"Invalid value at 'local_post.topic_type', \"{topic}\"")
        if topic in ("EVENT", "OFFER"):
            event = body.get("event") or {}
            schedule = event.get("schedule") or {}
            if not event.get("title") or "startDate" not in schedule or "endDate" not in schedule:
                return _invalid("Request contains an invalid argument. (event is required)")
        if "offer" in body and topic != "OFFER":
            return _invalid("Request contains an invalid argument. (offer needs topicType OFFER)")
        action = body.get("callToAction")
        if action is not None:
            kind = action.get("actionType")
            if kind not in ACTIONS or (kind != "CALL" and not action.get("url")):
                return _invalid("Request contains an invalid argument. (callToAction)")
        for item in body.get("media") or []:
            if item.get("mediaFormat") != "PHOTO" or not str(item.get("sourceUrl", "")).startswith(
                "http"
            ):
                return _invalid("Request contains an invalid argument. (media)")
        number = next(self._ids)
        name = f"{PARENT}/localPosts/{number}"
        post = {
            **body,
            "name": name,
            "topicType": topic,
            "state": "LIVE",
            "createTime": self.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "updateTime": self.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "searchUrl": f"https://local.google.com/place?id=fake&use=posts&lpsid={number}",
        }
        self.posts.append(post)
        return httpx.Response(200, json=post)

    def _list(self, request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("pageSize", "20"))
        start = int(request.url.params.get("pageToken", "0") or 0)
        newest = list(reversed(self.posts))
        page = newest[start : start + size]
        answer: dict[str, Any] = {"localPosts": page} if page else {}
        if start + size < len(newest):
            answer["nextPageToken"] = str(start + size)
        return httpx.Response(200, json=answer)

    def _insights(self, request: httpx.Request) -> httpx.Response:
        if self.insights_gone:  # what a retired method would answer
            return _error(400, "FAILED_PRECONDITION", "This method is no longer supported.")
        body = json.loads(request.content)
        names = body.get("localPostNames") or []
        if not names or len(names) > 10:
            return _invalid("Request contains an invalid argument. (localPostNames)")
        known = {p["name"] for p in self.posts}
        metrics = []
        for name in names:
            if name not in known:
                continue
            views, clicks = self.views.get(name, (0, 0))
            metrics.append(
                {
                    "localPostName": name,
                    "metricValues": [
                        {
                            "metric": "LOCAL_POST_VIEWS_SEARCH",
                            "totalValue": {"metricOption": "AGGREGATED_TOTAL", "value": str(views)},
                        },
                        {
                            "metric": "LOCAL_POST_ACTIONS_CALL_TO_ACTION",
                            "totalValue": {
                                "metricOption": "AGGREGATED_TOTAL",
                                "value": str(clicks),
                            },
                        },
                    ],
                }
            )
        return httpx.Response(
            200, json={"name": PARENT, "localPostMetrics": metrics, "timeZone": "Europe/Berlin"}
        )


def rate_limited() -> dict[str, Any]:
    return {
        "status": 429,
        "headers": {"Retry-After": "2"},
        "body": {
            "error": {
                "code": 429,
                "message": "Quota exceeded for quota metric 'Requests' of service 'mybusiness.googleapis.com'.",
                "status": "RESOURCE_EXHAUSTED",
            }
        },
    }


def expired() -> dict[str, Any]:
    return {
        "status": 400,
        "body": {
            "error": "invalid_grant",
            "error_description": "Token has been expired or revoked.",
        },
    }


CASE = PlatformCase(
    platform="google_business",
    credentials={
        "client_id": "GBP_CLIENT_ID",
        "client_secret": "GBP_CLIENT_SECRET",
        "refresh_token": "GBP_REFRESH_TOKEN",
        "account_id": "GBP_ACCOUNT_ID",
        "location_id": "GBP_LOCATION_ID",
        "api_base": "GBP_API",
        "token_url": "GBP_TOKEN_URL",
    },
    make=GoogleBusinessFake,
    env=lambda fake, base: {
        "GBP_CLIENT_ID": fake.client_id,  # type: ignore[attr-defined]
        "GBP_CLIENT_SECRET": fake.client_secret,  # type: ignore[attr-defined]
        "GBP_REFRESH_TOKEN": fake.refresh_token,  # type: ignore[attr-defined]
        "GBP_ACCOUNT_ID": ACCOUNT,
        "GBP_LOCATION_ID": LOCATION,
        "GBP_API": f"{base}/v4",
        "GBP_TOKEN_URL": f"{base}/token",
    },
    posts=lambda fake: [p.get("summary") or "" for p in fake.posts],  # type: ignore[attr-defined]
    write=r"/localPosts$",
    rate_limited=rate_limited,
    expired=expired,
    secrets=("GBP_CLIENT_SECRET", "GBP_REFRESH_TOKEN"),
    threads=False,
    media_base_url=True,
    parts=1,
)
