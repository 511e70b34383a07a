"""Keep secrets out of everything tidings prints or writes: the one scrubber.

A secret reaches tidings two ways, and both are known before any text could carry it:

* **Named**: credentials come only from environment variables. The values of
  secret-looking variables (``TOKEN``, ``SECRET``, … in the name) are replaced by their
  names; the jobs also register every secret value a channel's ``credentials:`` names,
  whatever its variable is called (:func:`register`).
* **Obtained**: a session JWT, a refreshed token, a webhook address, a signature. Each
  adapter registers it with the HTTP layer (``Caller.secret``, which calls
  :func:`register`) the moment it learns it.

:func:`redact` replaces every registered value (and its URL-, JSON- and HTML-escaped
forms) by ``<NAME>``, then anything shaped like a bearer token, a JWT or a token in a query
string or JSON field, for what no one could register (a platform echoing a header it made
up). Every :class:`~tidings.errors.TidingsError` message and hint passes through it when the
error is made, the ledger on every write, the run reports and the CLI's crash log too.
The registry is the process's: a secret once known is never printed by it again.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from urllib.parse import quote

__all__ = ["KNOWN", "MIN_LENGTH", "SECRET_NAME", "Secrets", "redact", "register", "secrets_in"]

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|WEBHOOK|CREDENTIAL|AUTH", re.I)
MIN_LENGTH = 6  # shorter values would blank out ordinary words

_SHAPES = (
    # a bearer token, in an echoed header or a message
    (re.compile(r"\b(Bearer|Basic)\s+(?!<|\[)[A-Za-z0-9\-._~+/=%]{8,}"), r"\1 [redacted]"),
    # a JSON Web Token anywhere (session JWTs start with the encoded '{"')
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[jwt]"),
    # a token in a query string or a form body
    (
        re.compile(
            r"\b(access_token|refresh_token|client_secret|oauth_signature|oauth_token|"
            r"password|app_password|sig|signature)=(?!<|\[)[^&\s\"'<>]+",
            re.I,
        ),
        r"\1=[redacted]",
    ),
    # a token in an echoed JSON object
    (
        re.compile(
            r"(\"(?:access_?token|refresh_?token|access_?jwt|refresh_?jwt|client_?secret|"
            r"password|app_?password|authorization)\"\s*:\s*\")(?!<|\[)[^\"]+\"",
            re.I,
        ),
        r'\1[redacted]"',
    ),
)


def _forms(value: str) -> set[str]:
    """The ways a value can appear in text a platform sends back: as is, URL-encoded,
    with JSON-escaped slashes, HTML-escaped."""
    import html  # here: its entity table is not worth loading for a check (6 ms)

    return {
        value,
        quote(value, safe=""),
        quote(value, safe="/:"),
        value.replace("/", "\\/"),
        html.escape(value),
    }


class Secrets:
    """The secret values one process knows, each with the name shown in its place."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, value: str | None, name: str = "secret") -> None:
        """Never show ``value`` (nor its escaped forms) again; ``<name>`` stands in for it.
        Values shorter than :data:`MIN_LENGTH` are ignored (they would blank out words)."""
        if not value or len(value) < MIN_LENGTH:
            return
        with self._lock:
            for form in _forms(value):
                self._names.setdefault(form, name)

    def forget(self) -> None:
        """Drop every registered value (a test's clean slate)."""
        with self._lock:
            self._names.clear()

    def __contains__(self, value: object) -> bool:
        return value in self._names

    def values(self) -> dict[str, str]:
        """Every registered form and its name."""
        with self._lock:
            return dict(self._names)


KNOWN = Secrets()
"""The process's registry: what :func:`register` adds and :func:`redact` replaces."""


def register(value: str | None, name: str = "secret") -> None:
    """Add ``value`` to the process's registry: from now on :func:`redact` hides it."""
    KNOWN.add(value, name)


def secrets_in(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values of the secret-looking variables in ``env`` (default: the process's)."""
    env = os.environ if env is None else env
    return {
        value: name
        for name, value in env.items()
        if SECRET_NAME.search(name) and value and len(value) >= MIN_LENGTH
    }


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with every known secret replaced by ``<NAME>`` and anything shaped like a
    token replaced by ``[redacted]``; see the module docstring."""
    if not text:
        return text
    known = KNOWN.values()
    for value, name in secrets_in(env).items():
        for form in _forms(value):
            known.setdefault(form, name)
    for value, name in sorted(known.items(), key=lambda kv: -len(kv[0])):
        if value in text:
            text = text.replace(value, f"<{name}>")
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text
