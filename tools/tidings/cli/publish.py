"""`tidings publish`"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option
from tidings.errors import UsageError
from tidings.workspace.ledger import LedgerState
from tidings.workspace.timeparse import TimeProblem, parse_duration

if TYPE_CHECKING:
    from tidings.jobs.publish import Report

NOW_TOLERANCE = timedelta(minutes=1)
"""How far ``--now`` may be from the clock with ``--push`` without ``--now-for-real``."""

_STYLE = {
    LedgerState.PUBLISHED: "green",
    LedgerState.RETRACTED: "cyan",
    LedgerState.MISSED: "yellow",
    "skipped": "yellow",
    LedgerState.PENDING: "yellow",
    LedgerState.UNKNOWN: "bold red",
    LedgerState.FAILED: "bold red",
}


@click.command("publish")
@now_option
@click.option("--push", is_flag=True, help="Push every ledger commit (what CI uses).")
@click.option(
    "--now-for-real",
    "now_for_real",
    is_flag=True,
    help="Allow --now with --push more than a minute from the clock: send to real platforms "
    "and push the records as if it were --now (rehearsals against fakes).",
)
@click.option(
    "--missed-is-error/--missed-is-ok",
    "missed_is_error",
    default=None,
    help="Exit 1 when a post was missed (too late to send). Default: on when CI=true.",
)
@click.option(
    "--no-commit", "no_commit", is_flag=True, help="Write the ledger but do not commit it."
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="ID",
    help="Only publish to this channel (repeatable).",
)
@click.option(
    "--lateness",
    metavar="DURATION",
    help="Override tidings.yaml's lateness window, e.g. 2d to catch up after an outage.",
)
@click.pass_obj
def command(
    obj: Context,
    now_text: str | None,
    push: bool,
    now_for_real: bool,
    missed_is_error: bool | None,
    no_commit: bool,
    channels: tuple[str, ...],
    lateness: str | None,
) -> None:
    """Publish every due post exactly once, and record it in the ledger.

    A post is due when its time has come, it is not a draft, its checks pass and the
    ledger has no final state for it. Posts later than the lateness window are recorded
    as missed, not sent. Each job is recorded as pending (and committed, and with --push
    pushed) before anything is sent, so a crash or a second run never posts twice.

    \b
    Examples:
      tidings publish                          publish what is due now, commit locally
      tidings publish --push                   what the scheduled workflow runs
      tidings publish --channel outbox --now "2026-12-20 09:05"
    """
    from tidings.jobs.publish import (
        Options,
        publish,
    )  # httpx and the adapters: only when publishing

    if push and no_commit:
        raise UsageError("--push and --no-commit cannot be used together", "choose one")
    root = obj.root
    window = None
    if lateness:
        try:
            window = parse_duration(lateness)
        except TimeProblem as p:
            raise UsageError(f"--lateness: {p.message}", p.suggestion) from None
    now = now_from(obj, now_text)
    if push and now_text and not now_for_real:
        off = abs(now - datetime.now(UTC))
        if off > NOW_TOLERANCE:
            raise UsageError(
                f"--now {now_text!r} is {_span(off)} from the clock: with --push it would send "
                "to the real platforms and push the ledger as if it were then",
                "drop --now (CI never passes it), or add --now-for-real if that is what you mean "
                "(a rehearsal against fakes)",
            )
    if missed_is_error is None:
        missed_is_error = os.environ.get("CI", "").lower() == "true"
    with _progress() as progress:
        opts = Options(
            now=now,
            push=push,
            commit=not no_commit,
            only=frozenset(channels),
            lateness=window,
            progress=progress,
        )
        report = publish(root, opts)
    _print(report)
    if report.late and missed_is_error:
        sys.exit(1)
    sys.exit(report.exit_code)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on the terminal (none in CI's log, where the summary says it all),
    told after each job; it goes away when the run ends."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "publishing",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("publishing", total=None)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tell


LISTED = 50
"""Up to this many outcomes the summary lists them all; beyond it, it lists every one that
is not ``published`` and counts the published (their URLs are in ``ledger/``)."""


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


def _print(report: Report) -> None:
    """The run summary. Every text from outside (post ids, a platform's error words, git's
    messages) is escaped: ``[bold]`` or ``[/]`` in an answer is printed, never read as rich
    markup (which would crash the summary after the ledger was committed)."""
    from rich.console import Console
    from rich.markup import escape as markup_escape
    from rich.table import Table

    from tidings.redaction import redact

    def escape(text: str) -> str:  # shown as written, and without a secret (git's words too)
        return markup_escape(redact(text))

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    for line in report.blocked:
        console.print(f"[red]not sent[/red] {escape(line)} (run `tidings check`)")
    if not report.outcomes:
        console.print("Nothing was due.")
    else:
        table = Table(title="tidings publish")
        table.add_column("post", overflow="fold", ratio=2)
        table.add_column("channel", no_wrap=True)
        table.add_column("result", no_wrap=True)
        table.add_column("where / why", overflow="fold", ratio=3)
        shown = report.outcomes
        if len(shown) > LISTED:
            shown = [o for o in shown if o.result != "published"]
            table.caption = (
                f"{len(report.outcomes) - len(shown)} published not listed: "
                "their addresses are in ledger/ (`git log ledger/`)"
            )
        for o in shown:
            where = o.url or ""
            if o.detail:
                where = f"{where} ({o.detail})" if where else o.detail
            table.add_row(
                escape(o.post_id),
                escape(o.channel),
                escape(o.result),
                escape(where),
                style=_STYLE.get(o.result, ""),
            )
        console.print(table)
        counts: dict[str, int] = {}
        for o in report.outcomes:
            counts[o.result] = counts.get(o.result, 0) + 1
        console.print(escape(", ".join(f"{n} {r}" for r, n in counts.items())))
    if report.late:
        console.print(
            f"[bold red]MISSED: {len(report.late)} post(s) were too late and were NOT "
            "sent:[/bold red] "
            + escape(", ".join(f"{o.post_id} on {o.channel}" for o in report.late))
            + " (send them with `tidings resolve POST CHANNEL --retry` and "
            "`tidings publish --lateness …`, or leave them)"
        )
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
