"""A file's change as ``upgrade`` and ``migrate`` show it: a unified diff, then written."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Change", "apply", "read"]


@dataclass(frozen=True)
class Change:
    """``path`` from ``old`` to ``new`` text (None: the file does not exist on that side)."""

    path: str
    old: str | None
    new: str | None

    @property
    def verb(self) -> str:
        return "add" if self.old is None else "delete" if self.new is None else "update"

    def diff(self) -> str:
        lines = difflib.unified_diff(
            (self.old or "").splitlines(keepends=True),
            (self.new or "").splitlines(keepends=True),
            "/dev/null" if self.old is None else f"a/{self.path}",
            "/dev/null" if self.new is None else f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def read(root: Path, rel: str) -> str | None:
    path = root / rel
    return path.read_text(encoding="utf-8") if path.is_file() else None


def apply(root: Path, changes: Iterable[Change]) -> None:
    for change in changes:
        path = root / change.path
        if change.new is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(change.new, encoding="utf-8")
