"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

import click

from tidings.cli.context import Context
from tidings.errors import UsageError
from tidings.workspace.timeparse import TimeProblem, parse_when

now_option = click.option(
    "--now",
    "now_text",
    metavar="TIME",
    help="Pretend it is this time (brand timezone unless an offset is given).",
)


F = TypeVar("F", bound=Callable[..., Any])


def jobs_option(doing: str) -> Callable[[F], F]:
    """``--jobs N`` / ``-j N``: how many processes do the work (see tidings.processes);
    ``doing`` says what they do, for the help."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        metavar="N",
        help=f"Processes {doing} (default: one per available CPU, at most 8; 1: all in this "
        "process; never more than 8 or the CPUs available, whichever is more). The result "
        "is the same, byte for byte.",
    )


def resolve_now(text: str | None, tz: tzinfo) -> datetime:
    """``--now`` as an aware instant, or the current time."""
    if not text:
        return datetime.now(UTC)
    try:
        return parse_when(text, tz).instant
    except TimeProblem as p:
        raise UsageError(f"--now: {p.message}", p.suggestion) from None


def now_from(obj: Context, text: str | None) -> datetime:
    """``--now`` read in the brand's timezone, or the current time.

    brand.yaml is read only when ``--now`` is given; when it cannot be read, UTC is used
    (``tidings check`` reports why).
    """
    if not text:
        return datetime.now(UTC)
    from tidings.workspace.loader import Collector, load_brand

    brand = load_brand(obj.root, Collector())
    return resolve_now(text, brand.timezone if brand else UTC)


def clock_matters(text: str | None) -> bool:
    """Whether rules about posts already late (``date.late``) run: when ``--now`` is given,
    and in CI (``CI`` or ``GITHUB_ACTIONS`` set), where the clock is the one that publishes.
    A local check without ``--now`` leaves them out, so its result depends on the files."""
    import os

    return bool(text) or os.environ.get("GITHUB_ACTIONS") == "true" or bool(os.environ.get("CI"))
