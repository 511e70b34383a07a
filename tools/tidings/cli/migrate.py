"""`tidings migrate`"""

from __future__ import annotations

import click

from tidings.cli.context import Context


@click.command("migrate")
@click.option("--dry-run", is_flag=True, help="Show the first step's diff; write nothing.")
@click.pass_obj
def command(obj: Context, dry_run: bool) -> None:
    """Rewrite this repository's files into the file format this engine reads.

    Runs each format step (N → N+1) in order, shows every change as a unified diff and sets
    `format:` in tidings.yaml after each step. Nothing to do when the repository is already
    in this engine's format.

    \b
    Examples:
      tidings migrate --dry-run
      tidings migrate
    """
    from tidings.scaffold.migrate import migrate
    from tidings.workspace.formats import FORMAT

    steps, changes = migrate(obj.root_of_any_format, dry_run=dry_run)
    if not steps:
        click.echo(
            f"this repository is in format {FORMAT}, the one this engine reads: nothing to do"
        )
        return
    for change in changes:
        click.echo(change.diff(), nl=False)
    for step in steps[: 1 if dry_run else None]:
        click.echo(f"{'would run' if dry_run else 'ran'}: {step.title}", err=True)
