"""Saved replies (``brand/replies.yaml``), checked like posts even when no reply uses them.

Each saved reply is measured on every channel it may be sent on (its ``channels``, or every
channel whose platform takes replies) with the same rules a post meets there: each
platform's text rules on exactly what ``render`` produces, and the brand's voice (banned and
preferred words, buzzwords, hashtags, emoji, exclamation marks, capitals, reading level).
The findings point at the saved reply's ``body`` line in brand/replies.yaml. A reply file that
sends one (``saved:``) is checked again on its own channel, as any reply is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from tidings.check.codes import default_severity
from tidings.check.rules import lengths, voice
from tidings.core.platforms import PLATFORMS
from tidings.core.render import render
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, SavedReply, Workspace
from tidings.workspace.sourcefiles import content_hash

ONE_POST_CODES = frozenset({"brand.same-text"})
"""Voice findings about a post sent to many networks at once: not about a saved reply."""


def reply_channels(ws: Workspace, saved: SavedReply) -> tuple[str, ...]:
    """The channels a saved reply may go to: its own list, or every channel that takes
    replies."""
    if saved.channels:
        return tuple(c for c in saved.channels if c in ws.channels)
    return tuple(
        cid
        for cid, channel in ws.channels.items()
        if (row := PLATFORMS.get(channel.platform)) is not None
        and row.replies is not None
        and row.replies.sends
    )


def as_post(ws: Workspace, saved: SavedReply) -> Post:
    """A saved reply as the post the rules read (its source is brand/replies.yaml)."""
    return Post(
        id=f"saved/{saved.name}",
        title=saved.name,
        source=saved.source,
        channels=reply_channels(ws, saved),
        parts=saved.parts,
        content_hash=content_hash(saved.parts),
    )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if not ws.saved_replies:
        return
    posts = {f"saved/{name}": as_post(ws, s) for name, s in ws.saved_replies.items()}
    for name, saved in ws.saved_replies.items():
        for cid in saved.channels:
            if cid not in ws.channels:
                yield Diagnostic.at(
                    saved.source.path,
                    saved.source.pos("channels"),
                    default_severity("ref.channel"),
                    "ref.channel",
                    f"saved reply `{name}` names the unknown channel `{cid}`",
                    "use a channel id from brand/channels.yaml",
                )
    for post in posts.values():
        for cid in post.channels:
            channel = ws.channels[cid]
            yield from lengths.check_rendered(
                post, render(post, channel, ws.brand), channel.max_characters
            )
    for found in voice.check(replace(ws, posts=posts)):
        if found.code not in ONE_POST_CODES:
            yield found
