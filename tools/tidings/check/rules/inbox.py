"""``content/inbox.yaml`` against the record: every address it marks is an item of
``inbox/``; an ``answered_within`` goal has a target to measure against."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import diagnostic_at
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace


def check(ws: Workspace) -> Iterator[Diagnostic]:
    yield from _goal_targets(ws)
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


def _goal_targets(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.brand is None or ws.brand.inbox.respond_within is not None:
        return
    for goal in ws.goals:
        if goal.metric == "answered_within":
            yield diagnostic_at(
                goal.source,
                ("metric",),
                "inbox.no-target",
                f"goal `{goal.id}` measures the share answered within brand.yaml "
                "`inbox.respond_within`, which is not set, so it has no data",
                "add `inbox: {respond_within: 24h}` (your target) to brand/brand.yaml",
            )
