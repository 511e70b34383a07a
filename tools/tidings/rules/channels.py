"""Each channel's ``credentials:`` against what its platform reads (:mod:`tidings.credentials`)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import credentials
from ..codes import default_severity
from ..diagnostics import Diagnostic
from ..model import Workspace

UNKNOWN = "channel.credential"
MISSING = "channel.credential-missing"


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
