"""Platform adapters: one module per network, all behind :class:`base.Adapter`.

Adapters turn an :class:`base.Outgoing` post into HTTP calls. They know nothing about git,
files or schedules; the publisher (``tidings.jobs.publish``) decides what to send and records it.
Modules are imported only when a channel of that platform is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import httpx

from tidings.errors import UnsupportedPlatform
from tidings.platforms.base import Adapter, Caller
from tidings.workspace.model import Channel

MODULES = {
    "mastodon": "tidings.platforms.mastodon",
    "bluesky": "tidings.platforms.bluesky",
    "x": "tidings.platforms.x",
    "discord": "tidings.platforms.discord",
    "slack": "tidings.platforms.slack",
    "facebook": "tidings.platforms.facebook",
    "threads": "tidings.platforms.threads",
    "instagram": "tidings.platforms.instagram",
    "linkedin": "tidings.platforms.linkedin",
}


def connect(
    channel: Channel, env: Mapping[str, str], client: httpx.Client, caller: Caller | None = None
) -> Adapter:
    """The adapter for ``channel``, with credentials read from ``env``."""
    name = MODULES.get(channel.platform)
    if name is None:
        raise UnsupportedPlatform(
            f"channel {channel.id!r}: publishing to {channel.platform} is not supported yet",
            "remove the channel from the post, or publish it by hand and record it with "
            "`tidings resolve POST CHANNEL --published URL`",
        )
    module = importlib.import_module(name)
    adapter: Adapter = module.connect(channel, env, caller or Caller(client))
    return adapter
