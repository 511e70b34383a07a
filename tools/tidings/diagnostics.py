"""Diagnostics: what a check found, where, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a source file."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding. ``path`` is relative to the workspace root, with ``/`` separators."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    suggestion: str | None = None
    channel: str | None = None
    also: tuple[Diagnostic, ...] = ()
    """The same finding as seen from the other files it involves (a cadence clash between
    two posts is reported on the later one; ``also`` holds it for the earlier one). A check
    of named files reports these for the named files the finding itself is not on."""

    @classmethod
    def at(
        cls,
        path: str,
        pos: Pos,
        severity: Severity,
        code: str,
        message: str,
        suggestion: str | None = None,
        channel: str | None = None,
    ) -> Diagnostic:
        return cls(path, pos.line, pos.column, severity, code, message, suggestion, channel)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return Diagnostic(
            self.path,
            self.line,
            self.column,
            severity,
            self.code,
            self.message,
            self.suggestion,
            self.channel,
            self.also,
        )

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.line, self.column, self.severity.rank, self.code)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        if self.channel is not None:
            out["channel"] = self.channel
        return out
