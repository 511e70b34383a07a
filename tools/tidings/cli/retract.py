"""`tidings retract`"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option
from tidings.errors import UsageError

if TYPE_CHECKING:
    from tidings.jobs.retract import RetractReport


@click.command("retract")
@click.argument("post")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="ID",
    help="Only take it down on this channel (repeatable; default: every channel).",
)
@click.option("--reason", required=True, metavar="TEXT", help="Why it comes down (in the ledger).")
@click.option("--push", is_flag=True, help="Push every ledger commit (what CI uses).")
@click.option(
    "--no-commit", "no_commit", is_flag=True, help="Write the ledger but do not commit it."
)
@now_option
@click.pass_obj
def command(
    obj: Context,
    post: str,
    channels: tuple[str, ...],
    reason: str,
    push: bool,
    no_commit: bool,
    now_text: str | None,
) -> None:
    """Take a published post down now, on every channel that can delete it.

    For emergencies; the reviewed way is a pull request that sets `retract: true` in the
    post's front matter. Each channel's take-down is claimed in the ledger (committed, and
    with --push pushed) before anything is deleted, then recorded as retracted with who and
    why. Channels whose platform cannot delete (Instagram, Slack) are named with the address
    a person must delete by hand. Exit status: 0 when everything is down, 1 when a channel
    failed or needs a person.

    \b
    Examples:
      tidings retract 2026/12/holiday-hours --reason "wrong opening hours" --push
      tidings retract 2026/12/holiday-hours --channel mastodon --reason "typo in the price"
    """
    from tidings.jobs.retract import retract  # httpx and the adapters: only when retracting
    from tidings.jobs.run import Options

    if push and no_commit:
        raise UsageError("--push and --no-commit cannot be used together", "choose one")
    opts = Options(now=now_from(obj, now_text), push=push, commit=not no_commit)
    who = opts.env.get("GITHUB_ACTOR") or opts.env.get("USER") or "a person"
    report = retract(obj.root, opts, post, reason, channels=frozenset(channels), who=who)
    _print(report)
    sys.exit(report.exit_code)


def _print(report: RetractReport) -> None:
    if not report.removals:
        click.echo(f"Nothing to take down: {report.post_id} has nothing online in the ledger.")
        return
    for removal in report.removals:
        color = {"retracted": "green", "by hand": "yellow"}.get(removal.result, "red")
        click.secho(f"{removal.channel}: {removal.result}", fg=color, bold=True, nl=False)
        click.echo(f" ({removal.detail})")
    by_hand = [r for r in report.removals if r.result == "by hand"]
    if by_hand:
        click.secho("A person must delete these by hand:", fg="yellow", bold=True)
        for removal in by_hand:
            for url in removal.urls:
                click.echo(f"  {removal.channel}: {url}")
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow")
