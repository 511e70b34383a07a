"""`tidings plan`"""

from __future__ import annotations

import os
from datetime import UTC

import click

from tidings.check.runner import check_workspace
from tidings.cli.context import Context
from tidings.cli.options import now_option, resolve_now
from tidings.core.credentials import unset_variables
from tidings.core.plan import JobState, plan
from tidings.core.render import render
from tidings.jobs.git import post_renames

_STYLE = {
    JobState.DUE: "bold green",
    JobState.UPCOMING: "",
    JobState.MISSED: "red",
    JobState.DONE: "dim",
    JobState.PENDING: "yellow",
    JobState.BLOCKED: "bold red",
    JobState.DRAFT: "dim italic",
    JobState.FAILED: "bold red",
}


def shorten(line: str, width: int) -> str:
    """``line`` cut to at most ``width`` characters at a word boundary, with an ellipsis."""
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    if line[width - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


@click.command("plan")
@now_option
@click.option("--days", default=7.0, show_default=True, help="How far ahead to look.")
@click.pass_obj
def command(obj: Context, now_text: str | None, days: float) -> None:
    """Show what is due, coming up, missed or done, per channel.

    A job is due when its time has come, it is not a draft, its checks pass and the ledger
    has no final state for it; a job later than the lateness window is missed. Evergreen
    posts are shown in the posting slots they will fill ("(evergreen)", with the slot's name).

    \b
    Examples:
      tidings plan
      tidings plan --days 30
      tidings plan --now "2026-12-20 09:00"
    """
    from rich.console import Console  # imported here: other commands start faster without it
    from rich.markup import escape  # posts' text and ids are printed, never read as markup
    from rich.table import Table

    result = check_workspace(obj.root, renamed=post_renames(obj.root))
    ws = result.workspace
    tz = ws.brand.timezone if ws.brand else UTC
    now = resolve_now(now_text, tz)
    jobs = plan(ws, now, days=days, blocked=result.blocked_posts())
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)  # pipes and CI logs: room for the text
    table = Table(
        title=escape(
            f"{ws.brand.name if ws.brand else 'tidings'}: "
            f"{now.astimezone(tz):%Y-%m-%d %H:%M %Z}, next {days:g} days"
        )
    )
    table.add_column("when", no_wrap=True)
    table.add_column("channel", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("post", overflow="fold", ratio=2)
    table.add_column("text", overflow="fold", ratio=3)
    for job in jobs:
        channel = ws.channels.get(job.channel)
        missing = unset_variables(channel, os.environ) if channel else ()
        state = job.state.value + (f" ({job.note})" if job.note else "")
        # the first line as the channel will receive it (variant, UTM tags, escaping)
        rendered = render(job.post, channel, ws.brand) if channel else None
        first = rendered.parts[0].text if rendered and rendered.parts else job.first_line
        table.add_row(
            f"{job.at.astimezone(tz):%a %d %b %H:%M}",
            escape(job.channel + ("*" if missing else "")),
            escape(state),
            escape(job.post.id + (" (evergreen)" if job.evergreen else "")),
            escape(shorten(first.split("\n", 1)[0], 60)),
            style=_STYLE[job.state],
        )
    console.print(table)
    counts = {s: sum(j.state is s for j in jobs) for s in JobState}
    console.print(
        ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "nothing scheduled"
    )
    unconfigured = {
        c.id: missing for c in ws.channels.values() if (missing := unset_variables(c, os.environ))
    }
    if unconfigured:
        console.print("* not configured (publishing skips them until these are set):")
        for cid, missing in sorted(unconfigured.items()):
            console.print(escape(f"  {cid}: {', '.join(missing)}"), highlight=False)
