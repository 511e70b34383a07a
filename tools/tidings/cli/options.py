"""Options several commands share."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import click

from tidings.errors import UsageError
from tidings.workspace.timeparse import TimeProblem, parse_when

now_option = click.option(
    "--now",
    "now_text",
    metavar="TIME",
    help="Pretend it is this time (brand timezone unless an offset is given).",
)


def resolve_now(text: str | None, tz: tzinfo) -> datetime:
    """``--now`` as an aware instant, or the current time."""
    if not text:
        return datetime.now(UTC)
    try:
        return parse_when(text, tz).instant
    except TimeProblem as p:
        raise UsageError(f"--now: {p.message}", p.suggestion) from None
