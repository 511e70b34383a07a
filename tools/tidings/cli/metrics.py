"""`tidings metrics` (collect) and `tidings metrics export`"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tidings.cli.collecting import commit_options, commit_wanted, console, print_warnings, shown
from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option

if TYPE_CHECKING:
    from tidings.jobs.collect_metrics import Report

_STYLE = {"ok": "green", "skipped": "yellow", "failed": "bold red"}


@click.group("metrics", invoke_without_command=True)
@now_option
@commit_options("snapshot")
@click.pass_context
def command(ctx: click.Context, now_text: str | None, push: bool, no_commit: bool) -> None:
    """Collect what the platforms report into today's snapshot, and commit it.

    Reads the counts of every post published in the last metrics.window_days (tidings.yaml,
    default 90) and every channel's followers, and writes metrics/YYYY/MM/<date>.json (the
    date in the brand's timezone; a second run that day replaces the file). A platform that
    fails marks only its channel; the exit code is then 1. Channels without credentials
    are skipped. `tidings metrics export` turns the snapshots into a table.

    \b
    Examples:
      tidings metrics                        collect now, commit locally
      tidings metrics --push                 what the daily workflow runs
      tidings metrics --no-commit --now "2026-12-20 18:00"
      tidings metrics export --format csv --out build/metrics.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    from tidings.jobs.collect_metrics import Options, collect

    commit = commit_wanted(push, no_commit)
    obj: Context = ctx.obj
    root = obj.root
    opts = Options(now=now_from(obj, now_text), push=push, commit=commit)
    report = collect(root, opts)
    _print(report)
    sys.exit(report.exit_code)


@command.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output).",
)
@click.pass_obj
def export(obj: Context, fmt: str, out: Path | None) -> None:
    """Write every snapshot as a tidy table: one row per date, post and channel.

    Columns: date, post, channel, platform, published_at (UTC), campaign, tags (joined with
    ";"), type (thread, image, link or text), likes, reposts, replies, quotes, views and the
    channel's followers on that date. An empty cell is a number the platform does not
    report. Rows are sorted by date, post and channel.

    \b
    Examples:
      tidings metrics export --format csv > metrics.csv
      tidings metrics export --out build/site/metrics.csv
    """
    from tidings.core.replies import load as load_workspace
    from tidings.metrics.export import post_rows, write_csv
    from tidings.metrics.snapshots import load_snapshots

    root = obj.root
    ws, _ = load_workspace(root)
    rows = post_rows(ws, load_snapshots(root, raw=False))
    if out is None:
        write_csv(rows, sys.stdout)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        n = write_csv(rows, fh)
    click.echo(f"{n} row(s) written to {out}", err=True)


def _print(report: Report) -> None:
    from rich.table import Table

    from tidings.cli.collecting import where

    escape = shown
    out = console()
    table = Table(title=f"tidings metrics: {report.path}")
    table.add_column("channel", no_wrap=True)
    table.add_column("platform", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("posts", justify="right")
    table.add_column("followers", justify="right")
    table.add_column("requests", justify="right")
    table.add_column("why", overflow="fold", ratio=3)
    for o in report.channels:
        posts = str(o.posts) + (f" (+{o.unavailable} gone)" if o.unavailable else "")
        table.add_row(
            escape(o.channel),
            escape(o.platform),
            escape(o.state),
            posts if o.state != "skipped" else "",
            "" if o.followers is None else str(o.followers),
            str(o.requests) if o.requests else "",
            escape(o.detail),
            style=_STYLE.get(o.state, ""),
        )
    if report.channels:
        out.print(table)
    else:
        out.print("No channel has metrics to read.")
    for c in report.snapshot.competitors:
        who = escape(f"{c.name} ({c.platform} {c.handle})")
        if c.state == "ok":
            out.print(
                f"competitor {who}: {c.followers if c.followers is not None else '?'} followers, "
                f"{c.posts} recent posts, {c.posts_per_week or 0:g} a week, median engagement "
                f"{'?' if c.median_engagement is None else f'{c.median_engagement:g}'}"
            )
        else:
            out.print(
                f"[yellow]competitor {who} could not be read:[/yellow] {escape(c.error or '')}"
            )
    out.print(escape(f"{report.path} written{where(report.committed, report.pushed)}"))
    print_warnings(out, report.warnings)
