"""What every command gets from the `tidings` group: the workspace root, found lazily.

Its own module so that commands import it without importing :mod:`tidings.cli.main`
(which imports every command).
"""

from __future__ import annotations

from pathlib import Path

from tidings.errors import WorkspaceError
from tidings.workspace.formats import require_format
from tidings.workspace.layout import MARKER, find_root

__all__ = ["Context"]


class Context:
    """What every command gets: the workspace root (found lazily)."""

    def __init__(self, root: Path | None) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        """The root, in the format this engine reads (else a FormatError saying what to do)."""
        root = self.root_of_any_format
        require_format(root)
        return root

    @property
    def root_of_any_format(self) -> Path:
        """The root, whatever its format (`tidings upgrade` and `tidings migrate` change it)."""
        if self._root is None:
            self._root = find_root(Path.cwd())
        elif not (self._root / MARKER).is_file():
            raise WorkspaceError(
                f"--root {self._root}: no {MARKER} there", "pass the folder that holds tidings.yaml"
            )
        return self._root.resolve()
