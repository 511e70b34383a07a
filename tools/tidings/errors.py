"""The one error hierarchy of tidings.

    TidingsError            expected failure: the CLI prints the message and exits 1 (or 2)
     ├── WorkspaceError     no workspace root, unreadable tidings.yaml, …
     ├── UsageError         a command was called with arguments that cannot work
     └── MediaError         (tidings.core.media) an image cannot be sent: unreadable, or it
                            cannot be made to fit the platform

Bad *content* is never an exception: checks return Diagnostic values instead.
"""

from __future__ import annotations


class TidingsError(Exception):
    """An expected failure with a message meant for people."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class WorkspaceError(TidingsError):
    """The workspace cannot be found or opened."""

    exit_code = 2


class UsageError(TidingsError):
    """A command was asked for something it cannot do."""

    exit_code = 2
