"""Which credentials each platform takes: the keys under a channel's ``credentials:``.

Each key maps to the NAME of an environment variable. A platform has one or more *sets*
(X takes OAuth 1.0a or OAuth 2.0); a channel must name every required key of one set and
nothing the platform does not read. ``tidings check`` holds channels.yaml to this table,
so a misspelt key is caught before merge instead of in the unwatched publish run, and the
docs print it (``site/platforms.md``).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from tidings.workspace.model import Channel

__all__ = [
    "COMMON_OPTIONAL",
    "KEYS",
    "KeySet",
    "missing",
    "optional",
    "problems",
    "unset_variables",
]


@dataclass(frozen=True, slots=True)
class KeySet:
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


COMMON_OPTIONAL = ("api_base",)
"""Every network platform: its API address, set only to reach a proxy or a test server."""

KEYS: dict[str, tuple[KeySet, ...]] = {
    "mastodon": (KeySet("", ("base_url", "access_token")),),
    "bluesky": (KeySet("", ("handle", "app_password"), ("pds", "appview")),),
    "x": (
        KeySet("OAuth 1.0a", ("api_key", "api_secret", "access_token", "access_token_secret")),
        KeySet(
            "OAuth 2.0", ("client_id", "refresh_token", "refresh_token_file"), ("client_secret",)
        ),
    ),
    "linkedin": (
        KeySet(
            "",
            ("access_token", "author_urn"),
            ("version", "client_id", "client_secret", "refresh_token"),
        ),
    ),
    "threads": (KeySet("", ("user_id", "access_token")),),
    "instagram": (KeySet("", ("user_id", "access_token")),),
    "facebook": (KeySet("", ("page_id", "access_token")),),
    "discord": (KeySet("", ("webhook_url",)),),
    "slack": (KeySet("", ("webhook_url",)),),
}


def _set_for(platform: str, names: Collection[str]) -> KeySet | None:
    """The set a channel uses: the one sharing most required keys with what it names."""
    sets = KEYS.get(platform)
    if not sets:
        return None
    return max(sets, key=lambda s: (len(set(s.required) & set(names)), -sets.index(s)))


def optional(platform: str) -> frozenset[str]:
    """Keys a channel of ``platform`` may name and leave unset."""
    keys = set(COMMON_OPTIONAL)
    for keyset in KEYS.get(platform, ()):
        keys.update(keyset.optional)
    return frozenset(keys)


def missing(platform: str, names: Collection[str]) -> tuple[str, ...]:
    """Required keys of the channel's set that it does not name."""
    keyset = _set_for(platform, names)
    return tuple(k for k in keyset.required if k not in names) if keyset else ()


def problems(platform: str, names: Collection[str]) -> list[tuple[str | None, str, str]]:
    """``(key or None, message, how to fix)`` for each key the platform does not read and
    each required key that is missing. Local platforms (no table entry) take none."""
    sets = KEYS.get(platform)
    if sets is None:
        return [
            (name, f"`{platform}` channels take no credentials", "remove `credentials:`")
            for name in names
        ]
    known = {k for s in sets for k in (*s.required, *s.optional)} | set(COMMON_OPTIONAL)
    lacking = missing(platform, names)
    found: list[tuple[str | None, str, str]] = []
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1) or (
            list(lacking) if len(lacking) == 1 else []
        )
        hint = f"did you mean `{close[0]}`?" if close else "use one of: " + ", ".join(sorted(known))
        found.append((name, f"{platform} does not read a credential called `{name}`", hint))
    if lacking:
        keyset = _set_for(platform, names)
        label = f" ({keyset.label})" if keyset and keyset.label else ""
        found.append(
            (
                None,
                f"{platform}{label} needs " + ", ".join(f"`{k}`" for k in lacking),
                "add " + ", ".join(f"{k}: ENV_VAR_NAME" for k in lacking) + " under `credentials:`",
            )
        )
    return found


def unset_variables(channel: Channel, env: Mapping[str, str]) -> tuple[str, ...]:
    """The environment variable names ``channel`` needs that are not set in ``env``
    (optional ones, like Bluesky's ``pds`` and ``appview``, have defaults and never count)."""
    skip = optional(channel.platform)
    return tuple(
        name for key, name in channel.credentials.items() if key not in skip and not env.get(name)
    )
