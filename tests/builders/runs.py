"""Job options as a test runs the publish workflow against a fake."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from tidings.jobs.run import Options

__all__ = ["pushing"]


def pushing(
    now: datetime,
    env: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
    waits: list[float] | None = None,
    **kw: Any,
) -> Options:
    """Options that commit and push to the remote, reach the network through ``transport``
    (a fake's), and note each wait in ``waits`` instead of sleeping."""
    return Options(
        now=now,
        push=True,
        env=env,
        transport=transport,
        sleep=(waits if waits is not None else []).append,
        **kw,
    )
