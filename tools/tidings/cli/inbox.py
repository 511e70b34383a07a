"""`tidings inbox`"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option
from tidings.errors import UsageError

if TYPE_CHECKING:
    from tidings.jobs.inbox import Report

_STYLE = {"ok": "green", "partial": "yellow", "skipped": "yellow", "failed": "bold red"}


@click.command("inbox")
@now_option
@click.option("--push", is_flag=True, help="Push the inbox commit (what CI uses).")
@click.option(
    "--no-commit", "no_commit", is_flag=True, help="Write the inbox files but do not commit them."
)
@click.pass_obj
def command(obj: Context, now_text: str | None, push: bool, no_commit: bool) -> None:
    """Collect replies, mentions, quotes and comments addressed to the brand, and commit them.

    For each channel whose platform allows it, reads what arrived since the last run (the
    cursor in inbox/<channel>/cursor.yaml), records each item once in
    inbox/<channel>/<YYYY-MM>.yaml (address, author, time, the post of ours it answers,
    status), and marks an item answered when the brand's account has replied to it on the
    platform, whoever wrote the reply. Direct messages are never read. The text of items is
    kept only when brand.yaml says inbox.keep_text: true. Items marked in content/inbox.yaml
    become no-reply-needed. A platform that fails marks only its channel; the exit code is
    then 1. Channels without credentials are skipped. "overdue" counts the items still new
    past brand.yaml's inbox.respond_within (e.g. 24h). With brand.yaml listening: keywords
    and hashtags, it also counts the public posts matching them per day (Mastodon tag
    timelines and search), in inbox/_listening/<channel>/ ("heard": new matches).

    \b
    Examples:
      tidings inbox                          collect now, commit locally
      tidings inbox --push                   what the inbox workflow runs
      tidings inbox --no-commit --now "2026-12-20 18:00"
    """
    from tidings.jobs.inbox import Options, collect_inbox

    if push and no_commit:
        raise UsageError("--push and --no-commit cannot be used together", "choose one")
    opts = Options(now=now_from(obj, now_text), push=push, commit=not no_commit)
    report = collect_inbox(obj.root, opts)
    _print(report)
    sys.exit(report.exit_code)


def _print(report: Report) -> None:
    from rich.console import Console
    from rich.markup import escape as markup_escape
    from rich.table import Table

    from tidings.redaction import redact

    def escape(text: str) -> str:
        return markup_escape(redact(text))

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    table = Table(title="tidings inbox")
    for name in ("channel", "platform", "result"):
        table.add_column(name, no_wrap=True)
    for name in ("new items", "answered", "open", "overdue", "heard", "requests"):
        table.add_column(name, justify="right")
    table.add_column("why", overflow="fold", ratio=3)
    for o in report.channels:
        shown = o.state != "skipped"
        table.add_row(
            escape(o.channel),
            escape(o.platform),
            escape(o.state),
            str(o.added) if shown else "",
            str(o.answered) if shown else "",
            str(o.open) if shown else "",
            str(o.overdue) if shown and o.overdue else "",
            str(o.heard) if shown and o.heard else "",
            str(o.requests) if o.requests else "",
            escape(o.detail),
            style=_STYLE.get(o.state, ""),
        )
    if report.channels:
        console.print(table)
    else:
        console.print("No channel has an inbox to read.")
    if report.paths:
        where = "committed and pushed" if report.pushed else "committed" if report.committed else ""
        console.print(
            escape(f"{len(report.paths)} inbox file(s) written" + (f", {where}" if where else ""))
        )
    else:
        console.print("Nothing new: no file changed.")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
