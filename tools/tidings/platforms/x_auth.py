"""X's two ways of signing a user's requests: OAuth 1.0a and OAuth 2.0 with refresh.

**OAuth 1.0a** (the recommended setup: four secrets that never expire). Every request is
signed with HMAC-SHA1 as RFC 5849 §3.4 says: the method, the base URL, and the query and
form parameters with the ``oauth_*`` ones, sorted and percent-encoded, keyed by the consumer
secret and the token secret. :class:`OAuth1` is an ``httpx.Auth``, so *each* attempt of a
request gets a fresh nonce and timestamp: X refuses a nonce it has seen, so a retry that
resent the first signature would fail. :func:`signature` is pure and checked against the
worked examples of RFC 5849 §1.2 and X's own documentation.

**OAuth 2.0** (authorization code with PKCE, scope ``offline.access``). The access token
lasts two hours, so :class:`TokenSource` gets one from the refresh token at the first
request of a run (``POST /2/oauth2/token``, ``grant_type=refresh_token``) and again once
if X answers 401 (expired). X *rotates* refresh tokens: the answer holds a new refresh token
and the old one stops working. The new one is written, and only written, to the file that
the channel's ``refresh_token_file`` variable names (mode 0600, replaced atomically), never
printed or logged; the next run reads that file first and the secret only when the file is
absent or refused. In CI a later step saves the file back as the secret (site/setup.md).
A channel without ``refresh_token_file`` cannot use OAuth 2.0: each run would spend the
stored refresh token and leave the next run locked out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote

import httpx

from tidings.errors import PlatformError
from tidings.platforms.http import Caller
from tidings.redaction import register

__all__ = [
    "BearerAuth",
    "OAuth1",
    "OAuth1Keys",
    "TokenSource",
    "authorization_header",
    "base_string",
    "percent",
    "signature",
]


def percent(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 (RFC 5849 §3.6): only ``A-Za-z0-9-._~`` stay."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_uri(url: httpx.URL) -> str:
    """Scheme and host in lower case, the port only when it is not the scheme's default,
    the path; no query or fragment (RFC 5849 §3.4.1.2)."""
    scheme = url.scheme.lower()
    host = url.host.lower()
    port = url.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{scheme}://{netloc}{url.raw_path.split(b'?', 1)[0].decode('ascii') or '/'}"


def base_string(method: str, url: httpx.URL, params: Iterable[tuple[str, str]]) -> str:
    """The signature base string: method, base URI and the normalised parameters."""
    pairs = sorted((percent(k), percent(v)) for k, v in params)
    normalised = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), percent(base_uri(url)), percent(normalised)))


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    """HMAC-SHA1 of the base string, base64 (RFC 5849 §3.4.2)."""
    key = f"{percent(consumer_secret)}&{percent(token_secret)}".encode()
    digest = hmac.new(key, base.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class OAuth1Keys:
    """The four OAuth 1.0a credentials; ``repr`` shows none of them."""

    def __init__(self, api_key: str, api_secret: str, token: str, token_secret: str) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.token = token
        self.token_secret = token_secret

    def __repr__(self) -> str:
        return "OAuth1Keys(***)"

    def secrets(self) -> list[str]:
        return [self.api_key, self.api_secret, self.token, self.token_secret]


def authorization_header(
    keys: OAuth1Keys,
    method: str,
    url: httpx.URL,
    form: Sequence[tuple[str, str]] = (),
    *,
    nonce: str,
    timestamp: int,
) -> str:
    """The ``Authorization: OAuth …`` value for one request."""
    oauth = {
        "oauth_consumer_key": keys.api_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp),
        "oauth_token": keys.token,
        "oauth_version": "1.0",
    }
    query = parse_qsl(url.query.decode("ascii"), keep_blank_values=True)
    base = base_string(method, url, [*oauth.items(), *query, *form])
    oauth["oauth_signature"] = register_signature(
        signature(base, keys.api_secret, keys.token_secret)
    )
    return "OAuth " + ", ".join(f'{percent(k)}="{percent(v)}"' for k, v in sorted(oauth.items()))


def register_signature(value: str) -> str:
    """A request's signature, registered as a secret (an answer may echo the header)."""
    register(value, "oauth_signature")
    return value


class OAuth1(httpx.Auth):
    """Signs each request as it is sent (a fresh nonce per attempt)."""

    requires_request_body = True

    def __init__(self, keys: OAuth1Keys, clock: Callable[[], float]) -> None:
        self.keys = keys
        self.clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        form: list[tuple[str, str]] = []
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
        request.headers["Authorization"] = authorization_header(
            self.keys,
            request.method,
            request.url,
            form,
            nonce=secrets.token_hex(16),
            timestamp=int(self.clock()),
        )
        yield request


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@dataclass(eq=False)
class TokenSource:
    """OAuth 2.0 access tokens for one channel, from its (rotating) refresh token.

    ``refresh_token`` is the one the environment holds; ``refresh_var`` and ``file_var`` are
    the *names* of the variables, used in messages. ``repr`` shows only the client id.
    """

    caller: Caller
    token_url: str
    _: KW_ONLY
    client_id: str
    client_secret: str | None
    refresh_token: str
    refresh_var: str
    token_file: Path
    file_var: str
    _access: str | None = field(default=None, init=False)
    _spent: set[str] = field(default_factory=set, init=False)

    def __repr__(self) -> str:
        return f"TokenSource(client_id={self.client_id!r})"

    def secrets(self) -> list[str]:
        found = [self.refresh_token, self._access or "", self.client_secret or ""]
        found += sorted(self._spent)
        stored = self._stored()
        return [s for s in [*found, stored or ""] if s]

    def access(self) -> str:
        """The current access token, refreshing when there is none yet."""
        if self._access is None:
            self.refresh()
        assert self._access is not None
        return self._access

    def refresh(self) -> None:
        """Trade the newest refresh token for an access token (and a new refresh token,
        saved to the token file). Tries the file's token, then the secret's."""
        candidates = {self._stored() or "": self.file_var, self.refresh_token: self.refresh_var}
        last: PlatformError | None = None
        for token, var in candidates.items():
            if not token or token in self._spent:
                continue
            try:
                self._trade(token, var)
                return
            except PlatformError as error:
                if not error.auth:
                    raise
                last = error
        raise last or PlatformError(
            f"get an access token: no usable refresh token left; authorise the app again "
            f"and set {self.refresh_var}",
            retryable=False,
            auth=True,
        )

    def _stored(self) -> str | None:
        try:
            text = self.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if text:
            self.caller.secret(text, self.file_var)
        return text or None

    def _trade(self, refresh_token: str, var: str) -> None:
        what = "get an access token"
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        auth: tuple[str, str] | None = None
        if self.client_secret:
            auth = (self.client_id, self.client_secret)  # a confidential client
            basic = f"{self.client_id}:{self.client_secret}".encode()
            self.caller.secret(base64.b64encode(basic).decode("ascii"), "client_secret")
        else:
            data["client_id"] = self.client_id
        response = self.caller.call(
            "POST",
            self.token_url,
            safe=True,  # a repeat with a spent token is refused, never doubled
            what=what,
            ok=(200, 400, 401),
            data=data,
            auth=auth,
        )
        body = _json_object(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            self._spent.add(refresh_token)
            error = body.get("error_description") or body.get("error") or response.reason_phrase
            raise PlatformError(
                f"{what}: {response.status_code} {error} (the refresh token from {var} was "
                "refused; authorise the app again if none works)",
                retryable=False,
                status=response.status_code,
                auth=True,
            )
        self._spent.add(refresh_token)
        new = body.get("refresh_token")
        if isinstance(new, str) and new:
            self.caller.secret(new, self.refresh_var)
        self._access = self.caller.secret(str(body["access_token"]), "access_token")
        if isinstance(new, str) and new and new != refresh_token:
            self._save(new)

    def _save(self, token: str) -> None:
        """Write the rotated refresh token: 0600, complete or not at all."""
        path = self.token_file
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(token + "\n")
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except OSError as exc:
            raise PlatformError(
                f"save the new refresh token: cannot write the file {self.file_var} names "
                f"({exc.strerror or type(exc).__name__}); X has already replaced the old "
                f"token, so authorise the app again and set {self.refresh_var}",
                retryable=False,
                auth=True,
            ) from None


def _json_object(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
