"""The text of a post file and of ``brand/channels.yaml``, with the usual test values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

__all__ = ["DOT", "HELLO", "PARTS", "REPLY", "channels", "ledger", "post", "reply"]

DOT = ("content/media/dot.png", "A single black dot on white")
"""The base fixture's one image, with its alt text."""

PARTS = ("We open the new studio today.", "Come by for tea, 10:00 to 16:00.")
"""The two parts of the usual opening thread."""

HELLO = "content/posts/2026/12/hello.md"
"""Where tests put their one post; its ledger file is ``ledger/2026/12/hello.yaml``."""


def post(
    *channels: str,
    title: str = "Opening",
    at: str | None = "2026-12-10 09:00",
    parts: Sequence[str] = PARTS,
    media: Sequence[tuple[str, str]] = (DOT,),
    **front: Any,
) -> str:
    """A post file: front matter (title, at, channels, then ``front`` in order, then media) and
    its thread parts, separated as people write them (a ``---`` line with a blank line each
    side).

    ``post("discord")`` is the opening thread with the dot image, due 2026-12-10 09:00;
    ``post("x", expires="2026-12-11")`` the same with an expiry, ``post("x", media=())`` the
    same without the image.
    """
    head = [f"title: {title}"]
    if at is not None:
        head.append(f"at: {at}")
    head.append(f"channels: [{', '.join(channels)}]")
    head += [
        yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=True).strip()[1:-1]
        if isinstance(value, list | dict)
        else f"{key}: {value}"
        for key, value in front.items()
    ]
    if media:
        head.append("media:")
        head += [f"  - file: {file}\n    alt: {alt}" for file, alt in media]
    return "---\n" + "\n".join(head) + "\n---\n" + "\n\n---\n\n".join(parts) + "\n"


def channels(**defined: Mapping[str, Any]) -> str:
    """``brand/channels.yaml``: ``channels(discord={"platform": "discord", ...})``."""
    return yaml.safe_dump({"channels": defined}, sort_keys=False, allow_unicode=True)


REPLY = "content/replies/thanks.md"
"""Where tests put their one reply; its ledger file is ``ledger/replies/thanks.yaml``."""


def reply(in_reply_to: str, *parts: str, **front: Any) -> str:
    """A reply file answering ``in_reply_to`` (no ``at``: due as soon as it is merged), with
    ``front`` fields after it and its text (``"Thank you!"`` when no part is given)."""
    head = [f"in_reply_to: {in_reply_to}"] + [
        f"channels: [{', '.join(value)}]" if key == "channels" else f"{key}: {value}"
        for key, value in front.items()
    ]
    body = "\n\n---\n\n".join(parts or ("Thank you!",))
    return "---\n" + "\n".join(head) + "\n---\n" + body + "\n"


def ledger(post_id: str, state: str = "published", **records: str | None) -> str:
    """``ledger/<post_id>.yaml`` as the publish job writes it: each channel in ``state``;
    a record's value is when it went out (``"2026-12-10T09:00:05Z"``; ``None`` for a state
    that has no such time), and a published record names the post's address on the
    platform (``https://social.example/<channel>/<post_id>``).

    ``ledger("2026/12/hello", instagram="2026-12-10T09:00:05Z")``."""
    channels: dict[str, Any] = {}
    for channel, when in records.items():
        record: dict[str, Any] = {"state": state, "attempt_key": f"key-{channel}", "attempts": 1}
        if when is not None:
            record["updated"] = when
            if state == "published":
                record["published_at"] = when
                record["parts"] = [
                    {"id": "1", "url": f"https://social.example/{channel}/{post_id}"}
                ]
        channels[channel] = record
    return yaml.safe_dump({"post": post_id, "channels": channels}, sort_keys=False)
