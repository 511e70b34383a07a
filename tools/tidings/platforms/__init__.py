"""Platform adapters: one module per platform, all behind :class:`base.Adapter`.

Adapters turn an :class:`base.Outgoing` post into HTTP calls (networks) or files (the local
channels outbox and feed). They know nothing about git or schedules; the publisher
(``tidings.jobs.publish``) decides what to send and records it. Which module implements a
platform is its row's ``adapter`` in the platform table (``tidings.core.platforms``); a module
is imported only when a channel of that platform is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

import httpx

from tidings.core.platforms import PLATFORMS
from tidings.errors import TidingsError, UnsupportedPlatform
from tidings.platforms.base import Adapter, Caller, Local
from tidings.workspace.model import Channel


def connect(
    channel: Channel,
    env: Mapping[str, str],
    client: httpx.Client | None,
    caller: Caller | Callable[[], Caller] | None = None,
    local: Local | None = None,
) -> Adapter:
    """The adapter for ``channel``. A network's module gets credentials read from ``env`` and
    ``caller`` (or a factory making one, called only for a network, or one on ``client``);
    a local channel's module gets ``local`` (where to write) and ignores the rest."""
    row = PLATFORMS.get(channel.platform)
    if row is None:
        raise UnsupportedPlatform(
            f"channel {channel.id!r}: publishing to {channel.platform} is not supported yet",
            "remove the channel from the post, or publish it by hand and record it with "
            "`tidings resolve POST CHANNEL --published URL`",
        )
    module = importlib.import_module(row.adapter)
    adapter: Adapter
    if row.local:
        if local is None:
            raise TidingsError(f"internal: connecting {channel.platform} needs `local`")
        adapter = module.connect(channel, local)
        return adapter
    if callable(caller):
        caller = caller()
    if caller is None:
        if client is None:
            raise TidingsError(f"internal: connecting {channel.platform} needs a client")
        caller = Caller(client)
    adapter = module.connect(channel, env, caller)
    return adapter
