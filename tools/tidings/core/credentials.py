"""Which credentials a channel names: its platform's key sets (``Platform.credentials`` in
``tidings.core.platforms``) held against the keys under its ``credentials:``.

Each key maps to the NAME of an environment variable. A platform has one or more *sets*
(X takes OAuth 1.0a or OAuth 2.0); a channel must name every required key of one set and
nothing the platform does not read. ``tidings check`` holds channels.yaml to this table,
so a misspelt key is caught before merge instead of in the unwatched publish run, and the
docs list every key (``site/platforms.md``, held to the table by a test).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping

from tidings.core.platforms import COMMON_OPTIONAL, PLATFORMS, KeySet
from tidings.workspace.model import Channel

__all__ = [
    "PUBLIC_KEYS",
    "keysets",
    "missing",
    "optional",
    "problems",
    "secret_values",
    "unset_variables",
]

PUBLIC_KEYS = frozenset(
    {"api_base", "base_url", "pds", "appview", "handle", "user_id", "page_id", "author_urn"}
    | {"version", "refresh_token_file", "chat_id", "board_id"}
    | {"account_id", "location_id", "token_url"}
)
"""Credential keys whose values are addresses, names and ids, shown in post addresses and
messages (``https://mastodon.social/@brand/1``), never secrets. Every other key's value is
a secret, whatever its variable is called."""


def keysets(platform: str) -> tuple[KeySet, ...] | None:
    """The platform's key sets from its table row; None for a platform that takes none."""
    row = PLATFORMS.get(platform)
    return row.credentials if row is not None and row.credentials else None


def _set_for(platform: str, names: Collection[str]) -> KeySet | None:
    """The set a channel uses: the one sharing most required keys with what it names."""
    sets = keysets(platform)
    if not sets:
        return None
    return max(sets, key=lambda s: (len(set(s.required) & set(names)), -sets.index(s)))


def optional(platform: str) -> frozenset[str]:
    """Keys a channel of ``platform`` may name and leave unset."""
    keys = set(COMMON_OPTIONAL)
    for keyset in keysets(platform) or ():
        keys.update(keyset.optional)
    return frozenset(keys)


def missing(platform: str, names: Collection[str]) -> tuple[str, ...]:
    """Required keys of the channel's set that it does not name."""
    keyset = _set_for(platform, names)
    return tuple(k for k in keyset.required if k not in names) if keyset else ()


def problems(platform: str, names: Collection[str]) -> list[tuple[str | None, str, str]]:
    """``(key or None, message, how to fix)`` for each key the platform does not read and
    each required key that is missing. Local platforms (no key sets) take none."""
    sets = keysets(platform)
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


def secret_values(channel: Channel, env: Mapping[str, str]) -> dict[str, str]:
    """The secret values ``channel`` names in ``env`` (every key but :data:`PUBLIC_KEYS`),
    each with the name of its variable: what no message or file may ever show."""
    return {
        env[name]: name
        for key, name in channel.credentials.items()
        if key not in PUBLIC_KEYS and env.get(name)
    }
