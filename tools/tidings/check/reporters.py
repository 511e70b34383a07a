"""Render diagnostics as text for people, JSON for tools, or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import groupby

import click

from tidings.diagnostics import Diagnostic, Severity

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def text(diags: Sequence[Diagnostic], *, checked: str = "") -> str:
    """Grouped by file; colour codes are stripped by click.echo when not on a TTY."""
    lines: list[str] = []
    for path, group in groupby(diags, key=lambda d: d.path):
        lines.append(click.style(path, bold=True, underline=True))
        for d in group:
            sev = click.style(f"{d.severity.value:<7}", fg=_COLOURS[d.severity], bold=True)
            where = click.style(f"{d.line}:{d.column}", dim=True)
            chan = f" [{d.channel}]" if d.channel else ""
            lines.append(f"  {where:<8} {sev} {d.message}{chan}  {click.style(d.code, dim=True)}")
            if d.suggestion:
                lines.append(f"           {click.style('→', fg='green')} {d.suggestion}")
        lines.append("")
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    infos = len(diags) - errors - warnings
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, {infos} note{'s' * (infos != 1)}"
    if checked:
        summary += f" in {checked}"
    colour = "red" if errors else ("yellow" if warnings else "green")
    lines.append(click.style(("✗ " if errors else "✓ ") + summary, fg=colour, bold=True))
    return "\n".join(lines)


def as_json(diags: Sequence[Diagnostic], *, checked: str = "") -> str:
    del checked
    return json.dumps([d.to_json() for d in diags], indent=2, ensure_ascii=False)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(diags: Sequence[Diagnostic], *, checked: str = "") -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    del checked
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in diags:
        message = d.message + (f"\n→ {d.suggestion}" if d.suggestion else "")
        title = d.code + (f" [{d.channel}]" if d.channel else "")
        props = f"file={_escape_property(d.path)},line={d.line},col={d.column},title={_escape_property(title)}"
        lines.append(f"::{kinds[d.severity]} {props}::{_escape_data(message)}")
    return "\n".join(lines)


REPORTERS: dict[str, Callable[..., str]] = {"text": text, "json": as_json, "github": github}
