"""Post-level notes: drafts."""

from __future__ import annotations

from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Workspace


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        if post.draft:
            yield Diagnostic.at(
                post.path,
                post.source.pos("draft", key=True),
                default_severity("post.draft"),
                "post.draft",
                "draft: this post is merged but will never be published",
                "remove `draft: true` when it is ready to go out",
            )
