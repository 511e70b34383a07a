"""``content/inbox.yaml`` against the record: every address it marks is an item of ``inbox/``."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import diagnostic_at
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.inbox_urls is None:
        return  # nothing marked, or the record does not read (`tidings inbox` says why)
    for entry in ws.triage:
        if entry.url not in ws.inbox_urls:
            yield diagnostic_at(
                entry.source,
                ("url",),
                "inbox.unknown-url",
                f"{entry.url} is no item of the inbox: `tidings inbox` has not recorded it "
                "(yet), so marking it changes nothing",
                "copy the address from inbox/<channel>/<month>.yaml or the Inbox page; an item "
                "the next run records is marked then",
            )
