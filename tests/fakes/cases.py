"""What the cross-platform publishing tests need to know about each fake platform.

Each ``tests/fakes/<platform>.py`` defines ``CASE = PlatformCase(...)``;
``tests/test_publish_platforms.py`` runs the same exactly-once tests (lost responses,
a run killed after sending, rate limits in the platform's own shape, expired tokens,
no token in any output) against every case it finds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .server import Fake


@dataclass(frozen=True)
class PlatformCase:
    platform: str
    credentials: Mapping[str, str]
    """The channel's ``credentials:`` (credential name -> env var name), including
    ``api_base`` (or the webhook URL variable) so the adapter reaches the fake."""
    make: Callable[[], Fake]
    """A fresh fake server with one account ready to post."""
    env: Callable[[Fake, str], dict[str, str]]
    """The environment for the fake reachable at ``base`` (``http://127.0.0.1:PORT`` when
    served, any ``http://…`` address in-process): every variable ``credentials`` names."""
    posts: Callable[[Fake], list[str]]
    """The text of every post, reply or comment the fake holds now, in creation order."""
    write: str
    """A regular expression for the path of the request that creates a post (the one a
    lost response is injected on)."""
    rate_limited: Callable[[], dict[str, Any]]
    """Keyword arguments for ``Fake.fault`` that answer as the platform does when it
    rate-limits (status, body, headers), once."""
    expired: Callable[[], dict[str, Any]]
    """Keyword arguments for ``Fake.fault`` that answer as the platform does for an expired
    or revoked token."""
    secrets: tuple[str, ...] = ()
    """The env var names holding secrets: their values must never appear in any output,
    ledger file or message."""
    threads: bool = True
    """False when the platform has no threads: a post's later parts go out some other way
    (comments) or the post must have one part; see ``parts``."""
    parts: int = 2
    """How many parts the suite's post has: 2, or 1 where a post is one part only (the row's
    ``max_parts``: a pin, a Google Business Profile post)."""
    reconciles: bool = True
    """False when the platform offers no way to read back what was posted (webhooks): a
    lost response then ends ``unknown`` for a person to settle, never a second post."""
    media_base_url: bool = False
    """True when the platform fetches images by URL (the channel gets ``media_base_url``)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Other channel settings for brand/channels.yaml."""
