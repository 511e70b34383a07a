"""HTTP calls with the retry rules every adapter shares.

* Connection errors, timeouts, 5xx and 429 are *retryable*. The caller waits (honouring
  ``Retry-After`` and each platform's rate-limit reset header) and tries again, up to
  ``attempts`` times and never waiting longer than ``max_wait`` in total; then it raises a
  retryable :class:`PlatformError` so the next run tries again.
* A request that is not ``safe`` to repeat (it could create a second post) is never resent
  after its outcome became uncertain (timeout, connection lost mid-request, 5xx); the error
  is raised with ``uncertain=True`` and the publisher reconciles.
* Other 4xx are permanent, with the platform's own message. 401/403 mean the credentials
  are wrong or revoked (``auth=True``): the publisher stops that channel, not the run.

Messages never contain URLs' query strings or headers, so tokens cannot leak through them.
Whatever a platform's answer echoes (its status and body shape do not matter) cannot leak
either: every adapter registers each secret it holds or obtains with :meth:`Caller.secret`
the moment it learns it, and every error message passes through the one scrubber,
:func:`tidings.redaction.redact`, when the error is made.
"""

from __future__ import annotations

import email.utils
import html
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from tidings.errors import PlatformError
from tidings.redaction import register

RATE_RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")


class HideAddresses(logging.Filter):
    """httpx logs every request's full address at INFO. Meta's tokens travel in the query
    string and a Discord or Slack webhook address *is* the secret, so whoever turns logging
    on sees only the scheme and host of each address (``https://graph.threads.net/…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _host_only(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def _host_only(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}/…"


logging.getLogger("httpx").addFilter(HideAddresses())


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def _plain(response: httpx.Response) -> str:
    """A non-JSON answer in a line: an HTML error page (a proxy's, a load balancer's)
    becomes its title, or its text without tags; never the page's markup."""
    text = response.text.strip()
    kind = response.headers.get("content-type", "")
    if "html" in kind or text.startswith("<"):
        title = _TITLE.search(text)
        text = html.unescape(_TAG.sub(" ", title.group(1) if title else text))
    text = " ".join(text.split())
    return (text[:200] + "…" if len(text) > 200 else text) or response.reason_phrase


def _default_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return _plain(response)
    if isinstance(body, dict):
        for key in ("error_description", "message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
    return response.reason_phrase


def error_object(response: httpx.Response) -> dict[str, Any] | str:
    """A failed answer's JSON object, for the adapter to read the platform's own words from;
    when there is none, the line to show instead: the answer's first 300 characters when it
    is no JSON, its reason phrase when it is JSON but no object."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    return body if isinstance(body, dict) else response.reason_phrase


def json_field(response: httpx.Response, key: str) -> object:
    """The value of ``key`` in the answer's JSON object; None when the answer is no JSON
    object or has no such key."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(key) if isinstance(body, dict) else None


def json_object(
    response: httpx.Response, what: str, *, uncertain: bool = False, status: bool = False
) -> dict[str, Any]:
    """The answer's JSON object: the one reading of a success answer every adapter shares.
    An answer that is no JSON object raises a retryable :class:`PlatformError` ("``what``:
    the answer is not a JSON object"); ``uncertain`` when the request may have created
    something (every create call: a 2xx answer without a usable id is never a reason to send
    again, the publisher reconciles it), ``status`` to keep the answer's status code on the
    error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PlatformError(
            f"{what}: the answer is not a JSON object",
            retryable=True,
            status=response.status_code if status else None,
            uncertain=uncertain,
        )
    return body


def wait_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """How long the platform asks us to wait: Retry-After (seconds or HTTP date), else the
    rate-limit reset header (epoch seconds, ISO-8601 as Mastodon sends, or seconds from now)."""
    retry_after = headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
                return max(0.0, when.timestamp() - now)
            except (TypeError, ValueError):
                pass
    after = headers.get("x-ratelimit-reset-after")  # Discord
    if after:
        try:
            return max(0.0, float(after))
        except ValueError:
            pass
    for name in RATE_RESET_HEADERS:
        value = headers.get(name)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return max(0.0, moment.timestamp() - now)
        # epoch seconds are large; small numbers are "seconds from now"
        return max(0.0, number - now) if number > 1e9 else max(0.0, number)
    return None


@dataclass
class Caller:
    """Sends requests for one adapter. ``sleep`` and ``clock`` are injectable for tests."""

    client: httpx.Client
    attempts: int = 8
    max_wait: float = 120.0
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    message: Callable[[httpx.Response], str] = _default_message
    classify: Callable[[httpx.Response, str], PlatformError | None] | None = None
    """A platform's own reading of an error answer, consulted first (``what`` is the second
    argument): Meta's rate limits arrive as 400 with code 4/17/32/613, X's duplicate content
    as 403. None falls back to the status-code rules above."""
    requests: int = field(default=0, init=False)

    def secret(self, value: str, name: str = "secret") -> str:
        """Register ``value`` (a token, a session JWT, a webhook address, a signature) as a
        secret: no message, ledger file, log or crash log shows it from now on; ``<name>``
        stands in for it. Returns ``value``, so an adapter registers where it reads."""
        register(value, name)
        return value

    def call(
        self,
        method: str,
        url: str,
        *,
        safe: bool,
        what: str,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; ``what`` names it in messages ("upload image 1")."""
        waited = 0.0
        last: PlatformError | None = None
        for attempt in range(self.attempts):
            if attempt:
                delay = last.retry_after if last and last.retry_after is not None else None
                if delay is None:
                    delay = self.backoff * 2 ** (attempt - 1)
                if waited + delay > self.max_wait:
                    break
                self.sleep(delay)
                waited += delay
            self.requests += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException as exc:
                last = PlatformError(
                    f"{what}: the platform did not answer in time ({type(exc).__name__})",
                    retryable=True,
                    uncertain=not isinstance(exc, httpx.ConnectTimeout),
                )
            except httpx.TransportError as exc:
                last = PlatformError(
                    f"{what}: connection failed ({type(exc).__name__})",
                    retryable=True,
                    uncertain=not isinstance(exc, httpx.ConnectError),
                )
            except httpx.RequestError as exc:  # DecodingError, TooManyRedirects: it answered
                last = PlatformError(
                    f"{what}: the answer could not be read ({type(exc).__name__})",
                    retryable=True,
                    uncertain=True,
                )
            else:
                if response.status_code in ok:
                    return response
                last = self.error(response, what)
                if not last.retryable:
                    raise last
            if last.uncertain and not safe:
                raise last
        assert last is not None
        raise last

    def error(self, response: httpx.Response, what: str) -> PlatformError:
        if self.classify is not None:
            special = self.classify(response, what)
            if special is not None:
                return special
        message = f"{what}: {response.status_code} {self.message(response)}"
        return status_error(response, message, self.clock())


def status_error(response: httpx.Response, message: str, now: float) -> PlatformError:
    """The error an answer's status code makes, by the rules above: 429 retryable after the
    platform's wait, 5xx retryable and uncertain, other 4xx permanent (401/403 ``auth``). A
    2xx the call did not list as its success is uncertain too: the request may have been
    applied, so a create call is reconciled, never sent again."""
    status = response.status_code
    if 200 <= status < 300:  # a success this call did not expect: it may have been applied
        return PlatformError(message, retryable=True, status=status, uncertain=True)
    if status == 429:
        return PlatformError(
            message, retryable=True, status=status, retry_after=wait_seconds(response.headers, now)
        )
    if status >= 500:
        return PlatformError(
            message,
            retryable=True,
            status=status,
            retry_after=wait_seconds(response.headers, now),
            uncertain=True,
        )
    return PlatformError(message, retryable=False, status=status, auth=status in (401, 403))
