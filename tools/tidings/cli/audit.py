"""`tidings audit`"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tidings.cli.collecting import commit_options, commit_wanted, console, print_warnings, shown
from tidings.cli.context import Context
from tidings.cli.options import now_from, now_option

if TYPE_CHECKING:
    from tidings.jobs.audit import Report

_STYLE = {"ok": "", "skipped": "yellow", "failed": "bold red"}


@click.command("audit")
@now_option
@commit_options("audit file")
@click.pass_obj
def command(obj: Context, now_text: str | None, push: bool, no_commit: bool) -> None:
    """Audit every account: profile against brand.yaml, cadence, inactivity, engagement trend.

    For each channel, reads the account's public profile through its platform's API
    (Mastodon verify_credentials, Bluesky app.bsky.actor.getProfile) and compares the
    display name, bio, link, avatar and banner with brand.yaml's `profile` (name, bio or
    bios per platform, link) and the platform's profile image spec. It also counts the
    posts of the last 90 days in the ledger against `cadence`, flags channels with no post
    in 30 days, and reads the engagement trend (last 30 days against the 30 before) from
    the latest metrics snapshot. The result is metrics/audits/YYYY-MM-DD.yaml, committed;
    a second run the same day that finds the same changes nothing. A platform that fails
    marks only its channel (exit code 1); channels without credentials are skipped.

    \b
    Examples:
      tidings audit                          audit now, commit locally
      tidings audit --push                   what the audit workflow runs
      tidings audit --no-commit --now "2027-01-15 09:00"
    """
    from tidings.jobs.audit import Options, audit

    commit = commit_wanted(push, no_commit)
    opts = Options(now=now_from(obj, now_text), push=push, commit=commit)
    report = audit(obj.root, opts)
    _print(report)
    sys.exit(report.exit_code)


def _print(report: Report) -> None:
    from rich.table import Table

    from tidings.cli.collecting import where

    escape = shown
    out = console()
    assert report.audit is not None
    table = Table(title=f"tidings audit {report.audit.day.isoformat()}")
    for name in ("channel", "platform", "profile"):
        table.add_column(name, no_wrap=True)
    table.add_column("findings", overflow="fold", ratio=3)
    for name in ("posts/week", "last post", "engagement"):
        table.add_column(name, no_wrap=True)
    for c in report.audit.channels.values():
        findings = "; ".join(f.message for f in c.findings) or (c.error or "")
        target = c.cadence.target_per_week
        cadence = f"{c.cadence.per_week:g}" + (f" of {target}" if target is not None else "")
        last = c.last_post.isoformat() if c.last_post else "never"
        if c.inactive:
            last += " (inactive)"
        trend = c.trend.direction
        if c.trend.recent is not None and c.trend.previous is not None:
            trend += f" ({c.trend.previous:g} → {c.trend.recent:g})"
        table.add_row(
            escape(c.channel),
            escape(c.platform),
            escape(c.state),
            escape(findings),
            escape(cadence),
            escape(last),
            escape(trend),
            style=_STYLE.get(c.state, ""),
        )
    out.print(table)
    if report.written:
        out.print(escape(f"{report.path} written{where(report.committed, report.pushed)}"))
    else:
        out.print(escape(f"{report.path} is unchanged: nothing new today"))
    print_warnings(out, report.warnings)
