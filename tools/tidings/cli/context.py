"""What every command gets from the `tidings` group: the workspace root, found lazily.

Its own module so that commands import it without importing :mod:`tidings.cli.main`
(which imports every command).
"""

from __future__ import annotations

from pathlib import Path

from tidings.errors import WorkspaceError
from tidings.workspace.layout import MARKER, find_root

__all__ = ["Context"]


class Context:
    """What every command gets: the workspace root (found lazily)."""

    def __init__(self, root: Path | None) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = find_root(Path.cwd())
        elif not (self._root / MARKER).is_file():
            raise WorkspaceError(
                f"--root {self._root}: no {MARKER} there", "pass the folder that holds tidings.yaml"
            )
        return self._root.resolve()
