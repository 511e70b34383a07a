"""What the commands that collect from the platforms and commit the result share
(`tidings metrics`, `tidings inbox`, `tidings audit`): the ``--push`` / ``--no-commit``
options, and the console their report is printed on (every text shown escaped for rich's
markup and without a secret, git's own words included)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

import click

from tidings.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., object])


def commit_options(what: str, plural: bool = False) -> Callable[[F], F]:
    """``--push`` (push the commit, what CI uses) and ``--no-commit`` (write ``what`` but
    commit nothing), as the parameters ``push`` and ``no_commit``."""
    it = "them" if plural else "it"

    def add(f: F) -> F:
        f = click.option(
            "--no-commit",
            "no_commit",
            is_flag=True,
            help=f"Write the {what} but do not commit {it}.",
        )(f)
        return click.option(
            "--push", is_flag=True, help=f"Push the {what.split()[0]} commit (what CI uses)."
        )(f)

    return add


def commit_wanted(push: bool, no_commit: bool) -> bool:
    """Whether to commit; ``--push`` with ``--no-commit`` is refused."""
    if push and no_commit:
        raise UsageError("--push and --no-commit cannot be used together", "choose one")
    return not no_commit


def console() -> Console:
    """rich's console; 120 columns wide when not a terminal (pipes and CI logs)."""
    from rich.console import Console

    shown = Console(highlight=False)
    return shown if shown.is_terminal else Console(highlight=False, width=120)


def shown(text: str) -> str:
    """``text`` as written (rich's markup escaped) and without a secret."""
    from rich.markup import escape

    from tidings.redaction import redact

    return escape(redact(text))


def where(committed: bool, pushed: bool) -> str:
    """``", committed and pushed"``, ``", committed"`` or nothing."""
    return ", committed and pushed" if pushed else ", committed" if committed else ""


def print_warnings(out: Console, warnings: Iterable[str]) -> None:
    for warning in warnings:
        out.print(f"[yellow]warning:[/yellow] {shown(warning)}")
