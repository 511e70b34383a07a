"""Google Business Profile: local posts on one location through the Google My Business API
v4 (https://developers.google.com/my-business/content/posts-data, "Create posts on Google";
reference ``accounts.locations.localPosts``: create, list, delete, reportInsights).

The channel names ``client_id``, ``client_secret`` and ``refresh_token`` (an OAuth client
authorised once with the ``https://www.googleapis.com/auth/business.manage`` scope), and
``account_id`` and ``location_id`` (the location's numbers; not secrets). Each run trades
the refresh token for an access token (``POST https://oauth2.googleapis.com/token``,
``grant_type=refresh_token``; optional ``token_url`` replaces the address), registers it
as a secret, and sends it as ``Authorization: Bearer``.

Publishing: a post is one local post (the row's ``max_parts`` is 1). ``POST
{api}/accounts/{a}/locations/{l}/localPosts`` with ``summary`` (the text, at most 1500),
``languageCode`` (the brand's language), ``topicType`` and what the post's
``variants.<channel>.options`` say:

* ``topic: standard`` (the default, "What's new"), ``event`` (``event.title`` and its
  ``schedule``: start and end as local date and time of day) or ``offer`` (the event's
  title and dates, and ``offer.coupon``, ``redeem_url``, ``terms``);
* ``button: {action, url}`` → ``callToAction {actionType, url}`` (BOOK, ORDER, SHOP,
  LEARN_MORE, SIGN_UP; CALL without url);
* the first image → ``media: [{mediaFormat: PHOTO, sourceUrl}]``, fetched by Google from
  the channel's ``media_base_url``.

The answer is the LocalPost; the ledger records its ``name`` and its ``searchUrl``.

Reconciling (:meth:`GoogleBusinessAdapter.find_part`): no idempotency key. The location's
posts (``GET …/localPosts``, newest first, 100 a page, at most :data:`PAGES` pages) are
compared on their summary and topic, made since the attempt began (less
:data:`CLOCK_SKEW`): one match is the post, none when the list reaches back past the
attempt, else :class:`~tidings.platforms.base.Unknowable`.

Deleting: ``DELETE {api}/{name}`` (404: already gone).

Metrics: ``POST …/localPosts:reportInsights`` for up to 10 posts a request, over the last
18 months: ``LOCAL_POST_VIEWS_SEARCH`` as views and ``LOCAL_POST_ACTIONS_CALL_TO_ACTION``
(button clicks) in ``raw``. Google lists the v4 insight methods on its deprecation schedule
in favour of the Business Profile Performance API, which reports per location, not per
post; while the method answers, tidings reads it, and a refusal makes the posts'
numbers unavailable, not the run fail. The API reports no followers.
"""

from __future__ import annotations

import re
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
    "DEFAULT_TOKEN_URL",
    "GoogleBusinessAdapter",
    "connect",
    "error_message",
    "local_post",
    "metrics_reader",
    "profile_reader",
]

DEFAULT_API = "https://mybusiness.googleapis.com/v4"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
CLOCK_SKEW = timedelta(minutes=10)
PAGES = 3
INSIGHTS_BATCH = 10
INSIGHTS_DAYS = 540
ACTIONS = {
    "book": "BOOK",
    "order": "ORDER",
    "shop": "SHOP",
    "learn_more": "LEARN_MORE",
    "sign_up": "SIGN_UP",
    "call": "CALL",
}
_WHEN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?$")


def connect(channel: Channel, env: Mapping[str, str], caller: Caller) -> GoogleBusinessAdapter:
    """The adapter for a ``platform: google_business`` channel: credentials ``client_id``,
    ``client_secret``, ``refresh_token``, ``account_id``, ``location_id``; optional
    ``api_base`` and ``token_url``."""
    names = {key: channel.credentials.get(key, key) for key in ("client_secret", "refresh_token")}
    client_id = base.credential(channel, env, "client_id").strip()
    secret = base.credential(channel, env, "client_secret").strip()
    refresh = base.credential(channel, env, "refresh_token").strip()
    account = base.credential(channel, env, "account_id").strip().removeprefix("accounts/")
    location = base.credential(channel, env, "location_id").strip().removeprefix("locations/")
    api = base.credential(channel, env, "api_base", default=DEFAULT_API).rstrip("/")
    token_url = base.credential(channel, env, "token_url", default=DEFAULT_TOKEN_URL)
    caller.secret(secret, names["client_secret"])
    caller.secret(refresh, names["refresh_token"])
    caller.message = error_message
    caller.classify = _classifier(names["refresh_token"])
    return GoogleBusinessAdapter(
        caller,
        api,
        token_url,
        (client_id, secret, refresh),
        f"accounts/{account}/locations/{location}",
    )


metrics_reader = connect
"""The metrics reader of a Business Profile channel: the adapter (post insights)."""

profile_reader = connect
"""The profile reader of a Business Profile channel: the adapter (the location)."""

INFO_API = "https://mybusinessbusinessinformation.googleapis.com/v1"
"""The Business Information API, where a location's title, description and website are."""
PROFILE_MASK = "title,profile,websiteUri,metadata"
"""``metadata`` holds ``mapsUri``, the location's public address on Google Maps."""


class GoogleBusinessAdapter(base.PlatformAdapter, platform="google_business"):
    def __init__(
        self,
        caller: Caller,
        api: str,
        token_url: str,
        client: tuple[str, str, str],
        location: str,
    ) -> None:
        self.caller = caller
        self.api = api
        self.token_url = token_url
        self._client = client
        self.location = location
        self._token: str | None = None

    def __repr__(self) -> str:
        return f"GoogleBusinessAdapter({self.location!r})"

    # -- the Adapter protocol ------------------------------------------------------------

    def publish_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote:
        what = "create the local post"
        if index > 0:
            raise PlatformError(
                f"part {index + 1}: a Business Profile post is one part; write a one-part variant",
                retryable=False,
            )
        body = local_post(out)
        headers = self._auth()  # before sending: a revoked token fails here, nothing sent
        response = self.caller.call(
            "POST",
            f"{self.api}/{self.location}/localPosts",
            safe=False,
            what=what,
            ok=(200,),
            json=body,
            headers=headers,
        )
        post = json_object(response, what, uncertain=True, status=True)
        name = post.get("name")
        if not isinstance(name, str) or "/localPosts/" not in name:
            raise PlatformError(
                f"{what}: the answer has no post name", retryable=True, uncertain=True
            )
        url = post.get("searchUrl")
        return base.Remote(name, url if isinstance(url, str) and url else None)

    def find_part(self, out: base.Outgoing, index: int, thread: base.Thread) -> base.Remote | None:
        want = local_post(out)
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        since = min(base.aware(out.started), now) - CLOCK_SKEW
        matches: list[tuple[str, str | None]] = []
        complete = False
        page_token: str | None = None
        for _ in range(PAGES):
            params: dict[str, str | int] = {"pageSize": 100}
            if page_token:
                params["pageToken"] = page_token
            response = self.caller.call(
                "GET",
                f"{self.api}/{self.location}/localPosts",
                safe=True,
                what="read the location's posts",
                params=params,
                headers=self._auth(),
            )
            page = json_object(response, "read the location's posts", status=True)
            listed = page.get("localPosts")
            posts: list[Any] = listed if isinstance(listed, list) else []
            for post in posts:
                if not isinstance(post, dict):
                    continue
                made = base.parse_time(post.get("createTime"))
                if made is not None and made < since:
                    complete = True
                    continue
                if (
                    post.get("summary") == want["summary"]
                    and post.get("topicType", "STANDARD") == want["topicType"]
                ):
                    url = post.get("searchUrl")
                    matches.append((str(post.get("name")), url if isinstance(url, str) else None))
            token = page.get("nextPageToken")
            page_token = token if isinstance(token, str) and token else None
            if complete or not page_token:
                complete = True
                break
        if len(matches) == 1:
            return base.Remote(*matches[0])
        if not matches and complete:
            return None
        raise base.Unknowable(
            f"{len(matches)} posts on the profile look like this one"
            if matches
            else "the profile has too many new posts to tell whether this one went out"
        )

    def delete(self, part: base.Remote) -> None:
        name = _post_name(part)
        try:
            self.caller.call(
                "DELETE",
                f"{self.api}/{name}",
                safe=True,
                what="delete the local post",
                ok=(200, 204),
                headers=self._auth(),
            )
        except PlatformError as error:
            if error.status == 404 and not error.auth:
                return  # already gone
            raise

    # -- metrics (the MetricsReader protocol) --------------------------------------------

    def post_metrics(self, parts: Sequence[base.Remote]) -> dict[str, Counts | Unavailable]:
        """Search views and button clicks of each post, 10 posts a request."""
        result: dict[str, Counts | Unavailable] = {}
        names: dict[str, str] = {}
        for part in parts:
            try:
                names[part.id] = _post_name(part)
            except PlatformError as error:
                result[part.id] = Unavailable(error.message)
        now = datetime.fromtimestamp(self.caller.clock(), UTC)
        window = {
            "startTime": (now - timedelta(days=INSIGHTS_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        pending = list(names.items())
        for start in range(0, len(pending), INSIGHTS_BATCH):
            batch = pending[start : start + INSIGHTS_BATCH]
            try:
                response = self.caller.call(
                    "POST",
                    f"{self.api}/{self.location}/localPosts:reportInsights",
                    safe=True,
                    what="read the posts' insights",
                    ok=(200,),
                    json={
                        "localPostNames": [name for _, name in batch],
                        "basicRequest": {
                            "metricRequests": [
                                {"metric": "LOCAL_POST_VIEWS_SEARCH"},
                                {"metric": "LOCAL_POST_ACTIONS_CALL_TO_ACTION"},
                            ],
                            "timeRange": window,
                        },
                    },
                    headers=self._auth(),
                )
            except PlatformError as error:
                if error.auth or error.retryable:
                    raise
                for key, _ in batch:  # the method refused (Google's deprecation): no numbers
                    result[key] = Unavailable(f"Google reports no post insights: {error.message}")
                continue
            report = json_object(response, "read the posts' insights", status=True)
            found = {
                m.get("localPostName"): m
                for m in report.get("localPostMetrics") or []
                if isinstance(m, dict)
            }
            for key, name in batch:
                metrics = found.get(name)
                result[key] = (
                    insight_counts(metrics)
                    if metrics is not None
                    else Unavailable("Google has no such post (deleted)")
                )
        return result

    def account_metrics(self) -> AccountCounts:
        """Business Profiles have no followers the API reports."""
        return AccountCounts()

    def read_profile(self) -> base.Profile:
        """``GET locations/{id}?readMask=title,profile,websiteUri`` (Business Information API
        v1, the Location resource): ``title``, ``profile.description``, ``websiteUri``. Its
        photos are another API (the media of v4): the audit does not judge them. With an
        ``api_base`` other than Google's (``…/v4``), the Information API is its ``/v1``
        beside it."""
        what = "read the location"
        api = INFO_API if self.api == DEFAULT_API else self.api.removesuffix("/v4") + "/v1"
        location = self.location.split("/", 2)[2]
        response = self.caller.call(
            "GET",
            f"{api}/{location}",
            safe=True,
            what=what,
            ok=(200,),
            params={"readMask": PROFILE_MASK},
            headers=self._auth(),
        )
        body = json_object(response, what, status=True)
        profile = body.get("profile")
        found = profile.get("description") if isinstance(profile, dict) else None
        description = found if isinstance(found, str) else ""
        metadata = body.get("metadata")
        maps = base.text_of(metadata.get("mapsUri")) if isinstance(metadata, dict) else None
        return base.Profile(
            display_name=base.text_of(body.get("title")),
            bio=description,
            links=base.links_in(base.text_of(body.get("websiteUri")), description),
            url=maps,
            not_exposed=("avatar", "banner"),
        )

    # -- OAuth ---------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        """The ``Authorization`` header, with an access token fetched once a run."""
        if self._token is None:
            client_id, secret, refresh = self._client
            response = self.caller.call(
                "POST",
                self.token_url,
                safe=True,
                what="renew the access token",
                ok=(200,),
                data={
                    "grant_type": "refresh_token",
                    "client_id": client_id,
                    "client_secret": secret,
                    "refresh_token": refresh,
                },
            )
            token = json_object(response, "renew the access token", status=True).get("access_token")
            if not isinstance(token, str) or not token:
                raise PlatformError(
                    "renew the access token: the answer has no access_token", retryable=True
                )
            self._token = self.caller.secret(token, "Google access token")
        return {"Authorization": f"Bearer {self._token}"}


def local_post(out: base.Outgoing) -> dict[str, Any]:
    """The ``LocalPost`` body for ``out``: its text, its topic and what its options add."""
    opts = out.options
    topic = str(opts.get("topic") or "standard").upper()
    body: dict[str, Any] = {"summary": out.parts[0].text, "topicType": topic}
    if out.language:
        body["languageCode"] = out.language
    event = opts.get("event")
    if topic in ("EVENT", "OFFER") and isinstance(event, Mapping):
        schedule: dict[str, Any] = {}
        for side, key in (("start", "start"), ("end", "end")):
            day, time = _date_time(str(event.get(key, "")))
            schedule[f"{side}Date"] = day
            if time is not None:
                schedule[f"{side}Time"] = time
        body["event"] = {"title": str(event.get("title", "")), "schedule": schedule}
    offer = opts.get("offer")
    if topic == "OFFER" and isinstance(offer, Mapping):
        fields = {
            "coupon": "couponCode",
            "redeem_url": "redeemOnlineUrl",
            "terms": "termsConditions",
        }
        body["offer"] = {fields[k]: str(v) for k, v in offer.items() if k in fields and v}
    button = opts.get("button")
    if isinstance(button, Mapping) and button.get("action") in ACTIONS:
        action: dict[str, str] = {"actionType": ACTIONS[str(button["action"])]}
        if button.get("url") and button.get("action") != "call":
            action["url"] = str(button["url"])
        body["callToAction"] = action
    if out.media and out.media[0].url:
        body["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": out.media[0].url}]
    return body


def _date_time(value: str) -> tuple[dict[str, int], dict[str, int] | None]:
    """``2026-12-20 10:00`` as Google's Date and TimeOfDay (local to the business)."""
    match = _WHEN.match(value.strip())
    if match is None:
        raise PlatformError(
            f"options.event: {value!r} is not a local date and time like 2026-12-20 10:00",
            retryable=False,
        )
    year, month, day, hours, minutes = match.groups()
    date = {"year": int(year), "month": int(month), "day": int(day)}
    if hours is None:
        return date, None
    return date, {"hours": int(hours), "minutes": int(minutes), "seconds": 0, "nanos": 0}


def insight_counts(metrics: Mapping[str, Any]) -> Counts:
    """A post's ``metricValues``: search views as views, button clicks in ``raw``."""
    values: dict[str, int | None] = {}
    for item in metrics.get("metricValues") or []:
        if not isinstance(item, dict):
            continue
        total = item.get("totalValue")
        value = total.get("value") if isinstance(total, dict) else None
        if isinstance(value, str) and value.isdigit():  # Google sends int64 as a string
            value = int(value)
        values[str(item.get("metric"))] = count(value)
    views = values.get("LOCAL_POST_VIEWS_SEARCH")
    clicks = values.get("LOCAL_POST_ACTIONS_CALL_TO_ACTION")
    return Counts(views=views, raw={"views_search": views, "call_to_action": clicks})


def _post_name(part: base.Remote) -> str:
    """The ``accounts/…/locations/…/localPosts/…`` name a ledger part records."""
    match = re.search(r"accounts/[^/]+/locations/[^/]+/localPosts/[^/?#]+", part.id)
    if match is None:
        raise PlatformError(f"{part.id!r} is not a Business Profile post name", retryable=False)
    return match.group(0)


def error_message(response: httpx.Response) -> str:
    """Google's ``error.message`` (with ``status``), or OAuth's ``error_description``."""
    body = error_object(response)
    if isinstance(body, str):
        return body
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or response.reason_phrase)
        status = error.get("status")
        return f"{message} ({status})" if isinstance(status, str) and status else message
    return str(body.get("error_description") or error or response.reason_phrase)


def _classifier(variable: str) -> Callable[[httpx.Response, str], PlatformError | None]:
    def classify(response: httpx.Response, what: str) -> PlatformError | None:
        status = response.status_code
        body = error_object(response)
        revoked = isinstance(body, dict) and body.get("error") in (
            "invalid_grant",
            "invalid_client",
        )
        if status in (401, 403) or revoked:
            return PlatformError(
                f"{what}: {status} {error_message(response)}; check the OAuth client and the "
                f"refresh token in {variable} (authorise the client again with the "
                "business.manage scope if it was revoked)",
                retryable=False,
                status=status,
                auth=True,
            )
        return None

    return classify
