"""`tidings check`"""

from __future__ import annotations

import sys

import click

from ..check import check_workspace
from ..reporters import REPORTERS
from .main import Context


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.pass_obj
def command(obj: Context, paths: tuple[str, ...], fmt: str) -> None:
    """Check posts, calendars, brand files and the ledger.

    With PATHS, check only those files (plus the files they depend on): what pre-commit
    passes. Exit status: 0 no errors, 1 errors found, 2 usage or internal failure.

    \b
    Examples:
      tidings check
      tidings check content/posts/2026/12/holiday-hours.md
      tidings check --format json | jq '.[] | select(.severity == "error")'
      tidings check --format github      # annotations in a GitHub Actions run
    """
    result = check_workspace(obj.root, paths)
    count, noun = (len(paths), "file") if paths else (len(result.workspace.post_files), "post")
    checked = f"{count} {noun}{'s' * (count != 1)}"
    output = REPORTERS[fmt](result.diagnostics, checked=checked)
    if output:
        click.echo(output)
    sys.exit(0 if result.ok else 1)
