"""`tidings inbox`"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tidings.cli.collecting import commit_options, commit_wanted, console, print_warnings, shown
from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option

if TYPE_CHECKING:
    from tidings.jobs.inbox import Report

_STYLE = {"ok": "green", "partial": "yellow", "skipped": "yellow", "failed": "bold red"}


@click.command("inbox")
@now_option
@commit_options("inbox files", plural=True)
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

    commit = commit_wanted(push, no_commit)
    opts = Options(now=now_from(obj, now_text), push=push, commit=commit)
    report = collect_inbox(obj.root, opts)
    _print(report)
    sys.exit(report.exit_code)


def _print(report: Report) -> None:
    from rich.table import Table

    from tidings.cli.collecting import where

    escape = shown
    out = console()
    table = Table(title="tidings inbox")
    for name in ("channel", "platform", "result"):
        table.add_column(name, no_wrap=True)
    for name in ("new items", "answered", "open", "overdue", "heard", "requests"):
        table.add_column(name, justify="right")
    table.add_column("why", overflow="fold", ratio=3)
    for o in report.channels:
        counted = o.state != "skipped"
        table.add_row(
            escape(o.channel),
            escape(o.platform),
            escape(o.state),
            str(o.added) if counted else "",
            str(o.answered) if counted else "",
            str(o.open) if counted else "",
            str(o.overdue) if counted and o.overdue else "",
            str(o.heard) if counted and o.heard else "",
            str(o.requests) if o.requests else "",
            escape(o.detail),
            style=_STYLE.get(o.state, ""),
        )
    if report.channels:
        out.print(table)
    else:
        out.print("No channel has an inbox to read.")
    if report.paths:
        done = where(report.committed, report.pushed)
        out.print(escape(f"{len(report.paths)} inbox file(s) written{done}"))
    else:
        out.print("Nothing new: no file changed.")
    print_warnings(out, report.warnings)
