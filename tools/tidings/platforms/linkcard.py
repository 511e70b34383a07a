"""Fetching a linked page's card (Open Graph title, description, image) over the network.

Used by the publisher before it sends a Bluesky post, and by ``tidings site build`` to fill
the preview's cache. The page address comes from a post, so the fetch is built not to be a
way into the network the job runs in (SSRF):

* only ``http``/``https``, only for the pages :func:`tidings.core.linkcard.may_fetch` allows
  (the brand's own domains, or a post that opts in);
* every connection goes to an address checked at connect time (:class:`_GuardedBackend`):
  never loopback, private, link-local, multicast or reserved addresses, unless the caller
  passes ``allow_private`` (tests on 127.0.0.1 only; see :data:`ALLOW_PRIVATE_ENV`). The
  check is on the address actually connected to, so DNS rebinding gains nothing;
* no proxies from the environment, no cookies, no credentials sent;
* redirects are followed by hand, at most :data:`MAX_REDIRECTS`: within the same origin
  (scheme, host and port), or to another address the caller's ``follow`` allows (the same
  rule as the link itself, :func:`tidings.core.linkcard.may_fetch`: ``http://`` to
  ``https://``, ``www.`` to the bare domain, another of the brand's own domains), never from
  ``https`` down to ``http``; so an own-domain link cannot bounce the job to anyone else's
  server;
* short timeouts, and bodies read up to a cap (:data:`MAX_HTML`, :data:`MAX_IMAGE`): a
  bigger page or image is given up, not read.

:func:`fetch_card` never raises: a page that cannot be used comes back with ``problem`` set
and no title, and the caller shows the text card.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from tidings.core.linkcard import PageCard, ThumbError, parse_page, thumbnail

__all__ = ["ALLOW_PRIVATE_ENV", "FetchedCard", "fetch_card"]

ALLOW_PRIVATE_ENV = "TIDINGS_LINK_CARDS_ALLOW_PRIVATE"
"""Test-only: ``1`` lets link cards be fetched from private and loopback addresses (the
tests' page server on 127.0.0.1). Never set it in a workflow."""

MAX_HTML = 1_000_000
MAX_IMAGE = 10_000_000
MAX_REDIRECTS = 3
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
DEADLINE = 10.0  # seconds for the page and its image together
USER_AGENT = "tidings-link-card/1 (+https://tidings.dev)"


class _Refused(Exception):
    """The fetch stops here; the message says why, in a few words."""


@dataclass(frozen=True)
class FetchedCard:
    """What a page gave for its card. ``problem`` is None when the page was read."""

    url: str
    page: str | None = None  # the address read, after redirects
    card: PageCard | None = None
    thumb: tuple[bytes, str] | None = None  # bytes and MIME type, within the platform's limit
    problem: str | None = None
    thumb_problem: str | None = None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to public addresses (all private ones too with ``allow_private``):
    resolves the host itself and connects to the address it checked."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from None
        addresses = [str(info[4][0]) for info in found]
        usable = [a for a in addresses if self.allow_private or _public(a)]
        if not usable:
            raise httpcore.ConnectError(f"{host} is not a public address")
        return super().connect_tcp(usable[0], port, timeout, local_address, socket_options)


def _client(allow_private: bool, timeout: httpx.Timeout) -> httpx.Client:
    transport = httpx.HTTPTransport(trust_env=False)
    # the pool httpx builds, with our backend: every connection goes through the check
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=2,
        network_backend=_GuardedBackend(allow_private),
    )
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept-Language": "*"},
    )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _may_follow(
    start: tuple[str, str, int | None],
    current: httpx.URL,
    target: httpx.URL,
    follow: Callable[[str], bool] | None,
) -> bool:
    """Whether a redirect from ``current`` to ``target`` is followed: within the first
    address's origin, or wherever ``follow`` allows, never from https down to http."""
    if current.scheme == "https" and target.scheme != "https":
        return False
    return _origin(target) == start or (follow is not None and follow(str(target)))


def _get(
    client: httpx.Client,
    url: str,
    accept: str,
    cap: int,
    deadline: float,
    follow: Callable[[str], bool] | None = None,
) -> tuple[httpx.URL, str, bytes]:
    """(final address, content type, body) of ``url``, redirects followed within its
    origin or where ``follow`` allows (see :func:`_may_follow`); raises :class:`_Refused`."""
    current = httpx.URL(url)
    start = _origin(current)
    for _ in range(MAX_REDIRECTS + 1):
        if current.scheme not in ("http", "https"):
            raise _Refused(f"not an http(s) address: {current.scheme}")
        try:
            with client.stream("GET", current, headers={"Accept": accept}) as response:
                if response.is_redirect:
                    target = current.join(response.headers.get("location", ""))
                    if not _may_follow(start, current, target, follow):
                        raise _Refused(f"redirected off the site, to {target.host}")
                    current = target
                    continue
                if response.status_code != 200:
                    raise _Refused(f"{response.status_code} {response.reason_phrase}")
                size = response.headers.get("content-length", "")
                if size.isdigit() and int(size) > cap:
                    raise _Refused(f"too big ({int(size):,} bytes; at most {cap:,} are read)")
                body = bytearray()
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) > cap:
                        raise _Refused(f"too big (over {cap:,} bytes)")
                    if time.monotonic() > deadline:
                        raise _Refused("too slow")
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return current, kind, bytes(body)
        except httpx.TimeoutException:
            raise _Refused("timed out") from None
        except httpx.HTTPError as exc:
            raise _Refused(str(exc) or type(exc).__name__) from None
    raise _Refused(f"more than {MAX_REDIRECTS} redirects")


def _decode(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=")[-1].split(";")[0].strip() or charset
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def fetch_card(
    url: str,
    thumb_bytes: int | None,
    *,
    allow_private: bool = False,
    timeout: httpx.Timeout = TIMEOUT,
    seconds: float = DEADLINE,
    follow: Callable[[str], bool] | None = None,
) -> FetchedCard:
    """The card of the page at ``url`` (already allowed by ``may_fetch``), with its image as
    a thumbnail of at most ``thumb_bytes`` (None: no image fetched), all within ``seconds``.
    A redirect to another origin is followed only where ``follow(address)`` allows (pass
    the rule the link itself was allowed by). Never raises."""
    try:
        deadline = time.monotonic() + seconds
        return _fetch(url, thumb_bytes, allow_private, timeout, deadline, follow)
    except Exception as exc:  # a card never fails a post: whatever breaks, a text card
        return FetchedCard(url, problem=f"could not be read ({type(exc).__name__})")


def _fetch(
    url: str,
    thumb_bytes: int | None,
    allow_private: bool,
    timeout: httpx.Timeout,
    deadline: float,
    follow: Callable[[str], bool] | None,
) -> FetchedCard:
    with _client(allow_private, timeout) as client:
        try:
            final, kind, body = _get(
                client, url, "text/html,application/xhtml+xml", MAX_HTML, deadline, follow
            )
        except _Refused as why:
            return FetchedCard(url, problem=str(why))
        if kind not in ("text/html", "application/xhtml+xml"):
            return FetchedCard(url, str(final), problem=f"not a web page ({kind or 'no type'})")
        card = parse_page(_decode(body, kind), str(final))
        if not card.title:
            return FetchedCard(url, str(final), card, problem="the page has no title")
        if card.image is None or thumb_bytes is None:
            return FetchedCard(url, str(final), card)
        try:
            _, _, image = _get(client, card.image, "image/*", MAX_IMAGE, deadline)
            thumb = thumbnail(image, thumb_bytes)
        except (_Refused, ThumbError) as why:
            return FetchedCard(url, str(final), card, thumb_problem=f"image: {why}")
        except Exception as exc:  # Pillow raises more than it documents on broken files
            return FetchedCard(url, str(final), card, thumb_problem=f"image: {type(exc).__name__}")
        return FetchedCard(url, str(final), card, thumb)
