"""Ids that must be unique: campaigns, slots, goals, and post files that differ only by case."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tidings.check.codes import default_severity
from tidings.diagnostics import Diagnostic, Pos
from tidings.workspace.layout import post_path
from tidings.workspace.model import Source, Workspace

CODE = "id.duplicate"


def _dupes(kind: str, items: Iterable[tuple[str, Source, tuple[str, ...]]]) -> Iterator[Diagnostic]:
    first: dict[str, Source] = {}
    for key, src, keys in items:
        if key in first:
            other = first[key]
            yield Diagnostic.at(
                src.path,
                src.pos(*keys),
                default_severity(CODE),
                CODE,
                f"{kind} id `{key}` is already used in {other.path}:{other.pos(*keys).line}",
                f"give this {kind} another id",
            )
        else:
            first[key] = src


def check(ws: Workspace) -> Iterator[Diagnostic]:
    yield from _dupes(
        "campaign", ((c.id, c.source, ("id",)) for cal in ws.calendars for c in cal.campaigns)
    )
    yield from _dupes(
        "slot", ((s.name, s.source, ("name",)) for cal in ws.calendars for s in cal.slots)
    )
    yield from _dupes("goal", ((g.id, g.source, ("id",)) for g in ws.goals))
    by_folded: dict[str, str] = {}
    for pid in sorted(ws.post_files):
        folded = pid.casefold()
        if folded in by_folded:
            yield Diagnostic.at(
                post_path(pid),
                Pos(),
                default_severity(CODE),
                CODE,
                f"this post's name differs from {post_path(by_folded[folded])} only by upper/lower case",
                "rename one of them: macOS and Windows would treat them as the same file",
            )
        else:
            by_folded[folded] = pid
