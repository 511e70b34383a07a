"""`tidings migrate`: rewrite a repository's files from one format to the next.

    MIGRATIONS                 one :class:`Migration` per format step, N → N+1
    pending(found, target)     the steps from a repository's format to the engine's
    migrate(root, …)           the changes they make (written unless ``dry_run``)

Format 1 is the first, so ``MIGRATIONS`` is empty today. The day a file format changes
(a field renamed, a value's meaning changed), ``FORMAT`` in ``tidings.workspace.formats``
goes up by one and a migration from the previous number is added here: a function that
reads the repository and returns the new text of each file it changes. ``tidings upgrade``
names the steps a newer engine needs; ``tidings migrate`` runs them, one after another,
and sets ``format:`` in tidings.yaml after each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tidings.errors import FormatError
from tidings.scaffold.changes import Change, apply, read
from tidings.workspace.formats import FORMAT, repository_format
from tidings.workspace.layout import MARKER

__all__ = ["MIGRATIONS", "Migration", "migrate", "pending"]


@dataclass(frozen=True)
class Migration:
    """From format ``source`` to ``source + 1``: ``rewrite(root)`` returns each changed
    file's new text by repository-relative path (tidings.yaml's ``format:`` is set after)."""

    source: int
    summary: str
    rewrite: Callable[[Path], dict[str, str]]

    @property
    def title(self) -> str:
        return f"format {self.source} → {self.source + 1}: {self.summary}"


MIGRATIONS: tuple[Migration, ...] = ()


def pending(
    found: int, target: int = FORMAT, migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """The steps from format ``found`` to ``target``, in order."""
    if found > target:
        raise FormatError(
            f"this repository uses format {found}; this engine reads up to format {target}",
            "install a newer tidings; an engine never migrates a repository backwards",
        )
    by_source = {m.source: m for m in migrations}
    steps = []
    for n in range(found, target):
        if n not in by_source:
            raise FormatError(
                f"no migration from format {n} to {n + 1} in this engine",
                "upgrade one engine release at a time (each carries the step from the last)",
            )
        steps.append(by_source[n])
    return steps


def set_format(text: str, number: int) -> str:
    """tidings.yaml's text with ``format: number`` (replacing ``format:`` or the older
    ``version:``, else added after the leading comments)."""
    line = re.compile(r"(?m)^(?:format|version):[ \t]*\d+")
    if line.search(text):
        return line.sub(f"format: {number}", text, count=1)
    lines = text.splitlines(keepends=True)
    at = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    return "".join([*lines[:at], f"format: {number}\n", *lines[at:]])


def migrate(
    root: Path,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    target: int = FORMAT,
    dry_run: bool = False,
) -> tuple[list[Migration], list[Change]]:
    """Run every pending step on ``root``; the steps and the changes (unwritten on a dry run).

    Each step reads what the step before it wrote, so a dry run of several steps shows
    only the first; a dry run of one step shows exactly what it will do."""
    steps = pending(repository_format(root), target, migrations)
    changes: list[Change] = []
    for step in steps:
        new = step.rewrite(root)
        marker = new.get(MARKER, read(root, MARKER) or "")
        new[MARKER] = set_format(marker, step.source + 1)
        done = [Change(rel, read(root, rel), text) for rel, text in sorted(new.items())]
        done = [c for c in done if c.old != c.new]
        changes += done
        if dry_run:
            break
        apply(root, done)
    return steps, changes
