"""Channels: each one's ``credentials:`` against what its platform reads
(:mod:`tidings.core.credentials`), and posts that expire on a platform that cannot delete."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core import credentials
from tidings.core.platforms import PLATFORMS
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace

UNKNOWN = "channel.credential"
MISSING = "channel.credential-missing"
KEPT = "post.expires-kept"


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for channel in ws.channels.values():
        names = list(channel.credentials)
        if not names:  # not set up yet: `tidings plan` says so, and nothing is sent
            continue
        for key, message, fix in credentials.problems(channel.platform, names):
            code = UNKNOWN if key is not None else MISSING
            if key is not None:
                pos = channel.source.pos("credentials", key, key=True)
            else:
                pos = channel.source.pos("credentials")
            yield Diagnostic.at(
                channel.source.path,
                pos,
                default_severity(code),
                code,
                f"channel `{channel.id}`: {message}",
                fix,
                channel=channel.id,
            )


def _can_delete(platform: str) -> bool:
    row = PLATFORMS.get(platform)
    return row is None or row.can_delete


def expiring(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        if post.expires is None:
            continue
        kept = [
            c
            for c in post.channels
            if c in ws.channels and not _can_delete(ws.channels[c].platform)
        ]
        if kept:
            names = ", ".join(f"`{c}` ({ws.channels[c].platform})" for c in kept)
            yield Diagnostic.at(
                post.source.path,
                post.source.pos("expires"),
                default_severity(KEPT),
                KEPT,
                f"expires, but {names} cannot delete posts: it stays up there",
                "delete it there by hand after that date, or leave that channel out",
            )
